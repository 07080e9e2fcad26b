/* cap_fieldset: set algebra over path trees, FieldsV1 encoding and the API server's path text. */
#include "patch/fieldset.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"

cap_fieldset *cap_fieldset_new(void)
{
	return cap_calloc(1, sizeof(cap_fieldset));
}

void cap_fieldset_free(cap_fieldset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->len; i++) {
		free(s->kids[i].element);
		cap_fieldset_free(s->kids[i].set);
	}
	free(s->kids);
	free(s);
}

cap_fieldset *cap_fieldset_copy(const cap_fieldset *s)
{
	cap_fieldset *c = cap_fieldset_new();

	if (!s)
		return c;
	c->member = s->member;
	c->len = c->cap = s->len;
	c->kids = s->len ? cap_calloc(s->len, sizeof(*c->kids)) : NULL;
	for (size_t i = 0; i < s->len; i++) {
		c->kids[i].element = cap_strdup(s->kids[i].element);
		c->kids[i].set = cap_fieldset_copy(s->kids[i].set);
	}
	return c;
}

/* Index of element, or the insertion point with *found false. */
static size_t find(const cap_fieldset *s, const char *element, bool *found)
{
	size_t lo = 0, hi = s->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->kids[mid].element, element);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

cap_fieldset *cap_fieldset_get(const cap_fieldset *s, const char *element)
{
	bool found;
	size_t i;

	if (!s)
		return NULL;
	i = find(s, element, &found);
	return found ? s->kids[i].set : NULL;
}

cap_fieldset *cap_fieldset_child(cap_fieldset *s, const char *element)
{
	bool found;
	size_t i = find(s, element, &found);

	if (found)
		return s->kids[i].set;
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->kids = cap_realloc(s->kids, s->cap * sizeof(*s->kids));
	}
	memmove(&s->kids[i + 1], &s->kids[i], (s->len - i) * sizeof(*s->kids));
	s->kids[i].element = cap_strdup(element);
	s->kids[i].set = cap_fieldset_new();
	s->len++;
	return s->kids[i].set;
}

bool cap_fieldset_has_descendants(const cap_fieldset *s)
{
	for (size_t i = 0; s && i < s->len; i++)
		if (!cap_fieldset_empty(s->kids[i].set))
			return true;
	return false;
}

bool cap_fieldset_empty(const cap_fieldset *s)
{
	return !s || (!s->member && !cap_fieldset_has_descendants(s));
}

void cap_fieldset_union(cap_fieldset *dst, const cap_fieldset *src)
{
	if (!src)
		return;
	dst->member |= src->member;
	for (size_t i = 0; i < src->len; i++)
		cap_fieldset_union(cap_fieldset_child(dst, src->kids[i].element), src->kids[i].set);
}

void cap_fieldset_prune(cap_fieldset *s)
{
	size_t j = 0;

	for (size_t i = 0; i < s->len; i++) {
		cap_fieldset_prune(s->kids[i].set);
		if (cap_fieldset_empty(s->kids[i].set)) {
			free(s->kids[i].element);
			cap_fieldset_free(s->kids[i].set);
			continue;
		}
		s->kids[j++] = s->kids[i];
	}
	s->len = j;
}

static void subtract(cap_fieldset *dst, const cap_fieldset *src)
{
	if (src->member)
		dst->member = false;
	for (size_t i = 0; i < dst->len; i++) {
		const cap_fieldset *o = cap_fieldset_get(src, dst->kids[i].element);
		if (o)
			subtract(dst->kids[i].set, o);
	}
}

void cap_fieldset_subtract(cap_fieldset *dst, const cap_fieldset *src)
{
	if (!src)
		return;
	subtract(dst, src);
	cap_fieldset_prune(dst);
}

static void intersect(cap_fieldset *out, const cap_fieldset *a, const cap_fieldset *b)
{
	out->member = a->member && b->member;
	for (size_t i = 0; i < a->len; i++) {
		const cap_fieldset *o = cap_fieldset_get(b, a->kids[i].element);
		if (o)
			intersect(cap_fieldset_child(out, a->kids[i].element), a->kids[i].set, o);
	}
}

cap_fieldset *cap_fieldset_intersect(const cap_fieldset *a, const cap_fieldset *b)
{
	cap_fieldset *out = cap_fieldset_new();

	if (a && b) {
		intersect(out, a, b);
		cap_fieldset_prune(out);
	}
	return out;
}

