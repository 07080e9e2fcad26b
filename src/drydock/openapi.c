/* OpenAPI serving: the shared v2 and v3 documents, v3 documents generated for other group-versions
 * and for CRDs, and the hashed index. */
#include "drydock/openapi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "drydock/status.h"
#include "value/json.h"

struct dd_openapi {
	pthread_mutex_t lock;
	cap_buf v2_text;     /* swagger.json as served */
	cap_value *v2;	     /* parsed, for generated documents */
	cap_hashmap docs;    /* "apis/apps/v1" -> cap_buf* */
	uint64_t generation; /* registry generation the generated documents belong to */
	bool loaded;
};

static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

static void free_buf(void *p)
{
	cap_buf_release(p);
	free(p);
}

void dd_openapi_free(dd_openapi *o)
{
	if (!o)
		return;
	cap_buf_release(&o->v2_text);
	cap_value_free(o->v2);
	cap_hashmap_release(&o->docs, free_buf);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

static dd_openapi *get(dd_cluster *c)
{
	pthread_mutex_lock(&create_lock);
	if (!c->openapi) {
		dd_openapi *o = cap_calloc(1, sizeof(*o));
		pthread_mutex_init(&o->lock, NULL);
		cap_buf_init(&o->v2_text);
		cap_hashmap_init(&o->docs);
		c->openapi = o;
	}
	pthread_mutex_unlock(&create_lock);
	return c->openapi;
}

static int load(dd_cluster *c, dd_openapi *o)
{
	if (o->loaded)
		return 0;
	char path[4096];
	snprintf(path, sizeof(path), "%s/openapi-v2/swagger.json", c->data_dir);
	int rc = cap_buf_read_file(&o->v2_text, path);
	if (rc < 0)
		return rc;
	o->loaded = true;
	return 0;
}

/* Rewrites "#/definitions/X" to "#/components/schemas/X" everywhere in v (in place). */
static void rewrite_refs(cap_value *v, cap_vec *found)
{
	if (cap_value_is_object(v)) {
		const char *k;
		cap_value *child;
		CAP_VALUE_OBJECT_FOREACH(v, k, child)
		{
			if (strcmp(k, "$ref") == 0 && cap_value_is_string(child)) {
				const char *r = cap_value_get_string(child);
				if (strncmp(r, "#/definitions/", 14) == 0) {
					char *name = cap_strdup(r + 14);
					cap_vec_push(found, name);
					char buf[512];
					snprintf(buf, sizeof(buf), "#/components/schemas/%s", name);
					cap_value_object_set(v, "$ref", cap_value_string(buf));
				}
			} else {
				rewrite_refs(child, found);
			}
		}
	} else if (cap_value_is_array(v)) {
		size_t i;
		cap_value *child;
		CAP_VALUE_ARRAY_FOREACH(v, i, child)
		rewrite_refs(child, found);
	}
}

/* Adds definition name and everything it references to schemas. */
static void add_closure(const cap_value *defs, cap_value *schemas, const char *name)
{
	cap_vec todo = CAP_VEC_INIT;
	cap_vec_push(&todo, cap_strdup(name));
	while (todo.len) {
		char *n = cap_vec_pop(&todo);
		if (!cap_value_object_get(schemas, n)) {
			cap_value *d = cap_value_object_get(defs, n);
			if (d) {
				cap_value *copy = cap_value_deep_copy(d);
				rewrite_refs(copy, &todo);
				cap_value_object_set(schemas, n, copy);
			}
		}
		free(n);
	}
	cap_vec_release(&todo);
}

static bool gvk_matches(const cap_value *def, const char *group, const char *version,
			const char **kind_out)
{
	size_t i;
	cap_value *g;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(def, "x-kubernetes-group-version-kind"), i, g)
	{
		const char *gg = cap_value_dig_string(g, "group", NULL);
		const char *vv = cap_value_dig_string(g, "version", NULL);
		if (gg && vv && strcmp(gg, group) == 0 && strcmp(vv, version) == 0) {
			*kind_out = cap_value_dig_string(g, "kind", NULL);
			return true;
		}
	}
	return false;
}

