/* Resource hooks: Argo CD and Helm hook annotations, phases, delete policies and hook names. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "value/value.h"

#define CAP_SYNC_HOOK_DELETE_POLICY_ANNOTATION	    "argocd.argoproj.io/hook-delete-policy"
#define CAP_SYNC_HOOK_FINALIZER			    "argocd.argoproj.io/hook-finalizer"
#define CAP_SYNC_HELM_HOOK_ANNOTATION		    "helm.sh/hook"
#define CAP_SYNC_HELM_HOOK_WEIGHT_ANNOTATION	    "helm.sh/hook-weight"
#define CAP_SYNC_HELM_HOOK_DELETE_POLICY_ANNOTATION "helm.sh/hook-delete-policy"

/*
 * The phases of an operation, in the order a sync runs them: PreSync, Sync, PostSync; SyncFail
 * only once the sync failed. PreDelete and PostDelete belong to deleting an Application, never
 * to a sync.
 */
typedef enum cap_sync_phase {
	CAP_SYNC_PHASE_PRE_SYNC,
	CAP_SYNC_PHASE_SYNC,
	CAP_SYNC_PHASE_POST_SYNC,
	CAP_SYNC_PHASE_SYNC_FAIL,
	CAP_SYNC_PHASE_PRE_DELETE,
	CAP_SYNC_PHASE_POST_DELETE,
	CAP_SYNC_PHASE_COUNT
} cap_sync_phase;

/* Argo CD's name of a phase ("PreSync"). */
const char *cap_sync_phase_name(cap_sync_phase phase);
/* Reads a phase name (exact case); CAP_EINVALID quoting it otherwise. */
int cap_sync_phase_parse(cap_sync_phase *out, const char *name);

/* Hook types as a bit set: one bit per phase (1 << phase), plus Skip. */
#define CAP_SYNC_HOOK_BIT(phase) (1u << (phase))
#define CAP_SYNC_HOOK_SKIP	 (1u << CAP_SYNC_PHASE_COUNT)
/* The phases a sync runs (PreSync, Sync, PostSync, SyncFail). */
#define CAP_SYNC_HOOK_SYNC_PHASES 0xfu

/*
 * The hook types obj declares. argocd.argoproj.io/hook holds a comma list of PreSync, Sync,
 * PostSync, SyncFail, Skip, PreDelete, PostDelete (unknown words are ignored). When it names no
 * known type, helm.sh/hook counts instead: pre-install and pre-upgrade are PreSync,
 * post-install and post-upgrade PostSync, every other Helm hook is ignored. So an Argo CD hook
 * annotation wins over Helm's. 0 for an ordinary resource.
 */
unsigned cap_sync_hook_types(const cap_value *obj);

/* Skip alone: the object is neither applied nor run as a hook. */
bool cap_sync_hook_skipped(const cap_value *obj);

/*
 * Whether obj is a hook rather than a managed resource: it carries argocd.argoproj.io/hook
 * (whatever its words, unless it is Skip alone), or helm.sh/hook with any value but
 * "crd-install". A Helm hook Capstan does not map (test, pre-delete, pre-rollback, …) is thus a
 * hook of no phase: never applied, as Argo CD ignores it.
 */
bool cap_sync_hook_is_hook(const cap_value *obj);

/*
 * The sync phases obj takes part in, as CAP_SYNC_HOOK_BIT flags: a resource runs in Sync; a hook
 * in each of its PreSync, Sync, PostSync, SyncFail types (a PreDelete or PostDelete hook in
 * none); a skipped object in none.
 */
unsigned cap_sync_hook_phases(const cap_value *obj);

/* Hook delete policies, as a bit set. */
enum {
	CAP_SYNC_HOOK_DELETE_SUCCEEDED = 1u << 0, /* HookSucceeded / hook-succeeded */
	CAP_SYNC_HOOK_DELETE_FAILED = 1u << 1,	  /* HookFailed / hook-failed */
	CAP_SYNC_HOOK_DELETE_BEFORE_CREATION = 1u
					       << 2, /* BeforeHookCreation / before-hook-creation */
};

/*
 * The delete policies of a hook: argocd.argoproj.io/hook-delete-policy (HookSucceeded,
 * HookFailed, BeforeHookCreation) together with helm.sh/hook-delete-policy (hook-succeeded,
 * hook-failed, before-hook-creation); BeforeHookCreation when neither names a known policy.
 */
unsigned cap_sync_hook_delete_policies(const cap_value *obj);

/*
 * The name a hook runs under in phase, as Argo CD names it. A hook with metadata.name keeps it
 * (so it is created once and reused unless a delete policy removes it). A hook with only
 * metadata.generateName gets, deterministically for the operation:
 *
 *   generateName + lowercase(REV + "-" + PHASE + "-" + STARTED)
 *
 * where REV is the sync revision's first 7 characters when it has 8 or more (else the whole
 * revision), PHASE the phase name ("PreSync") and STARTED the operation's start time in Unix
 * seconds (UTC): "migrate-" at revision 2f4c1d9e… in PreSync started at 1700000000 runs as
 * "migrate-2f4c1d9-presync-1700000000". Writing the name into the operation's results lets a
 * resumed operation find its hooks again. CAP_EINVALID when obj has neither name.
 */
int cap_sync_hook_name(cap_buf *out, const cap_value *obj, const char *revision,
		       cap_sync_phase phase, int64_t started_at);

/*
 * Adds CAP_SYNC_HOOK_FINALIZER to obj's metadata.finalizers when missing, so a hook cannot
 * vanish (e.g. a Pod garbage-collected) before its result was read; the finalizer is removed
 * once the hook completed. obj must be an object it may change.
 */
void cap_sync_hook_add_finalizer(cap_value *obj);

/* The state of a running hook, with Argo CD's operation phase names. */
typedef enum cap_sync_hook_state {
	CAP_SYNC_HOOK_RUNNING,
	CAP_SYNC_HOOK_SUCCEEDED,
	CAP_SYNC_HOOK_FAILED,
} cap_sync_hook_state;

/* "Running", "Succeeded", "Failed". */
const char *cap_sync_hook_state_name(cap_sync_hook_state state);

/*
 * A hook's state from its live object's health status (health/'s names): Healthy and no health
 * at all (NULL: a kind without a check, e.g. a ConfigMap) are Succeeded; Degraded and Unknown are
 * Failed; Progressing, Suspended and Missing are Running.
 */
cap_sync_hook_state cap_sync_hook_state_from_health(const char *health_status);
