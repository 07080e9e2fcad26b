/* Allocation wrappers that abort on exhaustion. */
#include "base/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *check(void *p, size_t size)
{
	if (!p && size) {
		fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", size);
		abort();
	}
	return p;
}

void *cap_malloc(size_t size)
{
	return check(malloc(size ? size : 1), size);
}

void *cap_calloc(size_t count, size_t size)
{
	return check(calloc(count ? count : 1, size ? size : 1), count * size);
}

void *cap_realloc(void *ptr, size_t size)
{
	return check(realloc(ptr, size ? size : 1), size);
}

char *cap_strdup(const char *s)
{
	return cap_memdup(s, strlen(s));
}

char *cap_strndup(const char *s, size_t len)
{
	return cap_memdup(s, strnlen(s, len));
}

void *cap_memdup(const void *data, size_t len)
{
	char *p = cap_malloc(len + 1);
	if (len)
		memcpy(p, data, len);
	p[len] = '\0';
	return p;
}
