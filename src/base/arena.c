/* cap_arena: chunked bump allocation with release-all. */
#include "base/arena.h"

#include "base/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN _Alignof(max_align_t)

struct cap_arena_chunk {
	cap_arena_chunk *next;
	size_t size;
	size_t off;
	_Alignas(max_align_t) unsigned char data[];
};

void cap_arena_init(cap_arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : CAP_ARENA_DEFAULT_CHUNK;
	a->used = 0;
}

void cap_arena_release(cap_arena *a)
{
	if (!a)
		return;
	cap_arena_chunk *c = a->head;
	while (c) {
		cap_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
}

void cap_arena_reset(cap_arena *a)
{
	cap_arena_chunk *keep = NULL;
	cap_arena_chunk *c = a->head;
	while (c) {
		cap_arena_chunk *next = c->next;
		if (!keep && c->size == a->chunk_size) {
			keep = c;
		} else {
			free(c);
		}
		c = next;
	}
	if (keep) {
		keep->next = NULL;
		keep->off = 0;
	}
	a->head = keep;
	a->used = 0;
}

static cap_arena_chunk *new_chunk(size_t size)
{
	if (size > SIZE_MAX - sizeof(cap_arena_chunk)) {
		fprintf(stderr, "fatal: arena allocation of %zu bytes is too large\n", size);
		abort();
	}
	cap_arena_chunk *c = cap_malloc(sizeof(*c) + size);
	c->next = NULL;
	c->size = size;
	c->off = 0;
	return c;
}

void *cap_arena_alloc(cap_arena *a, size_t size)
{
	if (!a->chunk_size)
		a->chunk_size = CAP_ARENA_DEFAULT_CHUNK;
	size_t need = size ? (size + ALIGN - 1) & ~(ALIGN - 1) : ALIGN;
	if (need < size) {
		fprintf(stderr, "fatal: arena allocation of %zu bytes is too large\n", size);
		abort();
	}
	a->used += need;
	cap_arena_chunk *c = a->head;
	if (c && c->size - c->off >= need) {
		void *p = c->data + c->off;
		c->off += need;
		return p;
	}
	if (need > a->chunk_size / 4) {
		/* A big block gets a chunk of its own, linked behind the current one. */
		cap_arena_chunk *big = new_chunk(need);
		big->off = need;
		if (c) {
			big->next = c->next;
			c->next = big;
		} else {
			a->head = big;
		}
		return big->data;
	}
	c = new_chunk(a->chunk_size);
	c->next = a->head;
	a->head = c;
	c->off = need;
	return c->data;
}

void *cap_arena_calloc(cap_arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		fprintf(stderr, "fatal: arena allocation of %zu x %zu bytes overflows\n", count,
			size);
		abort();
	}
	void *p = cap_arena_alloc(a, count * size);
	memset(p, 0, count * size);
	return p;
}

char *cap_arena_strndup(cap_arena *a, const char *s, size_t len)
{
	char *p = cap_arena_alloc(a, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *cap_arena_strdup(cap_arena *a, const char *s)
{
	return cap_arena_strndup(a, s, strlen(s));
}

void *cap_arena_memdup(cap_arena *a, const void *data, size_t len)
{
	void *p = cap_arena_alloc(a, len);
	if (len)
		memcpy(p, data, len);
	return p;
}

char *cap_arena_vsprintf(cap_arena *a, const char *fmt, va_list ap)
{
	char small[256];
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(small))
		return cap_arena_strndup(a, small, (size_t)n);
	char *p = cap_arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *cap_arena_sprintf(cap_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = cap_arena_vsprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
