/* cap_vec: a growable array of pointers, and the growth helper behind CAP_VEC_OF. */
#include "base/vec.h"

#include "base/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cap_vec__grow(void **items, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return;
	size_t n = *cap ? *cap : 8;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem) {
			fprintf(stderr, "fatal: vector of %zu elements is too large\n", need);
			abort();
		}
		n *= 2;
	}
	*items = cap_realloc(*items, n * elem);
	*cap = n;
}

void cap_vec_init(cap_vec *v)
{
	v->items = NULL;
	v->len = v->cap = 0;
}

void cap_vec_release(cap_vec *v)
{
	if (!v)
		return;
	free(v->items);
	cap_vec_init(v);
}

void cap_vec_release_with(cap_vec *v, void (*free_item)(void *))
{
	if (!v)
		return;
	for (size_t i = 0; i < v->len; i++)
		free_item(v->items[i]);
	cap_vec_release(v);
}

void cap_vec_reserve(cap_vec *v, size_t extra)
{
	cap_vec__grow((void **)&v->items, &v->cap, v->len + extra, sizeof(void *));
}

void cap_vec_push(cap_vec *v, void *item)
{
	cap_vec_reserve(v, 1);
	v->items[v->len++] = item;
}

void *cap_vec_pop(cap_vec *v)
{
	return v->len ? v->items[--v->len] : NULL;
}

void *cap_vec_get(const cap_vec *v, size_t i)
{
	return i < v->len ? v->items[i] : NULL;
}

void cap_vec_insert(cap_vec *v, size_t i, void *item)
{
	if (i > v->len)
		i = v->len;
	cap_vec_reserve(v, 1);
	memmove(v->items + i + 1, v->items + i, (v->len - i) * sizeof(void *));
	v->items[i] = item;
	v->len++;
}

void *cap_vec_remove(cap_vec *v, size_t i)
{
	if (i >= v->len)
		return NULL;
	void *item = v->items[i];
	memmove(v->items + i, v->items + i + 1, (v->len - i - 1) * sizeof(void *));
	v->len--;
	return item;
}

void cap_vec_clear(cap_vec *v)
{
	v->len = 0;
}

/* qsort hands us pointers to slots; the caller's comparator wants the items. */
static _Thread_local int (*sort_cmp)(const void *, const void *);

static int slot_cmp(const void *a, const void *b)
{
	return sort_cmp(*(void *const *)a, *(void *const *)b);
}

void cap_vec_sort(cap_vec *v, int (*cmp)(const void *a, const void *b))
{
	if (v->len < 2)
		return;
	int (*saved)(const void *, const void *) = sort_cmp;
	sort_cmp = cmp;
	qsort(v->items, v->len, sizeof(void *), slot_cmp);
	sort_cmp = saved;
}

long cap_vec_index(const cap_vec *v, const void *item)
{
	for (size_t i = 0; i < v->len; i++)
		if (v->items[i] == item)
			return (long)i;
	return -1;
}
