/* Built-in checks for apps/v1 Deployment, StatefulSet, DaemonSet and ReplicaSet rollouts. */
#include "health/builtin.h"

#include <inttypes.h>
#include <string.h>

static bool is_apps_v1(const cap_health_gvk *gvk)
{
	return strcmp(gvk->version, "v1") == 0;
}

#define GEN(obj)	       cap_health_int(obj, "metadata", "generation", NULL)
#define STATUS_INT(obj, field) cap_health_int(obj, "status", field, NULL)

void cap_health_check_deployment(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (!is_apps_v1(gvk)) {
		cap_health_unsupported(out, "Deployment", gvk);
		return;
	}
	if (cap_value_get_bool(cap_value_dig(obj, "spec", "paused", NULL))) {
		cap_health_set(out, CAP_HEALTH_SUSPENDED, "Deployment is paused");
		return;
	}
	if (GEN(obj) > STATUS_INT(obj, "observedGeneration")) {
		cap_health_set(out, CAP_HEALTH_PROGRESSING,
			       "Waiting for rollout to finish: observed deployment generation less "
			       "than desired generation");
		return;
	}
	const cap_value *progressing =
	    cap_health_condition(cap_value_dig(obj, "status", "conditions", NULL), "Progressing");
	int64_t updated = STATUS_INT(obj, "updatedReplicas");
	int64_t replicas = STATUS_INT(obj, "replicas");
	int64_t available = STATUS_INT(obj, "availableReplicas");
	bool has_spec = cap_health_has(obj, "spec", "replicas", NULL);
	int64_t spec = cap_health_int(obj, "spec", "replicas", NULL);
	if (progressing &&
	    strcmp(cap_health_str(progressing, "reason", NULL), "ProgressDeadlineExceeded") == 0) {
		cap_health_setf(out, CAP_HEALTH_DEGRADED,
				"Deployment \"%s\" exceeded its progress deadline",
				cap_health_str(obj, "metadata", "name", NULL));
	} else if (has_spec && updated < spec) {
		cap_health_setf(out, CAP_HEALTH_PROGRESSING,
				"Waiting for rollout to finish: %" PRId64 " out of %" PRId64
				" new replicas have been updated...",
				updated, spec);
	} else if (replicas > updated) {
		cap_health_setf(out, CAP_HEALTH_PROGRESSING,
				"Waiting for rollout to finish: %" PRId64
				" old replicas are pending termination...",
				replicas - updated);
	} else if (available < updated) {
		cap_health_setf(out, CAP_HEALTH_PROGRESSING,
				"Waiting for rollout to finish: %" PRId64 " of %" PRId64
				" updated replicas are available...",
				available, updated);
	} else {
		cap_health_set(out, CAP_HEALTH_HEALTHY, "");
	}
}

void cap_health_check_statefulset(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (!is_apps_v1(gvk)) {
		cap_health_unsupported(out, "StatefulSet", gvk);
		return;
	}
	int64_t observed = STATUS_INT(obj, "observedGeneration");
	if (observed == 0 || GEN(obj) > observed) {
		cap_health_set(out, CAP_HEALTH_PROGRESSING,
			       "Waiting for statefulset spec update to be observed...");
		return;
	}
	bool has_spec = cap_health_has(obj, "spec", "replicas", NULL);
	int64_t spec = cap_health_int(obj, "spec", "replicas", NULL);
	int64_t ready = STATUS_INT(obj, "readyReplicas");
	int64_t updated = STATUS_INT(obj, "updatedReplicas");
	if (has_spec && ready < spec) {
		cap_health_setf(out, CAP_HEALTH_PROGRESSING,
				"Waiting for %" PRId64 " pods to be ready...", spec - ready);
		return;
	}
	const char *strategy = cap_health_str(obj, "spec", "updateStrategy", "type", NULL);
	const cap_value *rolling =
	    cap_value_dig(obj, "spec", "updateStrategy", "rollingUpdate", NULL);
	if (strcmp(strategy, "RollingUpdate") == 0 && rolling && !cap_value_is_null(rolling)) {
		if (has_spec && cap_health_has(rolling, "partition", NULL)) {
			int64_t want = spec - cap_health_int(rolling, "partition", NULL);
			if (updated < want) {
				cap_health_setf(
				    out, CAP_HEALTH_PROGRESSING,
				    "Waiting for partitioned roll out to finish: %" PRId64
				    " out of %" PRId64 " new pods have been updated...",
				    updated, want);
				return;
			}
		}
		cap_health_setf(out, CAP_HEALTH_HEALTHY,
				"partitioned roll out complete: %" PRId64
				" new pods have been updated...",
				updated);
		return;
	}
	if (strcmp(strategy, "OnDelete") == 0) {
		cap_health_setf(out, CAP_HEALTH_HEALTHY, "statefulset has %" PRId64 " ready pods",
				ready);
		return;
	}
	const char *update_rev = cap_health_str(obj, "status", "updateRevision", NULL);
	const char *current_rev = cap_health_str(obj, "status", "currentRevision", NULL);
	if (strcmp(update_rev, current_rev) != 0) {
		cap_health_setf(out, CAP_HEALTH_PROGRESSING,
				"waiting for statefulset rolling update to complete %" PRId64
				" pods at revision %s...",
				updated, update_rev);
		return;
	}
	cap_health_setf(out, CAP_HEALTH_HEALTHY,
			"statefulset rolling update complete %" PRId64 " pods at revision %s...",
			STATUS_INT(obj, "currentReplicas"), current_rev);
}

