/* Sync tasks: the applies, prunes and hooks of one operation step, with their recorded results. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hashmap.h"
#include "kube/key.h"
#include "sync/engine.h"
#include "sync/hook.h"
#include "sync/options.h"

/* A task's result code, with Argo CD's names ("" while pending). */
typedef enum cap_sync_result_code {
	CAP_SYNC_RESULT_NONE = 0,
	CAP_SYNC_RESULT_SYNCED,
	CAP_SYNC_RESULT_SYNC_FAILED,
	CAP_SYNC_RESULT_PRUNED,
	CAP_SYNC_RESULT_PRUNE_SKIPPED,
} cap_sync_result_code;

const char *cap_sync_result_code_name(cap_sync_result_code code);

typedef struct cap_sync_task {
	cap_kube_key key;   /* the object, namespace as applied */
	cap_value *target;  /* owned desired object (named, namespaced); NULL for a prune */
	cap_value *live;    /* reference to the live object, or NULL */
	cap_sync_phase phase;
	int64_t wave;
	bool hook;
	bool prune;
	bool prune_last;
	bool skip_dry_run;
	bool in_sync;		  /* ApplyOutOfSyncOnly: target already matches live */
	bool namespace_task;	  /* the CreateNamespace=true namespace */
	cap_sync_option_set opts; /* app options merged with the object's own */
	/* the result, read back from earlier steps and updated by this one */
	cap_sync_result_code code;
	cap_sync_op_phase state;
	char *message;
} cap_sync_task;

typedef struct cap_sync_tasks {
	cap_sync_task *items;
	size_t len;
	cap_value *results;  /* the results list: earlier entries, updated in place */
	cap_hashmap by_key;  /* result key → index + 1 in results */
} cap_sync_tasks;

/*
 * Builds the tasks of one step from req and the earlier results prev (may be NULL), in run
 * order (cap_sync_order), each carrying its recorded result. Tasks that cannot run (a kind the
 * server does not serve, a bad sync-wave) get a SyncFailed result; *ok tells whether all are
 * valid. Release with cap_sync_tasks_release.
 */
void cap_sync_tasks_build(cap_sync_tasks *out, const cap_sync_request *req, const cap_value *prev,
			  bool *ok);
void cap_sync_tasks_release(cap_sync_tasks *tasks);

/* Records a task's result (code NONE keeps the recorded code; message NULL keeps it). */
void cap_sync_task_set_result(cap_sync_tasks *tasks, cap_sync_task *t, cap_sync_result_code code,
			      cap_sync_op_phase state, const char *message);

/* "apps/v1/Deployment/web" as Argo CD names a task in messages. */
void cap_sync_task_describe(cap_buf *out, const cap_sync_task *t);

static inline bool cap_sync_task_pending(const cap_sync_task *t)
{
	return t->state == CAP_SYNC_OP_PENDING;
}
static inline bool cap_sync_task_running(const cap_sync_task *t)
{
	return t->state == CAP_SYNC_OP_RUNNING;
}
static inline bool cap_sync_task_completed(const cap_sync_task *t)
{
	return cap_sync_op_phase_completed(t->state);
}
static inline bool cap_sync_task_successful(const cap_sync_task *t)
{
	return t->state == CAP_SYNC_OP_SUCCEEDED;
}

/*
 * Running a task against the cluster (execute.c). Each returns 0 or the client's error with the
 * server's message in cap_error_last(); msg receives kubectl's line ("configmap/a created").
 * An apply (not a dry run) leaves in t->live the object as the server answered it, so the same
 * step can judge its health without waiting for the cluster cache.
 */
int cap_sync_task_apply(cap_kube_client *client, cap_sync_task *t, const cap_sync_request *req,
			bool dry_run, cap_buf *msg);
/* Prunes the live object, or reports why not: sets *code (Pruned, PruneSkipped, SyncFailed). */
void cap_sync_task_prune(cap_kube_client *client, const cap_sync_task *t,
			 const cap_sync_request *req, bool dry_run, cap_sync_result_code *code,
			 cap_buf *msg);
/* Deletes a hook's live object after removing the hook finalizer; CAP_ENOTFOUND when gone. */
int cap_sync_task_delete_hook(cap_kube_client *client, const cap_sync_task *t);
/* Removes the hook finalizer from the live hook when it has it. */
int cap_sync_task_release_hook(cap_kube_client *client, const cap_sync_task *t);
