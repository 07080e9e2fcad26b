/* Loading OpenAPI v2/v3 documents and CRD schemas into a cap_schema. */
#include "schema/schema_internal.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"

#include <string.h>

/* Deeper schemas are cut off (as "any") rather than recursed into: CRDs are user input. */
#define MAX_SCHEMA_DEPTH 128

static cap_schema_type *parse_node(cap_schema *s, const cap_value *v, const char *def, bool custom,
				   unsigned depth);

static cap_schema_kind kind_of(const char *type)
{
	static const struct {
		const char *name;
		cap_schema_kind kind;
	} kinds[] = {
	    {"object", CAP_SCHEMA_OBJECT}, {"array", CAP_SCHEMA_ARRAY},
	    {"string", CAP_SCHEMA_STRING}, {"integer", CAP_SCHEMA_INTEGER},
	    {"number", CAP_SCHEMA_NUMBER}, {"boolean", CAP_SCHEMA_BOOLEAN},
	};
	for (size_t i = 0; type && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(type, kinds[i].name))
			return kinds[i].kind;
	return CAP_SCHEMA_ANY;
}

/*
 * x-kubernetes-patch-strategy: one word, or two where one is retainKeys. Anything else is kept
 * as CAP_SCHEMA_PATCH_INVALID so that patching the field fails the way Kubernetes fails.
 */
static unsigned parse_strategy(const char *text)
{
	unsigned flags = 0, words = 0, retain = 0;
	const char *p = text;
	while (p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		words++;
		if (n == 10 && !strncmp(p, "retainKeys", n) && !retain)
			retain = 1;
		else if (n == 5 && !strncmp(p, "merge", n))
			flags |= CAP_SCHEMA_PATCH_MERGE;
		else if (n == 7 && !strncmp(p, "replace", n))
			flags |= CAP_SCHEMA_PATCH_REPLACE;
		p = comma ? comma + 1 : NULL;
	}
	if (words > 2 || (words == 2 && !retain))
		return CAP_SCHEMA_PATCH_INVALID;
	return flags | (retain ? CAP_SCHEMA_PATCH_RETAIN_KEYS : 0);
}

static const char *const *parse_keys(cap_schema *s, const cap_value *keys)
{
	size_t n = cap_value_array_len(keys);
	const char **out = cap_calloc(n + 1, sizeof(*out));
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		const cap_value *k = cap_value_array_get(keys, i);
		if (cap_value_is_string(k))
			out[j++] =
			    cap_schema__intern(s, cap_value_get_string(k), cap_value_string_len(k));
	}
	cap_vec_push(&s->strings, out);
	return out;
}

static void parse_extensions(cap_schema *s, cap_schema_type *t, const cap_value *v)
{
	const char *str;
	if ((str = cap_value_get_string(cap_value_object_get(v, "x-kubernetes-patch-strategy"))))
		t->patch_strategy = parse_strategy(str);
	if ((str = cap_value_get_string(cap_value_object_get(v, "x-kubernetes-patch-merge-key"))))
		t->patch_merge_key = cap_schema__intern(s, str, strlen(str));
	if ((str = cap_value_get_string(cap_value_object_get(v, "x-kubernetes-list-type")))) {
		if (!strcmp(str, "atomic"))
			t->list_type = CAP_SCHEMA_LIST_ATOMIC;
		else if (!strcmp(str, "set"))
			t->list_type = CAP_SCHEMA_LIST_SET;
		else if (!strcmp(str, "map"))
			t->list_type = CAP_SCHEMA_LIST_MAP;
	}
	const cap_value *keys = cap_value_object_get(v, "x-kubernetes-list-map-keys");
	if (cap_value_is_array(keys))
		t->list_map_keys = parse_keys(s, keys);
	if ((str = cap_value_get_string(cap_value_object_get(v, "x-kubernetes-map-type")))) {
		if (!strcmp(str, "atomic"))
			t->map_type = CAP_SCHEMA_MAP_ATOMIC;
		else if (!strcmp(str, "granular"))
			t->map_type = CAP_SCHEMA_MAP_GRANULAR;
	}
	if (cap_value_get_bool(cap_value_object_get(v, "x-kubernetes-preserve-unknown-fields")))
		t->preserve_unknown_fields = true;
}