static cap_value *param(const char *name, const char *type)
{
	cap_value *p = cap_value_object();
	cap_value_object_set(p, "in", cap_value_string("query"));
	cap_value_object_set(p, "name", cap_value_string(name));
	cap_value *s = cap_value_object();
	cap_value_object_set(s, "type", cap_value_string(type));
	cap_value_object_set(s, "uniqueItems", cap_value_bool(true));
	cap_value_object_set(p, "schema", s);
	return p;
}

static cap_value *gvk_ext(const char *group, const char *version, const char *kind)
{
	cap_value *g = cap_value_object();
	cap_value_object_set(g, "group", cap_value_string(group));
	cap_value_object_set(g, "kind", cap_value_string(kind));
	cap_value_object_set(g, "version", cap_value_string(version));
	return g;
}

/* Paths with the operations kubectl inspects (PATCH parameters, GVK extension) per type. */
static void add_paths(cap_value *paths, const dd_rtype *t, const char *schema_ref)
{
	cap_buf p = CAP_BUF_INIT;
	if (*t->group)
		cap_buf_printf(&p, "/apis/%s/%s/", t->group, t->version);
	else
		cap_buf_printf(&p, "/api/%s/", t->version);
	if (t->namespaced)
		cap_buf_puts(&p, "namespaces/{namespace}/");
	cap_buf_printf(&p, "%s/{name}", t->resource);
	cap_value *item = cap_value_object();
	static const char *const verbs[] = {"get", "put", "patch", "delete", NULL};
	for (const char *const *v = verbs; *v; v++) {
		cap_value *op = cap_value_object();
		cap_value_object_set(op, "x-kubernetes-group-version-kind",
				     gvk_ext(t->group, t->version, t->kind));
		cap_value *params = cap_value_array();
		cap_value_array_append(params, param("dryRun", "string"));
		cap_value_array_append(params, param("fieldManager", "string"));
		cap_value_array_append(params, param("fieldValidation", "string"));
		if (strcmp(*v, "patch") == 0)
			cap_value_array_append(params, param("force", "boolean"));
		cap_value_object_set(op, "parameters", params);
		if (schema_ref) {
			cap_value *resp = cap_value_object(), *ok = cap_value_object(),
				  *content = cap_value_object(), *json = cap_value_object(),
				  *schema = cap_value_object();
			cap_value_object_set(schema, "$ref", cap_value_string(schema_ref));
			cap_value_object_set(json, "schema", schema);
			cap_value_object_set(content, "application/json", json);
			cap_value_object_set(ok, "content", content);
			cap_value_object_set(ok, "description", cap_value_string("OK"));
			cap_value_object_set(resp, "200", ok);
			cap_value_object_set(op, "responses", resp);
		}
		cap_value_object_set(item, *v, op);
	}
	cap_value_object_set(paths, p.ptr, item);
	cap_buf_release(&p);
}

static cap_value *new_doc(void)
{
	cap_value *doc = cap_value_object();
	cap_value_object_set(doc, "openapi", cap_value_string("3.0.0"));
	cap_value *info = cap_value_object();
	cap_value_object_set(info, "title", cap_value_string("Kubernetes"));
	cap_value_object_set(info, "version", cap_value_string("v1.32.0"));
	cap_value_object_set(doc, "info", info);
	cap_value_object_set(doc, "paths", cap_value_object());
	cap_value *comp = cap_value_object();
	cap_value_object_set(comp, "schemas", cap_value_object());
	cap_value_object_set(doc, "components", comp);
	return doc;
}

