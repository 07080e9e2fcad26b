/* The served resource types: loading the built-in discovery documents and adding CRD versions. */
#include "drydock/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"

void dd_registry_init(dd_registry *r)
{
	memset(r, 0, sizeof(*r));
	cap_hashmap_init(&r->by_gvr);
	cap_hashmap_init(&r->by_gvk);
}

static void rtype_free(dd_rtype *t)
{
	if (!t)
		return;
	free(t->group);
	free(t->version);
	free(t->resource);
	free(t->kind);
	free(t->singular);
	cap_strvec_release(&t->verbs);
	cap_strvec_release(&t->short_names);
	cap_strvec_release(&t->categories);
	for (size_t i = 0; i < t->nsubs; i++) {
		free(t->subs[i].name);
		free(t->subs[i].group);
		free(t->subs[i].version);
		free(t->subs[i].kind);
		cap_strvec_release(&t->subs[i].verbs);
	}
	free(t->subs);
	free(t->crd_name);
	cap_value_free(t->schema);
	free(t->spec_replicas_path);
	free(t->status_replicas_path);
	free(t->label_selector_path);
	cap_value_free(t->printer_columns);
	free(t);
}

static void group_free(dd_group *g)
{
	if (!g)
		return;
	free(g->name);
	cap_strvec_release(&g->versions);
	free(g);
}

void dd_registry_release(dd_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->types.len; i++)
		rtype_free(r->types.items[i]);
	cap_vec_release(&r->types);
	for (size_t i = 0; i < r->groups.len; i++)
		group_free(r->groups.items[i]);
	cap_vec_release(&r->groups);
	cap_hashmap_release(&r->by_gvr, NULL);
	cap_hashmap_release(&r->by_gvk, NULL);
}

static void key3(char *out, size_t n, const char *a, const char *b, const char *c)
{
	snprintf(out, n, "%s/%s/%s", a, b, c);
}

static dd_group *group_get(dd_registry *r, const char *name, bool create)
{
	for (size_t i = 0; i < r->groups.len; i++) {
		dd_group *g = r->groups.items[i];
		if (strcmp(g->name, name) == 0)
			return g;
	}
	if (!create)
		return NULL;
	dd_group *g = cap_calloc(1, sizeof(*g));
	g->name = cap_strdup(name);
	cap_strvec_init(&g->versions);
	cap_vec_push(&r->groups, g);
	return g;
}

static void index_type(dd_registry *r, dd_rtype *t)
{
	char k[512];
	key3(k, sizeof(k), t->group, t->version, t->resource);
	cap_hashmap_put(&r->by_gvr, k, t);
	key3(k, sizeof(k), t->group, t->version, t->kind);
	if (!cap_hashmap_contains(&r->by_gvk, k))
		cap_hashmap_put(&r->by_gvk, k, t);
	dd_group *g = group_get(r, t->group, true);
	if (!cap_strvec_contains(&g->versions, t->version))
		cap_strvec_push(&g->versions, t->version);
	cap_vec_push(&r->types, t);
}

static void strvec_from(cap_strvec *v, const cap_value *arr)
{
	size_t i;
	cap_value *e;
	cap_strvec_init(v);
	CAP_VALUE_ARRAY_FOREACH(arr, i, e)
	{
		if (cap_value_is_string(e))
			cap_strvec_push(v, cap_value_get_string(e));
	}
}

static const char *str_or(const cap_value *v, const char *key, const char *dflt)
{
	const char *s = cap_value_get_string(cap_value_object_get(v, key));
	return s ? s : dflt;
}

static void add_sub(dd_rtype *t, const char *name, const char *group, const char *version,
		    const char *kind, const cap_value *verbs)
{
	t->subs = cap_realloc(t->subs, (t->nsubs + 1) * sizeof(*t->subs));
	dd_subresource *s = &t->subs[t->nsubs++];
	s->name = cap_strdup(name);
	s->group = cap_strdup(group);
	s->version = cap_strdup(version);
	s->kind = cap_strdup(kind);
	strvec_from(&s->verbs, verbs);
}

