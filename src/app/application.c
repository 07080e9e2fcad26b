/* Reading an Application object into its typed view, sync options and the operation it asks for. */
#include "app/application.h"

#include "base/alloc.h"
#include "base/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *str_or_null(const cap_value *v)
{
	const char *s = cap_value_get_string(v);
	return s && *s ? s : NULL;
}

int cap_app_parse_duration_ms(uint64_t *out, const char *text)
{
	if (!text || !*text)
		return cap_error_set(CAP_EINVALID, "invalid duration ''");
	const char *p = text;
	uint64_t total = 0;
	bool bare = true;
	for (const char *q = text; *q; q++)
		if (!isdigit((unsigned char)*q))
			bare = false;
	if (bare) {
		*out = strtoull(text, NULL, 10) * 1000;
		return 0;
	}
	while (*p) {
		char *end;
		double n = strtod(p, &end);
		if (end == p)
			return cap_error_set(CAP_EINVALID, "invalid duration '%s'", text);
		p = end;
		double mult;
		if (!strncmp(p, "ms", 2)) {
			mult = 1;
			p += 2;
		} else if (*p == 's') {
			mult = 1000;
			p++;
		} else if (*p == 'm') {
			mult = 60000;
			p++;
		} else if (*p == 'h') {
			mult = 3600000;
			p++;
		} else {
			return cap_error_set(CAP_EINVALID, "invalid duration '%s'", text);
		}
		total += (uint64_t)(n * mult);
	}
	*out = total;
	return 0;
}

uint64_t cap_app_retry_delay_ms(const cap_app_retry *r, unsigned attempt)
{
	uint64_t d = r->duration_ms ? r->duration_ms : 5000;
	uint64_t max = r->max_duration_ms ? r->max_duration_ms : 180000;
	int64_t factor = r->factor > 0 ? r->factor : 2;
	for (unsigned i = 0; i < attempt && d < max; i++)
		d *= (uint64_t)factor;
	return d > max ? max : d;
}

static int parse_retry(cap_app_retry *out, const cap_value *v, const char *what)
{
	out->present = false;
	out->limit = 0;
	out->duration_ms = 5000;
	out->factor = 2;
	out->max_duration_ms = 180000;
	if (!v)
		return 0;
	if (!cap_value_is_object(v))
		return cap_error_set(CAP_EINVALID, "'%s' must be an object", what);
	out->present = true;
	out->limit = cap_value_get_int(cap_value_object_get(v, "limit"));
	const cap_value *b = cap_value_object_get(v, "backoff");
	const char *d = str_or_null(cap_value_object_get(b, "duration"));
	const char *m = str_or_null(cap_value_object_get(b, "maxDuration"));
	int rc;
	if (d && (rc = cap_app_parse_duration_ms(&out->duration_ms, d)))
		return rc;
	if (m && (rc = cap_app_parse_duration_ms(&out->max_duration_ms, m)))
		return rc;
	if (cap_value_object_get(b, "factor"))
		out->factor = cap_value_get_int(cap_value_object_get(b, "factor"));
	return 0;
}

static int parse_operation(cap_app_operation *op, cap_value *v)
{
	memset(op, 0, sizeof(*op));
	op->strategy = "hook";
	if (!v || cap_value_is_null(v))
		return parse_retry(&op->retry, NULL, "");
	if (!cap_value_is_object(v))
		return cap_error_set(CAP_EINVALID, "'operation' must be an object");
	op->present = true;
	op->raw = v;
	op->initiated_by = str_or_null(cap_value_dig(v, "initiatedBy", "username", NULL));
	op->automated = cap_value_get_bool(cap_value_dig(v, "initiatedBy", "automated", NULL));
	int rc = parse_retry(&op->retry, cap_value_object_get(v, "retry"), "operation.retry");
	if (rc)
		return rc;
	cap_value *s = cap_value_object_get(v, "sync");
	if (!cap_value_is_object(s))
		return 0;
	op->has_sync = true;
	op->revision = str_or_null(cap_value_object_get(s, "revision"));
	op->revisions = cap_value_object_get(s, "revisions");
	op->source = cap_value_object_get(s, "source");
	op->sources = cap_value_object_get(s, "sources");
	op->prune = cap_value_get_bool(cap_value_object_get(s, "prune"));
	op->dry_run = cap_value_get_bool(cap_value_object_get(s, "dryRun"));
	op->sync_options = cap_value_object_get(s, "syncOptions");
	cap_value *strat = cap_value_object_get(s, "syncStrategy");
	if (cap_value_object_get(strat, "apply")) {
		op->strategy = "apply";
		op->force = cap_value_get_bool(cap_value_dig(strat, "apply", "force", NULL));
	} else {
		op->force = cap_value_get_bool(cap_value_dig(strat, "hook", "force", NULL));
	}
	cap_value *res = cap_value_object_get(s, "resources");
	if (res && !cap_value_is_array(res))
		return cap_error_set(CAP_EINVALID, "'operation.sync.resources' must be an array");
	size_t n = cap_value_array_len(res);
	if (n) {
		op->resources = cap_calloc(n, sizeof(*op->resources));
		for (size_t i = 0; i < n; i++) {
			cap_value *r = cap_value_array_get(res, i);
			op->resources[i].group =
			    cap_value_get_string(cap_value_object_get(r, "group"));
			if (!op->resources[i].group)
				op->resources[i].group = "";
			op->resources[i].kind = str_or_null(cap_value_object_get(r, "kind"));
			op->resources[i].namespace =
			    str_or_null(cap_value_object_get(r, "namespace"));
			op->resources[i].name = str_or_null(cap_value_object_get(r, "name"));
		}
		op->n_resources = n;
	}
	return 0;
}

