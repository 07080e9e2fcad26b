/* cap_slice: a non-owning (pointer, length) view of bytes, for parsing without copies. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A slice never owns its bytes and is not NUL-terminated; it lives as long as what it views. */
typedef struct cap_slice {
	const char *ptr;
	size_t len;
} cap_slice;

#define CAP_SLICE_LIT(s) ((cap_slice){(s), sizeof(s) - 1})
/* printf("%.*s", CAP_SLICE_FMT(s)) */
#define CAP_SLICE_FMT(s) (int)(s).len, (s).ptr

static inline cap_slice cap_slice_make(const char *ptr, size_t len)
{
	return (cap_slice){ptr, len};
}

static inline cap_slice cap_slice_from_cstr(const char *s)
{
	return (cap_slice){s, s ? strlen(s) : 0};
}

static inline bool cap_slice_eq(cap_slice a, cap_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool cap_slice_eq_cstr(cap_slice a, const char *s)
{
	return cap_slice_eq(a, cap_slice_from_cstr(s));
}

static inline bool cap_slice_has_prefix(cap_slice s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

static inline bool cap_slice_has_suffix(cap_slice s, const char *suffix)
{
	size_t n = strlen(suffix);
	return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

/* Drops leading and trailing spaces, tabs, CR and LF. */
cap_slice cap_slice_trim(cap_slice s);

/*
 * Splits off the part of *rest before the first sep into *out and advances *rest past it.
 * Returns false once *rest is exhausted (after yielding the last part, possibly empty).
 */
bool cap_slice_split(cap_slice *rest, char sep, cap_slice *out);

/* Index of the first c in s, or -1. */
long cap_slice_index(cap_slice s, char c);

/* Parses the whole slice as a base-10 signed 64-bit integer; false on any junk or overflow. */
bool cap_slice_to_i64(cap_slice s, long long *out);
