/* Deleting an Application's resources: which objects go or wait for approval, and in which wave. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "value/value.h"

#define CAP_SYNC_HELM_RESOURCE_POLICY_ANNOTATION "helm.sh/resource-policy"

/*
 * The deletion hooks obj declares, as CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_PRE_DELETE) and
 * CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_POST_DELETE) flags: argocd.argoproj.io/hook naming PreDelete
 * or PostDelete, or (as Argo CD reads Helm charts) helm.sh/hook naming pre-delete or
 * post-delete. 0 for anything else.
 */
unsigned cap_sync_deletion_hook_types(const cap_value *obj);

/* What deleting an Application does with one of its live objects. */
typedef enum cap_sync_deletion_decision {
	CAP_SYNC_DELETION_DELETE,	 /* deleted in its wave */
	CAP_SYNC_DELETION_KEEP,		 /* left in place */
	CAP_SYNC_DELETION_NEEDS_CONFIRM, /* deleted once the app carries a deletion approval */
} cap_sync_deletion_decision;

/*
 * Argo CD's rule for one live object of a cascading delete: CustomResourceDefinitions,
 * objects whose argocd.argoproj.io/sync-options say Delete=false and objects with
 * helm.sh/resource-policy: keep stay; Delete=confirm waits for approval; everything else is
 * deleted. Hooks are not the caller's resources: it leaves PreDelete and PostDelete hooks out.
 */
cap_sync_deletion_decision cap_sync_deletion_decide(const cap_value *obj);

/*
 * The wave deleted next among objs (an array of live objects still to delete): the highest
 * sync wave (cap_sync_wave_of; an unreadable wave counts as 0, as Argo CD reads it), so objects
 * go in the reverse order of their creation. Returns a new array of the objects of that wave,
 * in objs' order (empty when objs is), and sets *wave (may be NULL) to it (0 when empty).
 */
cap_value *cap_sync_deletion_next_wave(const cap_value *objs, int64_t *wave);
