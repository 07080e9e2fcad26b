/* Schema-guided walks over objects for server-side apply: field sets, merge, compare, removal. */
#include "patch/ssa_walk.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "value/json.h"

/* How a value of a type is treated. */
typedef enum shape {
	SHAPE_LEAF,  /* scalar, atomic map or list, or a value the type does not describe */
	SHAPE_MAP,   /* separable map: member by member */
	SHAPE_ASSOC, /* associative list: item by item */
} shape;

static shape shape_of(const cap_value *v, const cap_smd_type *t)
{
	if (cap_value_is_object(v)) {
		if (!t || (t->is_map && t->map_relationship != CAP_SMD_ATOMIC))
			return SHAPE_MAP;
		return SHAPE_LEAF;
	}
	if (cap_value_is_array(v) && cap_smd_list_relationship(t) == CAP_SMD_ASSOCIATIVE)
		return SHAPE_ASSOC;
	return SHAPE_LEAF;
}

static const cap_smd_type *item_type(const cap_smd_type *t)
{
	return t ? t->list_element : NULL;
}

void cap_ssa_walk_item_element(cap_buf *out, const cap_value *item, size_t i, const cap_smd_type *t)
{
	if (t && t->list_relationship == CAP_SMD_ASSOCIATIVE && t->list_keys.len &&
	    cap_value_is_object(item)) {
		cap_value *key = cap_value_object();
		const cap_smd_type *et = item_type(t);
		for (size_t k = 0; k < t->list_keys.len; k++) {
			const char *name = t->list_keys.items[k];
			cap_value *v = cap_value_object_get(item, name);
			if (!v) {
				const cap_smd_field *f = cap_smd_field_of(et, name, strlen(name));
				v = f ? f->default_value : NULL;
			}
			if (v)
				cap_value_object_set(key, name, cap_value_ref(v));
		}
		cap_buf_puts(out, "k:");
		cap_json_print(out, key, CAP_JSON_SORT_KEYS);
		cap_value_free(key);
	} else if (t && t->list_relationship == CAP_SMD_ASSOCIATIVE) {
		cap_buf_puts(out, "v:");
		cap_json_print(out, item, CAP_JSON_SORT_KEYS);
	} else {
		cap_buf_printf(out, "i:%zu", i);
	}
}

static void field_element(cap_buf *b, const char *name, size_t len)
{
	cap_buf_clear(b);
	cap_buf_puts(b, "f:");
	cap_buf_put(b, name, len);
}

static bool is_empty_map_or_null(const cap_value *v)
{
	return cap_value_is_null(v) || (cap_value_is_object(v) && !cap_value_object_len(v));
}

void cap_ssa_walk_fieldset(cap_fieldset *out, const cap_value *v, const cap_smd_type *t)
{
	cap_buf el = CAP_BUF_INIT;
	const char *key;
	cap_value *m;
	size_t i;

	switch (shape_of(v, t)) {
	case SHAPE_LEAF:
		out->member = true;
		break;
	case SHAPE_MAP:
		CAP_VALUE_OBJECT_FOREACH(v, key, m)
		{
			size_t klen = cap_value_object_iter_key_len(cap__it);
			field_element(&el, key, klen);
			cap_fieldset *c = cap_fieldset_child(out, el.ptr);
			if (is_empty_map_or_null(m))
				c->member = true;
			else
				cap_ssa_walk_fieldset(c, m,
						      cap_smd_member_type(t, key, klen, NULL));
		}
		break;
	case SHAPE_ASSOC:
		CAP_VALUE_ARRAY_FOREACH(v, i, m)
		{
			cap_buf_clear(&el);
			cap_ssa_walk_item_element(&el, m, i, t);
			cap_fieldset *c = cap_fieldset_child(out, el.ptr);
			c->member = true;
			if (shape_of(m, item_type(t)) != SHAPE_LEAF)
				cap_ssa_walk_fieldset(c, m, item_type(t));
		}
		break;
	}
	cap_buf_release(&el);
}

