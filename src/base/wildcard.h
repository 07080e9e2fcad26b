/* Shell-style wildcard matching of whole strings, as Argo CD matches group/kind patterns. */
#pragma once

#include <stdbool.h>

/*
 * True when all of text matches pattern, where '*' matches any run of bytes (including none and
 * including '/') and '?' any one byte; every other byte matches itself. No escapes, no classes.
 * Linear in practice (one backtrack point, no recursion), so patterns from users are safe.
 */
bool cap_wildcard_match(const char *pattern, const char *text);
