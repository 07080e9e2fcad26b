/* Create, update and delete with server-set metadata, preconditions, finalizers and namespace
 * rules. */
#include "drydock/ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/time.h"
#include "drydock/crd.h"
#include "drydock/defaults.h"
#include "drydock/fields.h"
#include "drydock/status.h"
#include "drydock/validate.h"
#include "value/json.h"

void dd_new_uid(char out[37])
{
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

void dd_rtype_bucket(const dd_rtype *t, cap_buf *out)
{
	dd_store_bucket_key(out, t->group, t->resource);
}

static bool alnum_lower(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

const char *dd_validate_name(const char *name, bool label)
{
	size_t len = strlen(name);
	if (label) {
		if (len > 63)
			return "must be no more than 63 characters";
		bool ok = len > 0 && alnum_lower(name[0]) && alnum_lower(name[len - 1]);
		for (size_t i = 0; ok && i < len; i++)
			ok = alnum_lower(name[i]) || name[i] == '-';
		if (!ok)
			return "a lowercase RFC 1123 label must consist of lower case alphanumeric "
			       "characters or '-', and must start and end with an alphanumeric "
			       "character (e.g. 'my-name',  or '123-abc', regex used for "
			       "validation "
			       "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
		return NULL;
	}
	if (len > 253)
		return "must be no more than 253 characters";
	bool ok = len > 0;
	const char *p = name;
	while (ok && *p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		ok = l > 0 && alnum_lower(p[0]) && alnum_lower(p[l - 1]);
		for (size_t i = 0; ok && i < l; i++)
			ok = alnum_lower(p[i]) || p[i] == '-';
		p += l + (dot ? 1 : 0);
		if (dot && !*p)
			ok = false;
	}
	if (!ok)
		return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
		       "characters, '-' or '.', and must start and end with an alphanumeric "
		       "character (e.g. 'example.com', regex used for validation is "
		       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
	return NULL;
}

static cap_value *meta_of(cap_value *obj)
{
	cap_value *m = cap_value_object_get(obj, "metadata");
	if (!cap_value_is_object(m)) {
		m = cap_value_object();
		cap_value_object_set(obj, "metadata", m);
	}
	return m;
}

static const char *mstr(const cap_value *obj, const char *key)
{
	return cap_value_dig_string(obj, "metadata", key, NULL);
}

bool dd_namespace_usable(dd_cluster *c, const dd_rtype *t, const char *ns, const char *name,
			 dd_response *res)
{
	dd_obj *nso = dd_store_get(&c->store, "/namespaces", "", ns);
	if (!nso) {
		char m[512];
		snprintf(m, sizeof(m), "namespaces \"%s\" not found", ns);
		dd_status_error(res, 404, "NotFound", m, "", "namespaces", ns);
		return false;
	}
	if (cap_value_dig(nso->v, "metadata", "deletionTimestamp", NULL)) {
		cap_buf m = CAP_BUF_INIT;
		dd_rtype_qualified(t, &m);
		cap_buf_printf(&m,
			       " \"%s\" is forbidden: unable to create new content in namespace "
			       "%s because it is being terminated",
			       name, ns);
		dd_status_error(res, 403, "Forbidden", m.ptr, t->group, t->resource, name);
		cap_buf_release(&m);
		return false;
	}
	return true;
}

/* Dry-run results live until the next dry run. */
static dd_obj *scratch(dd_cluster *c, cap_value *v)
{
	static _Thread_local dd_obj *last;
	if (last)
		dd_obj_unref(last);
	dd_obj *o = cap_calloc(1, sizeof(*o));
	o->refs = 1;
	o->v = v;
	o->json = cap_json_to_string(v, CAP_JSON_COMPACT);
	o->json_len = strlen(o->json);
	o->bucket = cap_strdup("");
	o->ns = cap_strdup(mstr(v, "namespace") ?: "");
	o->name = cap_strdup(mstr(v, "name") ?: "");
	last = o;
	return o;
}

static void gen_name(char *out, size_t n, const char *prefix)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char r[5];
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		memset(r, 7, sizeof(r));
	snprintf(out, n, "%s%c%c%c%c%c", prefix, alphabet[r[0] % 27], alphabet[r[1] % 27],
		 alphabet[r[2] % 27], alphabet[r[3] % 27], alphabet[r[4] % 27]);
}

static void now_rfc3339(char out[CAP_RFC3339_LEN])
{
	cap_time_format_rfc3339(out, cap_time_wall_s());
}

/* Checks apiVersion/kind and unknown fields; fills res and returns false on failure. */
static bool check_body(dd_cluster *c, const dd_rtype *t, cap_value *obj, const dd_write_opts *o,
		       dd_response *res)
{
	if (!cap_value_is_object(obj)) {
		dd_status_bad_request(res, "the body of the request must be a JSON object");
		return false;
	}
	cap_buf av = CAP_BUF_INIT;
	dd_rtype_api_version(t, &av);
	const char *kind = cap_value_get_string(cap_value_object_get(obj, "kind"));
	const char *api = cap_value_get_string(cap_value_object_get(obj, "apiVersion"));
	bool sub_scale = o->subresource && strcmp(o->subresource, "scale") == 0;
	if (!sub_scale && kind && *kind && strcmp(kind, t->kind) != 0) {
		char m[512];
		snprintf(m, sizeof(m),
			 "the kind in the data (%s) does not match the expected kind (%s)", kind,
			 t->kind);
		cap_buf_release(&av);
		dd_status_bad_request(res, m);
		return false;
	}
	if (!sub_scale && api && *api && strcmp(api, av.ptr) != 0) {
		/* another served version of the same group is converted, as the server does */
		const char *slash = strchr(api, '/');
		bool same_group = slash ? (strncmp(api, t->group, (size_t)(slash - api)) == 0 &&
					   strlen(t->group) == (size_t)(slash - api))
					: !*t->group;
		if (!same_group) {
			char m[512];
			snprintf(m, sizeof(m),
				 "the API version in the data (%s) does not match the expected API "
				 "version (%s)",
				 api, av.ptr);
			cap_buf_release(&av);
			dd_status_bad_request(res, m);
			return false;
		}
	}
	if (!sub_scale) {
		cap_value_object_set(obj, "apiVersion", cap_value_string(av.ptr));
		cap_value_object_set(obj, "kind", cap_value_string(t->kind));
	}
	cap_buf_release(&av);
	if (sub_scale)
		return true;

	const char *fv = o->field_validation ? o->field_validation : "Ignore";
	cap_strvec unknown = CAP_STRVEC_INIT;
	if (t->crd) {
		if (t->schema && !t->preserve_unknown)
			dd_crd_prune(t->schema, obj, &unknown);
	} else if (strcmp(fv, "Ignore") != 0) {
		dd_fields_unknown(t, obj, &unknown);
	}
	bool ok = true;
	if (unknown.len && strcmp(fv, "Strict") == 0) {
		cap_buf m = CAP_BUF_INIT;
		/* the API server's decoder wording, for built-in and custom kinds alike */
		cap_buf_printf(&m,
			       "%s in version \"%s\" cannot be handled as a %s: strict decoding "
			       "error: ",
			       t->kind, t->version, t->kind);
		for (size_t i = 0; i < unknown.len; i++)
			cap_buf_printf(&m, "%sunknown field \"%s\"", i ? ", " : "",
				       unknown.items[i] + 1);
		dd_status_bad_request(res, m.ptr);
		cap_buf_release(&m);
		ok = false;
	} else if (unknown.len && strcmp(fv, "Warn") == 0) {
		cap_buf m = CAP_BUF_INIT;
		for (size_t i = 0; i < unknown.len; i++)
			cap_buf_printf(&m, "%s299 - \"unknown field \\\"%s\\\"\"", i ? ", " : "",
				       unknown.items[i] + 1);
		static _Thread_local char warn[4096];
		snprintf(warn, sizeof(warn), "%s", m.ptr);
		res->warning = warn;
		cap_buf_release(&m);
	}
	cap_strvec_release(&unknown);
	return ok;
}

static bool has_status_sub(const dd_rtype *t)
{
	return dd_rtype_subresource(t, "status") != NULL;
}

static void drop(cap_value *o, const char *key)
{
	if (cap_value_object_get(o, key))
		cap_value_object_del(o, key);
}

static const char *manager_of(const dd_write_opts *o, const char *dflt)
{
	return o->field_manager && *o->field_manager ? o->field_manager : dflt;
}

dd_obj *dd_op_create(dd_cluster *c, const dd_rtype *t, const char *ns, cap_value *obj,
		     const dd_write_opts *o, dd_response *res)
{
	dd_obj *out = NULL;
	cap_buf bucket = CAP_BUF_INIT;
	if (!check_body(c, t, obj, o, res))
		goto done;
	cap_value *meta = meta_of(obj);
	const char *bns = mstr(obj, "namespace");
	if (t->namespaced) {
		if (bns && *bns && ns && *ns && strcmp(bns, ns) != 0) {
			dd_status_bad_request(res, "the namespace of the provided object does not "
						   "match the namespace sent on the request");
			goto done;
		}
		if (!ns || !*ns)
			ns = bns && *bns ? bns : "default";
		cap_value_object_set(meta, "namespace", cap_value_string(ns));
	} else {
		drop(meta, "namespace");
		ns = "";
	}
	const char *name = mstr(obj, "name");
	const char *gen = mstr(obj, "generateName");
	char genbuf[300];
	if ((!name || !*name) && gen && *gen) {
		gen_name(genbuf, sizeof(genbuf), gen);
		cap_value_object_set(meta, "name", cap_value_string(genbuf));
		name = mstr(obj, "name");
	}
	if (!name || !*name) {
		dd_status_invalid(res, t, "", "metadata.name", "FieldValueRequired",
				  "Required value: name or generateName is required");
		goto done;
	}
	bool label = !*t->group && (strcmp(t->resource, "namespaces") == 0 ||
				    strcmp(t->resource, "services") == 0);
	const char *why = dd_validate_name(name, label);
	if (why) {
		char d[1024];
		snprintf(d, sizeof(d), "Invalid value: \"%s\": %s", name, why);
		dd_status_invalid(res, t, name, "metadata.name", "FieldValueInvalid", d);
		goto done;
	}
	if (t->namespaced && !dd_namespace_usable(c, t, ns, name, res))
		goto done;
	dd_rtype_bucket(t, &bucket);
	if (dd_store_get(&c->store, bucket.ptr, ns, name)) {
		dd_status_already_exists(res, t, name);
		goto done;
	}
	char uid[37], ts[CAP_RFC3339_LEN];
	dd_new_uid(uid);
	now_rfc3339(ts);
	cap_value_object_set(meta, "uid", cap_value_string(uid));
	cap_value_object_set(meta, "creationTimestamp", cap_value_string(ts));
	drop(meta, "resourceVersion");
	drop(meta, "deletionTimestamp");
	drop(meta, "deletionGracePeriodSeconds");
	drop(meta, "selfLink");
	if (dd_defaults_has_generation(t))
		cap_value_object_set(meta, "generation", cap_value_int(1));
	else
		drop(meta, "generation");
	if (has_status_sub(t) && !(!*t->group && strcmp(t->resource, "namespaces") == 0))
		drop(obj, "status");
	dd_defaults_apply(c, t, obj, NULL);
	if (!dd_validate_object(t, obj, NULL, res))
		goto done;
	if (!*t->group && strcmp(t->resource, "namespaces") == 0) {
		cap_value *labels = cap_value_object_get(meta, "labels");
		if (!labels) {
			labels = cap_value_object();
			cap_value_object_set(meta, "labels", labels);
		}
		cap_value_object_set(labels, "kubernetes.io/metadata.name", cap_value_string(name));
	}
	if (strcmp(t->group, "apiextensions.k8s.io") == 0 &&
	    strcmp(t->resource, "customresourcedefinitions") == 0 && !o->dry_run) {
		if (dd_crd_admit(c, obj) < 0) {
			dd_status_invalid(res, t, name, "spec", "FieldValueInvalid",
					  cap_error_last());
			goto done;
		}
	}
	dd_fields_track(c, t, obj, NULL, manager_of(o, "unknown"), o->operation ?: "Update",
			o->subresource);
	if (o->dry_run) {
		out = scratch(c, obj);
		obj = NULL;
		goto done;
	}
	out = dd_store_put(&c->store, bucket.ptr, ns, name, obj);
	obj = NULL;
	if (cap_value_dig(out->v, "metadata", "ownerReferences", NULL))
		c->dirty = true;
	if (!*t->group && strcmp(t->resource, "namespaces") == 0) {
		/* every namespace gets its default ServiceAccount, as the token controller does */
		dd_rtype *sa = dd_registry_find(&c->reg, "", "v1", "serviceaccounts");
		if (sa && !dd_store_get(&c->store, "/serviceaccounts", name, "default")) {
			cap_value *v = cap_value_object();
			cap_value_object_set(v, "apiVersion", cap_value_string("v1"));
			cap_value_object_set(v, "kind", cap_value_string("ServiceAccount"));
			cap_value *m = cap_value_object();
			cap_value_object_set(m, "name", cap_value_string("default"));
			cap_value_object_set(v, "metadata", m);
			dd_write_opts so = {.field_manager = "kube-controller-manager"};
			dd_response scratch_res;
			dd_response_init(&scratch_res);
			dd_op_create(c, sa, name, v, &so, &scratch_res);
			dd_response_release(&scratch_res);
		}
		/* and the cluster CA bundle the root-ca publisher copies into each namespace */
		dd_rtype *cmt = dd_registry_find(&c->reg, "", "v1", "configmaps");
		if (cmt && !dd_store_get(&c->store, "/configmaps", name, "kube-root-ca.crt")) {
			cap_value *v = cap_value_object();
			cap_value_object_set(v, "apiVersion", cap_value_string("v1"));
			cap_value_object_set(v, "kind", cap_value_string("ConfigMap"));
			cap_value *m = cap_value_object();
			cap_value_object_set(m, "name", cap_value_string("kube-root-ca.crt"));
			cap_value *ann = cap_value_object();
			cap_value_object_set(
			    ann, "kubernetes.io/description",
			    cap_value_string("Contains a CA bundle that can be used to "
					     "verify the kube-apiserver when using "
					     "internal endpoints such as the internal "
					     "service IP or kubernetes.default.svc. No "
					     "other usage is guaranteed across "
					     "distributions of Kubernetes clusters."));
			cap_value_object_set(m, "annotations", ann);
			cap_value_object_set(v, "metadata", m);
			cap_value *data = cap_value_object();
			cap_value_object_set(data, "ca.crt",
					     cap_value_string(c->ca_pem ? c->ca_pem : ""));
			cap_value_object_set(v, "data", data);
			dd_write_opts so = {.field_manager = "kube-controller-manager"};
			dd_response scratch_res;
			dd_response_init(&scratch_res);
			dd_op_create(c, cmt, name, v, &so, &scratch_res);
			dd_response_release(&scratch_res);
		}
		out = dd_store_get(&c->store, "/namespaces", "", name);
	}
done:
	cap_value_free(obj);
	cap_buf_release(&bucket);
	return out;
}

/* Everything but metadata and status, compared to decide on a generation bump. */
static bool spec_changed(const cap_value *a, const cap_value *b)
{
	const char *k;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(a, k, v)
	{
		if (!strcmp(k, "metadata") || !strcmp(k, "status") || !strcmp(k, "apiVersion") ||
		    !strcmp(k, "kind"))
			continue;
		if (!cap_value_equal(v, cap_value_object_get(b, k)))
			return true;
	}
	CAP_VALUE_OBJECT_FOREACH(b, k, v)
	{
		if (!strcmp(k, "metadata") || !strcmp(k, "status") || !strcmp(k, "apiVersion") ||
		    !strcmp(k, "kind"))
			continue;
		if (!cap_value_object_get(a, k))
			return true;
	}
	return false;
}

static void copy_member(cap_value *dst, const cap_value *src, const char *key)
{
	cap_value *v = cap_value_object_get(src, key);
	if (v)
		cap_value_object_set(dst, key, cap_value_deep_copy(v));
	else
		drop(dst, key);
}

/* Drops the time of every managedFields entry. */
static void drop_field_times(cap_value *obj)
{
	size_t i;
	cap_value *e;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(obj, "metadata", "managedFields", NULL), i, e)
	drop(e, "time");
}

