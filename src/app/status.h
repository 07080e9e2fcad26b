/* Builders for an Application's status in Argo CD's JSON shapes: sync, health, history. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "value/value.h"

/*
 * Every builder returns a NEW value the caller owns (usually handed straight to
 * cap_value_object_set, which steals it). NULL string arguments leave the member out, as Go's
 * omitempty does. Timestamps are RFC 3339 text (cap_time_format_rfc3339); NULL means "now".
 */

/*
 * status.sync: {status, comparedTo: {source | sources, destination, ignoreDifferences},
 * revision | revisions}. source, sources, destination and ignore_differences are copied
 * (deep) from the spec the comparison used; revisions is used instead of revision when not
 * NULL (multi-source).
 */
cap_value *cap_app_status_sync(const char *status, const char *revision, const cap_value *revisions,
			       const cap_value *source, const cap_value *sources,
			       const cap_value *destination, const cap_value *ignore_differences);

/* status.health: {status, message}. */
cap_value *cap_app_status_health(const char *status, const char *message);

/*
 * One entry of status.resources: {group, version, kind, namespace, name, status, health:
 * {status, message}, hook, requiresPruning}. health_status NULL leaves health out (kinds with
 * no health); hook and requires_pruning are written only when true.
 */
typedef struct cap_app_resource_status {
	const char *group;
	const char *version;
	const char *kind;
	const char *namespace;
	const char *name;
	const char *status; /* Synced, OutOfSync or Unknown */
	const char *health_status;
	const char *health_message;
	bool hook;
	bool requires_pruning;
	int64_t sync_wave; /* written as syncWave when non-zero */
} cap_app_resource_status;
cap_value *cap_app_status_resource(const cap_app_resource_status *r);

/* A condition {type, message, lastTransitionTime}. Types: ComparisonError, SyncError, … */
cap_value *cap_app_status_condition(const char *type, const char *message, const char *at);

/*
 * Sets or replaces the condition of that type in conditions (an array, changed in place),
 * keeping lastTransitionTime when type and message are unchanged; returns whether anything
 * changed. cap_app_status_condition_clear removes every condition of type.
 */
bool cap_app_status_condition_set(cap_value *conditions, const char *type, const char *message,
				  const char *at);
bool cap_app_status_condition_clear(cap_value *conditions, const char *type);

/*
 * status.operationState for an operation that has just started: {operation (deep copy),
 * phase: Running, message, startedAt}. Later steps change it with the setters below.
 */
cap_value *cap_app_operation_state_new(const cap_value *operation, const char *message,
				       const char *started_at);
/* Sets phase and message (NULL leaves message as is); finished phases also set finishedAt. */
void cap_app_operation_state_set_phase(cap_value *state, const char *phase, const char *message,
				       const char *finished_at);
/*
 * Sets syncResult {revision | revisions, source | sources, resources} (resources is stolen; the
 * others are copied). Any argument may be NULL.
 */
void cap_app_operation_state_set_result(cap_value *state, const char *revision,
					const cap_value *revisions, const cap_value *source,
					const cap_value *sources, cap_value *resources);
/* Whether phase is a finished one: Succeeded, Failed or Error. */
bool cap_app_phase_completed(const char *phase);

/*
 * A history entry {id, revision | revisions, deployedAt, deployStartedAt, source | sources,
 * initiatedBy}. initiated_by is copied.
 */
typedef struct cap_app_history_entry {
	int64_t id;
	const char *revision;
	const cap_value *revisions;
	const char *deployed_at;
	const char *deploy_started_at;
	const cap_value *source;
	const cap_value *sources;
	const cap_value *initiated_by;
} cap_app_history_entry;
cap_value *cap_app_history_entry_new(const cap_app_history_entry *e);

/*
 * Appends entry (stolen) to history (an array, changed in place) with id one more than the last
 * entry's (0 for the first, as Argo CD numbers them), then drops the oldest entries beyond
 * limit (limit <= 0 keeps one). Returns the id given.
 */
int64_t cap_app_history_append(cap_value *history, cap_value *entry, int64_t limit);

/* The history entry with that id (borrowed) or NULL. */
cap_value *cap_app_history_find(const cap_value *history, int64_t id);

/*
 * summary.images: the sorted, unique container images of objs (an array of live or desired
 * objects: Pod templates, Pods, CronJobs). A new array.
 */
cap_value *cap_app_status_images(const cap_value *objs);
