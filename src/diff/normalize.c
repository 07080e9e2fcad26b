/* Normalisation before comparison: typed round-trip effects, per-kind rules, status, metadata. */
#include "diff/normalize.h"

#include "base/base64.h"
#include "base/buf.h"
#include "base/vec.h"
#include "diff/quantity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cap_diff_builtin_group(const char *api_version)
{
	if (!api_version)
		return false;
	const char *slash = strchr(api_version, '/');
	if (!slash)
		return true; /* "v1": the core group */
	size_t n = (size_t)(slash - api_version);
	static const char *const plain[] = {"apps", "batch", "autoscaling", "policy"};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strlen(plain[i]) == n && !memcmp(api_version, plain[i], n))
			return true;
	/* rbac.authorization.k8s.io, networking.k8s.io, …: Kubernetes' own groups */
	return n > 7 && !memcmp(api_version + n - 7, ".k8s.io", 7);
}

void cap_diff_drop(cap_value *obj, const char *key)
{
	if (cap_value_object_get(obj, key))
		cap_value_object_del(obj, key);
}

static void canonical_quantities(cap_value *map)
{
	const char *key;
	cap_value *v;
	cap_buf text = CAP_BUF_INIT;

	CAP_VALUE_OBJECT_FOREACH(map, key, v)
	{
		cap_buf_clear(&text);
		bool ok;
		if (cap_value_is_string(v)) {
			ok = cap_quantity_canonical(&text, cap_value_get_string(v),
						    cap_value_string_len(v));
		} else if (cap_value_is_int(v)) {
			char num[32];
			int n = snprintf(num, sizeof(num), "%lld", (long long)cap_value_get_int(v));
			ok = cap_quantity_canonical(&text, num, (size_t)n);
		} else if (cap_value_is_real(v)) {
			char num[64];
			int n = snprintf(num, sizeof(num), "%.15g", cap_value_get_real(v));
			ok = cap_quantity_canonical(&text, num, (size_t)n);
		} else {
			continue;
		}
		if (ok && !(cap_value_is_string(v) && !strcmp(text.ptr, cap_value_get_string(v))))
			cap_value_object_setn(map, key, cap_value_object_iter_key_len(cap__it),
					      cap_value_stringn(text.ptr, text.len));
	}
	cap_buf_release(&text);
}

/* Members whose values are maps of quantities, by (parent key, key); NULL parent: any. */
static bool quantity_map(const char *parent, const char *key, bool builtin)
{
	static const char *const any[] = {
	    "capacity", "allocatable", "overhead", "hard",	     "used",
	    "max",	"min",	       "default",  "defaultRequest", "maxLimitRequestRatio"};
	if (parent && !strcmp(parent, "resources") &&
	    (!strcmp(key, "requests") || !strcmp(key, "limits")))
		return true;
	for (size_t i = 0; builtin && i < sizeof(any) / sizeof(any[0]); i++)
		if (!strcmp(key, any[i]))
			return true;
	return false;
}

/* A map type (additionalProperties): any member name has a type. */
static bool is_map_type(const cap_schema_type *t)
{
	return t && t->kind == CAP_SCHEMA_OBJECT && cap_schema_field(t, "\x01", 1) != NULL;
}

/* Lists Kubernetes marshals even when empty (no omitempty in the Go types). */
static bool list_kept_empty(const char *key)
{
	static const char *const kept[] = {"rules", "verbs", "containers", "nodeSelectorTerms",
					   "paths"};
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!strcmp(key, kept[i]))
			return true;
	return false;
}