void cap_health_check_daemonset(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (!is_apps_v1(gvk)) {
		cap_health_unsupported(out, "DaemonSet", gvk);
		return;
	}
	if (GEN(obj) > STATUS_INT(obj, "observedGeneration")) {
		cap_health_set(out, CAP_HEALTH_PROGRESSING,
			       "Waiting for rollout to finish: observed daemon set generation less "
			       "than desired generation");
		return;
	}
	int64_t updated = STATUS_INT(obj, "updatedNumberScheduled");
	int64_t desired = STATUS_INT(obj, "desiredNumberScheduled");
	int64_t available = STATUS_INT(obj, "numberAvailable");
	const char *name = cap_health_str(obj, "metadata", "name", NULL);
	if (strcmp(cap_health_str(obj, "spec", "updateStrategy", "type", NULL), "OnDelete") == 0) {
		cap_health_setf(out, CAP_HEALTH_HEALTHY,
				"daemon set %" PRId64 " out of %" PRId64
				" new pods have been updated",
				updated, desired);
	} else if (updated < desired) {
		cap_health_setf(out, CAP_HEALTH_PROGRESSING,
				"Waiting for daemon set \"%s\" rollout to finish: %" PRId64
				" out of %" PRId64 " new pods have been updated...",
				name, updated, desired);
	} else if (available < desired) {
		cap_health_setf(out, CAP_HEALTH_PROGRESSING,
				"Waiting for daemon set \"%s\" rollout to finish: %" PRId64
				" of %" PRId64 " updated pods are available...",
				name, available, desired);
	} else {
		cap_health_set(out, CAP_HEALTH_HEALTHY, "");
	}
}

void cap_health_check_replicaset(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (!is_apps_v1(gvk)) {
		cap_health_unsupported(out, "ReplicaSet", gvk);
		return;
	}
	if (GEN(obj) > STATUS_INT(obj, "observedGeneration")) {
		cap_health_set(
		    out, CAP_HEALTH_PROGRESSING,
		    "Waiting for rollout to finish: observed replica set generation less "
		    "than desired generation");
		return;
	}
	const cap_value *failure = cap_health_condition(
	    cap_value_dig(obj, "status", "conditions", NULL), "ReplicaFailure");
	int64_t available = STATUS_INT(obj, "availableReplicas");
	if (failure && strcmp(cap_health_str(failure, "status", NULL), "True") == 0) {
		cap_health_set(out, CAP_HEALTH_DEGRADED, cap_health_str(failure, "message", NULL));
	} else if (cap_health_has(obj, "spec", "replicas", NULL) &&
		   available < cap_health_int(obj, "spec", "replicas", NULL)) {
		cap_health_setf(out, CAP_HEALTH_PROGRESSING,
				"Waiting for rollout to finish: %" PRId64 " out of %" PRId64
				" new replicas are available...",
				available, cap_health_int(obj, "spec", "replicas", NULL));
	} else {
		cap_health_set(out, CAP_HEALTH_HEALTHY, "");
	}
}
