/* Sync options: the app's syncPolicy.syncOptions and a resource's sync-options annotation. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/strvec.h"
#include "value/value.h"

#define CAP_SYNC_DELETION_APPROVED_ANNOTATION "argocd.argoproj.io/deletion-approved"

/*
 * Every option Argo CD knows, written "Name=value" in spec.syncPolicy.syncOptions,
 * operation.sync.syncOptions or, comma-separated, in a resource's
 * argocd.argoproj.io/sync-options annotation. Names and values are case-sensitive, as in Argo
 * CD (so "Prune=False" is unknown).
 */
typedef enum cap_sync_option_id {
	CAP_SYNC_OPT_VALIDATE,			 /* Validate=false: no schema validation */
	CAP_SYNC_OPT_CREATE_NAMESPACE,		 /* CreateNamespace=true */
	CAP_SYNC_OPT_PRUNE,			 /* Prune=false | Prune=confirm */
	CAP_SYNC_OPT_DELETE,			 /* Delete=false | Delete=confirm (app deletion) */
	CAP_SYNC_OPT_PRUNE_LAST,		 /* PruneLast=true */
	CAP_SYNC_OPT_APPLY_OUT_OF_SYNC_ONLY,	 /* ApplyOutOfSyncOnly=true */
	CAP_SYNC_OPT_SERVER_SIDE_APPLY,		 /* ServerSideApply=true | false */
	CAP_SYNC_OPT_REPLACE,			 /* Replace=true */
	CAP_SYNC_OPT_FORCE,			 /* Force=true */
	CAP_SYNC_OPT_SKIP_DRY_RUN_ON_MISSING,	 /* SkipDryRunOnMissingResource=true */
	CAP_SYNC_OPT_RESPECT_IGNORE_DIFFERENCES, /* RespectIgnoreDifferences=true */
	CAP_SYNC_OPT_FAIL_ON_SHARED_RESOURCE,	 /* FailOnSharedResource=true */
	CAP_SYNC_OPT_PRUNE_PROPAGATION_POLICY, /* PrunePropagationPolicy=foreground|background|orphan
						*/
	CAP_SYNC_OPT_COUNT
} cap_sync_option_id;

/* The value an option was given; UNSET when the list does not mention it. */
typedef enum cap_sync_option_value {
	CAP_SYNC_OPT_UNSET = 0,
	CAP_SYNC_OPT_TRUE,
	CAP_SYNC_OPT_FALSE,
	CAP_SYNC_OPT_CONFIRM,	 /* Prune and Delete only */
	CAP_SYNC_OPT_FOREGROUND, /* PrunePropagationPolicy only */
	CAP_SYNC_OPT_BACKGROUND,
	CAP_SYNC_OPT_ORPHAN,
} cap_sync_option_value;

/*
 * One parsed list. values[id] holds each option's value; an option written twice takes its last
 * value. unknown owns, verbatim, every entry that is not a known "Name=value" (an unknown name
 * or a value the option does not take), for the caller to report; they change nothing.
 * Initialise with CAP_SYNC_OPTION_SET_INIT, release with cap_sync_option_set_release.
 */
typedef struct cap_sync_option_set {
	uint8_t values[CAP_SYNC_OPT_COUNT];
	cap_strvec unknown;
} cap_sync_option_set;

#define CAP_SYNC_OPTION_SET_INIT                                                                   \
	{                                                                                          \
		{0}, CAP_STRVEC_INIT                                                               \
	}

void cap_sync_option_set_release(cap_sync_option_set *set);

/* Argo CD's name of an option ("ServerSideApply"). */
const char *cap_sync_option_name(cap_sync_option_id id);

/*
 * Adds one "Name=value" entry (surrounding spaces ignored; an empty entry is ignored). Never
 * fails: entries Capstan does not know go to set->unknown.
 */
void cap_sync_option_set_add(cap_sync_option_set *set, const char *entry);

/* Adds every string of an array (syncPolicy.syncOptions); NULL or a non-array adds nothing. */
void cap_sync_option_set_add_array(cap_sync_option_set *set, const cap_value *options);

/* Adds the entries of obj's argocd.argoproj.io/sync-options annotation (NULL obj: nothing). */
void cap_sync_option_set_add_annotation(cap_sync_option_set *set, const cap_value *obj);

/*
 * The effective options of one resource: app's values, each replaced by res's where res sets
 * the option (the resource wins, as Argo CD reads ServerSideApply=false on a resource against
 * ServerSideApply=true on the app). out is initialised here; unknown entries of both are kept.
 */
void cap_sync_option_set_merge(cap_sync_option_set *out, const cap_sync_option_set *app,
			       const cap_sync_option_set *res);

static inline cap_sync_option_value cap_sync_option_get(const cap_sync_option_set *set,
							cap_sync_option_id id)
{
	return (cap_sync_option_value)set->values[id];
}

/* True when the option is TRUE, false when FALSE, def when unset (or another value). */
bool cap_sync_option_bool(const cap_sync_option_set *set, cap_sync_option_id id, bool def);

/*
 * CAP_EINVALID when set holds unknown entries, with a message quoting them for the caller to
 * report (Argo CD ignores them too, so a sync goes on): "unknown sync options 'Turbo=true',
 * 'Replace'". 0 otherwise.
 */
int cap_sync_option_set_check(const cap_sync_option_set *set);

/*
 * The propagation policy prunes use, with Kubernetes' names: "Foreground" (Argo CD's default),
 * "Background" or "Orphan" from PrunePropagationPolicy.
 */
const char *cap_sync_option_propagation_policy(const cap_sync_option_set *set);

/*
 * Appends to out the comma-separated values of obj's annotation, each trimmed, empty ones
 * dropped; nothing when obj or the annotation is absent. Shared by every annotation that holds
 * a list (sync-options, hook, hook-delete-policy).
 */
void cap_sync_annotation_list(cap_strvec *out, const cap_value *obj, const char *annotation);

/* What to do with one extraneous live object. */
typedef enum cap_sync_prune_decision {
	CAP_SYNC_PRUNE_DELETE,	      /* prune it */
	CAP_SYNC_PRUNE_SKIP,	      /* report PruneSkipped: pruning off or Prune=false */
	CAP_SYNC_PRUNE_NEEDS_CONFIRM, /* Prune=confirm and the app holds no approval yet */
} cap_sync_prune_decision;

/*
 * Argo CD's prune rule for one resource whose effective options are opts: Prune=false skips it;
 * otherwise nothing is pruned unless the operation prunes (prune); Prune=confirm further waits
 * until confirmed (see cap_sync_deletion_approved).
 */
cap_sync_prune_decision cap_sync_prune_decide(const cap_sync_option_set *opts, bool prune,
					      bool confirmed);

/*
 * Whether the Application object app approves deletions for an operation started at
 * started_at (Unix seconds): its argocd.argoproj.io/deletion-approved annotation holds an RFC
 * 3339 time at or after started_at, which is what `argocd app confirm-deletion` writes. An
 * absent or unreadable annotation is no approval.
 */
bool cap_sync_deletion_approved(const cap_value *app, int64_t started_at);
