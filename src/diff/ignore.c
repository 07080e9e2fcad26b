/* ignoreDifferences rules: matching, JSON pointers, jq path expressions and argocd-cm reading. */
#include "diff/ignore.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "base/time.h"
#include "base/vec.h"
#include "base/wildcard.h"
#include "value/json.h"
#include "value/pointer.h"
#include "value/yaml.h"

#include <jq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_JQ_PATHS 100000

typedef struct rule {
	char *group, *kind, *name, *namespace;
	cap_strvec pointers;
	cap_strvec jq; /* expressions; their programs live in the process-wide cache */
	cap_strvec managers;
} rule;

struct cap_diff_ignore {
	CAP_VEC_OF(rule) rules;
	uint64_t jq_timeout_ms;
};

/* Compiled `path(EXPR)` programs by expression; a jq_state runs one evaluation at a time. */
static pthread_mutex_t jq_lock = PTHREAD_MUTEX_INITIALIZER;
static cap_hashmap jq_cache = CAP_HASHMAP_INIT;

/*
 * The watchdog: libjq has no time limit of its own, but its interpreter loop stops at the next
 * instruction once jq_halt was called. One thread, started on first use, halts the evaluation
 * in progress (evaluations are serialised under jq_lock, so there is at most one) when its
 * deadline passes. jq_halt only sets a flag the interpreter polls; libjq offers no other
 * way in, so that one int is written from this thread while the evaluating thread reads it.
 */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;
static jq_state *watch_jq;
static uint64_t watch_deadline_ns;

static void *watchdog(void *arg)
{
	pthread_mutex_lock(&watch_lock);
	for (;;) {
		if (!watch_jq) {
			pthread_cond_wait(&watch_cond, &watch_lock);
			continue;
		}
		uint64_t now = cap_time_now_ns();
		if (now >= watch_deadline_ns) {
			if (!jq_halted(watch_jq))
				jq_halt(watch_jq, jv_invalid(), jv_invalid());
			watch_jq = NULL;
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t wait = watch_deadline_ns - now;
		ts.tv_sec += (time_t)(wait / 1000000000u);
		ts.tv_nsec += (long)(wait % 1000000000u);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&watch_cond, &watch_lock, &ts);
	}
	return NULL;
}

static void watch_start(void)
{
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, watchdog, NULL) != 0)
		cap_error_clear(); /* no watchdog: only the checks between results remain */
	pthread_attr_destroy(&attr);
}

/* Arms (jq not NULL) or disarms the watchdog for the evaluation in progress. */
static void watch(jq_state *jq, cap_deadline deadline)
{
	pthread_once(&watch_once, watch_start);
	pthread_mutex_lock(&watch_lock);
	watch_jq = jq;
	watch_deadline_ns = deadline.at_ns;
	pthread_cond_signal(&watch_cond);
	pthread_mutex_unlock(&watch_lock);
}

static void jq_quiet(void *data, jv msg)
{
	jv_free(msg);
}

static void jq_state_free(void *p)
{
	jq_state *jq = p;
	if (jq)
		jq_teardown(&jq);
}

/* At exit: the cached programs and the memory of their last evaluation. */
static void jq_cache_free(void)
{
	pthread_mutex_lock(&jq_lock);
	cap_hashmap_release(&jq_cache, jq_state_free);
	pthread_mutex_unlock(&jq_lock);
}

/* The cached program for expr, compiled on first use; NULL when it does not compile. */
static jq_state *jq_program(const char *expr)
{
	static bool registered;
	jq_state *jq = NULL;
	if (cap_hashmap_find(&jq_cache, expr, strlen(expr), (void **)&jq))
		return jq;
	if (!registered) {
		registered = true;
		atexit(jq_cache_free);
	}
	jq = jq_init();
	if (jq) {
		jq_set_error_cb(jq, jq_quiet, NULL);
		cap_buf prog = CAP_BUF_INIT;
		cap_buf_printf(&prog, "path(%s)", expr);
		if (!jq_compile(jq, prog.ptr))
			jq_teardown(&jq);
		cap_buf_release(&prog);
	}
	cap_hashmap_put(&jq_cache, expr, jq);
	return jq;
}

