/* Normalisation of Kubernetes objects before comparison, as Argo CD normalises them. */
#pragma once

#include <stdbool.h>

#include "schema/schema.h"
#include "value/value.h"

/* The last-applied configuration annotation `kubectl apply` keeps on live objects. */
#define CAP_DIFF_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* Argo CD's resource.compareoptions ignoreResourceStatusField. */
typedef enum cap_diff_status_mode {
	CAP_DIFF_STATUS_ALL = 0, /* status of every resource is ignored (Argo CD 3 default) */
	CAP_DIFF_STATUS_CRD,	 /* status of CustomResourceDefinitions only */
	CAP_DIFF_STATUS_OFF,	 /* status is compared */
} cap_diff_status_mode;

/*
 * Rewrites the value forms the API server would rewrite, on obj in place (obj is owned by the
 * caller), as reading a manifest into Kubernetes' Go types and writing it back does: resource
 * quantities under resources.requests/limits, ResourceQuota hard, LimitRange limits, emptyDir
 * sizeLimit, overhead, capacity and allocatable to canonical text ("1000m" to "1", "1024Mi" to
 * "1Gi", numbers to strings); and for built-in kinds, null members, empty lists (except the few
 * Kubernetes always writes: rules, verbs, containers, nodeSelectorTerms, paths) and, where type
 * (the kind's top-level type; may be NULL) says a member is a map (labels, nodeSelector, a
 * Service's selector), empty maps dropped, as omitempty drops them. Empty structs stay.
 * Unknown quantity text is left alone.
 */
void cap_diff_remarshal(cap_value *obj, bool builtin, const cap_schema_type *type);

/*
 * gitops-engine's Normalize on obj in place: metadata.creationTimestamp removed; for a Secret,
 * stringData folded into data as base64 (overriding data) and null data values made ""; for a
 * Role or ClusterRole, empty rules made null, and with ignore_aggregated_roles the rules of a
 * role with an aggregationRule dropped (the aggregation controller owns them); for Endpoints,
 * addresses and ports sorted within each subset, as the API server's repacking sorts them.
 */
void cap_diff_normalize_kind(cap_value *obj, bool ignore_aggregated_roles);

/*
 * Drops status under mode: everywhere for ALL, on CustomResourceDefinitions for CRD. A CRD's
 * spec.preserveUnknownFields is always dropped, as Argo CD always ignores it.
 */
void cap_diff_normalize_status(cap_value *obj, cap_diff_status_mode mode);

/*
 * Drops what the API server manages and a manifest never holds: metadata uid, resourceVersion,
 * generation, creationTimestamp, managedFields and selfLink, the last-applied annotation
 * (and annotations when that leaves them empty). For the final comparison only.
 */
void cap_diff_strip_server_fields(cap_value *obj);

/*
 * Fills fields the API server defaults when a manifest omits them, on obj in place, for the
 * built-in kinds whose defaults every live object carries: pod templates (restartPolicy,
 * dnsPolicy, schedulerName, securityContext, terminationGracePeriodSeconds; per container
 * terminationMessagePath/Policy, imagePullPolicy by image tag, port protocol TCP, probe
 * timings), Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs (strategy,
 * history limits, replicas), Services (type, sessionAffinity, port protocol and targetPort,
 * internalTrafficPolicy), Endpoints ports. Members already present are never changed.
 */
void cap_diff_apply_defaults(cap_value *obj);

/* Removes member key of obj when obj is an object holding it; quietly does nothing otherwise. */
void cap_diff_drop(cap_value *obj, const char *key);

/* True for the built-in API groups (core, apps, batch, rbac, …): kinds with a typed form. */
bool cap_diff_builtin_group(const char *api_version);
