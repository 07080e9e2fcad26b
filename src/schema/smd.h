/* Structured-merge schema: the list and map semantics server-side apply merges and tracks by. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/hashmap.h"
#include "base/strvec.h"
#include "base/vec.h"
#include "value/value.h"

/*
 * A cap_smd_schema holds named types in the structured-merge-diff format the API server uses
 * for server-side apply (../shared/data/kubernetes/smd-schema.yaml: `types:` with map fields,
 * lists with an elementRelationship of atomic / associative (+ keys) / separable, scalars,
 * `namedType` references, and the untyped `__untyped_atomic_` / `__untyped_deduced_`), plus
 * types built at run time from CustomResourceDefinitions. Top-level kinds are indexed by
 * (apiVersion, kind).
 *
 * A type can be several things at once (untyped values may be a scalar, a list or a map); the
 * walker picks the facet matching the value it holds. A NULL type means "deduced", as the API
 * server treats unknown types: maps merge member by member, lists are atomic. Every accessor
 * accepts NULL. A loaded schema is immutable, may be shared between threads, and owns all its
 * types: they live as long as the schema.
 */

typedef enum cap_smd_relationship {
	CAP_SMD_SEPARABLE = 0, /* maps: members merge and are owned one by one (the default) */
	CAP_SMD_ATOMIC,	       /* replaced and owned whole (the default for lists) */
	CAP_SMD_ASSOCIATIVE,   /* lists: items matched by keys, or by value when there are none */
} cap_smd_relationship;

typedef struct cap_smd_type cap_smd_type;

typedef struct cap_smd_field {
	const char *name;
	const cap_smd_type *type;
	cap_value *default_value; /* NULL when the schema gives none; owned by the schema */
} cap_smd_field;

struct cap_smd_type {
	const char *name; /* NULL for an inline type */
	bool is_scalar;
	bool is_list;
	bool is_map;
	const char *scalar; /* "string", "numeric", "boolean", "untyped"; NULL unless is_scalar */
	/* list facet */
	cap_smd_relationship list_relationship;
	const cap_smd_type *list_element;
	cap_strvec list_keys; /* associative lists of maps: the key field names, in schema order */
	/* map facet */
	cap_smd_relationship map_relationship;
	const cap_smd_type *map_element; /* type of members not in fields; NULL: deduced */
	bool map_closed;		 /* no elementType: members not in fields are unknown */
	cap_hashmap fields;		 /* name -> cap_smd_field* */
};

typedef struct cap_smd_schema {
	cap_hashmap types; /* name -> cap_smd_type* */
	cap_hashmap kinds; /* "apiVersion/kind" (or "v1/Kind" for the core group) -> type */
	cap_vec owned;	   /* every allocated type, named or inline, for release */
	cap_vec fields;	   /* every allocated field */
} cap_smd_schema;

#define CAP_SMD_SCHEMA_INIT                                                                        \
	{                                                                                          \
		CAP_HASHMAP_INIT, CAP_HASHMAP_INIT, CAP_VEC_INIT, CAP_VEC_INIT                     \
	}

/*
 * Loads a schema document (a parsed value with a `types:` array) into s, which may already hold
 * types: later names replace earlier ones. Named types are indexed by kind when they look like a
 * top-level object (apiVersion, kind and metadata fields) and their name follows Kubernetes'
 * io.k8s.api.<package>.<version>.<Kind> pattern (see cap_smd_group_of_package). CAP_EINVALID
 * with a message naming the type on a malformed entry; s keeps what was loaded before.
 */
int cap_smd_schema_load(cap_smd_schema *s, const cap_value *doc);

/* Reads a YAML or JSON schema file and loads it as cap_smd_schema_load does. */
int cap_smd_schema_load_file(cap_smd_schema *s, const char *path);

/*
 * Adds the types of a CustomResourceDefinition (apiextensions.k8s.io/v1, a parsed value): one
 * type per version with an openAPIV3Schema, indexed by "<group>/<version>" and spec.names.kind.
 * x-kubernetes-list-type (atomic / set / map with x-kubernetes-list-map-keys), map-type,
 * preserve-unknown-fields and int-or-string are honoured; lists without a list-type are atomic,
 * as the API server treats them; metadata uses ObjectMeta when the schema has it.
 */
int cap_smd_schema_add_crd(cap_smd_schema *s, const cap_value *crd);

/* Frees every type. Accepts NULL. */
void cap_smd_schema_release(cap_smd_schema *s);

/* The named type, or NULL. */
const cap_smd_type *cap_smd_schema_type(const cap_smd_schema *s, const char *name);

/* The top-level type of (apiVersion, kind), or NULL (deduced) when the kind is unknown. */
const cap_smd_type *cap_smd_schema_kind(const cap_smd_schema *s, const char *api_version,
					const char *kind);

/*
 * The API group of a Kubernetes type package ("apps" -> "apps", "core" -> "", "rbac" ->
 * "rbac.authorization.k8s.io", "networking" -> "networking.k8s.io"), written into a static
 * string or into buf (of size n); NULL when buf is too small.
 */
const char *cap_smd_group_of_package(const char *package, char *buf, size_t n);

/* The field of a map type, or NULL when t is NULL, not a map, or has no such field. */
const cap_smd_field *cap_smd_field_of(const cap_smd_type *t, const char *name, size_t len);

/*
 * The type of the member name of a map type t: the declared field's type, else the map's element
 * type. Sets *known to false when a closed map has no such field (the value is then treated as
 * deduced); known may be NULL.
 */
const cap_smd_type *cap_smd_member_type(const cap_smd_type *t, const char *name, size_t len,
					bool *known);

/* How a map value of type t is merged: separable unless the type says atomic. */
cap_smd_relationship cap_smd_map_relationship(const cap_smd_type *t);
/* How a list value of type t is merged: atomic unless the type says associative. */
cap_smd_relationship cap_smd_list_relationship(const cap_smd_type *t);