cap_diff_ignore *cap_diff_ignore_new(void)
{
	cap_diff_ignore *ig = cap_calloc(1, sizeof(*ig));
	ig->jq_timeout_ms = 1000;
	return ig;
}

void cap_diff_ignore_set_jq_timeout(cap_diff_ignore *ig, uint64_t ms)
{
	ig->jq_timeout_ms = ms;
}

void cap_diff_ignore_free(cap_diff_ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->rules.len; i++) {
		rule *r = &ig->rules.items[i];
		free(r->group);
		free(r->kind);
		free(r->name);
		free(r->namespace);
		cap_strvec_release(&r->pointers);
		cap_strvec_release(&r->jq);
		cap_strvec_release(&r->managers);
	}
	CAP_VEC_RELEASE(&ig->rules);
	free(ig);
}

size_t cap_diff_ignore_count(const cap_diff_ignore *ig)
{
	return ig ? ig->rules.len : 0;
}

static int add_strings(cap_strvec *out, const cap_value *list, const char *what)
{
	if (!list || cap_value_is_null(list))
		return 0;
	if (!cap_value_is_array(list))
		return cap_error_set(CAP_EINVALID, "'%s' must be a list", what);
	for (size_t i = 0; i < cap_value_array_len(list); i++) {
		const char *s = cap_value_get_string(cap_value_array_get(list, i));
		if (!s)
			return cap_error_set(CAP_EINVALID, "'%s' item %zu is not a string", what,
					     i);
		cap_strvec_push(out, s);
	}
	return 0;
}

static int add_rule(cap_diff_ignore *ig, const char *group, const char *kind, const char *name,
		    const char *ns, const cap_value *spec)
{
	rule r = {cap_strdup(group ? group : ""),
		  cap_strdup(kind ? kind : ""),
		  cap_strdup(name ? name : ""),
		  cap_strdup(ns ? ns : ""),
		  CAP_STRVEC_INIT,
		  CAP_STRVEC_INIT,
		  CAP_STRVEC_INIT};
	int rc =
	    add_strings(&r.pointers, cap_value_object_get(spec, "jsonPointers"), "jsonPointers");
	if (!rc)
		rc = add_strings(&r.jq, cap_value_object_get(spec, "jqPathExpressions"),
				 "jqPathExpressions");
	if (!rc)
		rc = add_strings(&r.managers, cap_value_object_get(spec, "managedFieldsManagers"),
				 "managedFieldsManagers");
	for (size_t i = 0; !rc && i < r.pointers.len; i++) {
		cap_value *tokens = NULL;
		rc = cap_pointer_parse(&tokens, r.pointers.items[i]);
		cap_value_free(tokens);
	}
	pthread_mutex_lock(&jq_lock);
	for (size_t i = 0; !rc && i < r.jq.len; i++)
		if (!jq_program(r.jq.items[i]))
			rc = cap_error_set(CAP_EINVALID, "cannot compile jq path expression '%s'",
					   r.jq.items[i]);
	pthread_mutex_unlock(&jq_lock);
	if (rc) {
		free(r.group);
		free(r.kind);
		free(r.name);
		free(r.namespace);
		cap_strvec_release(&r.pointers);
		cap_strvec_release(&r.jq);
		cap_strvec_release(&r.managers);
		return rc;
	}
	CAP_VEC_PUSH(&ig->rules, r);
	return 0;
}

