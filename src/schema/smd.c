/* Structured-merge schema: loading the `types:` document, the kind index and the type accessors. */
#include "schema/smd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "value/yaml.h"

static cap_smd_type *new_type(cap_smd_schema *s, const char *name)
{
	cap_smd_type *t = cap_calloc(1, sizeof(*t));

	t->name = name ? cap_strdup(name) : NULL;
	cap_strvec_init(&t->list_keys);
	cap_hashmap_init(&t->fields);
	t->list_relationship = CAP_SMD_ATOMIC;
	cap_vec_push(&s->owned, t);
	return t;
}

static void free_type(void *p)
{
	cap_smd_type *t = p;

	free((char *)t->name);
	free((char *)t->scalar);
	cap_strvec_release(&t->list_keys);
	cap_hashmap_release(&t->fields, NULL);
	free(t);
}

static void free_field(void *p)
{
	cap_smd_field *f = p;

	free((char *)f->name);
	cap_value_free(f->default_value);
	free(f);
}

void cap_smd_schema_release(cap_smd_schema *s)
{
	if (!s)
		return;
	cap_hashmap_release(&s->types, NULL);
	cap_hashmap_release(&s->kinds, NULL);
	cap_vec_release_with(&s->owned, free_type);
	cap_vec_release_with(&s->fields, free_field);
}

static int parse_relationship(cap_smd_relationship *out, const cap_value *v, const char *where)
{
	const char *r = cap_value_get_string(v);

	if (!v)
		return 0;
	if (r && !strcmp(r, "atomic"))
		*out = CAP_SMD_ATOMIC;
	else if (r && !strcmp(r, "associative"))
		*out = CAP_SMD_ASSOCIATIVE;
	else if (r && !strcmp(r, "separable"))
		*out = CAP_SMD_SEPARABLE;
	else
		return cap_error_set(CAP_EINVALID, "unknown elementRelationship '%s' in type '%s'",
				     r ? r : "(not a string)", where);
	return 0;
}

static int parse_atom(cap_smd_schema *s, cap_smd_type *t, const cap_value *v, const char *where);

/* A type reference: {namedType: X} or an inline atom. *out NULL means deduced. */
static int parse_ref(cap_smd_schema *s, const cap_smd_type **out, const cap_value *v,
		     const char *where)
{
	const char *named = cap_value_dig_string(v, "namedType", NULL);

	if (!v) {
		*out = NULL;
		return 0;
	}
	if (!cap_value_is_object(v))
		return cap_error_set(CAP_EINVALID, "type reference in '%s' is not a mapping",
				     where);
	if (named) {
		cap_smd_type *t = cap_hashmap_get(&s->types, named);
		if (!t) /* a forward reference to a type loaded later keeps its name */
			t = new_type(s, named), cap_hashmap_put(&s->types, named, t);
		*out = t;
		return 0;
	}
	cap_smd_type *t = new_type(s, NULL);
	*out = t;
	return parse_atom(s, t, v, where);
}

static int parse_map(cap_smd_schema *s, cap_smd_type *t, const cap_value *m, const char *where)
{
	cap_value *fields = cap_value_object_get(m, "fields"), *f;
	cap_value *elem = cap_value_object_get(m, "elementType");
	size_t i;
	int err;

	t->is_map = true;
	if ((err = parse_relationship(&t->map_relationship,
				      cap_value_object_get(m, "elementRelationship"), where)))
		return err;
	if (t->map_relationship == CAP_SMD_ASSOCIATIVE)
		t->map_relationship = CAP_SMD_SEPARABLE;
	if ((err = parse_ref(s, &t->map_element, elem, where)))
		return err;
	t->map_closed = elem == NULL;
	CAP_VALUE_ARRAY_FOREACH(fields, i, f)
	{
		const char *name = cap_value_dig_string(f, "name", NULL);
		if (!name)
			return cap_error_set(CAP_EINVALID, "field %zu of type '%s' has no name", i,
					     where);
		cap_smd_field *field = cap_calloc(1, sizeof(*field));
		field->name = cap_strdup(name);
		cap_vec_push(&s->fields, field);
		field->default_value = cap_value_deep_copy(cap_value_object_get(f, "default"));
		if ((err = parse_ref(s, &field->type, cap_value_object_get(f, "type"), where)))
			return err;
		cap_hashmap_put(&t->fields, name, field);
	}
	return 0;
}

