/* Sync tasks: which objects to apply or prune, in which order, and running them against a cluster. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/client.h"
#include "kube/key.h"
#include "value/value.h"

/*
 * The sync library knows objects and clusters, never Applications (like gitops-engine): the
 * controller hands it the desired objects and the live ones, gets a plan of tasks, runs it and
 * turns the per-task results into an operation state.
 */

#define CAP_SYNC_OPTIONS_ANNOTATION "argocd.argoproj.io/sync-options"
#define CAP_SYNC_WAVE_ANNOTATION "argocd.argoproj.io/sync-wave"
#define CAP_SYNC_HOOK_ANNOTATION "argocd.argoproj.io/hook"
#define CAP_SYNC_COMPARE_OPTIONS_ANNOTATION "argocd.argoproj.io/compare-options"

/* Result statuses of a task, with Argo CD's names. */
#define CAP_SYNC_SYNCED "Synced"
#define CAP_SYNC_FAILED "SyncFailed"
#define CAP_SYNC_PRUNED "Pruned"
#define CAP_SYNC_PRUNE_SKIPPED "PruneSkipped"

typedef enum cap_sync_action {
	CAP_SYNC_APPLY,
	CAP_SYNC_PRUNE,
	CAP_SYNC_SKIP_PRUNE, /* extraneous but pruning is off or refused: reported only */
} cap_sync_action;

/*
 * One task. key is the object's identity (owned); desired and live are references (NULL when
 * absent). status and message are filled once the task ran (message malloc'd).
 */
typedef struct cap_sync_task {
	cap_kube_key key;
	cap_value *desired;
	cap_value *live;
	cap_sync_action action;
	int64_t wave;
	const char *status; /* NULL until run; one of the CAP_SYNC_ result names */
	char *message;
} cap_sync_task;

typedef struct cap_sync_plan {
	cap_sync_task *tasks;
	size_t len;
} cap_sync_plan;

typedef struct cap_sync_options {
	bool prune;		/* delete extraneous objects (unless Prune=false on them) */
	bool dry_run;		/* server dry run: nothing is stored */
	bool server_side_apply; /* ServerSideApply=true for every object */
	bool replace;		/* Replace=true for every object */
	bool force;		/* syncStrategy apply/hook force */
	bool create_namespace;	/* CreateNamespace=true: create namespace first when missing */
	const char *namespace;	/* destination namespace (CreateNamespace and defaults) */
	bool apply_out_of_sync_only; /* ApplyOutOfSyncOnly=true: skip objects already in sync */
	const char *prune_propagation; /* "Foreground" (default), "Background" or "Orphan" */
	/* Asked before each task; true stops the run (CAP_ECANCELED). May be NULL. */
	bool (*cancelled)(void *ctx);
	/* Told after each task ran, in order; may be NULL. */
	void (*progress)(void *ctx, const cap_sync_plan *plan, size_t done);
	void *ctx;
} cap_sync_options;

/*
 * Builds the plan: an apply task for every desired object (desired, an array; live, an array of
 * the live objects that may pair with them or be extraneous) and, for every live object no
 * desired object names, a prune task (or a skip-prune task when opts->prune is off or the object
 * says Prune=false in its sync-options; objects with compare-options IgnoreExtraneous are left
 * out). in_sync (may be NULL) says, per desired index, whether the object is already in sync,
 * for ApplyOutOfSyncOnly. With create_namespace a Namespace task for opts->namespace leads when
 * the desired objects hold none. Tasks come sorted by cap_sync_plan_sort. Release with
 * cap_sync_plan_release.
 */
int cap_sync_plan_build(cap_sync_plan *out, const cap_value *desired, const cap_value *live,
			const bool *in_sync, const cap_sync_options *opts);
void cap_sync_plan_release(cap_sync_plan *plan);

/*
 * Argo CD's order: by wave (the sync-wave annotation), then Namespaces and
 * CustomResourceDefinitions, then the kind order of gitops-engine (NetworkPolicy, ResourceQuota,
 * …, ServiceAccount, Secret, ConfigMap, …, Service, DaemonSet, Pod, ReplicaSet, Deployment,
 * StatefulSet, Job, CronJob, Ingress, APIService), unknown kinds last, then by name. Prune tasks
 * come after every apply task, in reverse order.
 */
void cap_sync_plan_sort(cap_sync_plan *plan);

/* The rank of a kind in that order (smaller first; unknown kinds after every known one). */
int cap_sync_kind_rank(const char *kind);

/*
 * Runs the plan's tasks in order against client, filling each task's status and message with
 * kubectl's line ("deployment.apps/web configured") or the server's message on failure. A
 * failed wave stops the run after that wave (as Argo CD stops at a failed wave). Returns 0 when
 * every task that ran succeeded, else CAP_EGENERIC with Argo CD's message "one or more objects
 * failed to apply, reason: <messages>", or CAP_ECANCELED "operation terminated" when
 * opts->cancelled said so. Tasks already carrying a status are skipped (resumed runs).
 */
int cap_sync_run(cap_kube_client *client, cap_sync_plan *plan, const cap_sync_options *opts);