int cap_diff_ignore_add_app(cap_diff_ignore *ig, const cap_value *entries)
{
	if (!entries || cap_value_is_null(entries))
		return 0;
	if (!cap_value_is_array(entries))
		return cap_error_set(CAP_EINVALID, "ignoreDifferences must be a list");
	for (size_t i = 0; i < cap_value_array_len(entries); i++) {
		const cap_value *e = cap_value_array_get(entries, i);
		if (!cap_value_is_object(e))
			return cap_error_set(CAP_EINVALID,
					     "ignoreDifferences[%zu] is not an object", i);
		const char *kind = cap_value_dig_string(e, "kind", NULL);
		int rc = add_rule(ig, cap_value_dig_string(e, "group", NULL), kind ? kind : "*",
				  cap_value_dig_string(e, "name", NULL),
				  cap_value_dig_string(e, "namespace", NULL), e);
		if (rc)
			return cap_error_prefix("ignoreDifferences[%zu]: ", i);
	}
	return 0;
}

int cap_diff_ignore_add_override(cap_diff_ignore *ig, const char *group, const char *kind,
				 const cap_value *spec)
{
	return add_rule(ig, group, kind, NULL, NULL, spec);
}

static const cap_value *cm_data(const cap_value *configmap)
{
	const cap_value *data = cap_value_object_get(configmap, "data");
	if (cap_value_is_object(data))
		return data;
	return cap_value_object_get(configmap, "kind") ? NULL : configmap;
}

static int parse_yaml_value(cap_value **out, const char *key, const cap_value *v)
{
	if (!cap_value_is_string(v)) {
		*out = cap_value_ref((cap_value *)v);
		return 0;
	}
	return cap_yaml_parse(out, cap_value_get_string(v), cap_value_string_len(v), key, NULL);
}

/* "group_Kind", "Kind" or "all" into a group and kind (Argo CD's override key forms). */
static void split_group_kind(const char *gk, cap_buf *group, cap_buf *kind)
{
	if (!strcmp(gk, "all")) {
		cap_buf_sets(group, "*");
		cap_buf_sets(kind, "*");
		return;
	}
	const char *sep = strrchr(gk, '_');
	if (!sep)
		sep = strrchr(gk, '/');
	if (sep) {
		cap_buf_clear(group);
		cap_buf_put(group, gk, (size_t)(sep - gk));
		cap_buf_sets(kind, sep + 1);
	} else {
		cap_buf_clear(group);
		cap_buf_sets(kind, gk);
	}
}

int cap_diff_ignore_add_argocd_cm(cap_diff_ignore *ig, const cap_value *configmap)
{
	static const char prefix[] = "resource.customizations.ignoreDifferences.";
	const cap_value *data = cm_data(configmap);
	const char *key;
	cap_value *v;
	cap_buf group = CAP_BUF_INIT, kind = CAP_BUF_INIT;
	int rc = 0;

	CAP_VALUE_OBJECT_FOREACH(data, key, v)
	{
		cap_value *body = NULL;
		if (!strncmp(key, prefix, sizeof(prefix) - 1)) {
			if ((rc = parse_yaml_value(&body, key, v)))
				break;
			split_group_kind(key + sizeof(prefix) - 1, &group, &kind);
			rc = add_rule(ig, group.ptr, kind.ptr, NULL, NULL, body);
		} else if (!strcmp(key, "resource.customizations")) {
			if ((rc = parse_yaml_value(&body, key, v)))
				break;
			for (void *it = cap_value_object_iter(body); it;
			     it = cap_value_object_iter_next(body, it)) {
				const char *gk = cap_value_object_iter_key(it);
				cap_value *custom = cap_value_object_iter_value(it);
				cap_value *spec = NULL;
				const cap_value *idiff =
				    cap_value_object_get(custom, "ignoreDifferences");
				if (!idiff)
					continue;
				if ((rc = parse_yaml_value(&spec, gk, idiff)))
					break;
				split_group_kind(gk, &group, &kind);
				rc = add_rule(ig, group.ptr, kind.ptr, NULL, NULL, spec);
				cap_value_free(spec);
				if (rc)
					break;
			}
		}
		cap_value_free(body);
		if (rc)
			break;
	}
	cap_buf_release(&group);
	cap_buf_release(&kind);
	if (rc)
		return cap_error_prefix("cannot read argocd-cm key '%s': ", key);
	return 0;
}

