/* JSON Patch (RFC 6902): apply a list of add/remove/replace/move/copy/test operations. */
#pragma once

#include "value/value.h"

/*
 * Applies patch (an array of operation objects) to a copy of doc; *out is a new reference to
 * the result and doc is unchanged. Operations apply in order and atomically: on any failure
 * (bad operation, missing path, failed "test") nothing is returned and the message names the
 * operation's index and path, in the API server's words where it has them. Codes: CAP_EINVALID
 * for a malformed patch or operation, CAP_ENOTFOUND for a missing path or from, CAP_ECONFLICT
 * for a failed "test".
 */
int cap_json_patch_apply(cap_value **out, const cap_value *doc, const cap_value *patch);