/*
 * Whether a write changes nothing, as the API server judges a no-op: the resourceVersion and
 * the managedFields timestamps do not count, but a manager that comes to own fields (a
 * server-side apply of values already there) does, and is stored.
 */
static bool equal_ignoring_rv(const cap_value *a, const cap_value *b)
{
	cap_value *x = cap_value_deep_copy(a), *y = cap_value_deep_copy(b);
	drop(meta_of(x), "resourceVersion");
	drop(meta_of(y), "resourceVersion");
	drop_field_times(x);
	drop_field_times(y);
	bool eq = cap_value_equal(x, y);
	cap_value_free(x);
	cap_value_free(y);
	return eq;
}

static dd_obj *finish_delete(dd_cluster *c, const dd_rtype *t, dd_obj *cur);

/* The scale subresource as a Scale object, applied to a copy of the current object. */
static cap_value *apply_scale(const dd_rtype *t, const cap_value *cur, const cap_value *scale)
{
	cap_value *next = cap_value_deep_copy(cur);
	cap_value *replicas = cap_value_dig((cap_value *)scale, "spec", "replicas", NULL);
	if (!replicas)
		return next;
	if (t->crd) {
		const char *path = t->spec_replicas_path ? t->spec_replicas_path : ".spec.replicas";
		/* ".spec.replicas" -> walk objects, creating them */
		cap_value *at = next;
		const char *p = path + (*path == '.');
		while (*p) {
			const char *dot = strchr(p, '.');
			size_t l = dot ? (size_t)(dot - p) : strlen(p);
			if (!dot) {
				cap_value_object_setn(at, p, l, cap_value_deep_copy(replicas));
				break;
			}
			cap_value *child = cap_value_object_getn(at, p, l);
			if (!cap_value_is_object(child)) {
				child = cap_value_object();
				cap_value_object_setn(at, p, l, child);
			}
			at = child;
			p += l + 1;
		}
	} else {
		cap_value *spec = cap_value_object_get(next, "spec");
		if (!spec) {
			spec = cap_value_object();
			cap_value_object_set(next, "spec", spec);
		}
		cap_value_object_set(spec, "replicas", cap_value_deep_copy(replicas));
	}
	return next;
}