static cap_schema_type *parse_node(cap_schema *s, const cap_value *v, const char *def, bool custom,
				   unsigned depth)
{
	cap_schema_type *t = cap_schema__new_type(s, def);
	t->custom = custom;
	if (!cap_value_is_object(v) || depth > MAX_SCHEMA_DEPTH)
		return t;
	t->kind = kind_of(cap_value_get_string(cap_value_object_get(v, "type")));
	parse_extensions(s, t, v);

	const char *ref = cap_value_get_string(cap_value_object_get(v, "$ref"));
	if (ref) {
		const char *slash = strrchr(ref, '/');
		const char *name = slash ? slash + 1 : ref;
		t->ref = cap_schema__intern(s, name, strlen(name));
	}
	const cap_value *all_of = cap_value_object_get(v, "allOf");
	for (size_t i = 0; i < cap_value_array_len(all_of); i++)
		cap_vec_push(&t->all_of,
			     parse_node(s, cap_value_array_get(all_of, i), def, custom, depth + 1));

	const cap_value *props = cap_value_object_get(v, "properties");
	if (cap_value_is_object(props)) {
		const char *key;
		cap_value *pv;
		t->has_fields = true;
		CAP_VALUE_OBJECT_FOREACH(props, key, pv)
		{
			cap_schema_type *child = parse_node(s, pv, def, custom, depth + 1);
			cap_hashmap_putn(&t->fields, key, strlen(key), child, NULL);
		}
		if (t->kind == CAP_SCHEMA_ANY)
			t->kind = CAP_SCHEMA_OBJECT;
	}
	const cap_value *items = cap_value_object_get(v, "items");
	if (cap_value_is_object(items))
		t->items = parse_node(s, items, def, custom, depth + 1);
	const cap_value *values = cap_value_object_get(v, "additionalProperties");
	if (cap_value_is_object(values))
		t->values = parse_node(s, values, def, custom, depth + 1);
	return t;
}

static void register_gvks(cap_schema *s, cap_schema_type *t, const cap_value *def)
{
	const cap_value *gvks = cap_value_object_get(def, "x-kubernetes-group-version-kind");
	for (size_t i = 0; i < cap_value_array_len(gvks); i++) {
		const cap_value *g = cap_value_array_get(gvks, i);
		const char *group = cap_value_dig_string(g, "group", NULL);
		const char *version = cap_value_dig_string(g, "version", NULL);
		const char *kind = cap_value_dig_string(g, "kind", NULL);
		if (version && kind)
			cap_schema__add_gvk(s, group ? group : "", version, kind, t);
	}
}

int cap_schema_add_openapi(cap_schema *s, const cap_value *doc, const char *source)
{
	const cap_value *defs = cap_value_object_get(doc, "definitions");
	if (!defs)
		defs = cap_value_dig(doc, "components", "schemas", NULL);
	if (!cap_value_is_object(defs))
		return cap_error_set(CAP_EINVALID,
				     "'%s' is not an openapi document: no definitions or "
				     "components.schemas",
				     source ? source : "openapi");
	const char *name;
	cap_value *dv;
	CAP_VALUE_OBJECT_FOREACH(defs, name, dv)
	{
		if (cap_hashmap_contains(&s->defs, name))
			continue;
		const char *owned = cap_schema__intern(s, name, strlen(name));
		cap_schema_type *t = parse_node(s, dv, owned, false, 0);
		cap_hashmap_put(&s->defs, owned, t);
		register_gvks(s, t, dv);
	}
	cap_schema__resolve_pending(s);
	return 0;
}

int cap_schema_add_openapi_file(cap_schema *s, const char *path)
{
	cap_value *doc = NULL;
	int rc = cap_json_parse_file(&doc, path, NULL);
	if (rc < 0)
		return rc;
	rc = cap_schema_add_openapi(s, doc, path);
	cap_value_free(doc);
	return rc;
}

int cap_schema_add_crd(cap_schema *s, const cap_value *crd)
{
	const char *group = cap_value_dig_string(crd, "spec", "group", NULL);
	const char *kind = cap_value_dig_string(crd, "spec", "names", "kind", NULL);
	const cap_value *versions = cap_value_dig(crd, "spec", "versions", NULL);
	const char *crd_name = cap_value_dig_string(crd, "metadata", "name", NULL);
	if (!group || !kind || !cap_value_is_array(versions))
		return cap_error_set(CAP_EINVALID,
				     "custom resource definition '%s' lacks spec.group, "
				     "spec.names.kind or spec.versions",
				     crd_name ? crd_name : "");
	/* apiextensions v1beta1 kept one schema for every version under spec.validation */
	const cap_value *shared = cap_value_dig(crd, "spec", "validation", "openAPIV3Schema", NULL);
	cap_buf def = CAP_BUF_INIT;
	for (size_t i = 0; i < cap_value_array_len(versions); i++) {
		const cap_value *ver = cap_value_array_get(versions, i);
		const char *vname = cap_value_dig_string(ver, "name", NULL);
		if (!vname)
			continue;
		const cap_value *schema = cap_value_dig(ver, "schema", "openAPIV3Schema", NULL);
		if (!schema)
			schema = shared;
		cap_buf_clear(&def);
		cap_buf_printf(&def, "%s/%s/%s", group, vname, kind);
		const char *owned = cap_schema__intern(s, def.ptr, def.len);
		cap_schema_type *t = parse_node(s, schema, owned, true, 0);
		if (t->kind == CAP_SCHEMA_ANY)
			t->kind = CAP_SCHEMA_OBJECT;
		if (!schema)
			t->preserve_unknown_fields = true;
		cap_schema__add_gvk(s, group, vname, kind, t);
	}
	cap_buf_release(&def);
	cap_schema__resolve_pending(s);
	return 0;
}