/* The first key field item lacks (without a schema default), or NULL. */
static const char *missing_key(const cap_value *item, const cap_smd_type *t)
{
	for (size_t k = 0; k < t->list_keys.len; k++) {
		const char *name = t->list_keys.items[k];
		const cap_smd_field *f = cap_smd_field_of(item_type(t), name, strlen(name));
		if (!cap_value_object_get(item, name) && !(f && f->default_value))
			return name;
	}
	return NULL;
}

static int check(cap_buf *path, const cap_value *v, const cap_smd_type *t, unsigned depth)
{
	cap_buf el = CAP_BUF_INIT;
	cap_hashmap seen = CAP_HASHMAP_INIT;
	size_t mark = path->len, i;
	const char *key;
	cap_value *m;
	int err = 0;

	if (depth > 512)
		return cap_error_set(CAP_ELIMIT, "%s: nested deeper than 512", path->ptr);
	switch (shape_of(v, t)) {
	case SHAPE_LEAF:
		break;
	case SHAPE_MAP:
		CAP_VALUE_OBJECT_FOREACH(v, key, m)
		{
			size_t klen = cap_value_object_iter_key_len(cap__it);
			cap_buf_putc(path, '.');
			cap_buf_put(path, key, klen);
			err = check(path, m, cap_smd_member_type(t, key, klen, NULL), depth + 1);
			cap_buf_truncate(path, mark);
			if (err)
				break;
		}
		break;
	case SHAPE_ASSOC:
		CAP_VALUE_ARRAY_FOREACH(v, i, m)
		{
			const char *name =
			    t->list_keys.len && cap_value_is_object(m) ? missing_key(m, t) : NULL;
			if (name) {
				err = cap_error_set(
				    CAP_EINVALID,
				    "%s[%zu]: associative list with keys has an element "
				    "that omits key field \"%s\"",
				    path->ptr, i, name);
				break;
			}
			cap_buf_clear(&el);
			cap_ssa_walk_item_element(&el, m, i, t);
			if (cap_hashmap_contains(&seen, el.ptr)) {
				const char *els[] = {el.ptr};
				cap_buf text = CAP_BUF_INIT;
				cap_fieldset_path_string(&text, els, 1);
				err =
				    cap_error_set(CAP_EINVALID, "%s: duplicate entries for key %s",
						  path->ptr, text.ptr);
				cap_buf_release(&text);
				break;
			}
			cap_hashmap_put(&seen, el.ptr, NULL);
			cap_buf_printf(path, "[%zu]", i);
			err = check(path, m, item_type(t), depth + 1);
			cap_buf_truncate(path, mark);
			if (err)
				break;
		}
		break;
	}
	cap_hashmap_release(&seen, NULL);
	cap_buf_release(&el);
	return err;
}

int cap_ssa_walk_check(const cap_value *v, const cap_smd_type *t)
{
	cap_buf path = CAP_BUF_INIT;
	int err = check(&path, v, t, 0);

	cap_buf_release(&path);
	return err;
}

/* Items of an associative list indexed by element text, keeping the first of duplicates. */
typedef struct item_index {
	cap_hashmap by_element; /* element -> (index + 1) */
	char **elements;
	size_t len;
} item_index;

static void index_items(item_index *ix, const cap_value *list, const cap_smd_type *t)
{
	cap_buf el = CAP_BUF_INIT;
	cap_value *item;
	size_t i;

	cap_hashmap_init(&ix->by_element);
	ix->len = cap_value_array_len(list);
	ix->elements = ix->len ? cap_calloc(ix->len, sizeof(char *)) : NULL;
	CAP_VALUE_ARRAY_FOREACH(list, i, item)
	{
		cap_buf_clear(&el);
		cap_ssa_walk_item_element(&el, item, i, t);
		ix->elements[i] = cap_strdup(el.ptr);
		if (!cap_hashmap_contains(&ix->by_element, el.ptr))
			cap_hashmap_put(&ix->by_element, el.ptr, (void *)(uintptr_t)(i + 1));
	}
	cap_buf_release(&el);
}

static void index_release(item_index *ix)
{
	for (size_t i = 0; i < ix->len; i++)
		free(ix->elements[i]);
	free(ix->elements);
	cap_hashmap_release(&ix->by_element, NULL);
}

