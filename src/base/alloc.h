/* Allocation wrappers: memory exhaustion aborts the process, so callers never check for NULL. */
#pragma once

#include <stddef.h>

/*
 * Capstan treats running out of memory as fatal, as git (xmalloc) and Redis (zmalloc) do:
 * these wrappers print one line and abort instead of returning NULL. Everything they return
 * is released with free().
 */
void *cap_malloc(size_t size);
void *cap_calloc(size_t count, size_t size);
void *cap_realloc(void *ptr, size_t size);
char *cap_strdup(const char *s);
char *cap_strndup(const char *s, size_t len);
/* Copies len bytes of data into a new NUL-terminated allocation. */
void *cap_memdup(const void *data, size_t len);

/* Element count of a fixed-size array. */
#define CAP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