static dd_rtype *rtype_new(const char *group, const char *version)
{
	dd_rtype *t = cap_calloc(1, sizeof(*t));
	t->group = cap_strdup(group);
	t->version = cap_strdup(version);
	return t;
}

static int load_core(dd_registry *r, const char *path)
{
	cap_value *doc;
	int rc = cap_json_parse_file(&doc, path, NULL);
	if (rc < 0)
		return rc;
	cap_value *res = cap_value_object_get(doc, "resources");
	size_t i;
	cap_value *e;
	CAP_VALUE_ARRAY_FOREACH(res, i, e)
	{
		const char *name = str_or(e, "name", "");
		const char *slash = strchr(name, '/');
		if (slash) {
			char parent[256];
			snprintf(parent, sizeof(parent), "%.*s", (int)(slash - name), name);
			dd_rtype *t = dd_registry_find(r, "", "v1", parent);
			if (t)
				add_sub(t, slash + 1, str_or(e, "group", ""),
					str_or(e, "version", ""), str_or(e, "kind", ""),
					cap_value_object_get(e, "verbs"));
			continue;
		}
		dd_rtype *t = rtype_new("", "v1");
		t->resource = cap_strdup(name);
		t->kind = cap_strdup(str_or(e, "kind", ""));
		t->singular = cap_strdup(str_or(e, "singularName", ""));
		t->namespaced = cap_value_get_bool(cap_value_object_get(e, "namespaced"));
		strvec_from(&t->verbs, cap_value_object_get(e, "verbs"));
		strvec_from(&t->short_names, cap_value_object_get(e, "shortNames"));
		strvec_from(&t->categories, cap_value_object_get(e, "categories"));
		index_type(r, t);
	}
	cap_value_free(doc);
	return 0;
}

static int load_aggregated(dd_registry *r, const char *path)
{
	cap_value *doc;
	int rc = cap_json_parse_file(&doc, path, NULL);
	if (rc < 0)
		return rc;
	size_t i, j, k, l;
	cap_value *g, *v, *res, *sub;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(doc, "items"), i, g)
	{
		const char *gname = cap_value_dig_string(g, "metadata", "name", NULL);
		if (!gname)
			continue;
		CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(g, "versions"), j, v)
		{
			const char *ver = str_or(v, "version", "");
			CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(v, "resources"), k, res)
			{
				dd_rtype *t = rtype_new(gname, ver);
				t->resource = cap_strdup(str_or(res, "resource", ""));
				t->kind = cap_strdup(
				    cap_value_dig_string(res, "responseKind", "kind", NULL) ?: "");
				t->singular = cap_strdup(str_or(res, "singularResource", ""));
				t->namespaced = strcmp(str_or(res, "scope", ""), "Namespaced") == 0;
				strvec_from(&t->verbs, cap_value_object_get(res, "verbs"));
				strvec_from(&t->short_names,
					    cap_value_object_get(res, "shortNames"));
				strvec_from(&t->categories,
					    cap_value_object_get(res, "categories"));
				CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(res, "subresources"),
							l, sub)
				{
					cap_value *rk = cap_value_object_get(sub, "responseKind");
					add_sub(t, str_or(sub, "subresource", ""),
						str_or(rk, "group", ""), str_or(rk, "version", ""),
						str_or(rk, "kind", ""),
						cap_value_object_get(sub, "verbs"));
				}
				index_type(r, t);
			}
		}
	}
	cap_value_free(doc);
	return 0;
}

int dd_registry_load(dd_registry *r, const char *data_dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/discovery/api__v1.json", data_dir);
	int rc = load_core(r, path);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/discovery/aggregated_v2.json", data_dir);
	rc = load_aggregated(r, path);
	r->generation++;
	return rc;
}