static void remarshal_walk(cap_value *v, const char *parent, bool builtin, const cap_schema_type *t,
			   unsigned depth)
{
	const char *key;
	cap_value *child;
	size_t i;

	if (depth > 200)
		return;
	if (cap_value_is_array(v)) {
		const cap_schema_type *it = cap_schema_items(t);
		CAP_VALUE_ARRAY_FOREACH(v, i, child)
		remarshal_walk(child, NULL, builtin, it, depth + 1);
		return;
	}
	if (!cap_value_is_object(v))
		return;
	CAP_VALUE_OBJECT_FOREACH_SAFE(v, key, child)
	{
		if (builtin && cap_value_is_null(child) && strcmp(key, "creationTimestamp") &&
		    !(parent && (!strcmp(parent, "data") || !strcmp(parent, "binaryData")))) {
			cap_value_object_del(v, key);
			continue;
		}
		if (cap_value_is_object(child) && quantity_map(parent, key, builtin))
			canonical_quantities(child);
		if (!strcmp(key, "sizeLimit") &&
		    (cap_value_is_string(child) || cap_value_is_int(child))) {
			cap_value *holder = cap_value_object();
			cap_value_object_set(holder, "q", cap_value_ref(child));
			canonical_quantities(holder);
			cap_value_object_set(v, key,
					     cap_value_ref(cap_value_object_get(holder, "q")));
			cap_value_free(holder);
			continue;
		}
		const cap_schema_type *ct = cap_schema_field(t, key, strlen(key));
		remarshal_walk(child, key, builtin, ct, depth + 1);
		/* omitempty: empty lists and maps read back as absent */
		if (builtin && cap_value_is_array(child) && cap_value_array_len(child) == 0 &&
		    !list_kept_empty(key))
			cap_value_object_del(v, key);
		else if (cap_value_is_object(child) && cap_value_object_len(child) == 0 &&
			 builtin && is_map_type(ct))
			cap_value_object_del(v, key);
	}
}

void cap_diff_remarshal(cap_value *obj, bool builtin, const cap_schema_type *type)
{
	remarshal_walk(obj, NULL, builtin, type, 0);
}

static bool is_kind(const cap_value *obj, const char *group, const char *kind)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *k = cap_value_dig_string(obj, "kind", NULL);
	if (!av || !k || strcmp(k, kind))
		return false;
	const char *slash = strchr(av, '/');
	if (!*group)
		return !slash;
	return slash && (size_t)(slash - av) == strlen(group) && !memcmp(av, group, strlen(group));
}

static cap_value *base64_value(const char *s, size_t len)
{
	cap_buf out = CAP_BUF_INIT;
	cap_base64_encode(&out, s, len);
	cap_value *v = cap_value_stringn(out.ptr, out.len);
	cap_buf_release(&out);
	return v;
}

static void normalize_secret(cap_value *obj)
{
	cap_value *string_data = cap_value_object_get(obj, "stringData");
	if (cap_value_is_object(string_data)) {
		cap_value *data = cap_value_object_get(obj, "data");
		if (!cap_value_is_object(data)) {
			data = cap_value_object();
			cap_value_object_set(obj, "data", data);
		}
		const char *key;
		cap_value *v;
		CAP_VALUE_OBJECT_FOREACH(string_data, key, v)
		{
			size_t klen = cap_value_object_iter_key_len(cap__it);
			if (cap_value_is_string(v))
				cap_value_object_setn(
				    data, key, klen,
				    base64_value(cap_value_get_string(v), cap_value_string_len(v)));
			else
				cap_value_object_setn(data, key, klen, cap_value_ref(v));
		}
		cap_diff_drop(obj, "stringData");
	}
	/* A null or empty value reads back as "" (Argo CD issue 943). */
	cap_value *data = cap_value_object_get(obj, "data");
	const char *key;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(data, key, v)
	if (cap_value_is_null(v))
		cap_value_object_setn(data, key, cap_value_object_iter_key_len(cap__it),
				      cap_value_string(""));
}

static void normalize_role(cap_value *obj, bool ignore_aggregated)
{
	if (ignore_aggregated && cap_value_is_object(cap_value_object_get(obj, "aggregationRule")))
		cap_value_object_set(obj, "rules", cap_value_null());
	cap_value *rules = cap_value_object_get(obj, "rules");
	if (cap_value_is_array(rules) && cap_value_array_len(rules) == 0)
		cap_value_object_set(obj, "rules", cap_value_null());
}

static int cmp_address(const void *a, const void *b)
{
	const char *ia = cap_value_dig_string(a, "ip", NULL),
		   *ib = cap_value_dig_string(b, "ip", NULL);
	int c = strcmp(ia ? ia : "", ib ? ib : "");
	if (c)
		return c;
	const char *ua = cap_value_dig_string(a, "targetRef", "uid", NULL);
	const char *ub = cap_value_dig_string(b, "targetRef", "uid", NULL);
	return strcmp(ua ? ua : "", ub ? ub : "");
}