int cap_diff_compare_options(bool *ignore_aggregated_roles, cap_diff_status_mode *status,
			     const cap_value *configmap)
{
	const cap_value *v = cap_value_object_get(cm_data(configmap), "resource.compareoptions");
	cap_value *opts = NULL;
	if (!v)
		return 0;
	int rc = parse_yaml_value(&opts, "resource.compareoptions", v);
	if (rc)
		return rc;
	const cap_value *agg = cap_value_object_get(opts, "ignoreAggregatedRoles");
	if (cap_value_is_bool(agg))
		*ignore_aggregated_roles = cap_value_get_bool(agg);
	const char *st = cap_value_dig_string(opts, "ignoreResourceStatusField", NULL);
	if (st && !strcmp(st, "all"))
		*status = CAP_DIFF_STATUS_ALL;
	else if (st && (!strcmp(st, "crd") || !*st))
		*status = CAP_DIFF_STATUS_CRD;
	else if (st && (!strcmp(st, "off") || !strcmp(st, "none")))
		*status = CAP_DIFF_STATUS_OFF;
	cap_value_free(opts);
	return 0;
}

static bool rule_matches(const rule *r, const cap_value *obj)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *kind = cap_value_dig_string(obj, "kind", NULL);
	const char *name = cap_value_dig_string(obj, "metadata", "name", NULL);
	const char *ns = cap_value_dig_string(obj, "metadata", "namespace", NULL);
	char group[256] = "";
	const char *slash = av ? strchr(av, '/') : NULL;
	if (slash && (size_t)(slash - av) < sizeof(group)) {
		memcpy(group, av, (size_t)(slash - av));
		group[slash - av] = '\0';
	}
	return cap_wildcard_match(r->group, group) &&
	       cap_wildcard_match(r->kind, kind ? kind : "") &&
	       (!*r->name || (name && !strcmp(r->name, name))) &&
	       (!*r->namespace || (ns && !strcmp(r->namespace, ns)));
}

bool cap_diff_ignore_matches(const cap_diff_ignore *ig, const cap_value *obj)
{
	for (size_t i = 0; ig && i < ig->rules.len; i++)
		if (rule_matches(&ig->rules.items[i], obj))
			return true;
	return false;
}

/* Path arrays in removal order: deeper and later array items first. */
static int cmp_path_desc(const void *a, const void *b)
{
	size_t na = cap_value_array_len(a), nb = cap_value_array_len(b);
	for (size_t i = 0; i < na && i < nb; i++) {
		const cap_value *x = cap_value_array_get(a, i), *y = cap_value_array_get(b, i);
		int c;
		if (cap_value_is_int(x) && cap_value_is_int(y))
			c = cap_value_get_int(x) < cap_value_get_int(y)	  ? -1
			    : cap_value_get_int(x) > cap_value_get_int(y) ? 1
									  : 0;
		else
			c = strcmp(cap_value_get_string(x) ?: "", cap_value_get_string(y) ?: "");
		if (c)
			return -c;
	}
	return na < nb ? 1 : na > nb ? -1 : 0;
}