dd_rtype *dd_registry_find(const dd_registry *r, const char *group, const char *version,
			   const char *resource)
{
	char k[512];
	key3(k, sizeof(k), group, version, resource);
	return cap_hashmap_get(&r->by_gvr, k);
}

dd_rtype *dd_registry_find_kind(const dd_registry *r, const char *group, const char *version,
				const char *kind)
{
	char k[512];
	key3(k, sizeof(k), group, version, kind);
	return cap_hashmap_get(&r->by_gvk, k);
}

dd_group *dd_registry_group(const dd_registry *r, const char *name)
{
	return group_get((dd_registry *)r, name, false);
}

dd_rtype *dd_registry_find_any(const dd_registry *r, const char *group, const char *resource)
{
	dd_group *g = dd_registry_group(r, group);
	if (!g)
		return NULL;
	for (size_t i = 0; i < g->versions.len; i++) {
		dd_rtype *t = dd_registry_find(r, group, g->versions.items[i], resource);
		if (t)
			return t;
	}
	return NULL;
}

dd_subresource *dd_rtype_subresource(const dd_rtype *t, const char *name)
{
	for (size_t i = 0; i < t->nsubs; i++)
		if (strcmp(t->subs[i].name, name) == 0)
			return &t->subs[i];
	return NULL;
}

bool dd_rtype_has_verb(const dd_rtype *t, const char *verb)
{
	return cap_strvec_contains(&t->verbs, verb);
}

void dd_rtype_qualified(const dd_rtype *t, cap_buf *out)
{
	cap_buf_puts(out, t->resource);
	if (*t->group)
		cap_buf_printf(out, ".%s", t->group);
}

void dd_rtype_api_version(const dd_rtype *t, cap_buf *out)
{
	if (*t->group)
		cap_buf_printf(out, "%s/%s", t->group, t->version);
	else
		cap_buf_puts(out, t->version);
}

static void unindex_type(dd_registry *r, dd_rtype *t)
{
	char k[512];
	key3(k, sizeof(k), t->group, t->version, t->resource);
	cap_hashmap_remove(&r->by_gvr, k, NULL);
	key3(k, sizeof(k), t->group, t->version, t->kind);
	void *cur = cap_hashmap_get(&r->by_gvk, k);
	if (cur == t)
		cap_hashmap_remove(&r->by_gvk, k, NULL);
	long idx = cap_vec_index(&r->types, t);
	if (idx >= 0)
		cap_vec_remove(&r->types, (size_t)idx);
}

void dd_registry_remove_crd(dd_registry *r, const char *name)
{
	for (size_t i = r->types.len; i-- > 0;) {
		dd_rtype *t = r->types.items[i];
		if (t->crd && strcmp(t->crd_name, name) == 0) {
			unindex_type(r, t);
			dd_group *g = group_get(r, t->group, false);
			if (g) {
				long vi = cap_strvec_find(&g->versions, t->version);
				bool other = false;
				for (size_t j = 0; j < r->types.len; j++) {
					dd_rtype *o = r->types.items[j];
					if (strcmp(o->group, t->group) == 0 &&
					    strcmp(o->version, t->version) == 0)
						other = true;
				}
				if (vi >= 0 && !other) {
					free(g->versions.items[vi]);
					memmove(g->versions.items + vi, g->versions.items + vi + 1,
						(g->versions.len - (size_t)vi) * sizeof(char *));
					g->versions.len--;
				}
				if (g->versions.len == 0) {
					cap_vec_remove(&r->groups,
						       (size_t)cap_vec_index(&r->groups, g));
					group_free(g);
				}
			}
			rtype_free(t);
		}
	}
	r->generation++;
}

