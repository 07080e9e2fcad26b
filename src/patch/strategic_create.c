/* Strategic merge patch create: two-way and kubectl apply's three-way patches. */
#include "patch/strategic.h"

#include "patch/strategic_internal.h"

#include "base/buf.h"
#include "base/error.h"

#include <string.h>

typedef struct diff_opts {
	bool set_element_order; /* emit $setElementOrder for changed merged lists */
	bool ignore_changes;	/* leave out changes and additions */
	bool ignore_deletions;	/* leave out deletions */
	bool build_retain_keys; /* this object's field says retainKeys */
} diff_opts;

static int diff_maps(cap_value **out, const cap_value *original, const cap_value *modified,
		     const cap_schema_type *t, diff_opts o);

static void set_prefixed(cap_value *patch, const char *prefix, const char *key, cap_value *v)
{
	cap_buf name = CAP_BUF_INIT;
	cap_buf_printf(&name, "%s/%s", prefix, key);
	cap_value_object_set(patch, name.ptr, v);
	cap_buf_release(&name);
}

static int merge_key_of(const cap_value **out, const cap_value *item, const char *key)
{
	if (!cap_value_is_object(item))
		return cap_error_set(CAP_EINVALID, "expected a map, but received a %s",
				     cap_value_kind_name(cap_value_kind_of(item)));
	*out = cap_value_object_get(item, key);
	if (!*out)
		return cap_error_set(CAP_EINVALID, "a list item does not contain merge key '%s'",
				     key);
	return 0;
}

static void format_text(cap_buf *b, const cap_value *v)
{
	cap_buf_clear(b);
	cap_smp_format(b, v);
}

/* Changed items (with their merge key) and {"$patch":"delete"} items, walking both sorted. */
static int diff_lists_of_maps(cap_value *changes, cap_value *deletions, const cap_value *original,
			      const cap_value *modified, const cap_schema_type *items,
			      const char *key, diff_opts o)
{
	cap_value *os = cap_smp_sorted(original, key), *ms = cap_smp_sorted(modified, key);
	size_t oi = 0, mi = 0, on = cap_value_array_len(os), mn = cap_value_array_len(ms);
	cap_buf otext = CAP_BUF_INIT, mtext = CAP_BUF_INIT;
	int rc = 0;
	while (rc == 0 && (oi < on || mi < mn)) {
		const cap_value *oitem = NULL, *mitem = NULL, *okey = NULL, *mkey = NULL;
		if (oi < on) {
			oitem = cap_value_array_get(os, oi);
			if ((rc = merge_key_of(&okey, oitem, key)) < 0)
				break;
			format_text(&otext, okey);
		}
		if (mi < mn) {
			mitem = cap_value_array_get(ms, mi);
			if ((rc = merge_key_of(&mkey, mitem, key)) < 0)
				break;
			format_text(&mtext, mkey);
		}
		int cmp = oitem && mitem ? strcmp(otext.ptr, mtext.ptr) : 0;
		if (oitem && mitem && cmp == 0) {
			cap_value *p;
			if ((rc = diff_maps(&p, oitem, mitem, items, o)) < 0)
				break;
			if (cap_value_object_len(p)) {
				cap_value_object_set(p, key, cap_value_ref((cap_value *)mkey));
				cap_value_array_append(changes, p);
			} else {
				cap_value_free(p);
			}
			oi++;
			mi++;
		} else if (!oitem || cmp > 0) {
			if (!o.ignore_changes)
				cap_value_array_append(changes, cap_value_ref((cap_value *)mitem));
			mi++;
		} else {
			if (!o.ignore_deletions) {
				cap_value *d = cap_value_object();
				cap_value_object_set(d, CAP_SMP_DIRECTIVE,
						     cap_value_string("delete"));
				cap_value_object_set(d, key, cap_value_ref((cap_value *)okey));
				cap_value_array_append(deletions, d);
			}
			oi++;
		}
	}
	cap_buf_release(&otext);
	cap_buf_release(&mtext);
	cap_value_free(os);
	cap_value_free(ms);
	return rc;
}

