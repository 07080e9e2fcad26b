/* The resource types drydock serves: built-in ones from the discovery documents, plus one per
 * served CRD version. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/hashmap.h"
#include "base/strvec.h"
#include "base/vec.h"
#include "value/value.h"

typedef struct dd_subresource {
	char *name;		      /* "status", "scale", "log" … */
	char *group, *version, *kind; /* response kind; group/version "" when the parent's */
	cap_strvec verbs;
} dd_subresource;

typedef struct dd_rtype {
	char *group; /* "" for the core group */
	char *version;
	char *resource; /* plural, lowercase */
	char *kind;
	char *singular;
	bool namespaced;
	cap_strvec verbs;
	cap_strvec short_names;
	cap_strvec categories;
	dd_subresource *subs;
	size_t nsubs;
	/* Served from a CustomResourceDefinition (all fields below are for those). */
	bool crd;
	char *crd_name;
	cap_value *schema;     /* openAPIV3Schema of this version, owned reference; may be NULL */
	bool preserve_unknown; /* x-kubernetes-preserve-unknown-fields at the root */
	char *spec_replicas_path, *status_replicas_path, *label_selector_path; /* scale */
	cap_value *printer_columns; /* additionalPrinterColumns, owned; may be NULL */
} dd_rtype;

typedef struct dd_group {
	char *name;
	cap_strvec versions; /* preferred first */
	bool crd;
} dd_group;

/*
 * The registry owns every type and group. It is not locked: drydock's state lock covers it.
 * Types are looked up by (group, version, resource), by (group, version, kind) and by
 * (group, resource) for any version.
 */
typedef struct dd_registry {
	cap_vec groups; /* dd_group*, core first then /apis order */
	cap_vec types;	/* dd_rtype*, in discovery order */
	cap_hashmap by_gvr;
	cap_hashmap by_gvk;
	uint64_t generation; /* bumped on every change, for discovery and OpenAPI hashes */
} dd_registry;

void dd_registry_init(dd_registry *r);
void dd_registry_release(dd_registry *r);

/*
 * Loads the built-in types from data_dir (discovery/api__v1.json and discovery/aggregated_v2.json).
 * CAP_ENOTFOUND / CAP_EINVALID naming the file.
 */
int dd_registry_load(dd_registry *r, const char *data_dir);

/* Borrowed lookups; NULL when not served. */
dd_rtype *dd_registry_find(const dd_registry *r, const char *group, const char *version,
			   const char *resource);
dd_rtype *dd_registry_find_kind(const dd_registry *r, const char *group, const char *version,
				const char *kind);
/* The type of group/resource at the group's preferred version served for it. */
dd_rtype *dd_registry_find_any(const dd_registry *r, const char *group, const char *resource);
dd_group *dd_registry_group(const dd_registry *r, const char *name);
dd_subresource *dd_rtype_subresource(const dd_rtype *t, const char *name);
bool dd_rtype_has_verb(const dd_rtype *t, const char *verb);

/*
 * Serves the versions of a CustomResourceDefinition object (apiextensions.k8s.io/v1): removes
 * what an earlier version of the same CRD registered, then adds a type per served version.
 * CAP_EINVALID when the CRD lacks group, names or versions, or its group/resource is built in.
 */
int dd_registry_add_crd(dd_registry *r, const cap_value *crd);
/* Stops serving the CRD named name ("widgets.example.com"); no-op when unknown. */
void dd_registry_remove_crd(dd_registry *r, const char *name);

/* "deployments.apps" or "pods": the resource and group as error messages name them. */
void dd_rtype_qualified(const dd_rtype *t, cap_buf *out);
/* "apps/v1" or "v1". */
void dd_rtype_api_version(const dd_rtype *t, cap_buf *out);
