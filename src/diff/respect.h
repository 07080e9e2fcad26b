/* RespectIgnoreDifferences=true: desired objects that keep the live values of ignored fields. */
#pragma once

#include "diff/ignore.h"
#include "value/value.h"

/*
 * The object a sync applies for target when the app says RespectIgnoreDifferences=true, as
 * Argo CD builds it: the changes that take live to target once both lose the fields ig ignores,
 * applied to live (without its status and server-set metadata). So a field ignoreDifferences
 * names keeps the cluster's value (a replica count an autoscaler sets) while every other field
 * follows Git. Without a live object, or when no rule matches target, *out is a new reference
 * to target. Returns 0, or a patch error (then *out is untouched).
 */
int cap_diff_respect_ignored(cap_value **out, const cap_diff_ignore *ig, const cap_value *target,
			     const cap_value *live);
