/* Field-level facts about objects: unknown fields against the built-in schema, and managedFields ownership. */
#pragma once

#include "base/strvec.h"
#include "drydock/registry.h"
#include "value/value.h"

/* Appends the dotted paths (".spec.foo") of members obj has and its built-in schema lacks. */
void dd_fields_unknown(const dd_rtype *t, const cap_value *obj, cap_strvec *out);

/*
 * Records in next's metadata.managedFields that manager wrote it with operation ("Update",
 * "Apply") through subresource ("" or "status"): for Update, manager gains the fields that differ
 * from old (NULL on create: every field) and other managers lose them.
 */
void dd_fields_track(const dd_rtype *t, cap_value *next, const cap_value *old, const char *manager,
		     const char *operation, const char *subresource);