/* Scalars added and removed, walking both lists sorted by their text. */
static void diff_lists_of_scalars(cap_value *adds, cap_value *deletions, const cap_value *original,
				  const cap_value *modified, diff_opts o)
{
	cap_value *os = cap_smp_sorted(original, NULL), *ms = cap_smp_sorted(modified, NULL);
	size_t oi = 0, mi = 0, on = cap_value_array_len(os), mn = cap_value_array_len(ms);
	cap_buf otext = CAP_BUF_INIT, mtext = CAP_BUF_INIT;
	while (oi < on || mi < mn) {
		if (oi < on)
			format_text(&otext, cap_value_array_get(os, oi));
		if (mi < mn)
			format_text(&mtext, cap_value_array_get(ms, mi));
		int cmp = oi < on && mi < mn ? strcmp(otext.ptr, mtext.ptr) : 0;
		if (oi < on && mi < mn && cmp == 0) {
			oi++;
			mi++;
		} else if (oi >= on || cmp > 0) {
			if (!o.ignore_changes)
				cap_value_array_append(adds,
						       cap_value_ref(cap_value_array_get(ms, mi)));
			mi++;
		} else {
			if (!o.ignore_deletions)
				cap_value_array_append(deletions,
						       cap_value_ref(cap_value_array_get(os, oi)));
			oi++;
		}
	}
	cap_smp_dedupe_scalars(deletions);
	cap_buf_release(&otext);
	cap_buf_release(&mtext);
	cap_value_free(os);
	cap_value_free(ms);
}

static int order_same(bool *out, const cap_value *original, const cap_value *modified,
		      const char *key)
{
	*out = cap_value_array_len(original) == cap_value_array_len(modified);
	for (size_t i = 0; *out && i < cap_value_array_len(modified); i++) {
		const cap_value *a, *b;
		int rc = merge_key_of(&a, cap_value_array_get(original, i), key);
		if (rc == 0)
			rc = merge_key_of(&b, cap_value_array_get(modified, i), key);
		if (rc < 0)
			return rc;
		*out = cap_smp_eq(a, b);
	}
	return 0;
}

/* The patch list, parallel deletion list and order list of one merged list field. */
static int diff_lists(cap_value **add_out, cap_value **del_out, cap_value **order_out,
		      const cap_value *original, const cap_value *modified,
		      const cap_schema_type *items, const char *key, diff_opts o)
{
	*add_out = *del_out = *order_out = NULL;
	if (!cap_value_array_len(original)) {
		if (cap_value_array_len(modified) && !o.ignore_changes)
			*add_out = cap_value_ref((cap_value *)modified);
		return 0;
	}
	cap_smp_kind kind;
	int rc = cap_smp_element_kind(&kind, original, modified);
	if (rc < 0)
		return rc;
	cap_value *changes = cap_value_array(), *deletions = cap_value_array(), *sorted = NULL;
	if (kind == CAP_SMP_MAP) {
		bool same = false;
		if ((rc = diff_lists_of_maps(changes, deletions, original, modified, items, key,
					     o)) < 0 ||
		    (rc = cap_smp_order_by(&sorted, changes, modified, key, true)) < 0 ||
		    (rc = order_same(&same, original, modified, key)) < 0)
			goto fail;
		for (size_t i = 0; i < cap_value_array_len(deletions); i++)
			cap_value_array_append(sorted,
					       cap_value_ref(cap_value_array_get(deletions, i)));
		size_t n = cap_value_array_len(sorted);
		if (o.set_element_order &&
		    ((!o.ignore_changes && (n > 0 || !same)) || (!o.ignore_deletions && n > 0))) {
			cap_value *order = cap_value_array();
			for (size_t i = 0; i < cap_value_array_len(modified); i++) {
				const cap_value *kv =
				    cap_value_object_get(cap_value_array_get(modified, i), key);
				cap_value *entry = cap_value_object();
				cap_value_object_set(entry, key,
						     kv ? cap_value_ref((cap_value *)kv)
							: cap_value_null());
				cap_value_array_append(order, entry);
			}
			*order_out = order;
		}
		cap_value_free(deletions);
		deletions = NULL;
	} else {
		diff_lists_of_scalars(changes, deletions, original, modified, o);
		if ((rc = cap_smp_order_by(&sorted, changes, modified, key, false)) < 0)
			goto fail;
		/*
		 * Kubernetes sorts the original list in place before this comparison, so a list
		 * that only changed order counts as unchanged and gets no order directive.
		 */
		cap_value *sorted_original = cap_smp_sorted(original, NULL);
		if (o.set_element_order &&
		    ((!o.ignore_deletions && cap_value_array_len(deletions)) ||
		     (!o.ignore_changes && !cap_value_equal(sorted_original, modified))))
			*order_out = cap_value_ref((cap_value *)modified);
		cap_value_free(sorted_original);
	}
	cap_value_free(changes);
	*add_out = sorted;
	*del_out = deletions;
	return 0;
fail:
	cap_value_free(changes);
	cap_value_free(deletions);
	cap_value_free(sorted);
	return rc;
}

