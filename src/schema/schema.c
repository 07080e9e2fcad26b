/* The schema type table: $ref and allOf resolution, lookups by kind and member, the default schema.
 */
#include "schema/schema_internal.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CAP_DATA_DIR
#define CAP_DATA_DIR "/usr/share/capstan"
#endif

void cap_schema_init(cap_schema *s)
{
	*s = (cap_schema)CAP_SCHEMA_INIT;
}

static void type_free(void *p)
{
	cap_schema_type *t = p;
	cap_hashmap_release(&t->fields, NULL);
	cap_vec_release(&t->all_of);
	free(t);
}

void cap_schema_release(cap_schema *s)
{
	if (!s)
		return;
	cap_vec_release_with(&s->types, type_free);
	cap_vec_release_with(&s->strings, free);
	cap_hashmap_release(&s->defs, NULL);
	cap_hashmap_release(&s->gvks, NULL);
	s->unresolved = 0;
}

cap_schema_type *cap_schema__new_type(cap_schema *s, const char *name)
{
	cap_schema_type *t = cap_calloc(1, sizeof(*t));
	t->shape = t;
	t->name = name ? name : "";
	cap_vec_push(&s->types, t);
	return t;
}

const char *cap_schema__intern(cap_schema *s, const char *str, size_t len)
{
	char *copy = cap_strndup(str, len);
	cap_vec_push(&s->strings, copy);
	return copy;
}

/* Takes over what the target says about itself where t says nothing. */
static void inherit(cap_schema_type *t, const cap_schema_type *from)
{
	t->shape = from->shape;
	t->name = from->name;
	if (t->kind == CAP_SCHEMA_ANY)
		t->kind = from->kind;
	if (!t->patch_strategy)
		t->patch_strategy = from->patch_strategy;
	if (!t->patch_merge_key)
		t->patch_merge_key = from->patch_merge_key;
	if (t->list_type == CAP_SCHEMA_LIST_UNSPECIFIED) {
		t->list_type = from->list_type;
		if (!t->list_map_keys)
			t->list_map_keys = from->list_map_keys;
	}
	if (t->map_type == CAP_SCHEMA_MAP_UNSPECIFIED)
		t->map_type = from->map_type;
	t->preserve_unknown_fields |= from->preserve_unknown_fields;
	t->custom |= from->custom;
}

static void resolve(cap_schema *s, cap_schema_type *t)
{
	if (t->state != CAP_SCHEMA_UNRESOLVED)
		return; /* done, or a $ref cycle: the type keeps its own (empty) shape */
	t->state = CAP_SCHEMA_RESOLVING;
	if (t->ref) {
		cap_schema_type *target = cap_hashmap_get(&s->defs, t->ref);
		if (target && target != t) {
			resolve(s, target);
			inherit(t, target);
		}
	} else if (t->all_of.len == 1 && !t->has_fields && !t->items && !t->values) {
		cap_schema_type *only = t->all_of.items[0];
		resolve(s, only);
		inherit(t, only);
	} else if (t->all_of.len) {
		/* several parts: one object with the members of all, first declaration wins */
		for (size_t i = 0; i < t->all_of.len; i++) {
			cap_schema_type *part = t->all_of.items[i];
			resolve(s, part);
			const cap_schema_type *shape = part->shape;
			const char *k;
			void *v;
			cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
			while (cap_hashmap_next(&shape->fields, &it, &k, &v))
				if (!cap_hashmap_contains(&t->fields, k))
					cap_hashmap_put(&t->fields, k, v);
			t->has_fields |= shape->has_fields;
			if (!t->items)
				t->items = shape->items;
			if (!t->values)
				t->values = shape->values;
			const cap_schema_type *keep = t->shape;
			const char *name = t->name;
			inherit(t, part);
			t->shape = keep;
			t->name = name;
		}
	}
	t->state = CAP_SCHEMA_RESOLVED;
}

void cap_schema__resolve_pending(cap_schema *s)
{
	for (size_t i = s->unresolved; i < s->types.len; i++)
		resolve(s, s->types.items[i]);
	s->unresolved = s->types.len;
}

