/* Resource verbs over the store: reads (get, list with selectors and chunking, watch) and writes
 * (create, update, patch, delete). */
#include "drydock/resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/error.h"
#include "drydock/apply.h"
#include "drydock/ops.h"
#include "drydock/protobuf.h"
#include "drydock/select.h"
#include "drydock/status.h"
#include "drydock/table.h"
#include "drydock/watch.h"
#include "patch/json_patch.h"
#include "patch/merge_patch.h"
#include "patch/strategic.h"
#include "schema/schema.h"
#include "value/json.h"
#include "value/yaml.h"

static bool media_is(const char *ct, const char *type)
{
	size_t n = strlen(type);
	return strncmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

bool dd_body_decode(const dd_request *req, cap_value **out, dd_response *res)
{
	const char *ct = req->content_type ? req->content_type : "";
	int rc;
	cap_value *v = NULL;
	if (!*ct || media_is(ct, "application/json") ||
	    media_is(ct, "application/json-patch+json") ||
	    media_is(ct, "application/merge-patch+json") ||
	    media_is(ct, "application/strategic-merge-patch+json")) {
		rc = cap_json_parse(&v, req->body, req->body_len, "request body", NULL);
	} else if (media_is(ct, "application/yaml") ||
		   media_is(ct, "application/apply-patch+yaml")) {
		rc = cap_yaml_parse(&v, req->body, req->body_len, "request body", NULL);
	} else if (media_is(ct, "application/vnd.kubernetes.protobuf") &&
		   (rc = dd_protobuf_decode(&v, (const unsigned char *)req->body, req->body_len)) !=
		       CAP_EUNSUPPORTED) {
		/* rc says how decoding went */
	} else {
		char m[512];
		snprintf(m, sizeof(m),
			 "the body of the request was in an unknown format - accepted "
			 "media types include: application/json, application/yaml");
		dd_status_error(res, 415, "UnsupportedMediaType", m, NULL, NULL, NULL);
		return false;
	}
	if (rc < 0) {
		char m[1024];
		snprintf(m, sizeof(m), "the object provided is unrecognized or malformed: %s",
			 cap_error_last());
		dd_status_bad_request(res, m);
		return false;
	}
	*out = v;
	return true;
}

static void write_api_version(const dd_rtype *t, cap_buf *out)
{
	dd_rtype_api_version(t, out);
}

/* GET of one object, or of its status/scale subresource. */
static void write_scale(const dd_rtype *t, const dd_obj *o, cap_buf *out)
{
	cap_value *s = cap_value_object();
	cap_value_object_set(s, "kind", cap_value_string("Scale"));
	cap_value_object_set(s, "apiVersion", cap_value_string("autoscaling/v1"));
	cap_value *m = cap_value_object();
	cap_value *om = cap_value_object_get(o->v, "metadata");
	static const char *const keep[] = {
	    "name", "namespace", "uid", "resourceVersion", "creationTimestamp", NULL};
	for (const char *const *k = keep; *k; k++) {
		cap_value *x = cap_value_object_get(om, *k);
		if (x)
			cap_value_object_set(m, *k, cap_value_deep_copy(x));
	}
	cap_value_object_set(s, "metadata", m);
	cap_value *spec = cap_value_object(), *st = cap_value_object();
	cap_value *replicas, *sreplicas;
	if (t->crd) {
		replicas = cap_value_object_get(cap_value_dig(o->v, "spec", NULL), "replicas");
		const char *p = t->spec_replicas_path;
		if (p && *p) {
			char *dup = strdup(p + 1);
			cap_value *at = o->v;
			for (char *tok = strtok(dup, "."); tok && at; tok = strtok(NULL, "."))
				at = cap_value_object_get(at, tok);
			replicas = at;
			free(dup);
		}
		sreplicas = NULL;
		p = t->status_replicas_path;
		if (p && *p) {
			char *dup = strdup(p + 1);
			cap_value *at = o->v;
			for (char *tok = strtok(dup, "."); tok && at; tok = strtok(NULL, "."))
				at = cap_value_object_get(at, tok);
			sreplicas = at;
			free(dup);
		}
	} else {
		replicas = cap_value_dig(o->v, "spec", "replicas", NULL);
		sreplicas = cap_value_dig(o->v, "status", "replicas", NULL);
		cap_value *ml = cap_value_dig(o->v, "spec", "selector", "matchLabels", NULL);
		cap_buf sel = CAP_BUF_INIT;
		const char *k;
		cap_value *v;
		CAP_VALUE_OBJECT_FOREACH(ml, k, v)
		{
			cap_buf_printf(&sel, "%s%s=%s", sel.len ? "," : "", k,
				       cap_value_get_string(v) ?: "");
		}
		if (sel.len)
			cap_value_object_set(st, "selector", cap_value_string(sel.ptr));
		cap_buf_release(&sel);
	}
	cap_value_object_set(spec, "replicas", cap_value_int(cap_value_get_int(replicas)));
	cap_value_object_set(st, "replicas", cap_value_int(cap_value_get_int(sreplicas)));
	cap_value_object_set(s, "spec", spec);
	cap_value_object_set(s, "status", st);
	cap_json_print(out, s, CAP_JSON_COMPACT);
	cap_value_free(s);
}

static void write_object(const dd_rtype *t, const dd_obj *o, const char *sub, cap_buf *out)
{
	if (sub && strcmp(sub, "scale") == 0) {
		write_scale(t, o, out);
		return;
	}
	cap_buf av = CAP_BUF_INIT;
	write_api_version(t, &av);
	dd_obj_write(out, o, av.ptr);
	cap_buf_release(&av);
}

static void list_objects(dd_cluster *c, dd_request *req, const dd_rtype *t, const dd_path *p,
			 dd_response *res)
{
	dd_selector ls, fs;
	if (dd_selector_parse_labels(&ls, req->query.label_selector, req->arena) < 0 ||
	    dd_selector_parse_fields(&fs, req->query.field_selector, req->arena) < 0 ||
	    dd_selector_check_fields(&fs, t->group, t->resource) < 0) {
		dd_status_bad_request(res, cap_error_last());
		return;
	}
	const char *after = NULL;
	if (req->query.cont && *req->query.cont) {
		cap_buf dec = CAP_BUF_INIT;
		cap_value *tok = NULL;
		if (cap_base64_decode(&dec, req->query.cont, strlen(req->query.cont),
			      CAP_BASE64_LENIENT) ||
		    cap_json_parse(&tok, dec.ptr, dec.len, "continue", NULL) < 0 ||
		    !cap_value_get_string(cap_value_object_get(tok, "start"))) {
			cap_buf_release(&dec);
			cap_value_free(tok);
			dd_status_bad_request(res,
					      "continue key is not valid: incorrect encoded "
					      "start resourceVersion (version meta.k8s.io/v1)");
			return;
		}
		after = cap_arena_strdup(req->arena,
					 cap_value_get_string(cap_value_object_get(tok, "start")));
		cap_buf_release(&dec);
		cap_value_free(tok);
	}
	cap_buf bucket = CAP_BUF_INIT;
	dd_rtype_bucket(t, &bucket);
	cap_vec all = CAP_VEC_INIT;
	dd_store_list(&c->store, bucket.ptr, p->ns, after, &all);
	cap_buf av = CAP_BUF_INIT;
	write_api_version(t, &av);
	cap_vec items = CAP_VEC_INIT;
	int64_t limit = req->query.limit > 0 ? req->query.limit : -1;
	size_t remaining = 0;
	for (size_t i = 0; i < all.len; i++) {
		dd_obj *o = all.items[i];
		if (!dd_selector_match_labels(&ls, o->v) || !dd_selector_match_fields(&fs, o->v))
			continue;
		if (limit > 0 && (int64_t)items.len == limit)
			remaining++;
		else
			cap_vec_push(&items, o);
	}
	cap_buf tok = CAP_BUF_INIT;
	if (remaining && items.len) {
		const dd_obj *last = items.items[items.len - 1];
		cap_buf raw = CAP_BUF_INIT, key = CAP_BUF_INIT;
		cap_buf_printf(&raw, "{\"v\":\"meta.k8s.io/v1\",\"rv\":%llu,\"start\":",
			       (unsigned long long)c->store.rv);
		cap_buf_printf(&key, "%s/%s", last->ns, last->name);
		dd_json_quote(&raw, key.ptr);
		cap_buf_putc(&raw, '}');
		/* continue tokens: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"ns/name"} */
		cap_base64_encode(&tok, raw.ptr, raw.len);
		cap_buf_release(&raw);
		cap_buf_release(&key);
	}
	cap_buf *b = &res->body;
	const char *tv = dd_table_wanted(req->accept);
	if (tv) {
		dd_table_begin(b, t, tv, c->store.rv, tok.len ? tok.ptr : NULL, remaining, true);
		dd_table_object inc = dd_table_include(req->query.include_object);
		for (size_t i = 0; i < items.len; i++) {
			if (i)
				cap_buf_putc(b, ',');
			dd_table_row(b, t, items.items[i], inc, av.ptr);
		}
		dd_table_end(b);
	} else {
		cap_buf_printf(b,
			       "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{"
			       "\"resourceVersion\":\"%llu\"",
			       t->kind, av.ptr, (unsigned long long)c->store.rv);
		if (tok.len)
			cap_buf_printf(b, ",\"continue\":\"%s\",\"remainingItemCount\":%zu",
				       tok.ptr, remaining);
		cap_buf_puts(b, "},\"items\":[");
		for (size_t i = 0; i < items.len; i++) {
			if (i)
				cap_buf_putc(b, ',');
			dd_obj_write(b, items.items[i], av.ptr);
		}
		cap_buf_puts(b, "]}");
	}
	cap_buf_release(&tok);
	cap_vec_release(&items);
	res->status = 200;
	cap_vec_release(&all);
	cap_buf_release(&bucket);
	cap_buf_release(&av);
}

static void start_watch(dd_cluster *c, dd_request *req, const dd_rtype *t, const dd_path *p,
			dd_response *res)
{
	dd_selector fs;
	if (dd_selector_parse_fields(&fs, req->query.field_selector, req->arena) < 0 ||
	    dd_selector_check_fields(&fs, t->group, t->resource) < 0) {
		dd_status_bad_request(res, cap_error_last());
		return;
	}
	cap_buf bucket = CAP_BUF_INIT, av = CAP_BUF_INIT;
	dd_rtype_bucket(t, &bucket);
	write_api_version(t, &av);
	dd_watch_spec spec = {
	    .bucket = bucket.ptr,
	    .api_version = av.ptr,
	    .kind = t->kind,
	    .ns = p->ns,
	    .name = p->name,
	    .label_selector = req->query.label_selector,
	    .field_selector = req->query.field_selector,
	    .bookmarks = req->query.allow_watch_bookmarks,
	    .timeout_s = req->query.timeout_seconds,
	    .initial_state = req->query.send_initial_events,
	    .table = dd_table_wanted(req->accept),
	    .table_include = dd_table_include(req->query.include_object),
	    .type = t,
	};
	const char *rv = req->query.resource_version;
	if (rv && *rv && strcmp(rv, "0") != 0) {
		char *end;
		unsigned long long n = strtoull(rv, &end, 10);
		if (*end) {
			char m[256];
			snprintf(m, sizeof(m), "invalid resource version: %s", rv);
			dd_status_bad_request(res, m);
			goto out;
		}
		spec.from_rv = n ? n : 1;
	}
	dd_watch *w;
	int rc = dd_watch_new(&w, c, &spec);
	if (rc < 0) {
		dd_status_bad_request(res, cap_error_last());
		goto out;
	}
	res->status = 200;
	res->content_type = "application/json";
	res->watch = w;
out:
	cap_buf_release(&bucket);
	cap_buf_release(&av);
}

static void delete_opts_from(dd_request *req, cap_value *body, dd_delete_opts *d)
{
	memset(d, 0, sizeof(*d));
	d->dry_run = req->query.dry_run;
	d->propagation = req->query.propagation_policy;
	d->grace_period_seconds = req->query.grace_period_seconds;
	if (req->query.orphan_dependents_set)
		d->propagation = req->query.orphan_dependents ? "Orphan" : "Background";
	if (!body)
		return;
	const char *pp = cap_value_get_string(cap_value_object_get(body, "propagationPolicy"));
	if (pp)
		d->propagation = cap_arena_strdup(req->arena, pp);
	cap_value *orphan = cap_value_object_get(body, "orphanDependents");
	if (cap_value_is_bool(orphan))
		d->propagation = cap_value_get_bool(orphan) ? "Orphan" : "Background";
	const char *uid = cap_value_dig_string(body, "preconditions", "uid", NULL);
	const char *rv = cap_value_dig_string(body, "preconditions", "resourceVersion", NULL);
	if (uid)
		d->precondition_uid = cap_arena_strdup(req->arena, uid);
	if (rv)
		d->precondition_rv = cap_arena_strdup(req->arena, rv);
	cap_value *dr = cap_value_object_get(body, "dryRun");
	if (cap_value_array_len(dr) > 0)
		d->dry_run = true;
}

static const char *agent_manager(dd_request *req)
{
	/* "kubectl/v1.32.4 (linux/amd64) kubernetes/abc" -> "kubectl" as the server derives it */
	const char *ua = req->user_agent && *req->user_agent ? req->user_agent : "unknown";
	size_t n = strcspn(ua, "/ ");
	return cap_arena_strndup(req->arena, ua, n);
}

static void write_opts_from(dd_request *req, const dd_path *p, dd_write_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dry_run = req->query.dry_run;
	o->field_manager = req->query.field_manager ? req->query.field_manager : agent_manager(req);
	o->field_validation = req->query.field_validation;
	o->subresource = p->subresource;
	o->operation = "Update";
}

static void respond_obj(const dd_rtype *t, const dd_obj *o, const char *sub, int status,
			dd_response *res)
{
	res->status = status;
	cap_buf_clear(&res->body);
	write_object(t, o, sub, &res->body);
}

static void do_patch(dd_cluster *c, dd_request *req, const dd_rtype *t, const dd_path *p,
		     dd_response *res)
{
	const char *ct = req->content_type ? req->content_type : "";
	bool apply = media_is(ct, "application/apply-patch+yaml");
	bool json_patch = media_is(ct, "application/json-patch+json");
	bool merge = media_is(ct, "application/merge-patch+json");
	bool smp = media_is(ct, "application/strategic-merge-patch+json");
	if (!apply && !json_patch && !merge && !smp) {
		dd_status_error(res, 415, "UnsupportedMediaType",
				CAP_STRATEGIC_UNSUPPORTED_MESSAGE
				", application/strategic-merge-patch+json",
				NULL, NULL, NULL);
		return;
	}
	if (smp && t->crd) {
		dd_status_error(res, 415, "UnsupportedMediaType", CAP_STRATEGIC_UNSUPPORTED_MESSAGE,
				NULL, NULL, NULL);
		return;
	}
	cap_value *patch;
	if (!dd_body_decode(req, &patch, res))
		return;
	dd_write_opts o;
	write_opts_from(req, p, &o);
	cap_buf bucket = CAP_BUF_INIT;
	dd_rtype_bucket(t, &bucket);
	const char *ns = t->namespaced ? p->ns : "";
	dd_obj *cur = dd_store_get(&c->store, bucket.ptr, ns, p->name);
	cap_buf_release(&bucket);
	cap_value *next = NULL;
	int rc = 0;
	if (apply) {
		if (!req->query.field_manager || !*req->query.field_manager) {
			cap_value_free(patch);
			dd_status_bad_request(res, "PatchOptions.meta.k8s.io \"\" is invalid: "
						   "fieldManager: Required value: is required for "
						   "apply patch");
			return;
		}
		if (!cap_value_is_object(patch)) {
			cap_value_free(patch);
			dd_status_bad_request(res,
					      "error decoding YAML: the applied object must be "
					      "a map");
			return;
		}
		if (!cur && p->subresource && *p->subresource) {
			cap_value_free(patch);
			dd_status_not_found(res, t, p->name);
			return;
		}
		if (!cap_value_dig(patch, "metadata", "name", NULL)) {
			cap_value *m = cap_value_object_get(patch, "metadata");
			if (!cap_value_is_object(m)) {
				m = cap_value_object();
				cap_value_object_set(patch, "metadata", m);
			}
			cap_value_object_set(m, "name", cap_value_string(p->name));
		}
		cap_value *live = cur ? dd_obj_full(cur) : NULL;
		rc = dd_apply_merge(&next, c, t, live, patch, o.field_manager, req->query.force,
				    p->subresource, res);
		cap_value_free(live);
		cap_value_free(patch);
		if (rc < 0)
			return;
		o.operation = "Apply";
		o.allow_create = true;
		if (cur) {
			/* the applied result replaces the object at its current version */
			char rv[32];
			snprintf(rv, sizeof(rv), "%llu", (unsigned long long)cur->rv);
			cap_value *m = cap_value_object_get(next, "metadata");
			if (cap_value_is_object(m))
				cap_value_object_set(m, "resourceVersion", cap_value_string(rv));
		}
		dd_obj *out = dd_op_update(c, t, ns, p->name, next, &o, res);
		if (out)
			respond_obj(t, out, p->subresource, cur ? 200 : 201, res);
		return;
	}
	if (!cur) {
		cap_value_free(patch);
		dd_status_not_found(res, t, p->name);
		return;
	}
	const char *sub = p->subresource;
	cap_value *base = dd_obj_full(cur);
	if (sub && strcmp(sub, "scale") == 0) {
		cap_buf sb = CAP_BUF_INIT;
		write_scale(t, cur, &sb);
		cap_value_free(base);
		cap_json_parse(&base, sb.ptr, sb.len, "scale", NULL);
		cap_buf_release(&sb);
	}
	/* a resourceVersion in the patch is a precondition, checked against the live object */
	if (json_patch) {
		rc = cap_json_patch_apply(&next, base, patch);
	} else if (merge) {
		rc = cap_merge_patch_apply(&next, base, patch);
	} else {
		const cap_schema *s = NULL;
		const cap_schema_type *ty = NULL;
		if (cap_schema_default(&s) == 0) {
			cap_buf av = CAP_BUF_INIT;
			dd_rtype_api_version(t, &av);
			ty = cap_schema_lookup(s, av.ptr,
					       sub && !strcmp(sub, "scale") ? "Scale" : t->kind);
			if (sub && !strcmp(sub, "scale"))
				ty = cap_schema_lookup(s, "autoscaling/v1", "Scale");
			cap_buf_release(&av);
		}
		if (!ty) {
			cap_value_free(patch);
			cap_value_free(base);
			dd_status_error(res, 415, "UnsupportedMediaType",
					CAP_STRATEGIC_UNSUPPORTED_MESSAGE, NULL, NULL, NULL);
			return;
		}
		rc = cap_strategic_apply(&next, base, patch, ty);
	}
	cap_value_free(patch);
	cap_value_free(base);
	if (rc < 0) {
		if (rc == CAP_EUNSUPPORTED)
			dd_status_error(res, 415, "UnsupportedMediaType", cap_error_last(), NULL,
					NULL, NULL);
		else if (json_patch && rc == CAP_ENOTFOUND)
			dd_status_error(res, 422, "Invalid", cap_error_last(), t->group,
					t->resource, p->name);
		else
			dd_status_error(res, rc == CAP_ECONFLICT ? 409 : 422,
					rc == CAP_ECONFLICT ? "Conflict" : "Invalid",
					cap_error_last(), t->group, t->resource, p->name);
		return;
	}
	dd_obj *out = dd_op_update(c, t, ns, p->name, next, &o, res);
	if (out)
		respond_obj(t, out, sub, 200, res);
}

static void delete_collection(dd_cluster *c, dd_request *req, const dd_rtype *t, const dd_path *p,
			      dd_response *res)
{
	dd_selector ls, fs;
	if (dd_selector_parse_labels(&ls, req->query.label_selector, req->arena) < 0 ||
	    dd_selector_parse_fields(&fs, req->query.field_selector, req->arena) < 0) {
		dd_status_bad_request(res, cap_error_last());
		return;
	}
	cap_value *body = NULL;
	if (req->body_len)
		dd_body_decode(req, &body, res);
	dd_delete_opts d;
	delete_opts_from(req, body, &d);
	cap_value_free(body);
	cap_buf bucket = CAP_BUF_INIT;
	dd_rtype_bucket(t, &bucket);
	cap_vec all = CAP_VEC_INIT, keep = CAP_VEC_INIT;
	dd_store_list(&c->store, bucket.ptr, p->ns, NULL, &all);
	for (size_t i = 0; i < all.len; i++) {
		dd_obj *o = all.items[i];
		if (dd_selector_match_labels(&ls, o->v) && dd_selector_match_fields(&fs, o->v))
			cap_vec_push(&keep, dd_obj_ref(o));
	}
	cap_buf av = CAP_BUF_INIT;
	dd_rtype_api_version(t, &av);
	cap_buf_printf(&res->body,
		       "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{"
		       "\"resourceVersion\":\"%llu\"},\"items\":[",
		       t->kind, av.ptr, (unsigned long long)c->store.rv);
	for (size_t i = 0; i < keep.len; i++) {
		dd_obj *o = keep.items[i];
		bool gone;
		dd_response scratch;
		dd_response_init(&scratch);
		dd_obj *r = dd_op_delete(c, t, o->ns, o->name, &d, &gone, &scratch);
		if (r) {
			if (i)
				cap_buf_putc(&res->body, ',');
			dd_obj_write(&res->body, r, av.ptr);
		}
		dd_response_release(&scratch);
		dd_obj_unref(o);
	}
	cap_buf_puts(&res->body, "]}");
	res->status = 200;
	cap_vec_release(&all);
	cap_vec_release(&keep);
	cap_buf_release(&bucket);
	cap_buf_release(&av);
}

static void not_found_resource(dd_response *res)
{
	dd_status_error(res, 404, "NotFound", "the server could not find the requested resource",
			NULL, NULL, NULL);
	cap_buf_clear(&res->body);
	cap_buf_puts(&res->body,
		     "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
		     "\"status\":\"Failure\",\"message\":\"the server could not find the "
		     "requested resource\",\"reason\":\"NotFound\",\"details\":{},"
		     "\"code\":404}");
}

/* Access and token reviews are answered, never stored: everyone may do everything here. */
static bool is_review(const dd_rtype *t)
{
	return (strcmp(t->group, "authorization.k8s.io") == 0 ||
		strcmp(t->group, "authentication.k8s.io") == 0) &&
	       strstr(t->resource, "review") != NULL;
}

static void answer_review(dd_request *req, const dd_rtype *t, dd_response *res)
{
	/* typed clients send reviews as protobuf; the answer does not depend on the body */
	cap_value *body = NULL;
	dd_response scratch;
	dd_response_init(&scratch);
	if (!dd_body_decode(req, &body, &scratch) || !cap_value_is_object(body)) {
		cap_value_free(body);
		body = cap_value_object();
	}
	dd_response_release(&scratch);
	cap_value *st = cap_value_object();
	if (strcmp(t->group, "authorization.k8s.io") == 0) {
		if (strstr(t->resource, "rules")) {
			cap_value *rules = cap_value_array(), *rule = cap_value_object();
			cap_value *verbs = cap_value_array(), *any = cap_value_array();
			cap_value_array_append(verbs, cap_value_string("*"));
			cap_value_array_append(any, cap_value_string("*"));
			cap_value_object_set(rule, "verbs", verbs);
			cap_value_object_set(rule, "apiGroups", cap_value_deep_copy(any));
			cap_value_object_set(rule, "resources", any);
			cap_value_array_append(rules, rule);
			cap_value_object_set(st, "resourceRules", rules);
			cap_value_object_set(st, "nonResourceRules", cap_value_array());
			cap_value_object_set(st, "incomplete", cap_value_bool(false));
		} else {
			cap_value_object_set(st, "allowed", cap_value_bool(true));
			cap_value_object_set(st, "reason",
					     cap_value_string("drydock allows everything"));
		}
	} else {
		cap_value *user = cap_value_object(), *groups = cap_value_array();
		cap_value_object_set(user, "username", cap_value_string("drydock-admin"));
		cap_value_array_append(groups, cap_value_string("system:masters"));
		cap_value_array_append(groups, cap_value_string("system:authenticated"));
		cap_value_object_set(user, "groups", groups);
		if (strstr(t->resource, "tokenreview"))
			cap_value_object_set(st, "authenticated", cap_value_bool(true));
		cap_value_object_set(st, "user", user);
		if (strstr(t->resource, "selfsubjectreview")) {
			cap_value_object_set(st, "userInfo", cap_value_ref(user));
			cap_value_object_del(st, "user");
		}
	}
	cap_buf av = CAP_BUF_INIT;
	dd_rtype_api_version(t, &av);
	cap_value_object_set(body, "apiVersion", cap_value_string(av.ptr));
	cap_value_object_set(body, "kind", cap_value_string(t->kind));
	cap_value *meta = cap_value_object_get(body, "metadata");
	if (!cap_value_is_object(meta))
		cap_value_object_set(body, "metadata", cap_value_object());
	cap_value_object_set(body, "status", st);
	res->status = 201;
	cap_json_print(&res->body, body, CAP_JSON_COMPACT);
	cap_value_free(body);
	cap_buf_release(&av);
}

/* pods/log: the simulated containers say who they are. */
static void pod_log(dd_cluster *c, const dd_rtype *t, const dd_path *p, dd_response *res)
{
	dd_obj *o = dd_store_get(&c->store, "/pods", p->ns, p->name);
	if (!o) {
		dd_status_not_found(res, t, p->name);
		return;
	}
	res->status = 200;
	res->content_type = "text/plain";
	size_t i;
	cap_value *ct;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(o->v, "spec", "containers", NULL), i, ct)
	{
		cap_buf_printf(&res->body, "drydock: container %s of pod %s/%s runs image %s\n",
			       cap_value_dig_string(ct, "name", NULL) ?: "", p->ns, p->name,
			       cap_value_dig_string(ct, "image", NULL) ?: "");
	}
}

