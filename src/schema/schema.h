/* Kubernetes type information from OpenAPI: patch strategies, merge keys and list types per field.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/hashmap.h"
#include "base/vec.h"
#include "value/value.h"

/*
 * A cap_schema holds every type of one or more OpenAPI documents (Kubernetes' OpenAPI v2
 * swagger.json, the per-group-version OpenAPI v3 documents a cluster serves at /openapi/v3, and
 * the openAPIV3Schema of CustomResourceDefinitions), with $ref and allOf resolved and the
 * Kubernetes extensions read once at load time:
 *
 *   x-kubernetes-patch-strategy      merge / replace / retainKeys, comma-combined
 *   x-kubernetes-patch-merge-key     the key strategic merge patch matches list items by
 *   x-kubernetes-list-type           atomic / set / map (+ x-kubernetes-list-map-keys)
 *   x-kubernetes-map-type            atomic / granular
 *   x-kubernetes-preserve-unknown-fields
 *   x-kubernetes-group-version-kind  indexes top-level types by "apiVersion/kind"
 *
 * Walking an object reads like walking the value: cap_schema_lookup gives the type of a kind,
 * cap_schema_field the type at one member, cap_schema_items the type of an array's items. Each
 * step is one hash lookup or pointer read, so the diff and patch code calls them per member.
 * A NULL type means "nothing known" and every accessor accepts it, returning NULL or defaults,
 * so callers never test for NULL before stepping down.
 *
 * A loaded schema is immutable and may be read from many threads at once. Types live as long as
 * their schema.
 */

typedef enum cap_schema_kind {
	CAP_SCHEMA_ANY = 0, /* no "type" (int-or-string, preserve-unknown, unresolved) */
	CAP_SCHEMA_OBJECT,
	CAP_SCHEMA_ARRAY,
	CAP_SCHEMA_STRING,
	CAP_SCHEMA_INTEGER,
	CAP_SCHEMA_NUMBER,
	CAP_SCHEMA_BOOLEAN,
} cap_schema_kind;

/* Bits of cap_schema_type.patch_strategy. */
enum {
	CAP_SCHEMA_PATCH_MERGE = 1 << 0,
	CAP_SCHEMA_PATCH_REPLACE = 1 << 1,
	CAP_SCHEMA_PATCH_RETAIN_KEYS = 1 << 2,
	/* any other word, or more than two words, or two without retainKeys: strategic patch
	 * code reports "unexpected patch strategy" as Kubernetes does */
	CAP_SCHEMA_PATCH_INVALID = 1 << 3,
};

typedef enum cap_schema_list_type {
	CAP_SCHEMA_LIST_UNSPECIFIED = 0,
	CAP_SCHEMA_LIST_ATOMIC,
	CAP_SCHEMA_LIST_SET,
	CAP_SCHEMA_LIST_MAP,
} cap_schema_list_type;

typedef enum cap_schema_map_type {
	CAP_SCHEMA_MAP_UNSPECIFIED = 0,
	CAP_SCHEMA_MAP_GRANULAR,
	CAP_SCHEMA_MAP_ATOMIC,
} cap_schema_map_type;

typedef enum cap_schema_resolve_state {
	CAP_SCHEMA_UNRESOLVED = 0,
	CAP_SCHEMA_RESOLVING,
	CAP_SCHEMA_RESOLVED,
} cap_schema_resolve_state;

/*
 * One position in a type tree: a definition, a property, an array's items or a map's values.
 * The public members are read-only facts about that position; a property that points at a
 * shared definition ($ref, allOf) carries its own extensions (a property's
 * x-kubernetes-patch-strategy) and inherits the definition's where it sets none.
 */
typedef struct cap_schema_type {
	cap_schema_kind kind;
	unsigned patch_strategy;     /* CAP_SCHEMA_PATCH_* bits; 0 when none */
	const char *patch_merge_key; /* NULL when none */
	cap_schema_list_type list_type;
	const char *const *list_map_keys; /* NULL-terminated; NULL when none */
	cap_schema_map_type map_type;
	bool preserve_unknown_fields;
	bool custom;	  /* from a CustomResourceDefinition */
	const char *name; /* the definition it is or refers to, else the enclosing one */

	/* private to schema/ */
	const struct cap_schema_type *shape; /* where fields/items/values live (self or a $ref) */
	cap_hashmap fields;		     /* property name -> cap_schema_type * */
	struct cap_schema_type *items;
	struct cap_schema_type *values; /* additionalProperties */
	const char *ref;		/* unresolved "$ref" definition name */
	cap_vec all_of;			/* cap_schema_type * */
	cap_schema_resolve_state state;
	bool has_fields;
} cap_schema_type;

