/* cap_strvec: an owning, NULL-terminated vector of strings (argv lists, path lists, key lists). */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/*
 * items[len] is always NULL once anything was pushed, so items can be passed as an argv; an
 * empty vector's items points at a shared { NULL }. The vector owns every string (malloc'd);
 * cap_strvec_release frees them all.
 */
typedef struct cap_strvec {
	char **items;
	size_t len;
	size_t cap;
} cap_strvec;

extern char *cap_strvec__empty[];
#define CAP_STRVEC_INIT                                                                            \
	{                                                                                          \
		cap_strvec__empty, 0, 0                                                            \
	}

void cap_strvec_init(cap_strvec *v);
/* Frees every string and the array. Accepts NULL. */
void cap_strvec_release(cap_strvec *v);
/* Appends a copy of s and returns the copy (owned by the vector). */
const char *cap_strvec_push(cap_strvec *v, const char *s);
const char *cap_strvec_pushn(cap_strvec *v, const char *s, size_t len);
const char *cap_strvec_pushf(cap_strvec *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s itself; the vector takes ownership (it must come from malloc). */
void cap_strvec_push_owned(cap_strvec *v, char *s);
/* Appends copies of every string of a NULL-terminated array. */
void cap_strvec_pushv(cap_strvec *v, const char *const *items);
/* Frees and removes the last string (no-op when empty). */
void cap_strvec_pop(cap_strvec *v);
/* Index of the first string equal to s, or -1. */
long cap_strvec_find(const cap_strvec *v, const char *s);
static inline bool cap_strvec_contains(const cap_strvec *v, const char *s)
{
	return cap_strvec_find(v, s) >= 0;
}
/* Sorts in byte order (strcmp). */
void cap_strvec_sort(cap_strvec *v);
/* After sorting: drops adjacent duplicates. */
void cap_strvec_uniq(cap_strvec *v);
/* Appends every string joined with sep to out. */
void cap_strvec_join(const cap_strvec *v, const char *sep, cap_buf *out);
/*
 * Appends the parts of s split at every sep; empty parts are kept unless skip_empty, so "a,,b"
 * gives three parts, or two with skip_empty.
 */
void cap_strvec_split(cap_strvec *v, const char *s, char sep, bool skip_empty);
