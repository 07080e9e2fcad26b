/* Strategic merge patch apply: the API server's merge of a patch into an object, directives and
 * all. */
#include "patch/strategic.h"

#include "patch/strategic_internal.h"

#include "base/error.h"
#include "base/strvec.h"
#include "value/json.h"

#include <stdlib.h>
#include <string.h>

/*
 * The server merges with both options on; kubectl's three-way create merges two patches with
 * both off, which keeps nulls and parallel lists in the result instead of acting on them.
 */
typedef struct merge_opts {
	bool merge_parallel;	     /* act on $deleteFromPrimitiveList, check $retainKeys */
	bool ignore_unmatched_nulls; /* drop nulls instead of keeping them in the result */
} merge_opts;

static int merge_map(cap_value **out, cap_value *original, cap_value *patch,
		     const cap_schema_type *t, const merge_opts *o);

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* "unknown patch type <json> in <where>" */
static int unknown_directive(const cap_value *v, const char *where)
{
	char *json = cap_json_to_string(v, CAP_JSON_COMPACT);
	int rc = cap_error_set(CAP_EINVALID, "unknown patch type %s in %s", json, where);
	free(json);
	return rc;
}

/* "$setElementOrder/containers" -> "containers"; the prefix must be exactly the first part. */
static int extract_key(const char **out, const char *key, const char *prefix)
{
	const char *slash = strchr(key, '/');
	size_t n = strlen(prefix);
	if (!slash || (size_t)(slash - key) != n || strncmp(key, prefix, n))
		return cap_error_set(CAP_EINVALID,
				     "invalid patch format of '%s': expected '%s/<field>'", key,
				     prefix);
	*out = slash + 1;
	return 0;
}

static void discard_nulls(cap_value *v)
{
	if (cap_value_is_object(v)) {
		const char *k;
		cap_value *child;
		CAP_VALUE_OBJECT_FOREACH_SAFE(v, k, child)
		{
			if (cap_value_is_null(child))
				cap_value_object_del(v, k);
			else
				discard_nulls(child);
		}
	} else if (cap_value_is_array(v)) {
		for (size_t i = 0; i < cap_value_array_len(v); i++)
			discard_nulls(cap_value_array_get(v, i));
	}
}

/*
 * Drops every object carrying "$patch" (and list items that are such objects) from v, in place;
 * false when v itself is one. A value new to the document is stored this way, so directives
 * aimed at content that does not exist vanish instead of landing in the object.
 */
static bool remove_directives(cap_value *v)
{
	if (cap_value_is_object(v)) {
		if (cap_value_object_get(v, CAP_SMP_DIRECTIVE))
			return false;
		const char *k;
		cap_value *child;
		CAP_VALUE_OBJECT_FOREACH_SAFE(v, k, child)
		{
			if (!remove_directives(child))
				cap_value_object_del(v, k);
		}
	} else if (cap_value_is_array(v)) {
		for (size_t i = cap_value_array_len(v); i-- > 0;)
			if (!remove_directives(cap_value_array_get(v, i)))
				cap_value_array_remove(v, i);
	}
	return true;
}

static cap_value *shallow_copy(const cap_value *list)
{
	cap_value *out = cap_value_array();
	for (size_t i = 0; i < cap_value_array_len(list); i++)
		cap_value_array_append(out, cap_value_ref(cap_value_array_get(list, i)));
	return out;
}

static int no_merge_key(const cap_value *item, const char *key)
{
	char *json = cap_json_to_string(item, CAP_JSON_COMPACT);
	int rc = cap_error_set(CAP_EINVALID, "map %s does not contain declared merge key '%s'",
			       json, key);
	free(json);
	return rc;
}

static bool is_delete_directive(const cap_value *item)
{
	const char *d = cap_value_get_string(cap_value_object_get(item, CAP_SMP_DIRECTIVE));
	return d && !strcmp(d, "delete");
}

/* Index of the first map in list whose key member equals value, or -1. */
static int find_by_key(long *out, const cap_value *list, const char *key, const cap_value *value)
{
	*out = -1;
	for (size_t i = 0; i < cap_value_array_len(list); i++) {
		const cap_value *item = cap_value_array_get(list, i);
		if (!cap_value_is_object(item))
			return cap_error_set(CAP_EINVALID, "value for key %zu is not a map", i);
		const cap_value *v = cap_value_object_get(item, key);
		if (v && cap_smp_eq(v, value)) {
			*out = (long)i;
			return 0;
		}
	}
	return 0;
}