/* A CRD version's schema as a definition, with ObjectMeta and friends from swagger. */
static void add_crd_type(cap_value *doc, const cap_value *defs, const dd_rtype *t)
{
	cap_value *schemas = cap_value_dig(doc, "components", "schemas", NULL);
	char name[512];
	/* reversed group, as the API server names CRD definitions */
	cap_buf rg = CAP_BUF_INIT;
	const char *g = t->group;
	cap_vec parts = CAP_VEC_INIT;
	char *dup = cap_strdup(g);
	for (char *tok = strtok(dup, "."); tok; tok = strtok(NULL, "."))
		cap_vec_push(&parts, tok);
	for (size_t i = parts.len; i-- > 0;)
		cap_buf_printf(&rg, "%s%s", (char *)parts.items[i], i ? "." : "");
	snprintf(name, sizeof(name), "%s.%s.%s", rg.ptr, t->version, t->kind);
	free(dup);
	cap_vec_release(&parts);
	cap_buf_release(&rg);
	cap_value *s = t->schema ? cap_value_deep_copy(t->schema) : cap_value_object();
	if (!cap_value_object_get(s, "type"))
		cap_value_object_set(s, "type", cap_value_string("object"));
	cap_value *props = cap_value_object_get(s, "properties");
	if (!props) {
		props = cap_value_object();
		cap_value_object_set(s, "properties", props);
	}
	cap_value *meta = cap_value_object();
	cap_value *all = cap_value_array(), *ref = cap_value_object();
	cap_value_object_set(ref, "$ref",
			     cap_value_string("#/components/schemas/"
					      "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
	cap_value_array_append(all, ref);
	cap_value_object_set(meta, "allOf", all);
	cap_value_object_set(meta, "description",
			     cap_value_string("Standard object's metadata. More info: "
					      "https://git.k8s.io/community/contributors/devel/"
					      "sig-architecture/api-conventions.md#metadata"));
	cap_value_object_set(props, "metadata", meta);
	cap_value *gvks = cap_value_array();
	cap_value_array_append(gvks, gvk_ext(t->group, t->version, t->kind));
	cap_value_object_set(s, "x-kubernetes-group-version-kind", gvks);
	cap_value_object_set(schemas, name, s);
	add_closure(defs, schemas, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
	char ref_name[600];
	snprintf(ref_name, sizeof(ref_name), "#/components/schemas/%s", name);
	add_paths(cap_value_object_get(doc, "paths"), t, ref_name);
}

static cap_buf *generate(dd_cluster *c, dd_openapi *o, const char *gv)
{
	const char *group = "", *version;
	char gbuf[256];
	if (strncmp(gv, "api/", 4) == 0) {
		version = gv + 4;
	} else if (strncmp(gv, "apis/", 5) == 0) {
		const char *slash = strchr(gv + 5, '/');
		if (!slash)
			return NULL;
		snprintf(gbuf, sizeof(gbuf), "%.*s", (int)(slash - gv - 5), gv + 5);
		group = gbuf;
		version = slash + 1;
	} else {
		return NULL;
	}
	dd_group *g = dd_registry_group(&c->reg, group);
	if (!g || !cap_strvec_contains(&g->versions, version))
		return NULL;
	cap_buf *out = cap_calloc(1, sizeof(*out));
	cap_buf_init(out);
	/* the shared documents are served as they are */
	char path[4096], fname[512];
	snprintf(fname, sizeof(fname), "%s", gv);
	for (char *p = fname; *p; p++)
		if (*p == '/')
			*p = '\x01';
	cap_buf name = CAP_BUF_INIT;
	for (char *p = fname; *p; p++) {
		if (*p == '\x01')
			cap_buf_puts(&name, "__");
		else
			cap_buf_putc(&name, *p);
	}
	snprintf(path, sizeof(path), "%s/openapi-v3/%s.json", c->data_dir, name.ptr);
	cap_buf_release(&name);
	if (!g->crd && cap_buf_read_file(out, path) == 0)
		return out;
	cap_buf_clear(out);
	if (!o->v2 &&
	    cap_json_parse(&o->v2, o->v2_text.ptr, o->v2_text.len, "swagger.json", NULL) < 0) {
		cap_buf_release(out);
		free(out);
		return NULL;
	}
	cap_value *doc = new_doc();
	cap_value *defs = cap_value_object_get(o->v2, "definitions");
	cap_value *schemas = cap_value_dig(doc, "components", "schemas", NULL);
	if (g->crd) {
		for (size_t i = 0; i < c->reg.types.len; i++) {
			const dd_rtype *t = c->reg.types.items[i];
			if (strcmp(t->group, group) == 0 && strcmp(t->version, version) == 0)
				add_crd_type(doc, defs, t);
		}
	} else {
		const char *k;
		cap_value *d;
		CAP_VALUE_OBJECT_FOREACH(defs, k, d)
		{
			const char *kind;
			if (!gvk_matches(d, group, version, &kind))
				continue;
			add_closure(defs, schemas, k);
			for (size_t i = 0; i < c->reg.types.len; i++) {
				const dd_rtype *t = c->reg.types.items[i];
				if (strcmp(t->group, group) == 0 &&
				    strcmp(t->version, version) == 0 && kind &&
				    strcmp(t->kind, kind) == 0) {
					char ref[600];
					snprintf(ref, sizeof(ref), "#/components/schemas/%s", k);
					add_paths(cap_value_object_get(doc, "paths"), t, ref);
				}
			}
		}
	}
	cap_json_print(out, doc, CAP_JSON_COMPACT);
	cap_value_free(doc);
	return out;
}

static void hash_of(const cap_buf *b, char out[33])
{
	uint64_t h = cap_hash_bytes(b->ptr, b->len);
	uint64_t h2 = cap_hash_bytes(&h, sizeof(h)) ^ b->len;
	snprintf(out, 33, "%016llX%016llX", (unsigned long long)h, (unsigned long long)h2);
}

static cap_buf *doc_for(dd_cluster *c, dd_openapi *o, const char *gv)
{
	cap_buf *b = cap_hashmap_get(&o->docs, gv);
	if (b)
		return b;
	b = generate(c, o, gv);
	if (b)
		cap_hashmap_put(&o->docs, gv, b);
	return b;
}

/*
 * The index names each document with a hash of what decides its content (the group-version and
 * the registry generation), so clients cache them and no document is built before it is asked.
 */
static void index_doc(dd_cluster *c, cap_buf *out)
{
	cap_buf_puts(out, "{\"paths\":{");
	bool first = true;
	for (size_t i = 0; i < c->reg.groups.len; i++) {
		dd_group *g = c->reg.groups.items[i];
		for (size_t v = 0; v < g->versions.len; v++) {
			char gv[512], key[600], h[33];
			if (*g->name)
				snprintf(gv, sizeof(gv), "apis/%s/%s", g->name,
					 g->versions.items[v]);
			else
				snprintf(gv, sizeof(gv), "api/%s", g->versions.items[v]);
			snprintf(key, sizeof(key), "%s@%llu", gv,
				 (unsigned long long)(g->crd ? c->reg.generation : 0));
			cap_buf kb = CAP_BUF_INIT;
			cap_buf_puts(&kb, key);
			hash_of(&kb, h);
			cap_buf_release(&kb);
			cap_buf_printf(
			    out, "%s\"%s\":{\"serverRelativeURL\":\"/openapi/v3/%s?hash=%s\"}",
			    first ? "" : ",", gv, gv, h);
			first = false;
		}
	}
	cap_buf_puts(out, "}}");
}

void dd_openapi_handle(dd_cluster *c, dd_request *req, dd_response *res)
{
	dd_openapi *o = get(c);
	if (strcmp(req->method, "GET") != 0) {
		dd_status_method_not_allowed(res, req->method);
		return;
	}
	dd_store_lock(&c->store);
	pthread_mutex_lock(&o->lock);
	if (load(c, o) < 0) {
		dd_status_error(res, 500, "InternalError", cap_error_last(), NULL, NULL, NULL);
		goto out;
	}
	if (o->generation != c->reg.generation) {
		cap_hashmap_clear(&o->docs, free_buf);
		o->generation = c->reg.generation;
	}
	const char *path = req->path;
	if (strcmp(path, "/openapi/v2") == 0) {
		if (req->accept && strstr(req->accept, "protobuf") &&
		    !strstr(req->accept, "json") && !strstr(req->accept, "*/*")) {
			dd_status_error(
			    res, 406, "NotAcceptable",
			    "only the following media types are accepted: application/json", NULL,
			    NULL, NULL);
			goto out;
		}
		res->status = 200;
		cap_buf_put(&res->body, o->v2_text.ptr, o->v2_text.len);
	} else if (strcmp(path, "/openapi/v3") == 0 || strcmp(path, "/openapi/v3/") == 0) {
		res->status = 200;
		index_doc(c, &res->body);
	} else if (strncmp(path, "/openapi/v3/", 12) == 0) {
		cap_buf *d = doc_for(c, o, path + 12);
		if (!d) {
			dd_status_error(res, 404, "NotFound", "404 page not found", NULL, NULL,
					NULL);
			goto out;
		}
		res->status = 200;
		cap_buf_put(&res->body, d->ptr, d->len);
	} else {
		dd_status_error(res, 404, "NotFound", "404 page not found", NULL, NULL, NULL);
	}
out:
	pthread_mutex_unlock(&o->lock);
	dd_store_unlock(&c->store);
}