static bool has_finalizer(const cap_value *obj)
{
	const cap_value *f = cap_value_dig(obj, "metadata", "finalizers", NULL);
	for (size_t i = 0; i < cap_value_array_len(f); i++) {
		const char *s = cap_value_get_string(cap_value_array_get(f, i));
		if (s && (!strcmp(s, CAP_APP_FINALIZER_RESOURCES) ||
			  !strcmp(s, CAP_APP_FINALIZER_RESOURCES_BACKGROUND)))
			return true;
	}
	return false;
}

static int check_kind(const cap_value *v, cap_value_kind kind, const char *name, const char *field)
{
	if (v && !cap_value_is_null(v) && cap_value_kind_of(v) != kind)
		return cap_error_set(CAP_EINVALID, "application '%s': '%s' must be %s", name, field,
				     kind == CAP_VALUE_ARRAY ? "an array" : "an object");
	return 0;
}

int cap_app_parse(cap_app *out, cap_value *obj)
{
	cap_app a;
	memset(&a, 0, sizeof(a));
	if (!cap_value_is_object(obj))
		return cap_error_set(CAP_EINVALID, "an application must be an object");
	const char *kind = cap_value_dig_string(obj, "kind", NULL);
	if (kind && strcmp(kind, CAP_APP_KIND))
		return cap_error_set(CAP_EINVALID, "object of kind '%s' is not an Application",
				     kind);
	a.name = str_or_null(cap_value_dig(obj, "metadata", "name", NULL));
	const char *n = a.name ? a.name : "";
	a.namespace = str_or_null(cap_value_dig(obj, "metadata", "namespace", NULL));
	a.uid = str_or_null(cap_value_dig(obj, "metadata", "uid", NULL));
	a.resource_version = str_or_null(cap_value_dig(obj, "metadata", "resourceVersion", NULL));
	a.deletion_timestamp =
	    str_or_null(cap_value_dig(obj, "metadata", "deletionTimestamp", NULL));
	a.refresh = str_or_null(
	    cap_value_dig(obj, "metadata", "annotations", CAP_APP_ANNOTATION_REFRESH, NULL));
	a.has_resources_finalizer = has_finalizer(obj);

	cap_value *spec = cap_value_object_get(obj, "spec");
	int rc;
	if ((rc = check_kind(spec, CAP_VALUE_OBJECT, n, "spec")))
		return rc;
	a.project = str_or_null(cap_value_object_get(spec, "project"));
	if (!a.project)
		a.project = "default";
	cap_value *src = cap_value_object_get(spec, "source");
	cap_value *srcs = cap_value_object_get(spec, "sources");
	if ((rc = check_kind(src, CAP_VALUE_OBJECT, n, "spec.source")) ||
	    (rc = check_kind(srcs, CAP_VALUE_ARRAY, n, "spec.sources")))
		return rc;
	/* Argo CD prefers sources when both are set */
	if (cap_value_array_len(srcs) > 0)
		a.sources = srcs;
	else if (cap_value_is_object(src))
		a.source = src;

	cap_value *dest = cap_value_object_get(spec, "destination");
	if ((rc = check_kind(dest, CAP_VALUE_OBJECT, n, "spec.destination")))
		return rc;
	a.destination.server = str_or_null(cap_value_object_get(dest, "server"));
	a.destination.name = str_or_null(cap_value_object_get(dest, "name"));
	a.destination.namespace = str_or_null(cap_value_object_get(dest, "namespace"));

	cap_value *sp = cap_value_object_get(spec, "syncPolicy");
	if ((rc = check_kind(sp, CAP_VALUE_OBJECT, n, "spec.syncPolicy")))
		return rc;
	cap_value *au = cap_value_object_get(sp, "automated");
	if (cap_value_is_object(au)) {
		cap_value *en = cap_value_object_get(au, "enabled");
		a.sync_policy.automated = !en || cap_value_get_bool(en);
		a.sync_policy.prune = cap_value_get_bool(cap_value_object_get(au, "prune"));
		a.sync_policy.self_heal = cap_value_get_bool(cap_value_object_get(au, "selfHeal"));
		a.sync_policy.allow_empty =
		    cap_value_get_bool(cap_value_object_get(au, "allowEmpty"));
	}
	a.sync_policy.sync_options = cap_value_object_get(sp, "syncOptions");
	if ((rc = check_kind(a.sync_policy.sync_options, CAP_VALUE_ARRAY, n,
			     "spec.syncPolicy.syncOptions")))
		return rc;
	a.sync_policy.managed_namespace_metadata =
	    cap_value_object_get(sp, "managedNamespaceMetadata");
	if ((rc = parse_retry(&a.sync_policy.retry, cap_value_object_get(sp, "retry"),
			      "spec.syncPolicy.retry")))
		return cap_error_prefix("application '%s': ", n);

	a.ignore_differences = cap_value_object_get(spec, "ignoreDifferences");
	if ((rc = check_kind(a.ignore_differences, CAP_VALUE_ARRAY, n, "spec.ignoreDifferences")))
		return rc;
	a.info = cap_value_object_get(spec, "info");
	cap_value *lim = cap_value_object_get(spec, "revisionHistoryLimit");
	a.revision_history_limit =
	    cap_value_is_int(lim) ? cap_value_get_int(lim) : CAP_APP_HISTORY_LIMIT_DEFAULT;

	if ((rc = parse_operation(&a.operation, cap_value_object_get(obj, "operation")))) {
		free(a.operation.resources);
		return cap_error_prefix("application '%s': ", n);
	}
	a.status = cap_value_object_get(obj, "status");
	a.raw = cap_value_ref(obj);
	*out = a;
	return 0;
}