/* Adds the paths expr yields on doc (as arrays of keys and indexes) to paths. */
static void jq_paths(cap_vec *paths, const char *expr, jv doc, cap_deadline deadline)
{
	jq_state *jq = jq_program(expr);
	if (!jq) {
		jv_free(doc);
		return;
	}
	jq_start(jq, doc, 0);
	if (deadline.at_ns != UINT64_MAX)
		watch(jq, deadline);
	for (jv out = jq_next(jq); jv_is_valid(out); out = jq_next(jq)) {
		if (jv_get_kind(out) == JV_KIND_ARRAY && paths->len < MAX_JQ_PATHS) {
			cap_value *p = cap_value_array();
			int n = jv_array_length(jv_copy(out));
			for (int i = 0; i < n; i++) {
				jv el = jv_array_get(jv_copy(out), i);
				if (jv_get_kind(el) == JV_KIND_NUMBER)
					cap_value_array_append(
					    p, cap_value_int((int64_t)jv_number_value(el)));
				else if (jv_get_kind(el) == JV_KIND_STRING)
					cap_value_array_append(
					    p, cap_value_string(jv_string_value(el)));
				jv_free(el);
			}
			cap_vec_push(paths, p);
		}
		jv_free(out);
		if (cap_deadline_expired(deadline) || paths->len >= MAX_JQ_PATHS)
			break;
	}
	/* a pending error value (e.g. a non-path expression) ends the run: nothing more to do */
	if (deadline.at_ns != UINT64_MAX)
		watch(NULL, CAP_DEADLINE_NEVER);
	if (jq_halted(jq)) {
		/* libjq 1.6 keeps a halted state halted: compile afresh next time */
		cap_hashmap_remove(&jq_cache, expr, NULL);
		jq_teardown(&jq);
	}
}

static void remove_path(cap_value *obj, const cap_value *path)
{
	cap_buf ptr = CAP_BUF_INIT;
	cap_value *tok;
	size_t i;
	char num[32];
	CAP_VALUE_ARRAY_FOREACH(path, i, tok)
	{
		if (cap_value_is_int(tok)) {
			int n =
			    snprintf(num, sizeof(num), "%lld", (long long)cap_value_get_int(tok));
			cap_pointer_append_token(&ptr, num, (size_t)n);
		} else {
			cap_pointer_append_token(&ptr, cap_value_get_string(tok),
						 cap_value_string_len(tok));
		}
	}
	if (ptr.len && cap_pointer_remove(obj, ptr.ptr))
		cap_error_clear();
	cap_buf_release(&ptr);
}

void cap_diff_ignore_apply(const cap_diff_ignore *ig, cap_value *obj)
{
	for (size_t i = 0; ig && i < ig->rules.len; i++) {
		const rule *r = &ig->rules.items[i];
		if (!rule_matches(r, obj))
			continue;
		for (size_t p = 0; p < r->pointers.len; p++)
			if (*r->pointers.items[p] && cap_pointer_remove(obj, r->pointers.items[p]))
				cap_error_clear();
		if (!r->jq.len)
			continue;
		cap_vec paths = CAP_VEC_INIT;
		char *text = cap_json_to_string(obj, CAP_JSON_COMPACT);
		cap_deadline deadline = cap_deadline_in_ms(ig->jq_timeout_ms);
		pthread_mutex_lock(&jq_lock);
		for (size_t q = 0; q < r->jq.len && !cap_deadline_expired(deadline); q++)
			jq_paths(&paths, r->jq.items[q], jv_parse(text), deadline);
		pthread_mutex_unlock(&jq_lock);
		free(text);
		cap_vec_sort(&paths, cmp_path_desc);
		for (size_t p = 0; p < paths.len; p++)
			remove_path(obj, paths.items[p]);
		cap_vec_release_with(&paths, (void (*)(void *))cap_value_free);
	}
}

void cap_diff_ignore_managers(const cap_diff_ignore *ig, const cap_value *obj, cap_strvec *out)
{
	for (size_t i = 0; ig && i < ig->rules.len; i++) {
		const rule *r = &ig->rules.items[i];
		if (!rule_matches(r, obj))
			continue;
		for (size_t m = 0; m < r->managers.len; m++)
			if (!cap_strvec_contains(out, r->managers.items[m]))
				cap_strvec_push(out, r->managers.items[m]);
	}
}
