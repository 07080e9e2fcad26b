/* Object keys: group, version, kind, resource, namespace and name of a Kubernetes object. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "value/value.h"

/*
 * A cap_kube_key names one object (or, with an empty name, one type in one namespace). Every
 * member is a malloc'd NUL-terminated string owned by the key, never NULL: an absent member is
 * "" (a shared empty string after cap_kube_key_init). group is "" for the core group ("v1"
 * objects), namespace "" for cluster-scoped objects or "every namespace", resource the lowercase
 * plural ("deployments") once discovery filled it, "" before.
 *
 * Identity, as Argo CD pairs live and desired objects, is (group, kind, namespace, name):
 * cap_kube_key_compare, _equal and _hash ignore version and resource, so apps/v1 and
 * extensions/v1beta1 Deployments of one name are the same object.
 *
 * This header depends only on base/ and value/ so drydock may use it.
 */
typedef struct cap_kube_key {
	char *group;
	char *version;
	char *kind;
	char *resource;
	char *namespace;
	char *name;
} cap_kube_key;

extern char cap_kube_key__empty[];
#define CAP_KUBE_KEY_INIT                                                                          \
	{                                                                                          \
		cap_kube_key__empty, cap_kube_key__empty, cap_kube_key__empty,                     \
		    cap_kube_key__empty, cap_kube_key__empty, cap_kube_key__empty                  \
	}

/* Sets every member to "". Allocates nothing. */
void cap_kube_key_init(cap_kube_key *key);
/* Frees the members; the key is empty (as after init) and reusable. Accepts NULL. */
void cap_kube_key_release(cap_kube_key *key);

/*
 * Fills *out (released first) from the members; NULL arguments are "". api_version is
 * "group/version" or "version" as objects carry it. Never fails.
 */
void cap_kube_key_set(cap_kube_key *out, const char *api_version, const char *kind,
		      const char *namespace, const char *name);
/* Replaces *out (released first) with a copy of src. */
void cap_kube_key_copy(cap_kube_key *out, const cap_kube_key *src);
/* Replaces one member with a copy of value (NULL is ""). */
void cap_kube_key_set_member(char **member, const char *value);

/*
 * Reads apiVersion, kind, metadata.namespace and metadata.name of an object. resource stays "".
 * A missing or empty apiVersion or kind, or an object that is not a JSON object, is
 * CAP_EINVALID ("object has no 'kind'"); a missing name is allowed (generateName objects), and
 * callers that need one check key.name[0]. *out is replaced only on success.
 */
int cap_kube_key_from_object(cap_kube_key *out, const cap_value *obj);

/*
 * Splits an apiVersion into group and version without allocating: "apps/v1" gives "apps" and
 * "v1", "v1" gives "" and "v1". The slices point into api_version.
 */
void cap_kube_api_version_split(const char *api_version, const char **group, size_t *group_len,
				const char **version, size_t *version_len);

/* Appends the key's apiVersion: "group/version", or "version" for the core group. */
void cap_kube_key_api_version(const cap_kube_key *key, cap_buf *out);

/*
 * Appends the key as users read it: "[group/]kind [namespace/]name", e.g.
 * "apps/Deployment guestbook/web", "ConfigMap default/settings", "Namespace guestbook".
 */
void cap_kube_key_format(const cap_kube_key *key, cap_buf *out);

/* Orders by group, kind, namespace, name (byte order); version and resource are ignored. */
int cap_kube_key_compare(const cap_kube_key *a, const cap_kube_key *b);
bool cap_kube_key_equal(const cap_kube_key *a, const cap_kube_key *b);
/* A stable hash of group, kind, namespace and name, consistent with cap_kube_key_equal. */
uint64_t cap_kube_key_hash(const cap_kube_key *key);