dd_obj *dd_op_update(dd_cluster *c, const dd_rtype *t, const char *ns, const char *name,
		     cap_value *obj, const dd_write_opts *o, dd_response *res)
{
	dd_obj *out = NULL;
	cap_value *next = NULL, *curv = NULL;
	cap_buf bucket = CAP_BUF_INIT;
	if (!t->namespaced)
		ns = "";
	dd_rtype_bucket(t, &bucket);
	dd_obj *cur = dd_store_get(&c->store, bucket.ptr, ns, name);
	if (!check_body(c, t, obj, o, res))
		goto done;
	const char *bname = mstr(obj, "name");
	if (bname && *bname && strcmp(bname, name) != 0) {
		char m[600];
		snprintf(m, sizeof(m),
			 "the name of the object (%s) does not match the name on the URL (%s)",
			 bname, name);
		dd_status_bad_request(res, m);
		goto done;
	}
	const char *bns = mstr(obj, "namespace");
	if (t->namespaced && bns && *bns && strcmp(bns, ns) != 0) {
		dd_status_bad_request(res, "the namespace of the provided object does not match "
					   "the namespace sent on the request");
		goto done;
	}
	if (!cur) {
		if (o->allow_create && (!o->subresource || !*o->subresource)) {
			cap_value_object_set(meta_of(obj), "name", cap_value_string(name));
			out = dd_op_create(c, t, ns, obj, o, res);
			obj = NULL;
			goto done;
		}
		dd_status_not_found(res, t, name);
		goto done;
	}
	const char *rv = mstr(obj, "resourceVersion");
	char currv[32];
	snprintf(currv, sizeof(currv), "%llu", (unsigned long long)cur->rv);
	if (rv && *rv && strcmp(rv, currv) != 0) {
		dd_status_conflict(res, t, name);
		goto done;
	}
	const char *uid = mstr(obj, "uid");
	const char *curuid = mstr(cur->v, "uid");
	if (uid && *uid && curuid && strcmp(uid, curuid) != 0) {
		char m[300];
		snprintf(m, sizeof(m),
			 "Precondition failed: UID in precondition: %s, UID in object "
			 "meta: %s",
			 uid, curuid);
		dd_status_error(res, 409, "Conflict", m, t->group, t->resource, name);
		goto done;
	}
	const char *sub = o->subresource ? o->subresource : "";
	bool explicit_fields = false;
	curv = dd_obj_full(cur);
	if (strcmp(sub, "status") == 0) {
		next = cap_value_deep_copy(curv);
		copy_member(next, obj, "status");
	} else if (strcmp(sub, "scale") == 0) {
		next = apply_scale(t, curv, obj);
	} else {
		next = obj;
		obj = NULL;
		cap_value *meta = meta_of(next);
		cap_value *cm = cap_value_object_get(curv, "metadata");
		/* managedFields a client sets on purpose (kubectl's client-side to server-side
		 * apply upgrade does) are taken as they are, as the API server takes them */
		cap_value *given = cap_value_object_get(meta, "managedFields");
		explicit_fields =
		    given && !cap_value_equal(given, cap_value_object_get(cm, "managedFields"));
		copy_member(meta, cm, "uid");
		copy_member(meta, cm, "creationTimestamp");
		copy_member(meta, cm, "deletionTimestamp");
		copy_member(meta, cm, "deletionGracePeriodSeconds");
		copy_member(meta, cm, "generation");
		if (!cap_value_object_get(meta, "managedFields"))
			copy_member(meta, cm, "managedFields");
		drop(meta, "selfLink");
		if (t->namespaced)
			cap_value_object_set(meta, "namespace", cap_value_string(ns));
		else
			drop(meta, "namespace");
		cap_value_object_set(meta, "name", cap_value_string(name));
		if (has_status_sub(t))
			copy_member(next, curv, "status");
	}
	dd_defaults_apply(c, t, next, curv);
	if (strcmp(sub, "status") != 0 && !dd_validate_object(t, next, curv, res))
		goto done;
	if (dd_defaults_has_generation(t) && spec_changed(curv, next)) {
		int64_t g = cap_value_get_int(cap_value_dig(curv, "metadata", "generation", NULL));
		cap_value_object_set(meta_of(next), "generation", cap_value_int(g + 1));
	}
	if (!explicit_fields)
		dd_fields_track(c, t, next, curv, manager_of(o, "unknown"),
				o->operation ?: "Update", sub);
	else if (cap_value_array_len(cap_value_dig(next, "metadata", "managedFields", NULL)) == 0)
		cap_value_object_del(meta_of(next), "managedFields");
	if (equal_ignoring_rv(next, curv)) {
		out = cur;
		goto done;
	}
	if (strcmp(t->group, "apiextensions.k8s.io") == 0 &&
	    strcmp(t->resource, "customresourcedefinitions") == 0 && !o->dry_run &&
	    strcmp(sub, "status") != 0) {
		if (dd_crd_admit(c, next) < 0) {
			dd_status_invalid(res, t, name, "spec", "FieldValueInvalid",
					  cap_error_last());
			goto done;
		}
	}
	if (o->dry_run) {
		cap_value_object_set(meta_of(next), "resourceVersion", cap_value_string(currv));
		out = scratch(c, next);
		next = NULL;
		goto done;
	}
	bool deleting = cap_value_dig(next, "metadata", "deletionTimestamp", NULL) != NULL;
	cap_value *fins = cap_value_dig(next, "metadata", "finalizers", NULL);
	out = dd_store_put(&c->store, bucket.ptr, ns, name, next);
	next = NULL;
	c->dirty = true;
	if (deleting && cap_value_array_len(fins) == 0 &&
	    !(!*t->group && strcmp(t->resource, "namespaces") == 0))
		out = finish_delete(c, t, out);
done:
	cap_value_free(obj);
	cap_value_free(next);
	cap_value_free(curv);
	cap_buf_release(&bucket);
	return out;
}

