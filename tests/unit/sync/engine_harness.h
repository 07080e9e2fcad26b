/* Harness of the sync engine tests: a drydock per group, an app's objects and the step loop. */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "drydock_fixture.h"
#include "kube/client.h"
#include "kube/config.h"
#include "sync/engine.h"
#include "sync/hook.h"
#include "value/json.h"
#include "value/yaml.h"

/* The label that says which app an object belongs to (the app is named as its namespace). */
#define ENG_LABEL    "app.kubernetes.io/instance"
#define ENG_REVISION "2f4c1d9e5b7a0c3d8e9f1a2b3c4d5e6f7a8b9c0d"

typedef struct eng_cluster {
	cap_drydock dd;
	cap_kube_client *client;
} eng_cluster;

/* A group's setup: a drydock (controllers at 50 ms when asked) and a client to it. */
static inline int eng_cluster_start(void **state, bool controllers)
{
	eng_cluster *c = calloc(1, sizeof(*c));
	cap_drydock_options o = {.controllers = controllers,
				 .extra_args = controllers ? "--controller-delay-ms 50" : NULL};
	*state = c;
	if (cap_drydock_start(&c->dd, &o) != 0)
		return -1;
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cap_kube_config_options lo = {.kubeconfig = c->dd.kubeconfig.ptr};
	if (cap_kube_config_load(&cfg, &lo) != 0)
		return -1;
	cap_kube_client_options co = {.qps = -1};
	int rc = cap_kube_client_new(&c->client, &cfg, &co);
	cap_kube_config_release(&cfg);
	return rc ? -1 : 0;
}

static inline int eng_cluster_stop(void **state)
{
	eng_cluster *c = *state;
	cap_kube_client_free(c->client);
	cap_drydock_stop(&c->dd);
	free(c);
	return 0;
}

/* One app: its desired objects, options and the operation's results so far. */
typedef struct eng_app {
	eng_cluster *c;
	char name[64]; /* the app and its destination namespace */
	cap_value *targets, *hooks, *live, *results;
	bool in_sync[32];
	cap_sync_option_set options;
	cap_sync_request req;
	cap_sync_outcome out;
	const char *extra_kinds[4]; /* "apiVersion Kind" of custom kinds to read live */
} eng_app;

/* Parses flow YAML written with printf arguments. */
static inline cap_value *eng_yaml(const char *fmt, va_list ap)
{
	char text[4096];
	vsnprintf(text, sizeof(text), fmt, ap);
	cap_value *v = NULL;
	if (cap_yaml_parse(&v, text, strlen(text), "test", NULL) != 0)
		fail_msg("bad test YAML %s: %s", text, cap_error_last());
	return v;
}

static inline void eng_label(eng_app *a, cap_value *obj)
{
	cap_value *meta = cap_value_object_get(obj, "metadata");
	cap_value *labels = cap_value_object_get(meta, "labels");
	if (!labels) {
		labels = cap_value_object();
		cap_value_object_set(meta, "labels", labels);
	}
	cap_value_object_set(labels, ENG_LABEL, cap_value_string(a->name));
}

/* Starts an app named name; its namespace is created unless create_ns is false. */
static inline void eng_app_init(eng_app *a, void **state, const char *name, bool create_ns)
{
	static int64_t started = 1700000000;
	memset(a, 0, sizeof(*a));
	a->c = *state;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->targets = cap_value_array();
	a->hooks = cap_value_array();
	a->live = cap_value_array();
	cap_sync_option_set empty = CAP_SYNC_OPTION_SET_INIT;
	a->options = empty;
	a->req.client = a->c->client;
	a->req.targets = a->targets;
	a->req.in_sync = a->in_sync;
	a->req.hooks = a->hooks;
	a->req.live = a->live;
	a->req.revision = ENG_REVISION;
	a->req.started_at = started++;
	a->req.namespace = a->name;
	a->req.options = &a->options;
	a->req.prune = true;
	if (create_ns)
		assert_int_equal(
		    cap_drydock_kubectl(&a->c->dd, NULL, "create namespace %s >/dev/null", name),
		    0);
}

static inline void eng_app_release(eng_app *a)
{
	cap_value_free(a->targets);
	cap_value_free(a->hooks);
	cap_value_free(a->live);
	cap_value_free(a->results);
	cap_sync_option_set_release(&a->options);
	cap_sync_outcome_release(&a->out);
}