/* The item with that element, or NULL. */
static cap_value *index_get(const item_index *ix, const cap_value *list, const char *element)
{
	uintptr_t at = (uintptr_t)cap_hashmap_get(&ix->by_element, element);

	return at ? cap_value_array_get(list, at - 1) : NULL;
}

/*
 * Merges two associative lists: items in both are merged where the applied list has them, items
 * only in the live list keep their place among them, and the applied order wins.
 */
static cap_value *merge_lists(const cap_value *lhs, const cap_value *rhs, const cap_smd_type *t)
{
	item_index li, ri;
	cap_hashmap done = CAP_HASHMAP_INIT;
	cap_value *out = cap_value_array();
	size_t a = 0, b = 0;

	index_items(&li, lhs, t);
	index_items(&ri, rhs, t);
	while (a < li.len || b < ri.len) {
		if (a < li.len && cap_hashmap_contains(&done, li.elements[a])) {
			a++;
			continue;
		}
		if (b < ri.len && cap_hashmap_contains(&done, ri.elements[b])) {
			b++;
			continue;
		}
		const char *take;
		if (a < li.len &&
		    (b >= ri.len || !cap_hashmap_contains(&ri.by_element, li.elements[a])))
			take = li.elements[a++]; /* only live has it: keep it here */
		else
			take = ri.elements[b++];
		cap_value *l = index_get(&li, lhs, take), *r = index_get(&ri, rhs, take);
		cap_value_array_append(out, cap_ssa_walk_merge(l, r, item_type(t)));
		cap_hashmap_put(&done, take, NULL);
	}
	cap_hashmap_release(&done, NULL);
	index_release(&li);
	index_release(&ri);
	return out;
}

cap_value *cap_ssa_walk_merge(const cap_value *lhs, const cap_value *rhs, const cap_smd_type *t)
{
	const char *key;
	cap_value *rv;

	if (!rhs)
		return lhs ? cap_value_deep_copy(lhs) : NULL;
	if (!lhs)
		return cap_value_deep_copy(rhs);
	shape s = shape_of(rhs, t);
	if (s != shape_of(lhs, t) || s == SHAPE_LEAF)
		return cap_value_deep_copy(rhs);
	if (s == SHAPE_ASSOC)
		return merge_lists(lhs, rhs, t);
	cap_value *out = cap_value_deep_copy(lhs);
	CAP_VALUE_OBJECT_FOREACH(rhs, key, rv)
	{
		size_t klen = cap_value_object_iter_key_len(cap__it);
		cap_value *lv = cap_value_object_getn(lhs, key, klen);
		cap_value_object_setn(
		    out, key, klen,
		    cap_ssa_walk_merge(lv, rv, cap_smd_member_type(t, key, klen, NULL)));
	}
	return out;
}

static void compare(cap_fieldset *a, cap_fieldset *m, cap_fieldset *r, const cap_value *lhs,
		    const cap_value *rhs, const cap_smd_type *t, bool item);

static void compare_child(cap_fieldset *a, cap_fieldset *m, cap_fieldset *r, const char *element,
			  const cap_value *lhs, const cap_value *rhs, const cap_smd_type *t,
			  bool item)
{
	compare(cap_fieldset_child(a, element), cap_fieldset_child(m, element),
		cap_fieldset_child(r, element), lhs, rhs, t, item);
}

/*
 * A struct (a map type with declared fields only) is never added or removed as a whole: the API
 * server compares against objects whose struct members always exist, empty. Maps with element
 * types, deduced maps, and list items are.
 */
static bool whole_counts(const cap_smd_type *t, bool item)
{
	return item || !t || !t->is_map || !t->map_closed;
}

