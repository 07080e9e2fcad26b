/* Which pods a scale-down deletes first, ranked as Kubernetes' ReplicaSet controller ranks them. */
#pragma once

#include "value/value.h"

/*
 * Compares two Pods for deletion: negative when a goes before b. The order of the ReplicaSet
 * controller (ActivePodsWithRanks): unscheduled before scheduled; Pending before Unknown before
 * Running; not ready before ready; a lower controller.kubernetes.io/pod-deletion-cost first;
 * ready for less time first; more container restarts first; newer (by creationTimestamp) first.
 * Pods equal on all of these keep the name order reversed, so the result is deterministic.
 */
int dd_pod_deletion_cmp(const cap_value *a, const cap_value *b);