/* A new operation of the same app (results forgotten, a later start time). */
static inline void eng_new_operation(eng_app *a)
{
	cap_value_free(a->results);
	a->results = NULL;
	cap_sync_outcome_release(&a->out);
	a->req.started_at += 1000;
}

/* Adds a desired object (a hook when it is one), labelled as the app's; returns it. */
__attribute__((format(printf, 2, 3))) static inline cap_value *eng_add(eng_app *a, const char *fmt,
								       ...)
{
	va_list ap;
	va_start(ap, fmt);
	cap_value *obj = eng_yaml(fmt, ap);
	va_end(ap);
	eng_label(a, obj);
	cap_value_array_append(cap_sync_hook_is_hook(obj) ? a->hooks : a->targets, obj);
	return obj;
}

/* Creates an object of the app in the cluster directly (as an earlier sync left it). */
__attribute__((format(printf, 2, 3))) static inline cap_value *eng_create(eng_app *a,
									  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cap_value *obj = eng_yaml(fmt, ap);
	va_end(ap);
	eng_label(a, obj);
	cap_value *made = NULL;
	cap_kube_write_options wo = {.namespace = a->name};
	if (cap_kube_create(a->c->client, &made, obj, &wo) != 0)
		fail_msg("create: %s", cap_error_last());
	cap_value_free(obj);
	return made;
}

static inline void eng_list_into(eng_app *a, const char *api, const char *kind)
{
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&k, api, kind, "", "");
	char sel[128];
	snprintf(sel, sizeof(sel), ENG_LABEL "=%s", a->name);
	cap_kube_list_options lo = {.label_selector = sel};
	cap_kube_object_list l = {0};
	if (cap_kube_list(a->c->client, &l, &k, &lo) == 0) {
		size_t i;
		cap_value *o;
		CAP_VALUE_ARRAY_FOREACH(l.items, i, o)
		{
			cap_value_array_append(a->live, cap_value_ref(o));
		}
	}
	cap_kube_object_list_release(&l);
	cap_kube_key_release(&k);
}

/* Reads the app's live objects back (everything labelled as the app's, of the kinds used). */
static inline void eng_refresh(eng_app *a)
{
	static const char *const kinds[][2] = {
	    {"v1", "ConfigMap"}, {"batch/v1", "Job"}, {"apps/v1", "Deployment"}, {"v1", "Pod"}};
	cap_value_array_clear(a->live);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		eng_list_into(a, kinds[i][0], kinds[i][1]);
	for (size_t i = 0; i < 4 && a->extra_kinds[i]; i++) {
		char api[128];
		const char *sp = strchr(a->extra_kinds[i], ' ');
		snprintf(api, sizeof(api), "%.*s", (int)(sp - a->extra_kinds[i]),
			 a->extra_kinds[i]);
		eng_list_into(a, api, sp + 1);
	}
}

/* One step of the operation on fresh live objects; returns its phase. */
static inline cap_sync_op_phase eng_step(eng_app *a)
{
	eng_refresh(a);
	cap_sync_outcome_release(&a->out);
	assert_int_equal(cap_sync_reconcile(&a->out, &a->req, a->results), 0);
	cap_value_free(a->results);
	a->results = cap_value_ref(a->out.results);
	return a->out.phase;
}

static inline void eng_dump(const eng_app *a)
{
	char *s = cap_json_to_string(a->results, 0);
	printf("# %s: phase %s, message %s\n# results %s\n", a->name,
	       cap_sync_op_phase_name(a->out.phase), a->out.message ? a->out.message : "(none)", s);
	free(s);
}

/* Steps until the operation is over (10 s at most), waiting at most 50 ms between steps. */
static inline cap_sync_op_phase eng_run(eng_app *a)
{
	uint64_t until = cap_time_now_ms() + 10000;
	while (eng_step(a) == CAP_SYNC_OP_RUNNING) {
		if (cap_time_now_ms() > until) {
			eng_dump(a);
			fail_msg("%s: still running: %s", a->name, a->out.message);
		}
		cap_time_sleep_ms(a->out.requeue_ms < 50 ? a->out.requeue_ms : 50);
	}
	return a->out.phase;
}