static void replace_if_changed(cap_value *patch, const char *key, const cap_value *original,
			       const cap_value *modified, diff_opts o)
{
	if (!o.ignore_changes && !cap_value_equal(original, modified))
		cap_value_object_set(patch, key, cap_value_ref((cap_value *)modified));
}

static int diff_member(cap_value *patch, const char *key, const cap_value *ov, const cap_value *mv,
		       const cap_schema_type *t, diff_opts o)
{
	cap_smp_kind kind = cap_smp_kind_of(ov);
	if (kind != CAP_SMP_MAP && kind != CAP_SMP_LIST) {
		replace_if_changed(patch, key, ov, mv, o);
		return 0;
	}
	const cap_schema_type *field = cap_schema_field(t, key, strlen(key));
	cap_smp_strategy strategy;
	bool retain;
	int rc = cap_smp_strategy_of(field, &strategy, &retain);
	if (rc < 0)
		return rc;
	diff_opts inner = o;
	if (kind == CAP_SMP_MAP) {
		inner.build_retain_keys = retain;
		if (strategy == CAP_SMP_STRATEGY_REPLACE) {
			if (!o.ignore_changes)
				cap_value_object_set(patch, key, cap_value_ref((cap_value *)mv));
			return 0;
		}
		cap_value *p;
		if ((rc = diff_maps(&p, ov, mv, field, inner)) < 0)
			return rc;
		if (cap_value_object_len(p))
			cap_value_object_set(patch, key, p);
		else
			cap_value_free(p);
		return 0;
	}
	if (strategy != CAP_SMP_STRATEGY_MERGE) {
		replace_if_changed(patch, key, ov, mv, o);
		return 0;
	}
	inner.build_retain_keys = retain;
	const char *merge_key = cap_schema_merge_key(field);
	cap_value *add, *del, *order;
	rc = diff_lists(&add, &del, &order, ov, mv, cap_schema_items(field),
			merge_key ? merge_key : "", inner);
	if (rc < 0)
		return rc;
	if (cap_value_array_len(add))
		cap_value_object_set(patch, key, cap_value_ref(add));
	if (cap_value_array_len(del))
		set_prefixed(patch, CAP_SMP_DELETE_PREFIX, key, cap_value_ref(del));
	if (cap_value_array_len(order))
		set_prefixed(patch, CAP_SMP_ORDER_PREFIX, key, cap_value_ref(order));
	cap_value_free(add);
	cap_value_free(del);
	cap_value_free(order);
	return 0;
}

static bool has_additional_field(const cap_value *original, const cap_value *modified)
{
	const char *k;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(original, k, v)
	{
		if (!cap_value_is_null(v) && !cap_value_object_get(modified, k))
			return true;
	}
	return false;
}

