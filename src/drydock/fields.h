/* Field-level facts about objects: unknown fields against the built-in schema, and managedFields
 * ownership. */
#pragma once

#include "base/strvec.h"
#include "drydock/cluster.h"
#include "drydock/registry.h"
#include "value/value.h"

/* Appends the dotted paths (".spec.foo") of members obj has and its built-in schema lacks. */
void dd_fields_unknown(const dd_rtype *t, const cap_value *obj, cap_strvec *out);

/*
 * Records in next's metadata.managedFields that manager wrote it with operation ("Update";
 * "Apply" results already carry theirs and are left alone) through subresource ("" or
 * "status"): manager gains the fields that differ from old (NULL on create: every field) and
 * other managers lose them. Lock held.
 */
void dd_fields_track(dd_cluster *c, const dd_rtype *t, cap_value *next, const cap_value *old,
		     const char *manager, const char *operation, const char *subresource);

/* The cluster's structured-merge schema (loaded on first use, CRDs added as admitted), or NULL. */
struct cap_smd_schema *dd_fields_smd(dd_cluster *c);