/* Steps until the operation is over and checks it ended in phase with message. */
static inline void eng_run_expect(eng_app *a, cap_sync_op_phase phase, const char *message)
{
	if (eng_run(a) != phase || (message && strcmp(a->out.message ?: "", message))) {
		eng_dump(a);
		fail_msg("%s: expected %s \"%s\", got %s \"%s\"", a->name,
			 cap_sync_op_phase_name(phase), message ? message : "*",
			 cap_sync_op_phase_name(a->out.phase), a->out.message);
	}
}

/* Index in the results of kind/name (in sync phase phase when not NULL), or -1. */
static inline int eng_index(const eng_app *a, const char *kind, const char *name, const char *phase)
{
	size_t i;
	cap_value *r;
	CAP_VALUE_ARRAY_FOREACH(a->results, i, r)
	{
		if (!strcmp(cap_value_dig_string(r, "kind", NULL) ?: "", kind) &&
		    !strcmp(cap_value_dig_string(r, "name", NULL) ?: "", name) &&
		    (!phase || !strcmp(cap_value_dig_string(r, "syncPhase", NULL) ?: "", phase)))
			return (int)i;
	}
	return -1;
}

/* The result of kind/name; fails the test when there is none. */
static inline cap_value *eng_result(const eng_app *a, const char *kind, const char *name)
{
	int i = eng_index(a, kind, name, NULL);
	if (i < 0) {
		eng_dump(a);
		fail_msg("%s: no result for %s/%s", a->name, kind, name);
	}
	return cap_value_array_get(a->results, (size_t)i);
}

/* A member of kind/name's result ("status", "message", "hookPhase", "syncPhase", …). */
static inline const char *eng_field(const eng_app *a, const char *kind, const char *name,
				    const char *field)
{
	return cap_value_dig_string(eng_result(a, kind, name), field, NULL) ?: "";
}

/* Checks kind/name's result status and message. */
static inline void eng_expect(const eng_app *a, const char *kind, const char *name,
			      const char *status, const char *message)
{
	const char *s = eng_field(a, kind, name, "status");
	const char *m = eng_field(a, kind, name, "message");
	if (strcmp(s, status) || strcmp(m, message)) {
		eng_dump(a);
		fail_msg("%s/%s: expected %s \"%s\", got %s \"%s\"", kind, name, status, message, s,
			 m);
	}
}

/* GETs an object of the app's namespace (or cluster-scoped); NULL when it does not exist. */
static inline cap_value *eng_get(const eng_app *a, const char *api, const char *kind,
				 const char *name)
{
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&k, api, kind, a->name, name);
	cap_value *v = NULL;
	int rc = cap_kube_get(a->c->client, &v, &k);
	cap_kube_key_release(&k);
	if (rc && rc != CAP_ENOTFOUND)
		fail_msg("get %s/%s: %s", kind, name, cap_error_last());
	return rc ? NULL : v;
}

/* Whether the object exists (true) or is gone (false) within 5 s. */
static inline bool eng_wait_exists(const eng_app *a, const char *api, const char *kind,
				   const char *name, bool exists)
{
	uint64_t until = cap_time_now_ms() + 5000;
	for (;;) {
		cap_value *v = eng_get(a, api, kind, name);
		cap_value_free(v);
		if ((v != NULL) == exists)
			return true;
		if (cap_time_now_ms() > until)
			return false;
		cap_time_sleep_ms(50);
	}
}

/* metadata.<field> of a live object as a new string ("" when absent or gone). */
static inline char *eng_meta(const eng_app *a, const char *api, const char *kind, const char *name,
			     const char *field)
{
	cap_value *v = eng_get(a, api, kind, name);
	char *s = strdup(cap_value_dig_string(v, "metadata", field, NULL) ?: "");
	cap_value_free(v);
	return s;
}

/* Whether a live object carries the hook finalizer. */
static inline bool eng_has_hook_finalizer(const eng_app *a, const char *api, const char *kind,
					  const char *name)
{
	cap_value *v = eng_get(a, api, kind, name);
	cap_value *fins = cap_value_dig(v, "metadata", "finalizers", NULL), *f;
	bool has = false;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(fins, i, f)
	{
		has = has || !strcmp(cap_value_get_string(f) ?: "", CAP_SYNC_HOOK_FINALIZER);
	}
	cap_value_free(v);
	return has;
}