static int diff_maps(cap_value **out, const cap_value *original, const cap_value *modified,
		     const cap_schema_type *t, diff_opts o)
{
	cap_value *patch = cap_value_object(), *retain = cap_value_array();
	const char *key;
	cap_value *mv;
	int rc = 0;
	CAP_VALUE_OBJECT_FOREACH(modified, key, mv)
	{
		if (o.build_retain_keys && !cap_value_is_null(mv))
			cap_value_array_append(retain, cap_value_string(key));
		const cap_value *ov = cap_value_object_get(original, key);
		if (!ov) {
			if (!o.ignore_changes)
				cap_value_object_set(patch, key, cap_value_ref(mv));
			continue;
		}
		if (!strcmp(key, CAP_SMP_DIRECTIVE)) {
			if (!cap_value_is_string(ov) || !cap_value_is_string(mv)) {
				rc = cap_error_set(CAP_EINVALID,
						   "invalid value for special key: $patch");
				break;
			}
			if (!cap_value_equal(ov, mv))
				cap_value_object_set(patch, key, cap_value_ref(mv));
			continue;
		}
		if (cap_smp_kind_of(ov) != cap_smp_kind_of(mv)) {
			if (!o.ignore_changes)
				cap_value_object_set(patch, key, cap_value_ref(mv));
			continue;
		}
		if ((rc = diff_member(patch, key, ov, mv, t, o)) < 0)
			break;
	}
	if (rc == 0 && !o.ignore_deletions) {
		cap_value *ov;
		CAP_VALUE_OBJECT_FOREACH(original, key, ov)
		{
			(void)ov;
			if (!cap_value_object_get(modified, key))
				cap_value_object_set(patch, key, cap_value_null());
		}
	}
	if (rc == 0 && cap_value_array_len(retain) &&
	    (cap_value_object_len(patch) || has_additional_field(original, modified)))
		cap_value_object_set(patch, CAP_SMP_RETAIN_KEYS, cap_smp_sorted(retain, NULL));
	cap_value_free(retain);
	if (rc < 0) {
		cap_value_free(patch);
		return rc;
	}
	*out = patch;
	return 0;
}

int cap_strategic_create_two_way(cap_value **out, const cap_value *original,
				 const cap_value *modified, const cap_schema_type *type)
{
	int rc = cap_strategic__check(type, original, modified, NULL);
	if (rc < 0)
		return rc;
	cap_value *empty = cap_value_object();
	diff_opts o = {.set_element_order = true};
	rc = diff_maps(out, original ? original : empty, modified ? modified : empty, type, o);
	cap_value_free(empty);
	return rc;
}

int cap_strategic_create_three_way(cap_value **out, const cap_value *original,
				   const cap_value *modified, const cap_value *current,
				   const cap_schema_type *type)
{
	int rc = cap_strategic__check(type, original, modified, current);
	if (rc < 0)
		return rc;
	/* the merge below changes what it merges, so it works on copies of the inputs */
	cap_value *o = original ? cap_value_deep_copy(original) : cap_value_object();
	cap_value *m = modified ? cap_value_deep_copy(modified) : cap_value_object();
	cap_value *c = current ? cap_value_deep_copy(current) : cap_value_object();
	cap_value *delta = NULL, *deletions = NULL;
	diff_opts delta_opts = {.set_element_order = true, .ignore_deletions = true};
	diff_opts deletion_opts = {.set_element_order = true, .ignore_changes = true};
	if ((rc = diff_maps(&delta, c, m, type, delta_opts)) == 0 &&
	    (rc = diff_maps(&deletions, o, m, type, deletion_opts)) == 0)
		rc = cap_strategic__merge_patches(out, deletions, delta, type);
	cap_value_free(delta);
	cap_value_free(deletions);
	cap_value_free(o);
	cap_value_free(m);
	cap_value_free(c);
	return rc;
}