int dd_registry_add_crd(dd_registry *r, const cap_value *crd)
{
	const char *name = cap_value_dig_string(crd, "metadata", "name", NULL);
	cap_value *spec = cap_value_object_get(crd, "spec");
	const char *group = cap_value_dig_string(spec, "group", NULL);
	cap_value *names = cap_value_object_get(spec, "names");
	const char *plural = cap_value_dig_string(names, "plural", NULL);
	const char *kind = cap_value_dig_string(names, "kind", NULL);
	if (!name || !group || !plural || !kind)
		return cap_error_set(CAP_EINVALID, "incomplete custom resource definition");
	dd_group *existing = group_get(r, group, false);
	if (existing && !existing->crd)
		return cap_error_set(CAP_EINVALID, "group '%s' is built in", group);
	dd_registry_remove_crd(r, name);
	const char *singular = cap_value_dig_string(names, "singular", NULL);
	char *lower = NULL;
	if (!singular) {
		lower = cap_strdup(kind);
		for (char *p = lower; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		singular = lower;
	}
	bool namespaced =
	    strcmp(cap_value_dig_string(spec, "scope", NULL) ?: "Namespaced", "Namespaced") == 0;
	/* Storage version first so it is preferred, as the API server orders CRD versions. */
	size_t i;
	cap_value *v;
	cap_vec order = CAP_VEC_INIT;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "versions"), i, v)
	{
		if (cap_value_is_bool(cap_value_object_get(v, "served")) &&
		    !cap_value_get_bool(cap_value_object_get(v, "served")))
			continue;
		if (cap_value_get_bool(cap_value_object_get(v, "storage")))
			cap_vec_insert(&order, 0, v);
		else
			cap_vec_push(&order, v);
	}
	for (i = 0; i < order.len; i++) {
		v = order.items[i];
		dd_rtype *t = rtype_new(group, cap_value_dig_string(v, "name", NULL) ?: "v1");
		t->crd = true;
		t->crd_name = cap_strdup(name);
		t->resource = cap_strdup(plural);
		t->kind = cap_strdup(kind);
		t->singular = cap_strdup(singular);
		t->namespaced = namespaced;
		static const char *const verbs[] = {"delete", "deletecollection", "get",    "list",
						    "patch",  "create",		  "update", "watch",
						    NULL};
		cap_strvec_init(&t->verbs);
		cap_strvec_pushv(&t->verbs, verbs);
		strvec_from(&t->short_names, cap_value_object_get(names, "shortNames"));
		strvec_from(&t->categories, cap_value_object_get(names, "categories"));
		cap_value *schema = cap_value_dig(v, "schema", "openAPIV3Schema", NULL);
		if (!schema)
			schema = cap_value_dig(spec, "validation", "openAPIV3Schema", NULL);
		t->schema = cap_value_deep_copy(schema);
		t->preserve_unknown = cap_value_get_bool(
		    cap_value_object_get(schema, "x-kubernetes-preserve-unknown-fields"));
		t->printer_columns =
		    cap_value_deep_copy(cap_value_object_get(v, "additionalPrinterColumns"));
		cap_value *subs = cap_value_object_get(v, "subresources");
		static const char *const sub_verbs[] = {"get", "patch", "update", NULL};
		cap_value *sv = cap_value_array();
		for (const char *const *p = sub_verbs; *p; p++)
			cap_value_array_append(sv, cap_value_string(*p));
		if (cap_value_object_get(subs, "status"))
			add_sub(t, "status", "", "", kind, sv);
		cap_value *scale = cap_value_object_get(subs, "scale");
		if (scale) {
			add_sub(t, "scale", "autoscaling", "v1", "Scale", sv);
			t->spec_replicas_path =
			    cap_strdup(cap_value_dig_string(scale, "specReplicasPath", NULL) ?: "");
			t->status_replicas_path = cap_strdup(
			    cap_value_dig_string(scale, "statusReplicasPath", NULL) ?: "");
			t->label_selector_path = cap_strdup(
			    cap_value_dig_string(scale, "labelSelectorPath", NULL) ?: "");
		}
		cap_value_free(sv);
		index_type(r, t);
		group_get(r, group, false)->crd = true;
	}
	cap_vec_release(&order);
	free(lower);
	r->generation++;
	return 0;
}