static bool valid_element(const char *e)
{
	return strlen(e) >= 2 && e[1] == ':' && strchr("fkvi", e[0]);
}

static int from_fields(cap_fieldset *s, const cap_value *v, unsigned depth)
{
	const char *key;
	cap_value *child;

	if (!cap_value_is_object(v))
		return cap_error_set(CAP_EINVALID, "fieldsV1 holds %s where an object belongs",
				     cap_value_kind_name(cap_value_kind_of(v)));
	if (depth > 512)
		return cap_error_set(CAP_ELIMIT, "fieldsV1 nests deeper than 512");
	if (!cap_value_object_len(v))
		s->member = true;
	CAP_VALUE_OBJECT_FOREACH(v, key, child)
	{
		int err;
		if (!strcmp(key, ".")) {
			s->member = true;
			continue;
		}
		if (!valid_element(key))
			return cap_error_set(CAP_EINVALID, "fieldsV1 has an invalid element '%s'",
					     key);
		if ((err = from_fields(cap_fieldset_child(s, key), child, depth + 1)))
			return err;
	}
	return 0;
}

int cap_fieldset_from_fields_v1(cap_fieldset **out, const cap_value *fields)
{
	cap_fieldset *s = cap_fieldset_new();
	int err;

	if (!fields) {
		*out = s;
		return 0;
	}
	err = from_fields(s, fields, 0);
	if (err) {
		cap_fieldset_free(s);
		return err;
	}
	/* The root being a member means nothing in FieldsV1; "{}" is the empty set. */
	s->member = false;
	*out = s;
	return 0;
}

static cap_value *to_fields(const cap_fieldset *s, bool root)
{
	cap_value *o = cap_value_object();

	if (s->member && !root && cap_fieldset_has_descendants(s))
		cap_value_object_set(o, ".", cap_value_object());
	for (size_t i = 0; i < s->len; i++)
		if (!cap_fieldset_empty(s->kids[i].set))
			cap_value_object_set(o, s->kids[i].element,
					     to_fields(s->kids[i].set, false));
	return o;
}

cap_value *cap_fieldset_to_fields_v1(const cap_fieldset *s)
{
	return s ? to_fields(s, true) : cap_value_object();
}

typedef struct walk_ctx {
	const char **path;
	size_t len, cap;
	void (*fn)(const char *const *path, size_t len, void *ctx);
	void *ctx;
} walk_ctx;

static void walk(const cap_fieldset *s, walk_ctx *w)
{
	if (s->member && w->len)
		w->fn(w->path, w->len, w->ctx);
	for (size_t i = 0; i < s->len; i++) {
		if (w->len == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 16;
			w->path = cap_realloc(w->path, w->cap * sizeof(*w->path));
		}
		w->path[w->len++] = s->kids[i].element;
		walk(s->kids[i].set, w);
		w->len--;
	}
}

void cap_fieldset_walk(const cap_fieldset *s,
		       void (*fn)(const char *const *path, size_t len, void *ctx), void *ctx)
{
	walk_ctx w = {NULL, 0, 0, fn, ctx};

	if (s)
		walk(s, &w);
	free(w.path);
}

void cap_fieldset_path_string(cap_buf *out, const char *const *path, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		const char *e = path[i], *body = e + 2;
		cap_value *k = NULL;
		switch (e[0]) {
		case 'f':
			cap_buf_printf(out, ".%s", body);
			break;
		case 'i':
			cap_buf_printf(out, "[%s]", body);
			break;
		case 'v':
			cap_buf_printf(out, "[=%s]", body);
			break;
		case 'k':
			if (cap_json_parse(&k, body, strlen(body), "key", NULL) ||
			    !cap_value_is_object(k)) {
				cap_buf_printf(out, "[%s]", body);
				cap_error_clear();
			} else {
				const char *name;
				cap_value *v;
				bool first = true;
				cap_buf_putc(out, '[');
				CAP_VALUE_OBJECT_FOREACH(k, name, v)
				{
					cap_buf_printf(out, "%s%s=", first ? "" : ",", name);
					cap_json_print(out, v, CAP_JSON_COMPACT);
					first = false;
				}
				cap_buf_putc(out, ']');
			}
			cap_value_free(k);
			break;
		default:
			cap_buf_puts(out, e);
		}
	}
}