void cap_app_release(cap_app *app)
{
	if (!app)
		return;
	free(app->operation.resources);
	cap_value_free(app->raw);
	memset(app, 0, sizeof(*app));
}

size_t cap_app_source_count(const cap_app *app)
{
	return app->sources ? cap_value_array_len(app->sources) : app->source ? 1 : 0;
}

cap_value *cap_app_source_at(const cap_app *app, size_t i)
{
	if (app->sources)
		return cap_value_array_get(app->sources, i);
	return i == 0 ? app->source : NULL;
}

/* The option entry's name length, or its whole length when it has no '='. */
static size_t option_name_len(const char *s)
{
	const char *eq = strchr(s, '=');
	return eq ? (size_t)(eq - s) : strlen(s);
}

bool cap_app_sync_option_has(const cap_value *options, const char *option)
{
	size_t nl = option_name_len(option);
	const char *want = option[nl] == '=' ? option + nl + 1 : "";
	for (size_t i = 0; i < cap_value_array_len(options); i++) {
		const char *s = cap_value_get_string(cap_value_array_get(options, i));
		if (!s)
			continue;
		while (*s == ' ')
			s++;
		size_t l = option_name_len(s);
		const char *val = s[l] == '=' ? s + l + 1 : "";
		if (l == nl && !strncmp(s, option, nl) && !strcasecmp(val, want))
			return true;
	}
	return false;
}

const char *cap_app_sync_option_get(const cap_value *options, const char *name)
{
	size_t nl = strlen(name);
	const char *found = NULL;
	for (size_t i = 0; i < cap_value_array_len(options); i++) {
		const char *s = cap_value_get_string(cap_value_array_get(options, i));
		if (s && option_name_len(s) == nl && !strncmp(s, name, nl) && s[nl] == '=')
			found = s + nl + 1;
	}
	return found;
}

bool cap_app_has_sync_option(const cap_app *app, const char *option)
{
	return cap_app_sync_option_has(app->sync_policy.sync_options, option) ||
	       cap_app_sync_option_has(app->operation.sync_options, option);
}