static int parse_list(cap_smd_schema *s, cap_smd_type *t, const cap_value *l, const char *where)
{
	cap_value *keys = cap_value_object_get(l, "keys"), *k;
	size_t i;
	int err;

	t->is_list = true;
	t->list_relationship = CAP_SMD_ATOMIC;
	if ((err = parse_relationship(&t->list_relationship,
				      cap_value_object_get(l, "elementRelationship"), where)))
		return err;
	if ((err = parse_ref(s, &t->list_element, cap_value_object_get(l, "elementType"), where)))
		return err;
	CAP_VALUE_ARRAY_FOREACH(keys, i, k)
	{
		if (!cap_value_is_string(k))
			return cap_error_set(CAP_EINVALID,
					     "list key %zu of type '%s' is not a string", i, where);
		cap_strvec_push(&t->list_keys, cap_value_get_string(k));
	}
	return 0;
}

static int parse_atom(cap_smd_schema *s, cap_smd_type *t, const cap_value *v, const char *where)
{
	const char *scalar = cap_value_dig_string(v, "scalar", NULL);
	cap_value *m = cap_value_object_get(v, "map"), *l = cap_value_object_get(v, "list");
	int err;

	if (scalar) {
		t->is_scalar = true;
		t->scalar = cap_strdup(scalar);
	}
	if (m && (err = parse_map(s, t, m, where)))
		return err;
	if (l && (err = parse_list(s, t, l, where)))
		return err;
	return 0;
}

const char *cap_smd_group_of_package(const char *package, char *buf, size_t n)
{
	static const char *const same[] = {"apps", "autoscaling", "batch", "policy", "extensions"};
	static const char *const renamed[][2] = {
	    {"core", ""},
	    {"rbac", "rbac.authorization.k8s.io"},
	    {"apiserverinternal", "internal.apiserver.k8s.io"},
	    {"flowcontrol", "flowcontrol.apiserver.k8s.io"},
	    {"apiextensions", "apiextensions.k8s.io"},
	    {"apiregistration", "apiregistration.k8s.io"},
	};

	for (size_t i = 0; i < CAP_ARRAY_SIZE(same); i++)
		if (!strcmp(package, same[i]))
			return same[i];
	for (size_t i = 0; i < CAP_ARRAY_SIZE(renamed); i++)
		if (!strcmp(package, renamed[i][0]))
			return renamed[i][1];
	if ((size_t)snprintf(buf, n, "%s.k8s.io", package) >= n)
		return NULL;
	return buf;
}

/* "io.k8s.api.apps.v1.Deployment" -> "apps/v1/Deployment"; false for other names. */
static bool kind_key_of_name(const char *name, cap_buf *out)
{
	static const char prefix[] = "io.k8s.api.";
	char pkg[64], ver[64], buf[128];
	const char *p, *dot1, *dot2;

	if (strncmp(name, prefix, sizeof(prefix) - 1))
		return false;
	p = name + sizeof(prefix) - 1;
	dot1 = strchr(p, '.');
	if (!dot1 || (size_t)(dot1 - p) >= sizeof(pkg))
		return false;
	dot2 = strchr(dot1 + 1, '.');
	if (!dot2 || (size_t)(dot2 - dot1 - 1) >= sizeof(ver) || strchr(dot2 + 1, '.'))
		return false;
	memcpy(pkg, p, (size_t)(dot1 - p));
	pkg[dot1 - p] = '\0';
	memcpy(ver, dot1 + 1, (size_t)(dot2 - dot1 - 1));
	ver[dot2 - dot1 - 1] = '\0';
	const char *group = cap_smd_group_of_package(pkg, buf, sizeof(buf));
	if (!group)
		return false;
	cap_buf_clear(out);
	if (*group)
		cap_buf_printf(out, "%s/", group);
	cap_buf_printf(out, "%s/%s", ver, dot2 + 1);
	return true;
}

static bool looks_top_level(const cap_smd_type *t)
{
	return t->is_map && cap_hashmap_contains(&t->fields, "apiVersion") &&
	       cap_hashmap_contains(&t->fields, "kind") &&
	       cap_hashmap_contains(&t->fields, "metadata");
}