/* Takes the {"$patch": …} items out of patch, deleting or replacing in original as they say. */
static int apply_list_directives(cap_value **orig_out, cap_value **patch_out, cap_value *original,
				 cap_value *patch, const char *key)
{
	cap_value *orig = shallow_copy(original), *rest = cap_value_array();
	bool replace = false;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < cap_value_array_len(patch); i++) {
		cap_value *item = cap_value_array_get(patch, i);
		const cap_value *d = cap_value_object_get(item, CAP_SMP_DIRECTIVE);
		const char *ds = cap_value_get_string(d);
		if (!d) {
			cap_value_array_append(rest, cap_value_ref(item));
		} else if (ds && !strcmp(ds, "delete")) {
			const cap_value *kv = cap_value_object_get(item, key);
			if (!kv) {
				rc = no_merge_key(item, key);
				break;
			}
			for (;;) {
				long at;
				if ((rc = find_by_key(&at, orig, key, kv)) < 0 || at < 0)
					break;
				cap_value_array_remove(orig, (size_t)at);
			}
		} else if (ds && !strcmp(ds, "replace")) {
			replace = true;
		} else if (ds && !strcmp(ds, "merge")) {
			rc = cap_error_set(CAP_EINVALID,
					   "merging lists cannot yet be specified in the patch");
		} else {
			rc = unknown_directive(d, "a list item");
		}
	}
	if (rc < 0) {
		cap_value_free(orig);
		cap_value_free(rest);
		return rc;
	}
	if (replace) {
		cap_value_free(orig);
		*orig_out = rest;
		*patch_out = NULL;
	} else {
		*orig_out = orig;
		*patch_out = rest;
	}
	return 0;
}

/* Merges each patch item into the original item with the same key, or appends it. */
static int merge_items(cap_value *orig, const cap_value *patch, const char *key,
		       const cap_schema_type *items, const merge_opts *o)
{
	for (size_t i = 0; i < cap_value_array_len(patch); i++) {
		cap_value *item = cap_value_array_get(patch, i);
		const cap_value *kv = cap_value_object_get(item, key);
		if (!kv)
			return no_merge_key(item, key);
		long at;
		int rc = find_by_key(&at, orig, key, kv);
		if (rc < 0)
			return rc;
		if (at < 0) {
			cap_value_array_append(orig, cap_value_ref(item));
			continue;
		}
		cap_value *merged;
		rc = merge_map(&merged, cap_value_array_get(orig, (size_t)at), item, items, o);
		if (rc < 0)
			return rc;
		cap_value_array_set(orig, (size_t)at, merged);
	}
	return 0;
}

static cap_value *delete_from(const cap_value *current, const cap_value *to_delete)
{
	cap_value *out = cap_value_array();
	for (size_t i = 0; i < cap_value_array_len(current); i++) {
		cap_value *item = cap_value_array_get(current, i);
		if (cap_smp_index(to_delete, item, NULL, false) < 0)
			cap_value_array_append(out, cap_value_ref(item));
	}
	return out;
}

/*
 * What the caller's copy of a merged list reads afterwards. Kubernetes deletes list items by
 * shifting the rest left inside the same Go array and appends new items into its spare capacity
 * (a decoded JSON list of n items has capacity n rounded up to a power of two), so the caller's
 * view of the original list, which later orders the server-only items, changes with the merge.
 */
