/* Resource health: statuses, the assessment of one object, and Argo CD's severity order. */
#pragma once

#include <stdbool.h>

#include "value/value.h"

/*
 * Statuses in Argo CD's order from best to worst (Healthy < Suspended < Progressing < Missing <
 * Degraded < Unknown), so a larger value is worse. CAP_HEALTH_NONE is "no assessment": no check
 * applies to the kind (Argo CD's nil health); it never takes part in aggregation.
 */
typedef enum cap_health_status {
	CAP_HEALTH_NONE = 0,
	CAP_HEALTH_HEALTHY,
	CAP_HEALTH_SUSPENDED,
	CAP_HEALTH_PROGRESSING,
	CAP_HEALTH_MISSING,
	CAP_HEALTH_DEGRADED,
	CAP_HEALTH_UNKNOWN,
} cap_health_status;

/*
 * The result of one assessment. message is owned (malloc'd) and never NULL once filled; it is
 * "" when the check gives none. failed is set when the check itself could not run (a Lua error,
 * an unsupported apiVersion): status is then Unknown and message holds the reason, as Argo CD
 * reports it.
 */
typedef struct cap_health {
	cap_health_status status;
	char *message;
	bool failed;
} cap_health;

/* "Healthy", "Progressing", …; "" for CAP_HEALTH_NONE. */
const char *cap_health_status_name(cap_health_status status);
/* Parses an exact status name ("Healthy"…"Unknown"); CAP_EINVALID for anything else. */
int cap_health_status_parse(cap_health_status *out, const char *name);
/* True when candidate is worse than current in Argo CD's order (NONE is never worse). */
bool cap_health_is_worse(cap_health_status current, cap_health_status candidate);

void cap_health_init(cap_health *h);
/* Frees the message; h is reusable afterwards. Accepts NULL. */
void cap_health_release(cap_health *h);
/* Replaces h's contents with status and a copy of message (NULL means ""). */
void cap_health_set(cap_health *h, cap_health_status status, const char *message);

typedef struct cap_health_overrides cap_health_overrides;

/*
 * Assesses one live object as Argo CD does: an object being deleted (deletionTimestamp set, no
 * hook finalizer) is Progressing "Pending deletion"; otherwise a custom Lua check from overrides
 * (may be NULL) replaces the built-in one; otherwise the built-in check for its group and kind;
 * otherwise CAP_HEALTH_NONE. Always fills *out (release it); returns CAP_EINVALID without
 * touching *out only when obj is not an object.
 */
int cap_health_assess(cap_health *out, const cap_value *obj, const cap_health_overrides *overrides);

/* True when Capstan has a built-in check for group/kind (core group is ""). */
bool cap_health_has_builtin(const char *group, const char *kind);
