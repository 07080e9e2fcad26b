/* Validation of built-in kinds the way the API server words it: selectors, required fields,
 * immutable fields. */
#pragma once

#include <stdbool.h>

#include "drydock/http.h"
#include "drydock/registry.h"
#include "value/value.h"

/*
 * Checks obj (after defaulting) and, on update, its changes from old (NULL on create). Fills res
 * with a 422 Invalid Status naming the first problem and returns false when obj is refused.
 */
bool dd_validate_object(const dd_rtype *t, const cap_value *obj, const cap_value *old,
			dd_response *res);