bool cap_app_operation_excludes(const cap_app_operation *op, const char *group, const char *kind,
				const char *namespace, const char *name)
{
	if (!op->n_resources)
		return false;
	for (size_t i = 0; i < op->n_resources; i++) {
		const cap_app_sync_resource *r = &op->resources[i];
		if (strcmp(r->group ? r->group : "", group ? group : ""))
			continue;
		if (r->kind && strcmp(r->kind, kind ? kind : ""))
			continue;
		if (r->name && strcmp(r->name, name ? name : ""))
			continue;
		if (r->namespace && namespace && *namespace && strcmp(r->namespace, namespace))
			continue;
		return false;
	}
	return true;
}

static cap_value *retry_value(const cap_app_retry *r)
{
	cap_value *v = cap_value_object();
	cap_value_object_set(v, "limit", cap_value_int(r->limit));
	cap_value *b = cap_value_object();
	char tmp[32];
	snprintf(tmp, sizeof(tmp), "%llus", (unsigned long long)(r->duration_ms / 1000));
	cap_value_object_set(b, "duration", cap_value_string(tmp));
	cap_value_object_set(b, "factor", cap_value_int(r->factor));
	snprintf(tmp, sizeof(tmp), "%llus", (unsigned long long)(r->max_duration_ms / 1000));
	cap_value_object_set(b, "maxDuration", cap_value_string(tmp));
	cap_value_object_set(v, "backoff", b);
	return v;
}

cap_value *cap_app_operation_new(const cap_app_sync_request *req)
{
	cap_value *op = cap_value_object();
	cap_value *sync = cap_value_object();
	if (req->revision)
		cap_value_object_set(sync, "revision", cap_value_string(req->revision));
	if (req->revisions)
		cap_value_object_set(sync, "revisions", cap_value_deep_copy(req->revisions));
	if (req->source)
		cap_value_object_set(sync, "source", cap_value_deep_copy(req->source));
	if (req->sources)
		cap_value_object_set(sync, "sources", cap_value_deep_copy(req->sources));
	if (req->prune)
		cap_value_object_set(sync, "prune", cap_value_bool(true));
	if (req->dry_run)
		cap_value_object_set(sync, "dryRun", cap_value_bool(true));
	if (req->n_resources) {
		cap_value *res = cap_value_array();
		for (size_t i = 0; i < req->n_resources; i++) {
			const cap_app_sync_resource *r = &req->resources[i];
			cap_value *o = cap_value_object();
			cap_value_object_set(o, "group",
					     cap_value_string(r->group ? r->group : ""));
			cap_value_object_set(o, "kind", cap_value_string(r->kind ? r->kind : ""));
			cap_value_object_set(o, "name", cap_value_string(r->name ? r->name : ""));
			if (r->namespace)
				cap_value_object_set(o, "namespace",
						     cap_value_string(r->namespace));
			cap_value_array_append(res, o);
		}
		cap_value_object_set(sync, "resources", res);
	}
	if (cap_value_array_len(req->sync_options))
		cap_value_object_set(sync, "syncOptions", cap_value_deep_copy(req->sync_options));
	cap_value *strat = cap_value_object();
	cap_value *inner = cap_value_object();
	if (req->force)
		cap_value_object_set(inner, "force", cap_value_bool(true));
	cap_value_object_set(strat, req->apply_strategy ? "apply" : "hook", inner);
	cap_value_object_set(sync, "syncStrategy", strat);
	cap_value_object_set(op, "sync", sync);
	cap_value *by = cap_value_object();
	if (req->automated)
		cap_value_object_set(by, "automated", cap_value_bool(true));
	else if (req->username)
		cap_value_object_set(by, "username", cap_value_string(req->username));
	cap_value_object_set(op, "initiatedBy", by);
	if (req->retry && req->retry->present)
		cap_value_object_set(op, "retry", retry_value(req->retry));
	return op;
}

cap_value *cap_app_object_new(const char *name, const char *namespace)
{
	cap_value *o = cap_value_object();
	cap_value_object_set(o, "apiVersion", cap_value_string(CAP_APP_API_VERSION));
	cap_value_object_set(o, "kind", cap_value_string(CAP_APP_KIND));
	cap_value *md = cap_value_object();
	cap_value_object_set(md, "name", cap_value_string(name));
	cap_value_object_set(md, "namespace",
			     cap_value_string(namespace ? namespace : CAP_APP_DEFAULT_NAMESPACE));
	cap_value_object_set(o, "metadata", md);
	cap_value *spec = cap_value_object();
	cap_value_object_set(spec, "project", cap_value_string("default"));
	cap_value_object_set(spec, "destination", cap_value_object());
	cap_value_object_set(spec, "source", cap_value_object());
	cap_value_object_set(o, "spec", spec);
	return o;
}