static cap_value *go_view(const cap_value *original, const cap_value *patch, const char *key,
			  const cap_value *merged, size_t kept, bool replaced)
{
	size_t n = cap_value_array_len(original), cap = 1, len = n;
	while (cap < n)
		cap <<= 1;
	cap_value **slots = calloc(cap, sizeof(*slots));
	for (size_t i = 0; i < n; i++)
		slots[i] = cap_value_array_get(original, i);
	for (size_t p = 0; p < cap_value_array_len(patch); p++) {
		const cap_value *item = cap_value_array_get(patch, p);
		const cap_value *kv = cap_value_object_get(item, key);
		if (!is_delete_directive(item) || !kv)
			continue;
		for (size_t i = 0; i < len;) {
			const cap_value *v = cap_value_object_get(slots[i], key);
			if (!v || !cap_smp_eq(v, kv)) {
				i++;
				continue;
			}
			memmove(slots + i, slots + i + 1, (len - i - 1) * sizeof(*slots));
			len--;
			i = 0;
		}
	}
	for (size_t i = kept; !replaced && i < cap_value_array_len(merged) && len < cap; i++)
		slots[len++] = cap_value_array_get(merged, i);
	cap_value *view = cap_value_array();
	for (size_t i = 0; i < n; i++)
		cap_value_array_append(view, cap_value_ref(slots[i]));
	free(slots);
	return view;
}

static int merge_slice(cap_value **out, cap_value **view, cap_value *original, cap_value *patch,
		       const cap_schema_type *items, const char *key, const merge_opts *o,
		       bool is_delete_list)
{
	if (!cap_value_array_len(original) && !cap_value_array_len(patch)) {
		*out = cap_value_ref(original);
		return 0;
	}
	cap_smp_kind kind;
	int rc = cap_smp_element_kind(&kind, original, patch);
	if (rc < 0)
		return rc;
	cap_value *merged = NULL, *orig = NULL, *rest = NULL;
	if (kind != CAP_SMP_MAP) {
		if (o->merge_parallel && is_delete_list) {
			*out = delete_from(original, patch);
			return 0;
		}
		merged = shallow_copy(original);
		for (size_t i = 0; i < cap_value_array_len(patch); i++)
			cap_value_array_append(merged,
					       cap_value_ref(cap_value_array_get(patch, i)));
		cap_smp_dedupe_scalars(merged);
		orig = cap_value_ref(original);
		rest = cap_value_ref(patch);
	} else {
		if (!*key)
			return cap_error_set(CAP_EINVALID,
					     "cannot merge lists without merge key for '%s'",
					     cap_smp_type_name(items));
		if ((rc = apply_list_directives(&orig, &rest, original, patch, key)) < 0)
			return rc;
		merged = shallow_copy(orig);
		size_t kept = cap_value_array_len(merged);
		if (rest && (rc = merge_items(merged, rest, key, items, o)) < 0)
			goto done;
		if (view)
			*view = go_view(original, patch, key, merged, kept, !rest);
	}
	cap_value *in = NULL, *server_only = NULL;
	cap_value *order = rest ? rest : cap_value_array();
	rc = cap_smp_partition(&in, &server_only, merged, order, key, *key != '\0');
	if (rc == 0)
		rc = cap_smp_normalize_order(out, in, server_only, order, orig, key,
					     kind == CAP_SMP_MAP);
	if (!rest)
		cap_value_free(order);
	cap_value_free(in);
	cap_value_free(server_only);
done:
	cap_value_free(merged);
	cap_value_free(orig);
	cap_value_free(rest);
	return rc;
}

static int merge_slice_handler(cap_value **out, cap_value **view, cap_value *original,
			       cap_value *patch, const cap_schema_type *field, const merge_opts *o,
			       bool is_delete_list)
{
	cap_smp_strategy strategy;
	bool retain;
	int rc = cap_smp_strategy_of(field, &strategy, &retain);
	if (rc < 0)
		return rc;
	if (strategy != CAP_SMP_STRATEGY_MERGE) {
		*out = cap_value_ref(patch);
		return 0;
	}
	const char *key = cap_schema_merge_key(field);
	return merge_slice(out, view, original, patch, cap_schema_items(field), key ? key : "", o,
			   is_delete_list);
}