static int cmp_port(const void *a, const void *b)
{
	const char *na = cap_value_dig_string(a, "name", NULL),
		   *nb = cap_value_dig_string(b, "name", NULL);
	int c = strcmp(na ? na : "", nb ? nb : "");
	if (c)
		return c;
	int64_t pa = cap_value_get_int(cap_value_object_get(a, "port"));
	int64_t pb = cap_value_get_int(cap_value_object_get(b, "port"));
	return pa < pb ? -1 : pa > pb;
}

/* Sorts the array member key of obj in place with cmp (items compared as values). */
static void sort_member(cap_value *obj, const char *key, int (*cmp)(const void *, const void *))
{
	cap_value *arr = cap_value_object_get(obj, key);
	size_t n = cap_value_array_len(arr);
	if (n < 2)
		return;
	cap_vec items = CAP_VEC_INIT;
	for (size_t i = 0; i < n; i++)
		cap_vec_push(&items, cap_value_ref(cap_value_array_get(arr, i)));
	cap_vec_sort(&items, cmp);
	cap_value *sorted = cap_value_array();
	for (size_t i = 0; i < n; i++)
		cap_value_array_append(sorted, items.items[i]);
	cap_vec_release(&items);
	cap_value_object_set(obj, key, sorted);
}

static int cmp_subset(const void *a, const void *b)
{
	cap_value *aa = cap_value_array_get(cap_value_object_get(a, "addresses"), 0);
	cap_value *ab = cap_value_array_get(cap_value_object_get(b, "addresses"), 0);
	return cmp_address(aa, ab);
}

static void normalize_endpoints(cap_value *obj)
{
	cap_value *subsets = cap_value_object_get(obj, "subsets");
	cap_value *s;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(subsets, i, s)
	{
		sort_member(s, "addresses", cmp_address);
		sort_member(s, "notReadyAddresses", cmp_address);
		sort_member(s, "ports", cmp_port);
	}
	sort_member(obj, "subsets", cmp_subset);
}

void cap_diff_normalize_kind(cap_value *obj, bool ignore_aggregated_roles)
{
	cap_value *meta = cap_value_object_get(obj, "metadata");
	if (cap_value_is_object(meta))
		cap_diff_drop(meta, "creationTimestamp");
	if (is_kind(obj, "", "Secret"))
		normalize_secret(obj);
	else if (is_kind(obj, "rbac.authorization.k8s.io", "ClusterRole") ||
		 is_kind(obj, "rbac.authorization.k8s.io", "Role"))
		normalize_role(obj, ignore_aggregated_roles);
	else if (is_kind(obj, "", "Endpoints"))
		normalize_endpoints(obj);
}

void cap_diff_normalize_status(cap_value *obj, cap_diff_status_mode mode)
{
	bool crd = is_kind(obj, "apiextensions.k8s.io", "CustomResourceDefinition");
	if (crd) {
		cap_value *spec = cap_value_object_get(obj, "spec");
		if (cap_value_is_object(spec))
			cap_diff_drop(spec, "preserveUnknownFields");
	}
	if (mode == CAP_DIFF_STATUS_ALL || (mode == CAP_DIFF_STATUS_CRD && crd))
		if (cap_value_is_object(obj))
			cap_diff_drop(obj, "status");
}

void cap_diff_strip_server_fields(cap_value *obj)
{
	static const char *const fields[] = {"uid",	      "resourceVersion",
					     "generation",    "creationTimestamp",
					     "managedFields", "selfLink"};
	cap_value *meta = cap_value_object_get(obj, "metadata");
	if (!cap_value_is_object(meta))
		return;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		cap_diff_drop(meta, fields[i]);
	cap_value *ann = cap_value_object_get(meta, "annotations");
	if (cap_value_is_object(ann)) {
		cap_diff_drop(ann, CAP_DIFF_LAST_APPLIED);
		if (cap_value_object_len(ann) == 0)
			cap_diff_drop(meta, "annotations");
	}
}