/* Removes an object for good and tells the collector; returns the final revision. */
static dd_obj *finish_delete(dd_cluster *c, const dd_rtype *t, dd_obj *cur)
{
	cap_value *keep = cap_value_ref(cur->v);
	char *bucket = cap_strdup(cur->bucket), *ns = cap_strdup(cur->ns),
	     *name = cap_strdup(cur->name);
	dd_obj *last = dd_store_remove(&c->store, bucket, ns, name);
	c->dirty = true;
	if (strcmp(t->group, "apiextensions.k8s.io") == 0 &&
	    strcmp(t->resource, "customresourcedefinitions") == 0)
		dd_crd_removed(c, keep);
	cap_value_free(keep);
	free(bucket);
	free(ns);
	free(name);
	return last;
}

static bool has_finalizer(const cap_value *v, const char *f)
{
	size_t i;
	cap_value *e;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig((cap_value *)v, "metadata", "finalizers", NULL), i, e)
	{
		if (cap_value_get_string(e) && strcmp(cap_value_get_string(e), f) == 0)
			return true;
	}
	return false;
}

dd_obj *dd_op_delete(dd_cluster *c, const dd_rtype *t, const char *ns, const char *name,
		     const dd_delete_opts *o, bool *gone, dd_response *res)
{
	cap_buf bucket = CAP_BUF_INIT;
	dd_obj *out = NULL;
	*gone = false;
	if (!t->namespaced)
		ns = "";
	dd_rtype_bucket(t, &bucket);
	dd_obj *cur = dd_store_get(&c->store, bucket.ptr, ns, name);
	if (!cur) {
		dd_status_not_found(res, t, name);
		goto done;
	}
	const char *uid = mstr(cur->v, "uid");
	if (o->precondition_uid && *o->precondition_uid && strcmp(o->precondition_uid, uid) != 0) {
		char m[512];
		snprintf(m, sizeof(m),
			 "Precondition failed: UID in precondition: %s, UID in object "
			 "meta: %s",
			 o->precondition_uid, uid);
		dd_status_error(res, 409, "Conflict", m, t->group, t->resource, name);
		goto done;
	}
	char currv[32];
	snprintf(currv, sizeof(currv), "%llu", (unsigned long long)cur->rv);
	if (o->precondition_rv && *o->precondition_rv && strcmp(o->precondition_rv, currv) != 0) {
		char m[512];
		snprintf(m, sizeof(m),
			 "Precondition failed: ResourceVersion in precondition: %s, "
			 "ResourceVersion in object meta: %s",
			 o->precondition_rv, currv);
		dd_status_error(res, 409, "Conflict", m, t->group, t->resource, name);
		goto done;
	}
	const char *policy = o->propagation ? o->propagation : "Background";
	bool is_ns = !*t->group && strcmp(t->resource, "namespaces") == 0;
	cap_value *fins = cap_value_dig(cur->v, "metadata", "finalizers", NULL);
	bool need_mark = is_ns || cap_value_array_len(fins) > 0 ||
			 strcmp(policy, "Foreground") == 0 || strcmp(policy, "Orphan") == 0;
	if (!need_mark) {
		if (o->dry_run) {
			out = cur;
			*gone = true;
			goto done;
		}
		out = finish_delete(c, t, cur);
		*gone = true;
		goto done;
	}
	cap_value *next = dd_obj_full(cur);
	cap_value *meta = meta_of(next);
	if (!cap_value_object_get(meta, "deletionTimestamp")) {
		char ts[CAP_RFC3339_LEN];
		now_rfc3339(ts);
		cap_value_object_set(meta, "deletionTimestamp", cap_value_string(ts));
		cap_value_object_set(meta, "deletionGracePeriodSeconds", cap_value_int(0));
	}
	const char *add = NULL;
	if (!is_ns && strcmp(policy, "Foreground") == 0)
		add = "foregroundDeletion";
	else if (!is_ns && strcmp(policy, "Orphan") == 0)
		add = "orphan";
	if (add && !has_finalizer(next, add)) {
		cap_value *f = cap_value_object_get(meta, "finalizers");
		if (!f) {
			f = cap_value_array();
			cap_value_object_set(meta, "finalizers", f);
		}
		cap_value_array_append(f, cap_value_string(add));
	}
	if (is_ns) {
		cap_value *st = cap_value_object_get(next, "status");
		if (!st) {
			st = cap_value_object();
			cap_value_object_set(next, "status", st);
		}
		cap_value_object_set(st, "phase", cap_value_string("Terminating"));
	}
	if (o->dry_run) {
		out = scratch(c, next);
		goto done;
	}
	if (equal_ignoring_rv(next, cur->v)) {
		cap_value_free(next);
		out = cur;
		goto done;
	}
	out = dd_store_put(&c->store, bucket.ptr, ns, name, next);
	c->dirty = true;
done:
	cap_buf_release(&bucket);
	return out;
}
