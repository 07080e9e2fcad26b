/* JSON Pointer (RFC 6901) lookups and edits on values. */
#pragma once

#include "base/buf.h"
#include "value/value.h"

/*
 * Pointers are strings like "/spec/template/spec/containers/0/image"; "" is the whole document;
 * "~0" and "~1" escape '~' and '/'. Array tokens are decimal indexes without leading zeros, or
 * "-" (one past the end) where noted. A malformed pointer is CAP_EINVALID; a path that does not
 * exist is CAP_ENOTFOUND; both leave a message quoting the pointer.
 */

/* *out is a borrowed reference into root. */
int cap_pointer_get(cap_value **out, const cap_value *root, const char *pointer);

/*
 * Replaces the value at pointer, or adds an object member; for arrays the index must exist, or
 * be "-"/len to append. The parent must exist. Steals v, even on failure. "" is refused
 * (CAP_EINVALID): the caller owns the root.
 */
int cap_pointer_set(cap_value *root, const char *pointer, cap_value *v);

/* JSON Patch "add": like set, but an array index inserts before that element. Steals v. */
int cap_pointer_add(cap_value *root, const char *pointer, cap_value *v);

/* Removes the member or element at pointer. */
int cap_pointer_remove(cap_value *root, const char *pointer);

/* Appends one reference token to out, escaped ("a/b" becomes "a~1b"), with a leading '/'. */
void cap_pointer_append_token(cap_buf *out, const char *token, size_t len);

/*
 * Splits a pointer into unescaped tokens: *out_tokens is a new array value of strings.
 * CAP_EINVALID when the pointer does not start with '/' (and is not "") or has a bad escape.
 */
int cap_pointer_parse(cap_value **out_tokens, const char *pointer);
