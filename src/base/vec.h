/* Growable arrays: cap_vec of void pointers, and CAP_VEC_OF for vectors of any element type. */
#pragma once

#include <stddef.h>
#include <stdlib.h>

/*
 * A cap_vec holds borrowed or owned pointers; it never frees the items itself unless released
 * with cap_vec_release_with. items is NULL until the first push. Allocation failure aborts.
 */
typedef struct cap_vec {
	void **items;
	size_t len;
	size_t cap;
} cap_vec;

#define CAP_VEC_INIT                                                                               \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void cap_vec_init(cap_vec *v);
/* Frees the array (not the items); the vector is empty and reusable. Accepts NULL. */
void cap_vec_release(cap_vec *v);
/* Calls free_item on every item, then releases the array. Accepts NULL. */
void cap_vec_release_with(cap_vec *v, void (*free_item)(void *));
/* Ensures room for extra more items without reallocating. */
void cap_vec_reserve(cap_vec *v, size_t extra);
void cap_vec_push(cap_vec *v, void *item);
/* Removes and returns the last item; NULL when empty. */
void *cap_vec_pop(cap_vec *v);
/* The item at i, or NULL when i is out of range. */
void *cap_vec_get(const cap_vec *v, size_t i);
/* Inserts before index i (i == len appends); i > len is clamped to len. */
void cap_vec_insert(cap_vec *v, size_t i, void *item);
/* Removes the item at i keeping order, and returns it; NULL when out of range. */
void *cap_vec_remove(cap_vec *v, size_t i);
/* Empties the vector, keeping its allocation (items are not freed). */
void cap_vec_clear(cap_vec *v);
/* Sorts items with cmp, which receives two items (not pointers to slots). Stable is not promised.
 */
void cap_vec_sort(cap_vec *v, int (*cmp)(const void *a, const void *b));
/* Index of the first item equal to item (pointer identity), or -1. */
long cap_vec_index(const cap_vec *v, const void *item);

/*
 * A typed vector of T: `CAP_VEC_OF(struct pair) pairs = CAP_VEC_INIT;` then CAP_VEC_PUSH(&pairs,
 * p) and pairs.items[i]. Released with CAP_VEC_RELEASE (the elements themselves are values).
 */
#define CAP_VEC_OF(T)                                                                              \
	struct {                                                                                   \
		T *items;                                                                          \
		size_t len;                                                                        \
		size_t cap;                                                                        \
	}

/* Grows *items (element size elem) so that need elements fit; used by the CAP_VEC_ macros. */
void cap_vec__grow(void **items, size_t *cap, size_t need, size_t elem);

#define CAP_VEC_RESERVE(v, extra)                                                                  \
	cap_vec__grow((void **)&(v)->items, &(v)->cap, (v)->len + (extra), sizeof(*(v)->items))
#define CAP_VEC_PUSH(v, x)                                                                         \
	do {                                                                                       \
		CAP_VEC_RESERVE(v, 1);                                                             \
		(v)->items[(v)->len++] = (x);                                                      \
	} while (0)
#define CAP_VEC_RELEASE(v)                                                                         \
	do {                                                                                       \
		free((v)->items);                                                                  \
		(v)->items = NULL;                                                                 \
		(v)->len = (v)->cap = 0;                                                           \
	} while (0)
