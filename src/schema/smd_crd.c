/* Structured-merge types built at run time from a CustomResourceDefinition's openAPIV3Schema. */
#include "schema/smd.h"

#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"

#define OBJECT_META "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
#define MAX_DEPTH   128

/* Allocates an inline type owned by the schema (the loader's allocator is file-private). */
static cap_smd_type *inline_type(cap_smd_schema *s)
{
	cap_smd_type *t = cap_calloc(1, sizeof(*t));

	cap_strvec_init(&t->list_keys);
	cap_hashmap_init(&t->fields);
	t->list_relationship = CAP_SMD_ATOMIC;
	cap_vec_push(&s->owned, t);
	return t;
}

static bool flag(const cap_value *schema, const char *name)
{
	return cap_value_get_bool(cap_value_object_get(schema, name));
}

static int build(cap_smd_schema *s, const cap_smd_type **out, const cap_value *schema,
		 unsigned depth, const char *where);

static int build_object(cap_smd_schema *s, cap_smd_type *t, const cap_value *schema, unsigned depth,
			const char *where)
{
	cap_value *props = cap_value_object_get(schema, "properties"), *p;
	cap_value *extra = cap_value_object_get(schema, "additionalProperties");
	const char *name;
	int err;

	t->is_map = true;
	if (!strcmp(cap_value_dig_string(schema, "x-kubernetes-map-type", NULL) ?: "", "atomic"))
		t->map_relationship = CAP_SMD_ATOMIC;
	CAP_VALUE_OBJECT_FOREACH(props, name, p)
	{
		cap_smd_field *f = cap_calloc(1, sizeof(*f));
		f->name = cap_strdup(name);
		cap_vec_push(&s->fields, f);
		f->default_value = cap_value_deep_copy(cap_value_object_get(p, "default"));
		if ((err = build(s, &f->type, p, depth + 1, where)))
			return err;
		cap_hashmap_put(&t->fields, name, f);
	}
	if (cap_value_is_object(extra))
		return build(s, &t->map_element, extra, depth + 1, where);
	/* Members the schema does not name are deduced: kept by preserve-unknown-fields, and
	 * otherwise pruned by the API server before apply ever sees them. */
	t->map_element = NULL;
	return 0;
}

static int build_array(cap_smd_schema *s, cap_smd_type *t, const cap_value *schema, unsigned depth,
		       const char *where)
{
	const char *list_type = cap_value_dig_string(schema, "x-kubernetes-list-type", NULL);
	cap_value *keys = cap_value_object_get(schema, "x-kubernetes-list-map-keys"), *k;
	size_t i;

	t->is_list = true;
	t->list_relationship = CAP_SMD_ATOMIC;
	if (list_type && (!strcmp(list_type, "set") || !strcmp(list_type, "map")))
		t->list_relationship = CAP_SMD_ASSOCIATIVE;
	if (list_type && !strcmp(list_type, "map")) {
		CAP_VALUE_ARRAY_FOREACH(keys, i, k)
		{
			if (!cap_value_is_string(k))
				return cap_error_set(CAP_EINVALID,
						     "x-kubernetes-list-map-keys of '%s' holds a "
						     "non-string",
						     where);
			cap_strvec_push(&t->list_keys, cap_value_get_string(k));
		}
		if (!t->list_keys.len)
			return cap_error_set(
			    CAP_EINVALID, "list-type map in '%s' has no x-kubernetes-list-map-keys",
			    where);
	}
	return build(s, &t->list_element, cap_value_object_get(schema, "items"), depth + 1, where);
}

static int build(cap_smd_schema *s, const cap_smd_type **out, const cap_value *schema,
		 unsigned depth, const char *where)
{
	const char *type = cap_value_dig_string(schema, "type", NULL);
	cap_smd_type *t;

	*out = NULL;
	if (depth > MAX_DEPTH)
		return cap_error_set(CAP_ELIMIT, "schema of '%s' nests deeper than %d", where,
				     MAX_DEPTH);
	if (!cap_value_is_object(schema))
		return 0;
	if (flag(schema, "x-kubernetes-int-or-string")) {
		t = inline_type(s);
		t->is_scalar = true;
		t->scalar = cap_strdup("untyped");
		*out = t;
		return 0;
	}
	if (!type && !cap_value_object_get(schema, "properties"))
		return 0; /* deduced, as preserve-unknown-fields and embedded untyped values are */
	t = inline_type(s);
	*out = t;
	if (!type || !strcmp(type, "object"))
		return build_object(s, t, schema, depth, where);
	if (!strcmp(type, "array"))
		return build_array(s, t, schema, depth, where);
	t->is_scalar = true;
	t->scalar = cap_strdup(!strcmp(type, "string")	  ? "string"
			       : !strcmp(type, "boolean") ? "boolean"
							  : "numeric");
	return 0;
}

/* Top-level fields every object has, whatever its schema says about them. */
static void set_field_type(cap_smd_schema *s, cap_smd_type *t, const char *name,
			   const cap_smd_type *type)
{
	cap_smd_field *f = cap_hashmap_get(&t->fields, name);

	if (!f) {
		f = cap_calloc(1, sizeof(*f));
		f->name = cap_strdup(name);
		cap_vec_push(&s->fields, f);
		cap_hashmap_put(&t->fields, name, f);
	}
	f->type = type;
}

int cap_smd_schema_add_crd(cap_smd_schema *s, const cap_value *crd)
{
	const char *group = cap_value_dig_string(crd, "spec", "group", NULL);
	const char *kind = cap_value_dig_string(crd, "spec", "names", "kind", NULL);
	cap_value *versions = cap_value_dig(crd, "spec", "versions", NULL), *v;
	const cap_smd_type *meta = cap_hashmap_get(&s->types, OBJECT_META);
	cap_buf key = CAP_BUF_INIT;
	size_t i;
	int err = 0;

	if (!group || !kind)
		return cap_error_set(CAP_EINVALID,
				     "custom resource definition '%s' has no spec.group or "
				     "spec.names.kind",
				     cap_value_dig_string(crd, "metadata", "name", NULL) ?: "");
	CAP_VALUE_ARRAY_FOREACH(versions, i, v)
	{
		const char *version = cap_value_dig_string(v, "name", NULL);
		cap_value *schema = cap_value_dig(v, "schema", "openAPIV3Schema", NULL);
		const cap_smd_type *built;
		if (!version || !schema)
			continue;
		cap_buf_clear(&key);
		cap_buf_printf(&key, "%s/%s/%s", group, version, kind);
		if ((err = build(s, &built, schema, 0, key.ptr)))
			break;
		cap_smd_type *top = (cap_smd_type *)built;
		if (!top || !top->is_map) {
			top = inline_type(s);
			top->is_map = true;
		}
		cap_smd_type *str = inline_type(s);
		str->is_scalar = true;
		str->scalar = cap_strdup("string");
		set_field_type(s, top, "apiVersion", str);
		set_field_type(s, top, "kind", str);
		if (meta)
			set_field_type(s, top, "metadata", meta);
		cap_hashmap_put(&s->kinds, key.ptr, top);
	}
	cap_buf_release(&key);
	return err;
}
