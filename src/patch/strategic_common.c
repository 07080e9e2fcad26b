/* Strategic merge patch helpers: Go's view of JSON values, list ordering, strategies. */
#include "patch/strategic_internal.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cap_smp_kind cap_smp_kind_of(const cap_value *v)
{
	switch (cap_value_kind_of(v)) {
	case CAP_VALUE_BOOL:
		return CAP_SMP_BOOL;
	case CAP_VALUE_INT:
	case CAP_VALUE_REAL:
		return CAP_SMP_NUMBER;
	case CAP_VALUE_STRING:
		return CAP_SMP_STRING;
	case CAP_VALUE_ARRAY:
		return CAP_SMP_LIST;
	case CAP_VALUE_OBJECT:
		return CAP_SMP_MAP;
	default:
		return CAP_SMP_NULL;
	}
}

bool cap_smp_eq(const cap_value *a, const cap_value *b)
{
	cap_smp_kind ka = cap_smp_kind_of(a), kb = cap_smp_kind_of(b);
	if (ka != kb)
		return false;
	switch (ka) {
	case CAP_SMP_NULL:
		return true;
	case CAP_SMP_BOOL:
		return cap_value_get_bool(a) == cap_value_get_bool(b);
	case CAP_SMP_NUMBER:
		return cap_value_get_real(a) == cap_value_get_real(b);
	case CAP_SMP_STRING:
		return cap_value_string_len(a) == cap_value_string_len(b) &&
		       !memcmp(cap_value_get_string(a), cap_value_get_string(b),
			       cap_value_string_len(a));
	default:
		return cap_value_equal(a, b);
	}
}

