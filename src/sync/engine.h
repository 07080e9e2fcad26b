/* The sync engine: one operation as a resumable state machine over phases, waves and hooks. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "health/health.h"
#include "kube/client.h"
#include "sync/options.h"
#include "value/value.h"

/*
 * The engine works as gitops-engine's sync context does. The caller (the controller) runs one
 * step per reconcile of an operation; each step rebuilds the tasks from the desired objects,
 * the hooks and the live objects, reads back what earlier steps recorded (the results list,
 * Argo CD's operationState.syncResult.resources), and then:
 *
 *  1. first step only: creates the destination namespace (CreateNamespace=true) and dry-runs
 *     every task on the client side (the kind is served, the object is well formed); a custom
 *     resource whose CRD is part of the sync, or that says SkipDryRunOnMissingResource=true,
 *     is not checked;
 *  2. updates running tasks from the live objects: a hook finishes from its health (Healthy or
 *     no health → Succeeded, Degraded or Unknown → Failed), a resource of a multi-step sync from
 *     its health (Degraded → Failed); a finished hook loses its hook finalizer;
 *  3. waits while a hook runs, or, in a sync of several phases or waves, while any task runs,
 *     and while a pruned object is still being deleted (finalizers, foreground deletion);
 *  4. fails when a task failed: runs the SyncFail hooks first and waits for them;
 *  5. otherwise runs the next phase and wave of pending tasks: prunes first (Prune=confirm
 *     waits for approval), deletes hooks that must go before being created
 *     (BeforeHookCreation), then applies;
 *  6. succeeds when nothing is pending, deleting hooks whose policy says so.
 *
 * Nothing is kept in memory between steps: a controller restarted mid-operation goes on from
 * the results it wrote last.
 */

/* Operation and task phases, with Argo CD's names. */
typedef enum cap_sync_op_phase {
	CAP_SYNC_OP_PENDING = 0, /* a task not run yet (no name: absent from results) */
	CAP_SYNC_OP_RUNNING,
	CAP_SYNC_OP_SUCCEEDED,
	CAP_SYNC_OP_FAILED,
	CAP_SYNC_OP_ERROR,
} cap_sync_op_phase;

/* "Running", "Succeeded", "Failed", "Error"; "" for PENDING. */
const char *cap_sync_op_phase_name(cap_sync_op_phase phase);

/* Whether an operation in this phase is over. */
bool cap_sync_op_phase_completed(cap_sync_op_phase phase);

/*
 * One step's input. Arrays and values are borrowed. Objects without metadata.namespace are
 * applied in namespace when their kind is namespaced.
 */
typedef struct cap_sync_request {
	cap_kube_client *client;
	const cap_value *targets; /* array: desired objects that are not hooks */
	const bool *in_sync;	  /* per targets index: already matches live (may be NULL) */
	const cap_value *hooks;	  /* array: desired hooks (may be NULL) */
	const cap_value *live;	  /* array: the live objects of the app, hooks included */
	const char *revision;	  /* the synced revision, for hook names */
	int64_t started_at;	  /* operation start, Unix seconds, for hook names */
	const char *namespace;	  /* destination namespace */
	const cap_sync_option_set *options; /* app-wide: syncPolicy's and the operation's */
	const cap_value *managed_namespace_metadata; /* {labels, annotations} for CreateNamespace */
	const cap_health_overrides *health;	     /* custom health checks; may be NULL */
	bool prune;			/* the operation prunes */
	bool dry_run;			/* nothing is stored (server dry run) */
	bool skip_hooks;		/* selective sync or the apply strategy: no hooks run */
	bool force;			/* syncStrategy force */
	bool prune_confirmed;		/* Prune=confirm deletions were approved */
	uint64_t wave_delay_ms;		/* pause after a wave before the next one */
	/* Asked before each task; true stops the step (the caller terminates). May be NULL. */
	bool (*cancelled)(void *ctx);
	/* Told after each task that ran, with the results so far (borrowed). May be NULL. */
	void (*progress)(void *ctx, const cap_value *results);
	void *ctx;
} cap_sync_request;

/*
 * One entry of the results list (gitops-engine's ResourceSyncResult, Argo CD's
 * operationState.syncResult.resources): {group, version, kind, namespace, name, status, message,
 * hookType, hookPhase, syncPhase}. status is Synced, SyncFailed, Pruned or PruneSkipped;
 * sync_phase PreSync, Sync, PostSync or SyncFail; hook_phase Running, Succeeded, Failed, Error.
 * NULL members are left out (group and namespace are written as "").
 */
typedef struct cap_sync_resource_result {
	const char *group;
	const char *version;
	const char *kind;
	const char *namespace;
	const char *name;
	const char *status;
	const char *message;
	const char *hook_phase;
	const char *hook_type;
	const char *sync_phase;
} cap_sync_resource_result;
cap_value *cap_sync_resource_result_new(const cap_sync_resource_result *r);

/* What one step left. */
typedef struct cap_sync_outcome {
	cap_sync_op_phase phase; /* RUNNING: call again; else the operation is over */
	char *message;		 /* Argo CD's operation message */
	cap_value *results;	 /* the whole results list (ResourceSyncResult objects) */
	uint64_t requeue_ms;	 /* RUNNING: step again after this long */
} cap_sync_outcome;

void cap_sync_outcome_release(cap_sync_outcome *out);

/*
 * Runs one step (above) given the results recorded so far (prev: an array, or NULL for a new
 * operation). Always fills *out (release it); returns 0, or CAP_ECANCELED when req->cancelled
 * said so (out then holds the results so far, phase RUNNING).
 */
int cap_sync_reconcile(cap_sync_outcome *out, const cap_sync_request *req, const cap_value *prev);

/*
 * Terminates the operation as Argo CD does: running hooks are deleted (their finalizer removed
 * first), and the phase becomes Failed "Operation terminated" (Error "Operation termination had
 * errors" when a hook could not be deleted). Fills *out; returns 0.
 */
int cap_sync_terminate(cap_sync_outcome *out, const cap_sync_request *req, const cap_value *prev);
