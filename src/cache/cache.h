/* The cluster cache: one informer per resource type, a compact store, app and owner indexes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/client.h"
#include "kube/key.h"
#include "kube/watch.h"
#include "value/value.h"

/*
 * A cap_cache mirrors one destination cluster. Each object is kept compactly: its identity
 * (group, kind, namespace, name), uid, resourceVersion, owner uids, the application that tracks
 * it (tracking-id annotation, else the instance label) and its compact JSON text, parsed only
 * when asked for (objects owned by another and tracked by no app are kept without their
 * managedFields, as nothing diffs them). Three indexes answer a reconcile without scanning the cache: by identity, by
 * application, and from an owner to its children. A change to an object is reported to the
 * application tracking it, or tracking its nearest tracked owner (a Pod of a ReplicaSet of a
 * tracked Deployment reports to the Deployment's app), through on_change.
 *
 * Every function is thread-safe. Objects returned are new trees the caller owns.
 */
typedef struct cap_cache cap_cache;

/*
 * Told, on a reflector's thread, that an application's objects changed. Must be quick and
 * must not call back into the cache (it runs while events are being delivered).
 */
typedef void (*cap_cache_change_fn)(void *ctx, const char *app_name);

/* Whether a resource type is left out of the cache (and out of management). */
typedef bool (*cap_cache_exclude_fn)(void *ctx, const char *group, const char *kind);

typedef struct cap_cache_options {
	const char *instance_label_key; /* NULL: app.kubernetes.io/instance */
	cap_cache_exclude_fn exclude;	/* NULL: cap_cache_default_excluded only */
	void *exclude_ctx;
	cap_cache_change_fn on_change; /* may be NULL */
	void *ctx;
	/* how often new or vanished types (CRDs) are looked for; 0: 5000 ms */
	unsigned discovery_interval_ms;
} cap_cache_options;

/*
 * A cache for client (which must outlive it). opts may be NULL. Nothing is listed until
 * cap_cache_start; without it the cache is a plain store fed by cap_cache_apply_event (tests).
 */
int cap_cache_new(cap_cache **out, cap_kube_client *client, const cap_cache_options *opts);
/* Stops every informer and frees the store. Accepts NULL. */
void cap_cache_free(cap_cache *c);

/*
 * Discovers the served types that can be listed and watched (preferred versions) and starts a
 * reflector for each type not excluded, plus a thread that follows discovery changes (CRDs
 * added or removed). Errors from discovery are returned; a type that fails to start is skipped.
 */
int cap_cache_start(cap_cache *c);
/* Waits until every reflector delivered its first list; false on timeout or once the client is
 * closing (cap_kube_client_close: it never will). */
bool cap_cache_wait_synced(cap_cache *c, uint64_t timeout_ms);

/*
 * Argo CD's default exclusions (argocd-cm resource.exclusions of a fresh install, and the kinds
 * gitops-engine never caches): Events, Endpoints, EndpointSlices, Leases, access and token
 * reviews, CertificateSigningRequests, cert-manager CertificateRequests, cilium identities,
 * kyverno reports.
 */
bool cap_cache_default_excluded(const char *group, const char *kind);

/*
 * Feeds one reflector event (obj borrowed; its apiVersion and kind say the type) into the store
 * as the informers do, notifying on_change.
 */
void cap_cache_apply_event(cap_cache *c, cap_kube_event_type type, const cap_value *obj);

/*
 * The application name an object is tracked by: the app part of a tracking-id annotation that
 * names the object itself, else the instance label (label_key NULL: the default), else NULL.
 * The result points into obj or into a per-thread buffer valid until the thread's next call.
 */
const char *cap_cache_tracking_app(const cap_value *obj, const char *label_key);

/* A new parsed copy of the object key names (group, kind, namespace, name); CAP_ENOTFOUND. */
int cap_cache_get(cap_value **out, cap_cache *c, const cap_kube_key *key);

/* A new array of the live objects tracked by app_name (possibly empty), ordered by identity. */
int cap_cache_app_objects(cap_value **out, cap_cache *c, const char *app_name);

/* A new array of the objects whose ownerReferences name uid (possibly empty). */
int cap_cache_children(cap_value **out, cap_cache *c, const char *uid);

/* The application reached from the object with uid through ownerReferences (malloc'd) or NULL. */
char *cap_cache_owning_app(cap_cache *c, const char *uid);

typedef struct cap_cache_stats {
	size_t objects;	 /* objects held */
	size_t bytes;	 /* JSON text held */
	size_t types;	 /* reflectors running */
	size_t apps;	 /* applications with tracked objects */
	uint64_t events; /* events applied */
} cap_cache_stats;
void cap_cache_stats_get(cap_cache *c, cap_cache_stats *out);
