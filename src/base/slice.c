/* Slice helpers that are too large to inline. */
#include "base/slice.h"

#include <errno.h>
#include <stdlib.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

cap_slice cap_slice_trim(cap_slice s)
{
	while (s.len && is_space(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && is_space(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

bool cap_slice_split(cap_slice *rest, char sep, cap_slice *out)
{
	if (!rest->ptr)
		return false;
	const char *hit = rest->len ? memchr(rest->ptr, sep, rest->len) : NULL;
	if (!hit) {
		*out = *rest;
		rest->ptr = NULL;
		rest->len = 0;
		return true;
	}
	*out = cap_slice_make(rest->ptr, (size_t)(hit - rest->ptr));
	rest->len -= (size_t)(hit - rest->ptr) + 1;
	rest->ptr = hit + 1;
	return true;
}

long cap_slice_index(cap_slice s, char c)
{
	const char *hit = s.len ? memchr(s.ptr, c, s.len) : NULL;
	return hit ? (long)(hit - s.ptr) : -1;
}

bool cap_slice_to_i64(cap_slice s, long long *out)
{
	char tmp[32];
	if (s.len == 0 || s.len >= sizeof(tmp))
		return false;
	memcpy(tmp, s.ptr, s.len);
	tmp[s.len] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(tmp, &end, 10);
	if (errno || *end || end == tmp)
		return false;
	*out = v;
	return true;
}