static int apply_retain_keys(cap_value *original, cap_value *patch, const merge_opts *o)
{
	cap_value *keep = cap_value_ref(cap_value_object_get(patch, CAP_SMP_RETAIN_KEYS));
	if (!keep)
		return 0;
	cap_value_object_del(patch, CAP_SMP_RETAIN_KEYS);
	int rc = 0;
	if (!o->merge_parallel) {
		const cap_value *had = cap_value_object_get(original, CAP_SMP_RETAIN_KEYS);
		if (!had)
			cap_value_object_set(original, CAP_SMP_RETAIN_KEYS, cap_value_ref(keep));
		else if (!cap_value_equal(had, keep))
			rc = cap_error_set(CAP_EINVALID, "two patches carry different $retainKeys");
		cap_value_free(keep);
		return rc;
	}
	if (!cap_value_is_array(keep)) {
		cap_value_free(keep);
		return cap_error_set(CAP_EINVALID,
				     "invalid patch format of $retainKeys: not a list");
	}
	const char *k;
	cap_value *v;
	cap_value *name = NULL;
	CAP_VALUE_OBJECT_FOREACH(patch, k, v)
	{
		if (cap_value_is_null(v) || has_prefix(k, CAP_SMP_DELETE_PREFIX) ||
		    has_prefix(k, CAP_SMP_ORDER_PREFIX))
			continue;
		name = cap_value_string(k);
		bool listed = cap_smp_index(keep, name, NULL, false) >= 0;
		cap_value_free(name);
		if (!listed) {
			rc = cap_error_set(CAP_EINVALID,
					   "invalid patch format of $retainKeys: '%s' is patched "
					   "but not retained",
					   k);
			goto out;
		}
	}
	CAP_VALUE_OBJECT_FOREACH_SAFE(original, k, v)
	{
		name = cap_value_string(k);
		if (cap_smp_index(keep, name, NULL, false) < 0)
			cap_value_object_del(original, k);
		cap_value_free(name);
	}
out:
	cap_value_free(keep);
	return rc;
}

/* Checks that the patch list's items appear in the $setElementOrder list's order. */
static int check_order_list(const cap_value *patch_list, const cap_value *order, const char *key)
{
	if (!cap_value_array_len(order) || !cap_value_array_len(patch_list))
		return 0;
	/* with a merge key, {"$patch":"delete"} items take no part in the order */
	cap_value *items = cap_value_array();
	int rc = 0;
	for (size_t i = 0; i < cap_value_array_len(patch_list); i++) {
		cap_value *item = cap_value_array_get(patch_list, i);
		if (*key && !cap_value_is_object(item)) {
			rc = cap_error_set(CAP_EINVALID, "expected a map, but received a %s",
					   cap_value_kind_name(cap_value_kind_of(item)));
			goto out;
		}
		if (!*key || !is_delete_directive(item))
			cap_value_array_append(items, cap_value_ref(item));
	}
	size_t pi = 0, oi = 0, np = cap_value_array_len(items), no = cap_value_array_len(order);
	while (pi < np && oi < no) {
		const cap_value *item = cap_value_array_get(items, pi);
		const cap_value *want = cap_value_array_get(order, oi);
		if (cap_value_is_object(item) && cap_value_object_get(item, CAP_SMP_DIRECTIVE)) {
			pi++;
			continue;
		}
		bool eq;
		if (!*key) {
			eq = cap_smp_eq(item, want);
		} else {
			if (!cap_value_is_object(want)) {
				rc =
				    cap_error_set(CAP_EINVALID, "expected a map, but received a %s",
						  cap_value_kind_name(cap_value_kind_of(want)));
				goto out;
			}
			const cap_value *a = cap_value_object_get(item, key);
			const cap_value *b = cap_value_object_get(want, key);
			if (!a || !b) {
				rc = no_merge_key(a ? want : item, key);
				goto out;
			}
			eq = cap_smp_eq(a, b);
		}
		if (eq)
			pi++;
		oi++;
	}
	if (pi < np && oi >= no)
		rc = cap_error_set(CAP_EINVALID, "the order in the patch list does not match the "
						 "$setElementOrder list");
out:
	cap_value_free(items);
	return rc;
}

