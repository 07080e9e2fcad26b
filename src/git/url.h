/* Repository URLs: normalised for cache keys and credential lookup, scrubbed for messages. */
#pragma once

#include <stdbool.h>

#include "base/buf.h"

/*
 * Appends the normalised form of url to out: surrounding spaces trimmed, scheme and host
 * lower-cased, scp-like "git@host:org/repo" rewritten as "ssh://git@host/org/repo", and a
 * trailing "/" or ".git" dropped. Two spellings of one repository normalise alike; the path
 * keeps its case, as servers may distinguish it.
 */
void cap_git_url_normalize(cap_buf *out, const char *url);

/* True when both URLs name the same repository (compares normalised forms, case-insensitively). */
bool cap_git_url_same(const char *a, const char *b);

/* Appends url with any "user:password@" user information replaced by "***@", for messages. */
void cap_git_url_scrub(cap_buf *out, const char *url);

/* True for ssh://… and scp-like user@host:path URLs. */
bool cap_git_url_is_ssh(const char *url);
/* True for http:// and https:// URLs. */
bool cap_git_url_is_http(const char *url);