static void compare(cap_fieldset *a, cap_fieldset *m, cap_fieldset *r, const cap_value *lhs,
		    const cap_value *rhs, const cap_smd_type *t, bool item)
{
	cap_buf el = CAP_BUF_INIT;
	const char *key;
	cap_value *v;
	size_t i;

	if (!lhs && !rhs)
		return;
	shape sl = lhs ? shape_of(lhs, t) : shape_of(rhs, t);
	shape sr = rhs ? shape_of(rhs, t) : sl;
	if (sl != sr || sl == SHAPE_LEAF) {
		if (!lhs)
			a->member = true;
		else if (!rhs)
			r->member = true;
		else if (!cap_value_equal(lhs, rhs))
			m->member = true;
		return;
	}
	/* A whole map, list or item that appears or vanishes is itself added or removed. */
	if (!lhs && whole_counts(t, item))
		a->member = true;
	else if (!rhs && whole_counts(t, item))
		r->member = true;
	if (sl == SHAPE_MAP) {
		if (lhs && rhs && !cap_value_object_len(lhs) && !cap_value_object_len(rhs))
			return;
		CAP_VALUE_OBJECT_FOREACH(lhs, key, v)
		{
			size_t klen = cap_value_object_iter_key_len(cap__it);
			field_element(&el, key, klen);
			compare_child(a, m, r, el.ptr, v, cap_value_object_getn(rhs, key, klen),
				      cap_smd_member_type(t, key, klen, NULL), false);
		}
		CAP_VALUE_OBJECT_FOREACH(rhs, key, v)
		{
			size_t klen = cap_value_object_iter_key_len(cap__it);
			if (cap_value_object_getn(lhs, key, klen))
				continue;
			field_element(&el, key, klen);
			compare_child(a, m, r, el.ptr, NULL, v,
				      cap_smd_member_type(t, key, klen, NULL), false);
		}
	} else {
		item_index li, ri;
		index_items(&li, lhs, t);
		index_items(&ri, rhs, t);
		CAP_VALUE_ARRAY_FOREACH(lhs, i, v)
		{
			if (index_get(&li, lhs, li.elements[i]) != v)
				continue;
			compare_child(a, m, r, li.elements[i], v,
				      index_get(&ri, rhs, li.elements[i]), item_type(t), true);
		}
		CAP_VALUE_ARRAY_FOREACH(rhs, i, v)
		{
			if (index_get(&ri, rhs, ri.elements[i]) != v ||
			    index_get(&li, lhs, ri.elements[i]))
				continue;
			compare_child(a, m, r, ri.elements[i], NULL, v, item_type(t), true);
		}
		index_release(&li);
		index_release(&ri);
	}
	cap_buf_release(&el);
}

void cap_ssa_walk_compare(cap_fieldset *added, cap_fieldset *modified, cap_fieldset *removed,
			  const cap_value *lhs, const cap_value *rhs, const cap_smd_type *t)
{
	compare(added, modified, removed, lhs, rhs, t, false);
	added->member = modified->member = removed->member = false;
	cap_fieldset_prune(added);
	cap_fieldset_prune(modified);
	cap_fieldset_prune(removed);
}

cap_value *cap_ssa_walk_remove(const cap_value *v, const cap_fieldset *set, const cap_smd_type *t)
{
	cap_buf el = CAP_BUF_INIT;
	const char *key;
	cap_value *m, *out;
	size_t i;

	switch (shape_of(v, t)) {
	case SHAPE_MAP:
		out = cap_value_object();
		CAP_VALUE_OBJECT_FOREACH(v, key, m)
		{
			size_t klen = cap_value_object_iter_key_len(cap__it);
			field_element(&el, key, klen);
			const cap_fieldset *c = cap_fieldset_get(set, el.ptr);
			if (c && c->member)
				continue;
			cap_value_object_setn(
			    out, key, klen,
			    c ? cap_ssa_walk_remove(m, c, cap_smd_member_type(t, key, klen, NULL))
			      : cap_value_deep_copy(m));
		}
		break;
	case SHAPE_ASSOC:
		out = cap_value_array();
		CAP_VALUE_ARRAY_FOREACH(v, i, m)
		{
			cap_buf_clear(&el);
			cap_ssa_walk_item_element(&el, m, i, t);
			const cap_fieldset *c = cap_fieldset_get(set, el.ptr);
			if (c && c->member)
				continue;
			cap_value_array_append(out, c ? cap_ssa_walk_remove(m, c, item_type(t))
						      : cap_value_deep_copy(m));
		}
		break;
	default:
		out = cap_value_deep_copy(v);
	}
	cap_buf_release(&el);
	return out;
}