/* Go's strconv 'g' with the shortest precision, as fmt "%v" prints a float64. */
static void format_number(cap_buf *out, double d)
{
	if (isnan(d)) {
		cap_buf_puts(out, "NaN");
		return;
	}
	if (isinf(d)) {
		cap_buf_puts(out, d > 0 ? "+Inf" : "-Inf");
		return;
	}
	char tmp[64];
	int digits = 1;
	for (; digits < 17; digits++) {
		snprintf(tmp, sizeof(tmp), "%.*e", digits - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", digits - 1, d);
	char *e = strchr(tmp, 'e');
	int exp = atoi(e + 1);
	if (exp < -4 || exp >= 6) {
		/* Go: mantissa digits, then e, sign and at least two exponent digits */
		*e = '\0';
		cap_buf_printf(out, "%se%c%02d", tmp, exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	int decimals = digits - 1 - exp;
	cap_buf_printf(out, "%.*f", decimals > 0 ? decimals : 0, d);
}

void cap_smp_format(cap_buf *out, const cap_value *v)
{
	switch (cap_smp_kind_of(v)) {
	case CAP_SMP_NULL:
		cap_buf_puts(out, "<nil>");
		break;
	case CAP_SMP_BOOL:
		cap_buf_puts(out, cap_value_get_bool(v) ? "true" : "false");
		break;
	case CAP_SMP_NUMBER:
		format_number(out, cap_value_get_real(v));
		break;
	case CAP_SMP_STRING:
		cap_buf_put(out, cap_value_get_string(v), cap_value_string_len(v));
		break;
	default: {
		/* Go would print map[...] or [...]; only the order among such items depends on it
		 */
		char *json = cap_json_to_string(v, CAP_JSON_COMPACT | CAP_JSON_SORT_KEYS);
		cap_buf_puts(out, json);
		free(json);
	}
	}
}

const char *cap_smp_type_name(const cap_schema_type *t)
{
	return t && t->name && *t->name ? t->name : "an untyped object";
}

int cap_smp_strategy_of(const cap_schema_type *t, cap_smp_strategy *strategy, bool *retain_keys)
{
	unsigned flags = cap_schema_patch_strategy(t);
	if (flags & CAP_SCHEMA_PATCH_INVALID)
		return cap_error_set(CAP_EINVALID, "unexpected patch strategy in '%s'",
				     cap_smp_type_name(t));
	*retain_keys = flags & CAP_SCHEMA_PATCH_RETAIN_KEYS;
	*strategy = flags & CAP_SCHEMA_PATCH_MERGE     ? CAP_SMP_STRATEGY_MERGE
		    : flags & CAP_SCHEMA_PATCH_REPLACE ? CAP_SMP_STRATEGY_REPLACE
						       : CAP_SMP_STRATEGY_NONE;
	return 0;
}

static int kind_of_items(const cap_value *list, bool *seen, cap_smp_kind *prev)
{
	for (size_t i = 0; i < cap_value_array_len(list); i++) {
		cap_smp_kind k = cap_smp_kind_of(cap_value_array_get(list, i));
		if (!*seen) {
			if (k == CAP_SMP_NULL)
				return cap_error_set(CAP_EINVALID, "list items must not be null");
			if (k == CAP_SMP_LIST)
				return cap_error_set(CAP_EINVALID,
						     "lists of lists are not supported");
			*seen = true;
			*prev = k;
		} else if (k != *prev) {
			return cap_error_set(CAP_EINVALID, "list element types are not identical");
		}
	}
	return 0;
}

int cap_smp_element_kind(cap_smp_kind *out, const cap_value *a, const cap_value *b)
{
	bool seen = false;
	cap_smp_kind k = CAP_SMP_NULL;
	int rc = kind_of_items(a, &seen, &k);
	if (rc == 0)
		rc = kind_of_items(b, &seen, &k);
	if (rc < 0)
		return rc;
	if (!seen)
		return cap_error_set(CAP_EINVALID, "no elements in any of the given lists");
	*out = k;
	return 0;
}

void cap_smp_dedupe_scalars(cap_value *s)
{
	size_t len = cap_value_array_len(s);
	if (len < 2)
		return;
	size_t last = len - 1;
	for (size_t i = 0; i < last; i++) {
		for (size_t j = i + 1; j <= last; j++) {
			if (cap_smp_eq(cap_value_array_get(s, i), cap_value_array_get(s, j))) {
				cap_value_array_set(s, j,
						    cap_value_ref(cap_value_array_get(s, last)));
				cap_value_array_remove(s, last);
				last--;
				j--;
			}
		}
	}
}

typedef struct sort_entry {
	cap_value *v;
	char *text;
	size_t pos;
} sort_entry;

static int by_text(const void *a, const void *b)
{
	const sort_entry *x = a, *y = b;
	int c = strcmp(x->text, y->text);
	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

cap_value *cap_smp_sorted(const cap_value *list, const char *key)
{
	size_t n = cap_value_array_len(list);
	sort_entry *e = cap_calloc(n ? n : 1, sizeof(*e));
	cap_buf text = CAP_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		e[i].v = cap_value_array_get(list, i);
		e[i].pos = i;
		cap_buf_clear(&text);
		cap_smp_format(&text, key ? cap_value_object_get(e[i].v, key) : e[i].v);
		e[i].text = cap_strndup(text.ptr, text.len);
	}
	if (n <= 12) {
		/*
		 * Kubernetes sorts with Go's sort.Sort, which insertion-sorts up to 12 items, and
		 * with "less or equal" as its comparison: items with equal text end up reversed,
		 * which decides how list items with a repeated merge key pair up.
		 */
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && strcmp(e[j].text, e[j - 1].text) <= 0; j--) {
				sort_entry t = e[j];
				e[j] = e[j - 1];
				e[j - 1] = t;
			}
	} else {
		qsort(e, n, sizeof(*e), by_text);
	}
	cap_value *out = cap_value_array();
	for (size_t i = 0; i < n; i++) {
		cap_value_array_append(out, cap_value_ref(e[i].v));
		free(e[i].text);
	}
	cap_buf_release(&text);
	free(e);
	return out;
}

static const cap_value *key_of(const cap_value *item, const char *key, bool maps)
{
	if (!maps)
		return item;
	return cap_value_is_object(item) ? cap_value_object_get(item, key) : NULL;
}

long cap_smp_index(const cap_value *list, const cap_value *item, const char *key, bool maps)
{
	const cap_value *want = key_of(item, key, maps);
	for (size_t i = 0; i < cap_value_array_len(list); i++)
		if (cap_smp_eq(want, key_of(cap_value_array_get(list, i), key, maps)))
			return (long)i;
	return -1;
}

static int check_merge_keys(const cap_value *list, const char *key)
{
	for (size_t i = 0; i < cap_value_array_len(list); i++) {
		const cap_value *item = cap_value_array_get(list, i);
		if (!cap_value_is_object(item))
			return cap_error_set(CAP_EINVALID, "expected a map, but received a %s",
					     cap_value_kind_name(cap_value_kind_of(item)));
		if (!cap_value_object_get(item, key)) {
			char *json = cap_json_to_string(item, CAP_JSON_COMPACT);
			int rc = cap_error_set(CAP_EINVALID,
					       "map %s does not contain declared merge key '%s'",
					       json, key);
			free(json);
			return rc;
		}
	}
	return 0;
}

static bool is_delete_item(const cap_value *item)
{
	const char *d = cap_value_get_string(cap_value_object_get(item, CAP_SMP_DIRECTIVE));
	return d && !strcmp(d, "delete");
}

int cap_smp_order_by(cap_value **out, const cap_value *to_sort, const cap_value *order,
		     const char *key, bool maps)
{
	if (maps) {
		int rc = check_merge_keys(to_sort, key);
		if (rc == 0)
			rc = check_merge_keys(order, key);
		if (rc < 0)
			return rc;
	}
	size_t n = cap_value_array_len(to_sort);
	cap_value **items = cap_calloc(n ? n : 1, sizeof(*items));
	long *idx = cap_calloc(n ? n : 1, sizeof(*idx));
	cap_value *deletes = cap_value_array();
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		cap_value *item = cap_value_array_get(to_sort, i);
		if (maps && is_delete_item(item)) {
			cap_value_array_append(deletes, cap_value_ref(item));
			continue;
		}
		items[m] = item;
		idx[m++] = cap_smp_index(order, item, key, maps);
	}
	/* Go's stable insertion sort with its comparator: unknown items count as "less" */
	for (size_t i = 1; i < m; i++) {
		for (size_t j = i; j > 0; j--) {
			bool less = idx[j] >= 0 && idx[j - 1] >= 0 ? idx[j] < idx[j - 1] : true;
			if (!less)
				break;
			cap_value *tv = items[j];
			items[j] = items[j - 1];
			items[j - 1] = tv;
			long ti = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = ti;
		}
	}
	cap_value *result = cap_value_array();
	for (size_t i = 0; i < m; i++)
		cap_value_array_append(result, cap_value_ref(items[i]));
	for (size_t i = 0; i < cap_value_array_len(deletes); i++)
		cap_value_array_append(result, cap_value_ref(cap_value_array_get(deletes, i)));
	cap_value_free(deletes);
	free(items);
	free(idx);
	*out = result;
	return 0;
}

/* Inserts the server-only items (left) among the patch items (right) by the live order. */
static cap_value *merge_sorted(const cap_value *left, const cap_value *right,
			       const cap_value *server_order, const char *key, bool maps)
{
	size_t nl = cap_value_array_len(left), nr = cap_value_array_len(right);
	long *li = cap_calloc(nl + 1, sizeof(*li)), *ri = cap_calloc(nr + 1, sizeof(*ri));
	for (size_t i = 0; i < nl; i++)
		li[i] = cap_smp_index(server_order, cap_value_array_get(left, i), key, maps);
	for (size_t j = 0; j < nr; j++)
		ri[j] = cap_smp_index(server_order, cap_value_array_get(right, j), key, maps);
	cap_value *s = cap_value_array();
	size_t i = 0, j = 0;
	for (size_t k = 0; k < nl + nr; k++) {
		bool take_left;
		if (i >= nl)
			take_left = false;
		else if (j >= nr)
			take_left = true;
		else
			take_left = li[i] >= 0 && ri[j] >= 0 && li[i] < ri[j];
		if (take_left)
			cap_value_array_append(s, cap_value_ref(cap_value_array_get(left, i++)));
		else
			cap_value_array_append(s, cap_value_ref(cap_value_array_get(right, j++)));
	}
	free(li);
	free(ri);
	return s;
}

int cap_smp_normalize_order(cap_value **out, const cap_value *patch_items,
			    const cap_value *server_only, const cap_value *patch_order,
			    const cap_value *server_order, const char *key, bool maps)
{
	cap_value *p = NULL, *s = NULL;
	int rc = cap_smp_order_by(&p, patch_items, patch_order, key, maps);
	if (rc == 0)
		rc = cap_smp_order_by(&s, server_only, server_order, key, maps);
	if (rc == 0)
		*out = merge_sorted(s, p, server_order, key, maps);
	cap_value_free(p);
	cap_value_free(s);
	return rc;
}

int cap_smp_partition(cap_value **in_out, cap_value **rest_out, const cap_value *list,
		      const cap_value *by, const char *key, bool maps)
{
	if (maps) {
		int rc = check_merge_keys(list, key);
		for (size_t i = 0; rc == 0 && i < cap_value_array_len(by); i++)
			if (!cap_value_is_object(cap_value_array_get(by, i)))
				rc = cap_error_set(CAP_EINVALID, "value for key %zu is not a map",
						   i);
		if (rc < 0)
			return rc;
	}
	cap_value *in = cap_value_array(), *rest = cap_value_array();
	for (size_t i = 0; i < cap_value_array_len(list); i++) {
		cap_value *item = cap_value_array_get(list, i);
		bool found;
		if (maps) {
			const cap_value *kv = cap_value_object_get(item, key);
			found = false;
			for (size_t j = 0; !found && j < cap_value_array_len(by); j++) {
				const cap_value *bv =
				    cap_value_object_get(cap_value_array_get(by, j), key);
				found = bv && cap_smp_eq(bv, kv);
			}
		} else {
			found = cap_smp_index(by, item, NULL, false) >= 0;
		}
		cap_value_array_append(found ? in : rest, cap_value_ref(item));
	}
	*in_out = in;
	*rest_out = rest;
	return 0;
}