int cap_smd_schema_load(cap_smd_schema *s, const cap_value *doc)
{
	cap_value *types = cap_value_object_get(doc, "types"), *tv;
	cap_buf key = CAP_BUF_INIT;
	size_t i;
	int err = 0;

	if (!cap_value_is_array(types))
		return cap_error_set(CAP_EINVALID, "schema document has no 'types' list");
	/* First pass: every name exists, so references resolve whatever the order. */
	cap_hashmap seen = CAP_HASHMAP_INIT;
	CAP_VALUE_ARRAY_FOREACH(types, i, tv)
	{
		const char *name = cap_value_dig_string(tv, "name", NULL);
		if (!name || cap_hashmap_contains(&seen, name)) {
			cap_hashmap_release(&seen, NULL);
			if (!name)
				return cap_error_set(CAP_EINVALID, "schema type %zu has no name",
						     i);
			return cap_error_set(CAP_EINVALID, "schema type '%s' is defined twice",
					     name);
		}
		cap_hashmap_put(&seen, name, NULL);
		cap_smd_type *old = cap_hashmap_get(&s->types, name);
		if (!old || old->is_map || old->is_list || old->is_scalar)
			cap_hashmap_put(&s->types, name, new_type(s, name));
	}
	cap_hashmap_release(&seen, NULL);
	CAP_VALUE_ARRAY_FOREACH(types, i, tv)
	{
		const char *name = cap_value_dig_string(tv, "name", NULL);
		cap_smd_type *t = cap_hashmap_get(&s->types, name);
		if ((err = parse_atom(s, t, tv, name)))
			break;
		if (looks_top_level(t) && kind_key_of_name(name, &key))
			cap_hashmap_put(&s->kinds, key.ptr, t);
	}
	cap_buf_release(&key);
	return err;
}

int cap_smd_schema_load_file(cap_smd_schema *s, const char *path)
{
	cap_value *docs = NULL;
	int err = cap_yaml_parse_file(&docs, path, NULL);

	if (err)
		return err;
	if (cap_value_array_len(docs) != 1) {
		cap_value_free(docs);
		return cap_error_set(CAP_EINVALID, "schema file '%s' must hold one document", path);
	}
	err = cap_smd_schema_load(s, cap_value_array_get(docs, 0));
	cap_value_free(docs);
	if (err)
		return cap_error_prefix("cannot load schema '%s': ", path);
	return 0;
}

const cap_smd_type *cap_smd_schema_type(const cap_smd_schema *s, const char *name)
{
	return s ? cap_hashmap_get(&s->types, name) : NULL;
}

const cap_smd_type *cap_smd_schema_kind(const cap_smd_schema *s, const char *api_version,
					const char *kind)
{
	cap_buf key = CAP_BUF_INIT;
	const cap_smd_type *t;

	if (!s || !api_version || !kind)
		return NULL;
	cap_buf_printf(&key, "%s/%s", api_version, kind);
	t = cap_hashmap_get(&s->kinds, key.ptr);
	cap_buf_release(&key);
	return t;
}

const cap_smd_field *cap_smd_field_of(const cap_smd_type *t, const char *name, size_t len)
{
	if (!t || !t->is_map)
		return NULL;
	return cap_hashmap_getn(&t->fields, name, len);
}

const cap_smd_type *cap_smd_member_type(const cap_smd_type *t, const char *name, size_t len,
					bool *known)
{
	const cap_smd_field *f = cap_smd_field_of(t, name, len);

	if (known)
		*known = f || !t || !t->is_map || !t->map_closed;
	if (f)
		return f->type;
	return t && t->is_map ? t->map_element : NULL;
}

cap_smd_relationship cap_smd_map_relationship(const cap_smd_type *t)
{
	return t && t->is_map && t->map_relationship == CAP_SMD_ATOMIC ? CAP_SMD_ATOMIC
								       : CAP_SMD_SEPARABLE;
}

cap_smd_relationship cap_smd_list_relationship(const cap_smd_type *t)
{
	return t && t->is_list ? t->list_relationship : CAP_SMD_ATOMIC;
}