/* One "$setElementOrder/<name>" directive: merge that list now and put it in the given order. */
static int merge_ordered_list(cap_value *original, cap_value *patch, const char *directive,
			      const cap_schema_type *t, const merge_opts *o)
{
	cap_value *order = cap_value_ref(cap_value_object_get(patch, directive));
	cap_value *merged = NULL, *in = NULL, *server_only = NULL, *result = NULL, *view = NULL;
	int rc = 0;
	if (!o->merge_parallel) {
		const cap_value *had = cap_value_object_get(original, directive);
		if (!had)
			cap_value_object_set(original, directive, cap_value_ref(order));
		else if (!cap_value_equal(had, order))
			rc = cap_error_set(CAP_EINVALID, "invalid patch format of '%s'", directive);
	}
	cap_value_object_del(patch, directive);
	const char *name = NULL;
	if (rc == 0 && !cap_value_is_array(order))
		rc = cap_error_set(CAP_EINVALID, "invalid patch format of '%s': not a list",
				   directive);
	if (rc == 0)
		rc = extract_key(&name, directive, CAP_SMP_ORDER_PREFIX);
	if (rc < 0)
		goto out;
	cap_value *orig_list = cap_value_object_get(original, name);
	cap_value *patch_list = cap_value_object_get(patch, name);
	if ((orig_list && !cap_value_is_array(orig_list)) ||
	    (patch_list && !cap_value_is_array(patch_list))) {
		rc =
		    cap_error_set(CAP_EINVALID, "'%s' is not a list but has '%s'", name, directive);
		goto out;
	}
	const cap_schema_type *field = cap_schema_field(t, name, strlen(name));
	cap_smp_strategy strategy;
	bool retain;
	const char *key = cap_schema_merge_key(field);
	key = key ? key : "";
	if ((rc = cap_smp_strategy_of(field, &strategy, &retain)) < 0 ||
	    (rc = check_order_list(patch_list, order, key)) < 0)
		goto out;
	if (orig_list && patch_list)
		rc = merge_slice_handler(&merged, &view, orig_list, patch_list, field, o, false);
	else if (orig_list)
		merged = cap_value_ref(orig_list);
	else if (patch_list) {
		/* a filtered copy: the element kind below still sees the patch's own items */
		merged = shallow_copy(patch_list);
		remove_directives(merged);
	} else
		goto out;
	if (rc < 0)
		goto out;
	cap_smp_kind kind;
	if ((rc = cap_smp_partition(&in, &server_only, merged, order, key, *key != '\0')) < 0 ||
	    (rc = cap_smp_element_kind(&kind, orig_list, patch_list)) < 0)
		goto out;
	cap_value *server_order = view	      ? cap_value_ref(view)
				  : orig_list ? cap_value_ref(orig_list)
					      : cap_value_array();
	rc = cap_smp_normalize_order(&result, in, server_only, order, server_order, key,
				     kind == CAP_SMP_MAP);
	cap_value_free(server_order);
	if (rc == 0) {
		cap_value_object_set(original, name, result);
		cap_value_object_del(patch, name);
	}
out:
	cap_value_free(in);
	cap_value_free(server_only);
	cap_value_free(merged);
	cap_value_free(view);
	cap_value_free(order);
	return rc;
}

static void keys_with_prefix(cap_strvec *out, const cap_value *obj, const char *prefix, bool want)
{
	const char *k;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(obj, k, v)
	{
		(void)v;
		if (has_prefix(k, prefix) == want)
			cap_strvec_push(out, k);
	}
}

/* One member of the patch merged into original (mergeMap's loop body). */
static int merge_member(cap_value *original, cap_value *patch, const char *k,
			const cap_schema_type *t, const merge_opts *o)
{
	cap_value *pv = cap_value_object_get(patch, k);
	if (!pv)
		return 0;
	const char *name = k;
	bool is_delete_list = false;
	if (has_prefix(k, CAP_SMP_DELETE_PREFIX)) {
		if (!o->merge_parallel) {
			cap_value_object_set(original, k, cap_value_ref(pv));
			return 0;
		}
		int rc = extract_key(&name, k, CAP_SMP_DELETE_PREFIX);
		if (rc < 0)
			return rc;
		is_delete_list = true;
	}
	if (cap_value_is_null(pv)) {
		cap_value_object_del(original, name);
		if (o->ignore_unmatched_nulls)
			return 0;
	}
	cap_value *ov = cap_value_object_get(original, name);
	if (!ov || cap_smp_kind_of(ov) != cap_smp_kind_of(pv)) {
		if (!is_delete_list) {
			if (o->ignore_unmatched_nulls)
				discard_nulls(pv);
			if (remove_directives(pv))
				cap_value_object_set(original, name, cap_value_ref(pv));
			else
				cap_value_object_del(original, name);
		}
		return 0;
	}
	const cap_schema_type *field = cap_schema_field(t, name, strlen(name));
	cap_value *merged = NULL;
	int rc = 0;
	switch (cap_smp_kind_of(ov)) {
	case CAP_SMP_MAP: {
		cap_smp_strategy strategy;
		bool retain;
		if ((rc = cap_smp_strategy_of(field, &strategy, &retain)) < 0)
			return rc;
		if (strategy == CAP_SMP_STRATEGY_REPLACE)
			merged = cap_value_ref(pv);
		else
			rc = merge_map(&merged, ov, pv, field, o);
		break;
	}
	case CAP_SMP_LIST:
		rc = merge_slice_handler(&merged, NULL, ov, pv, field, o, is_delete_list);
		break;
	default:
		merged = cap_value_ref(pv);
	}
	if (rc < 0)
		return rc;
	cap_value_object_set(original, name, merged);
	return 0;
}

