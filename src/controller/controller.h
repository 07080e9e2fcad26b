/* The application controller: Application informer, refresh and operation queues, status writer. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kube/client.h"

/*
 * One controller manages the Applications of one control namespace. It watches Applications and
 * every resource type of each destination cluster (src/cache): the cluster client talks to (the
 * in-cluster destination, https://kubernetes.default.svc) from the start, and each cluster
 * registered by an Argo CD cluster Secret from the first time an application targets it. For
 * each application it:
 *  - refreshes: resolves the revision, renders (through the manifest cache), compares each
 *    desired object with its live one, assesses health, and writes status (sync, health,
 *    resources, conditions, summary, reconciledAt) only when it changed, as one merge patch;
 *    on the resync timer (with jitter), on the refresh annotation (then cleared), on spec
 *    changes and on changes of the application's live objects (drift seen within a second);
 *  - runs operations: `operation.sync` is applied through src/sync with progress kept in
 *    status.operationState, so a restarted controller resumes a Running operation; history is
 *    appended on success and the operation cleared;
 *  - syncs automatically under syncPolicy.automated with Argo CD's gating (no retry of a
 *    revision whose sync failed, self-heal only when asked and with backoff).
 * Failures are logged once here, with the application's name.
 */
typedef struct cap_controller cap_controller;

typedef struct cap_controller_options {
	const char *namespace;	       /* control namespace; NULL: "argocd" */
	uint64_t resync_ms;	       /* 0: argocd-cm timeout.reconciliation, else 120 s */
	unsigned status_processors;    /* 0: 4 */
	unsigned operation_processors; /* 0: 2 */
	const char *repo_cache_dir;    /* NULL: a private temporary directory */
	uint64_t self_heal_base_ms;    /* first self-heal backoff; 0: 2000 (then x3, max 5 min) */
	/*
	 * The pause between sync waves when sync_wave_delay_set; else $ARGOCD_SYNC_WAVE_DELAY
	 * seconds, as Argo CD reads it, else 2 s.
	 */
	uint64_t sync_wave_delay_ms;
	bool sync_wave_delay_set;
} cap_controller_options;

/* A controller over client (which must outlive it). Nothing runs before cap_controller_start. */
int cap_controller_new(cap_controller **out, cap_kube_client *client,
		       const cap_controller_options *opts);

/*
 * Reads argocd-cm, starts the cluster cache and waits for it to fill, then starts the
 * Application informer and the processors. Errors name what could not start.
 */
int cap_controller_start(cap_controller *c);

/* True once started and the caches are synced: what /healthz reports. */
bool cap_controller_ready(cap_controller *c);

/*
 * Stops informers and processors (an operation in flight finishes its current object and keeps
 * its Running state for the next start) and frees everything. Accepts NULL.
 */
void cap_controller_free(cap_controller *c);
