/* The order of a full sync: phases, waves with mirrored prunes, PruneLast, kinds, dependencies. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/key.h"
#include "sync/hook.h"
#include "value/value.h"

/*
 * One step of an operation as the ordering sees it: everything here is borrowed from the
 * caller, which keeps its own task in data. key's namespace must be the one the object is
 * applied in: as Argo CD does, the caller fills the destination namespace into objects that
 * name none (even cluster-scoped ones), before ordering.
 */
typedef struct cap_sync_step {
	const cap_kube_key *key;
	const cap_value *target; /* the desired object; NULL for a prune */
	cap_sync_phase phase;
	int64_t wave;	 /* in: the object's wave (cap_sync_wave_of); out: the wave it runs in */
	bool prune;	 /* deletes the live object */
	bool prune_last; /* PruneLast=true on the live object */
	void *data;
} cap_sync_step;

/*
 * Orders steps in place as Argo CD (gitops-engine) runs them, rewriting waves where they move:
 *
 *  1. Prune waves are mirrored: the distinct waves of prune steps, sorted, are swapped end for
 *     end (the highest prunes in the lowest, …), so objects are deleted in the reverse order of
 *     their creation.
 *  2. A prune step with prune_last, or every prune step when prune_last_all (the app's
 *     PruneLast=true), moves to one wave past the last Sync-phase wave (counting the mirrored
 *     prunes; a last wave below 0 counts as 0), i.e. after everything else was applied.
 *  3. Sort by phase (PreSync, Sync, PostSync, SyncFail, then PreDelete, PostDelete), then wave;
 *     within one phase and wave prunes come first (Argo CD deletes before it applies), in
 *     reverse kind order; applies follow in kind order (cap_sync_kind_rank: Namespaces,
 *     CustomResourceDefinitions, then gitops-engine's table, unknown kinds last); then by name,
 *     then by the rest of the key.
 *  4. Dependencies move up: a Namespace that some earlier step lives in, and a
 *     CustomResourceDefinition that some earlier step is an instance of (its spec.group and
 *     spec.names.kind), move to just before the first such step and take its phase and wave. So
 *     a custom resource in wave -1 whose CRD is in wave 0 of the same sync gets its CRD created
 *     in wave -1 first. Only applies move; prunes stay.
 */
void cap_sync_order(cap_sync_step *steps, size_t n, bool prune_last_all);

/*
 * The number of steps from steps[start] on that run together: the same phase and wave. The
 * runner takes one group at a time, waiting CAP_SYNC_WAVE_DELAY_MS between groups. 0 when start
 * >= n.
 */
size_t cap_sync_order_group(const cap_sync_step *steps, size_t n, size_t start);
