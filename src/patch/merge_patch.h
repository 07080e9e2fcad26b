/* JSON Merge Patch (RFC 7386): apply, and create the patch between two documents. */
#pragma once

#include "value/value.h"

/* Applies patch to a copy of doc (null members delete; non-objects replace). *out is new. */
int cap_merge_patch_apply(cap_value **out, const cap_value *doc, const cap_value *patch);

/*
 * Creates the merge patch that turns original into modified: changed and added members, null
 * for removed ones, arrays replaced whole. Equal objects give an empty object; when either side
 * is not an object the patch is modified itself (an empty object would replace a non-object).
 * *out is new.
 */
int cap_merge_patch_create(cap_value **out, const cap_value *original, const cap_value *modified);
