/* cap_arena: a bump allocator over a list of chunks, freed all at once. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/*
 * One arena per reconcile, per HTTP request, per rendered manifest set: helpers allocate from it
 * and nothing is freed until cap_arena_release. Allocations are aligned for any type
 * (max_align_t). Requests larger than a quarter chunk get their own chunk, so waste stays small.
 * Not thread-safe. Allocation failure aborts.
 */
typedef struct cap_arena_chunk cap_arena_chunk;

typedef struct cap_arena {
	cap_arena_chunk *head; /* current chunk, newest first */
	size_t chunk_size;     /* usable bytes of an ordinary chunk */
	size_t used;	       /* bytes handed out, for accounting */
} cap_arena;

#define CAP_ARENA_DEFAULT_CHUNK 16384
#define CAP_ARENA_INIT                                                                             \
	{                                                                                          \
		NULL, CAP_ARENA_DEFAULT_CHUNK, 0                                                   \
	}

/* Sets up an empty arena; chunk_size 0 means CAP_ARENA_DEFAULT_CHUNK. Allocates nothing. */
void cap_arena_init(cap_arena *a, size_t chunk_size);
/* Frees every chunk; the arena is empty and reusable. Accepts NULL. */
void cap_arena_release(cap_arena *a);
/* Forgets every allocation but keeps one ordinary chunk for reuse. */
void cap_arena_reset(cap_arena *a);

/* size bytes, uninitialised, aligned; never NULL (size 0 gives a valid unique pointer). */
void *cap_arena_alloc(cap_arena *a, size_t size);
/* count*size zeroed bytes; aborts on overflow. */
void *cap_arena_calloc(cap_arena *a, size_t count, size_t size);
char *cap_arena_strdup(cap_arena *a, const char *s);
/* Copies len bytes and a terminating NUL. */
char *cap_arena_strndup(cap_arena *a, const char *s, size_t len);
void *cap_arena_memdup(cap_arena *a, const void *data, size_t len);
char *cap_arena_sprintf(cap_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *cap_arena_vsprintf(cap_arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