typedef struct cap_schema {
	cap_vec types;	   /* every cap_schema_type, owned */
	cap_vec strings;   /* every string the types point at, owned */
	cap_hashmap defs;  /* definition name -> cap_schema_type * (borrowed from types) */
	cap_hashmap gvks;  /* "apps/v1/Deployment" -> cap_schema_type * */
	size_t unresolved; /* index in types of the first type not yet resolved */
} cap_schema;

#define CAP_SCHEMA_INIT                                                                            \
	{                                                                                          \
		CAP_VEC_INIT, CAP_VEC_INIT, CAP_HASHMAP_INIT, CAP_HASHMAP_INIT, 0                  \
	}

/* An empty schema; no allocation. */
void cap_schema_init(cap_schema *s);
/* Frees every type and string; types handed out before are invalid afterwards. Accepts NULL. */
void cap_schema_release(cap_schema *s);

/*
 * Adds the definitions of an OpenAPI v2 document ("definitions") or v3 document
 * ("components.schemas"); doc is only read. A definition name seen before keeps its first
 * meaning, so the v3 documents of one cluster (which repeat ObjectMeta and friends) can be added
 * one after another. source names the document in messages. CAP_EINVALID when doc is neither.
 */
int cap_schema_add_openapi(cap_schema *s, const cap_value *doc, const char *source);

/* Reads and adds a JSON OpenAPI document from path (v2 or v3). */
int cap_schema_add_openapi_file(cap_schema *s, const char *path);

/*
 * Adds a CustomResourceDefinition (apiextensions.k8s.io/v1 object): each entry of
 * spec.versions with schema.openAPIV3Schema becomes the type of "group/version/Kind", marked
 * custom. CAP_EINVALID when crd lacks spec.group, spec.names.kind or spec.versions.
 */
int cap_schema_add_crd(cap_schema *s, const cap_value *crd);

/*
 * The top-level type of apiVersion ("apps/v1", "v1") and kind, or NULL when unknown. The _key
 * form takes "apps/v1/Deployment" or "v1/Service" in one string.
 */
const cap_schema_type *cap_schema_lookup(const cap_schema *s, const char *api_version,
					 const char *kind);
const cap_schema_type *cap_schema_lookup_key(const cap_schema *s, const char *gvk_key);
/* A definition by name ("io.k8s.api.core.v1.PodSpec"), or NULL. */
const cap_schema_type *cap_schema_definition(const cap_schema *s, const char *name);

/*
 * The type of member name (len bytes) of an object of type t: a declared property, else the
 * additionalProperties type (labels, annotations, resource lists), else NULL.
 */
const cap_schema_type *cap_schema_field(const cap_schema_type *t, const char *name, size_t len);
/* The items type of an array type, or NULL. */
const cap_schema_type *cap_schema_items(const cap_schema_type *t);

static inline unsigned cap_schema_patch_strategy(const cap_schema_type *t)
{
	return t ? t->patch_strategy : 0;
}
static inline const char *cap_schema_merge_key(const cap_schema_type *t)
{
	return t ? t->patch_merge_key : NULL;
}

/*
 * The process-wide schema of every built-in Kubernetes type, loaded from an OpenAPI v2
 * swagger.json on first use and kept until exit (thread-safe, loaded once). Capstan ships no
 * copy inside the binary: the document is 2.4 MB and follows the Kubernetes release, so it is
 * data installed beside Capstan. The first of these that exists is used:
 *   1. the path given to cap_schema_default_set_path before first use;
 *   2. $CAPSTAN_OPENAPI_V2 (a file);
 *   3. $CAP_SHARED_DATA/kubernetes/openapi-v2/swagger.json (tests and development);
 *   4. $CAPSTAN_DATA_DIR/kubernetes/openapi-v2/swagger.json, CAPSTAN_DATA_DIR defaulting to
 *      the compile-time CAP_DATA_DIR ("/usr/share/capstan" unless the build sets it);
 *   5. the source tree's ../shared/data copy (CAP_SOURCE_DIR), for a build run in place.
 * Controllers talking to a live cluster should prefer its /openapi/v3 documents (added with
 * cap_schema_add_openapi) and CRDs, which describe exactly the server's versions.
 * On failure *out is untouched and the error names every place tried; a later call tries again.
 */
int cap_schema_default(const cap_schema **out);
/* Sets the file cap_schema_default loads; only effective before the first successful load. */
void cap_schema_default_set_path(const char *path);