/* The verb a request is, checked against what discovery says the resource supports. */
static bool verb_allowed(const dd_rtype *t, const dd_path *p, const char *m, bool watch)
{
	const char *verb = NULL;
	if (strcmp(m, "GET") == 0)
		verb = watch ? "watch" : *p->name ? "get" : "list";
	else if (strcmp(m, "POST") == 0)
		verb = "create";
	else if (strcmp(m, "PUT") == 0)
		verb = "update";
	else if (strcmp(m, "PATCH") == 0)
		verb = "patch";
	else if (strcmp(m, "DELETE") == 0)
		verb = *p->name ? "delete" : "deletecollection";
	if (!verb)
		return false;
	if (*p->subresource) {
		const dd_subresource *s = dd_rtype_subresource(t, p->subresource);
		return s && cap_strvec_contains(&s->verbs, verb);
	}
	return dd_rtype_has_verb(t, verb);
}

void dd_resource_handle(dd_cluster *c, dd_request *req, const dd_path *p, dd_response *res)
{
	const char *m = req->method;
	dd_store_lock(&c->store);
	dd_rtype *t = dd_registry_find(&c->reg, p->core ? "" : p->group, p->version, p->resource);
	if (!t || (!t->namespaced && *p->ns)) {
		not_found_resource(res);
		goto out;
	}
	if (*p->subresource) {
		dd_subresource *s = dd_rtype_subresource(t, p->subresource);
		if (s && strcmp(p->subresource, "log") == 0 && strcmp(m, "GET") == 0) {
			pod_log(c, t, p, res);
			goto out;
		}
		if (!s || (strcmp(p->subresource, "status") != 0 &&
			   strcmp(p->subresource, "scale") != 0)) {
			not_found_resource(res);
			goto out;
		}
	}
	bool watch = req->query.watch || p->watch_prefix;
	if (!verb_allowed(t, p, m, watch)) {
		dd_status_method_not_allowed(res, m);
		goto out;
	}
	if (strcmp(m, "GET") == 0) {
		if (watch) {
			start_watch(c, req, t, p, res);
		} else if (*p->name) {
			cap_buf bucket = CAP_BUF_INIT;
			dd_rtype_bucket(t, &bucket);
			dd_obj *o = dd_store_get(&c->store, bucket.ptr, t->namespaced ? p->ns : "",
						 p->name);
			cap_buf_release(&bucket);
			const char *tv = dd_table_wanted(req->accept);
			if (!o) {
				dd_status_not_found(res, t, p->name);
			} else if (tv && !*p->subresource) {
				cap_buf av = CAP_BUF_INIT;
				dd_rtype_api_version(t, &av);
				dd_table_begin(&res->body, t, tv, o->rv, NULL, 0, true);
				dd_table_row(&res->body, t, o,
					     dd_table_include(req->query.include_object), av.ptr);
				dd_table_end(&res->body);
				cap_buf_release(&av);
				res->status = 200;
			} else {
				respond_obj(t, o, p->subresource, 200, res);
			}
		} else {
			list_objects(c, req, t, p, res);
		}
		goto out;
	}
	dd_write_opts o;
	write_opts_from(req, p, &o);
	if (strcmp(m, "POST") == 0 && is_review(t)) {
		answer_review(req, t, res);
		goto out;
	}
	if (strcmp(m, "POST") == 0) {
		if (*p->name || (t->namespaced && !*p->ns)) {
			dd_status_method_not_allowed(res, m);
			goto out;
		}
		cap_value *body;
		if (!dd_body_decode(req, &body, res))
			goto out;
		dd_obj *r = dd_op_create(c, t, p->ns, body, &o, res);
		if (r)
			respond_obj(t, r, NULL, 201, res);
	} else if (strcmp(m, "PUT") == 0) {
		if (!*p->name) {
			dd_status_method_not_allowed(res, m);
			goto out;
		}
		cap_value *body;
		if (!dd_body_decode(req, &body, res))
			goto out;
		dd_obj *r = dd_op_update(c, t, p->ns, p->name, body, &o, res);
		if (r)
			respond_obj(t, r, p->subresource, 200, res);
	} else if (strcmp(m, "PATCH") == 0) {
		if (!*p->name) {
			dd_status_method_not_allowed(res, m);
			goto out;
		}
		do_patch(c, req, t, p, res);
	} else if (strcmp(m, "DELETE") == 0) {
		if (!*p->name) {
			delete_collection(c, req, t, p, res);
			goto out;
		}
		cap_value *body = NULL;
		if (req->body_len && !dd_body_decode(req, &body, res))
			goto out;
		dd_delete_opts d;
		delete_opts_from(req, body, &d);
		bool gone;
		dd_obj *r = dd_op_delete(c, t, p->ns, p->name, &d, &gone, res);
		cap_value_free(body);
		if (!r)
			goto out;
		if (gone && strcmp(t->resource, "pods") != 0 && !t->crd) {
			dd_status_success(res, t, p->name,
					  cap_value_dig_string(r->v, "metadata", "uid", NULL));
		} else {
			respond_obj(t, r, NULL, 200, res);
		}
	} else {
		dd_status_method_not_allowed(res, m);
	}
out:
	dd_store_unlock(&c->store);
}
