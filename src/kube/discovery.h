/* API discovery: which kinds a cluster serves, under which plural, scope and verbs; cached. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strvec.h"

#include "kube/client.h"
#include "kube/key.h"

/* Bits of cap_kube_api_resource.verbs. */
enum {
	CAP_KUBE_VERB_GET = 1 << 0,
	CAP_KUBE_VERB_LIST = 1 << 1,
	CAP_KUBE_VERB_WATCH = 1 << 2,
	CAP_KUBE_VERB_CREATE = 1 << 3,
	CAP_KUBE_VERB_UPDATE = 1 << 4,
	CAP_KUBE_VERB_PATCH = 1 << 5,
	CAP_KUBE_VERB_DELETE = 1 << 6,
	CAP_KUBE_VERB_DELETECOLLECTION = 1 << 7,
};

/* One served resource type (subresources such as pods/log are not listed). Owns its strings. */
typedef struct cap_kube_api_resource {
	char *group; /* "" for core */
	char *version;
	char *kind;
	char *resource; /* plural, "deployments" */
	char *singular; /* "deployment" ("" when the server gives none) */
	bool namespaced;
	bool preferred; /* version is the group's preferred version */
	unsigned verbs; /* CAP_KUBE_VERB_* */
	cap_strvec short_names;
	cap_strvec categories;
} cap_kube_api_resource;

void cap_kube_api_resource_init(cap_kube_api_resource *r);
void cap_kube_api_resource_release(cap_kube_api_resource *r);
void cap_kube_api_resource_copy(cap_kube_api_resource *out, const cap_kube_api_resource *src);

typedef struct cap_kube_api_resource_list {
	cap_kube_api_resource *items;
	size_t len;
} cap_kube_api_resource_list;
void cap_kube_api_resource_list_release(cap_kube_api_resource_list *l);

/*
 * The cache is filled on first use: one aggregated discovery request each for /api and /apis
 * (Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList, with v2beta1
 * also offered), or, when the server does not answer with that, the legacy documents (/api,
 * /apis, then /api/v1 and /apis/<group>/<version> for every group version). A lookup that misses
 * refreshes the cache once before answering CAP_ENOTFOUND (a CRD may have appeared);
 * concurrent refreshes are coalesced into one. Safe to call from any thread; results are
 * copies the caller owns.
 *
 * A client owns one discovery (cap_kube_client_discovery); standalone ones are for tests.
 */
int cap_kube_discovery_new(cap_kube_discovery **out, cap_kube_client *c);
/* Frees the cache. Accepts NULL. */
void cap_kube_discovery_free(cap_kube_discovery *d);

/* Fetches everything again now. Errors as for client requests; the old cache stays then. */
int cap_kube_discovery_refresh(cap_kube_discovery *d);
/* Marks the cache stale: the next lookup refreshes it (call after a CRD appears or goes). */
void cap_kube_discovery_invalidate(cap_kube_discovery *d);
/*
 * A counter that grows whenever a refresh finds a different set of resource types: the cluster
 * cache compares it to start or stop informers.
 */
uint64_t cap_kube_discovery_generation(cap_kube_discovery *d);

/*
 * The resource type of group/version/kind (group "" for core). version NULL or "" picks the
 * group's preferred version that serves kind. CAP_ENOTFOUND "no matches for kind \"Foo\" in
 * version \"x.io/v1\"" after a refresh. *out is replaced only on success.
 */
int cap_kube_discovery_find_kind(cap_kube_discovery *d, cap_kube_api_resource *out,
				 const char *group, const char *version, const char *kind);

/*
 * The resource type by plural, singular or short name as kubectl accepts them ("deployments",
 * "deployment", "deploy", "deployments.apps"); group may be NULL for any group (the core group
 * wins, then the first in server order, as kubectl). CAP_ENOTFOUND after a refresh.
 */
int cap_kube_discovery_find_resource(cap_kube_discovery *d, cap_kube_api_resource *out,
				     const char *group, const char *name);

/*
 * Every resource type having all the verbs in required_verbs (e.g. CAP_KUBE_VERB_LIST |
 * CAP_KUBE_VERB_WATCH for the cluster cache), preferred versions only when preferred_only.
 * Ordered by group, version and resource. *out is replaced only on success.
 */
int cap_kube_discovery_list(cap_kube_discovery *d, cap_kube_api_resource_list *out,
			    unsigned required_verbs, bool preferred_only);