void cap_schema__add_gvk(cap_schema *s, const char *group, const char *version, const char *kind,
			 cap_schema_type *t)
{
	cap_buf key = CAP_BUF_INIT;
	if (group && *group)
		cap_buf_printf(&key, "%s/", group);
	cap_buf_printf(&key, "%s/%s", version, kind);
	if (!cap_hashmap_contains(&s->gvks, key.ptr))
		cap_hashmap_put(&s->gvks, key.ptr, t);
	cap_buf_release(&key);
}

const cap_schema_type *cap_schema_lookup_key(const cap_schema *s, const char *gvk_key)
{
	return s && gvk_key ? cap_hashmap_get(&s->gvks, gvk_key) : NULL;
}

const cap_schema_type *cap_schema_lookup(const cap_schema *s, const char *api_version,
					 const char *kind)
{
	if (!s || !api_version || !kind)
		return NULL;
	cap_buf key = CAP_BUF_INIT;
	cap_buf_printf(&key, "%s/%s", api_version, kind);
	const cap_schema_type *t = cap_hashmap_get(&s->gvks, key.ptr);
	cap_buf_release(&key);
	return t;
}

const cap_schema_type *cap_schema_definition(const cap_schema *s, const char *name)
{
	return s && name ? cap_hashmap_get(&s->defs, name) : NULL;
}

const cap_schema_type *cap_schema_field(const cap_schema_type *t, const char *name, size_t len)
{
	if (!t)
		return NULL;
	const cap_schema_type *shape = t->shape;
	void *v;
	if (shape->fields.len && cap_hashmap_find(&shape->fields, name, len, &v))
		return v;
	return shape->values;
}

const cap_schema_type *cap_schema_items(const cap_schema_type *t)
{
	return t ? t->shape->items : NULL;
}

/* The default schema: loaded once, on first success, and kept for the life of the process. */
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static cap_schema *default_schema;
static char *default_path;

void cap_schema_default_set_path(const char *path)
{
	pthread_mutex_lock(&default_lock);
	if (!default_schema) {
		free(default_path);
		default_path = path ? cap_strdup(path) : NULL;
	}
	pthread_mutex_unlock(&default_lock);
}

static void candidate(cap_vec *paths, const char *dir, const char *rel)
{
	if (!dir || !*dir)
		return;
	cap_buf p = CAP_BUF_INIT;
	cap_buf_printf(&p, "%s%s", dir, rel);
	cap_vec_push(paths, cap_buf_detach(&p, NULL));
}

static int load_default(cap_schema **out)
{
	static const char rel[] = "/kubernetes/openapi-v2/swagger.json";
	cap_vec paths = CAP_VEC_INIT;
	if (default_path)
		cap_vec_push(&paths, cap_strdup(default_path));
	candidate(&paths, getenv("CAPSTAN_OPENAPI_V2"), "");
	candidate(&paths, getenv("CAP_SHARED_DATA"), rel);
	const char *data_dir = getenv("CAPSTAN_DATA_DIR");
	candidate(&paths, data_dir && *data_dir ? data_dir : CAP_DATA_DIR, rel);
#ifdef CAP_SOURCE_DIR
	candidate(&paths, CAP_SOURCE_DIR "/../shared/data", rel);
#endif
	cap_buf tried = CAP_BUF_INIT;
	int rc = CAP_ENOTFOUND;
	for (size_t i = 0; i < paths.len; i++) {
		const char *path = paths.items[i];
		if (access(path, F_OK) != 0) {
			cap_buf_printf(&tried, "%s'%s'", tried.len ? ", " : "", path);
			continue;
		}
		cap_schema *s = cap_malloc(sizeof(*s));
		cap_schema_init(s);
		rc = cap_schema_add_openapi_file(s, path);
		if (rc < 0) {
			cap_schema_release(s);
			free(s);
		} else {
			*out = s;
		}
		goto done;
	}
	rc = cap_error_set(CAP_ENOTFOUND, "no kubernetes openapi v2 document found (tried %s)",
			   tried.ptr);
done:
	cap_buf_release(&tried);
	cap_vec_release_with(&paths, free);
	return rc;
}

int cap_schema_default(const cap_schema **out)
{
	int rc = 0;
	pthread_mutex_lock(&default_lock);
	if (!default_schema)
		rc = load_default(&default_schema);
	if (rc == 0)
		*out = default_schema;
	pthread_mutex_unlock(&default_lock);
	return rc;
}