static int merge_map(cap_value **out, cap_value *original, cap_value *patch,
		     const cap_schema_type *t, const merge_opts *o)
{
	const cap_value *d = cap_value_object_get(patch, CAP_SMP_DIRECTIVE);
	if (d) {
		const char *ds = cap_value_get_string(d);
		if (ds && !strcmp(ds, "replace")) {
			cap_value_object_del(patch, CAP_SMP_DIRECTIVE);
			*out = cap_value_ref(patch);
			return 0;
		}
		if (ds && !strcmp(ds, "delete")) {
			*out = cap_value_object();
			return 0;
		}
		return unknown_directive(d, "a map");
	}
	cap_value *orig = original ? cap_value_ref(original) : cap_value_object();
	cap_strvec keys = CAP_STRVEC_INIT;
	int rc = apply_retain_keys(orig, patch, o);
	if (rc == 0) {
		keys_with_prefix(&keys, patch, CAP_SMP_ORDER_PREFIX, true);
		for (size_t i = 0; rc == 0 && i < keys.len; i++)
			rc = merge_ordered_list(orig, patch, keys.items[i], t, o);
	}
	if (rc == 0) {
		/* parallel deletion lists after the lists they trim, as the patches kubectl sends
		 * are applied in the common case */
		cap_strvec_release(&keys);
		keys_with_prefix(&keys, patch, CAP_SMP_DELETE_PREFIX, false);
		keys_with_prefix(&keys, patch, CAP_SMP_DELETE_PREFIX, true);
		for (size_t i = 0; rc == 0 && i < keys.len; i++)
			rc = merge_member(orig, patch, keys.items[i], t, o);
	}
	cap_strvec_release(&keys);
	if (rc < 0) {
		cap_value_free(orig);
		return rc;
	}
	*out = orig;
	return 0;
}

static int unsupported(const cap_schema_type *type)
{
	return cap_error_set(CAP_EUNSUPPORTED, "%s", CAP_STRATEGIC_UNSUPPORTED_MESSAGE);
}

int cap_strategic__check(const cap_schema_type *type, const cap_value *a, const cap_value *b,
			 const cap_value *c)
{
	if (!type || type->custom)
		return unsupported(type);
	if ((a && !cap_value_is_object(a)) || (b && !cap_value_is_object(b)) ||
	    (c && !cap_value_is_object(c)))
		return cap_error_set(CAP_EINVALID, "invalid JSON document: not an object");
	return 0;
}

int cap_strategic_apply(cap_value **out, const cap_value *doc, const cap_value *patch,
			const cap_schema_type *type)
{
	int rc = cap_strategic__check(type, doc, patch, NULL);
	if (rc < 0)
		return rc;
	if (!doc || !patch)
		return cap_error_set(CAP_EINVALID, "invalid JSON document: missing");
	cap_value *d = cap_value_deep_copy(doc), *p = cap_value_deep_copy(patch), *result;
	merge_opts o = {true, true};
	rc = merge_map(&result, d, p, type, &o);
	cap_value_free(d);
	cap_value_free(p);
	if (rc == 0)
		*out = result;
	return rc;
}

int cap_strategic__merge_patches(cap_value **out, cap_value *first, cap_value *second,
				 const cap_schema_type *type)
{
	merge_opts o = {false, false};
	return merge_map(out, first, second, type, &o);
}
