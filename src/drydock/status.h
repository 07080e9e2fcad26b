/* Errors as the API server reports them: metav1.Status bodies with upstream reasons, codes and
 * wording. */
#pragma once

#include "drydock/http.h"
#include "drydock/registry.h"

/*
 * Fills res with a Failure Status. details_kind/name may be NULL (no details member). The
 * reason is the upstream one ("NotFound", "AlreadyExists", "Conflict", "Invalid", "BadRequest",
 * "Forbidden", "Expired", "UnsupportedMediaType", "MethodNotAllowed", "Unauthorized", …).
 */
void dd_status_error(dd_response *res, int code, const char *reason, const char *message,
		     const char *group, const char *kind, const char *name);

/* 404 `deployments.apps "web" not found`. */
void dd_status_not_found(dd_response *res, const dd_rtype *t, const char *name);
/* 409 `deployments.apps "web" already exists`. */
void dd_status_already_exists(dd_response *res, const dd_rtype *t, const char *name);
/* 409 `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; …`.
 */
void dd_status_conflict(dd_response *res, const dd_rtype *t, const char *name);
/* 422 Invalid: `Deployment.apps "web" is invalid: <causes>` where causes is already worded. */
void dd_status_invalid(dd_response *res, const dd_rtype *t, const char *name, const char *field,
		       const char *cause_type, const char *detail);
/* 400 BadRequest with message. */
void dd_status_bad_request(dd_response *res, const char *message);
/* 405 for a verb the resource does not support. */
void dd_status_method_not_allowed(dd_response *res, const char *method);
/* 200 Success Status for an immediate delete, with details naming the object. */
void dd_status_success(dd_response *res, const dd_rtype *t, const char *name, const char *uid);
/* Writes a JSON string literal (quoted, escaped) for s. */
void dd_json_quote(cap_buf *out, const char *s);
