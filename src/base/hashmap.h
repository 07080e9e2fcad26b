/* cap_hashmap: an open-addressing hash map from string keys to void pointers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Linear probing with backward-shift deletion (no tombstones), grown at 3/4 load. Keys are
 * copied in and owned by the map; values are borrowed unless a free_value function is given to
 * cap_hashmap_release/clear. Keys are byte strings of a given length (they may contain NUL when
 * the _n variants are used). Not thread-safe: callers lock around shared maps.
 */
typedef struct cap_hashmap_slot {
	char *key; /* NULL: empty slot */
	size_t key_len;
	uint64_t hash;
	void *value;
} cap_hashmap_slot;

typedef struct cap_hashmap {
	cap_hashmap_slot *slots;
	size_t cap; /* zero or a power of two */
	size_t len;
} cap_hashmap;

#define CAP_HASHMAP_INIT                                                                           \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* A fast, stable 64-bit hash of bytes (the same on every run and machine). */
uint64_t cap_hash_bytes(const void *data, size_t len);

void cap_hashmap_init(cap_hashmap *m);
/* Frees the keys and table, calling free_value (may be NULL) on each value. Accepts NULL. */
void cap_hashmap_release(cap_hashmap *m, void (*free_value)(void *));
/* Removes every entry like release but keeps the table allocated. */
void cap_hashmap_clear(cap_hashmap *m, void (*free_value)(void *));

static inline size_t cap_hashmap_len(const cap_hashmap *m)
{
	return m->len;
}

/* True when key is present; its value goes to *value_out (may be NULL). */
bool cap_hashmap_find(const cap_hashmap *m, const char *key, size_t key_len, void **value_out);
/* The value for key, or NULL when absent (use find when NULL values are stored). */
void *cap_hashmap_get(const cap_hashmap *m, const char *key);
void *cap_hashmap_getn(const cap_hashmap *m, const char *key, size_t key_len);
static inline bool cap_hashmap_contains(const cap_hashmap *m, const char *key)
{
	return cap_hashmap_find(m, key, __builtin_strlen(key), NULL);
}

/*
 * Sets key to value. Returns the value it replaced (for the caller to free) or NULL when the key
 * is new. The map's own copy of the key is returned through key_out when not NULL; it lives
 * until the entry is removed.
 */
void *cap_hashmap_put(cap_hashmap *m, const char *key, void *value);
void *cap_hashmap_putn(cap_hashmap *m, const char *key, size_t key_len, void *value,
		       const char **key_out);

/* Removes key; true when it was present, with its value in *value_out (may be NULL). */
bool cap_hashmap_remove(cap_hashmap *m, const char *key, void **value_out);
bool cap_hashmap_removen(cap_hashmap *m, const char *key, size_t key_len, void **value_out);

/*
 * 64-bit keys (object uids hashed, inode numbers, …) stored as their 8 bytes in the same map, so
 * one implementation serves both. Do not mix string and integer keys in one map.
 */
static inline void *cap_hashmap_get_u64(const cap_hashmap *m, uint64_t key)
{
	return cap_hashmap_getn(m, (const char *)&key, sizeof(key));
}
static inline bool cap_hashmap_find_u64(const cap_hashmap *m, uint64_t key, void **value_out)
{
	return cap_hashmap_find(m, (const char *)&key, sizeof(key), value_out);
}
static inline void *cap_hashmap_put_u64(cap_hashmap *m, uint64_t key, void *value)
{
	return cap_hashmap_putn(m, (const char *)&key, sizeof(key), value, NULL);
}
static inline bool cap_hashmap_remove_u64(cap_hashmap *m, uint64_t key, void **value_out)
{
	return cap_hashmap_removen(m, (const char *)&key, sizeof(key), value_out);
}
/* The integer key of an entry of a u64 map, from the key pointer iteration returns. */
static inline uint64_t cap_hashmap_key_u64(const char *key)
{
	uint64_t k;
	__builtin_memcpy(&k, key, sizeof(k));
	return k;
}

/*
 * Iteration in table order (unspecified, but stable while the map is unchanged):
 *   cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT; const char *k; void *v;
 *   while (cap_hashmap_next(m, &it, &k, &v)) …
 * The map must not be changed during iteration, except through cap_hashmap_iter_remove.
 */
typedef struct cap_hashmap_iter {
	size_t start; /* an index just after an empty slot, so no probe run wraps during the walk */
	size_t step;
	size_t cur;
} cap_hashmap_iter;

#define CAP_HASHMAP_ITER_INIT                                                                      \
	{                                                                                          \
		SIZE_MAX, 0, 0                                                                     \
	}

bool cap_hashmap_next(const cap_hashmap *m, cap_hashmap_iter *it, const char **key_out,
		      void **value_out);
/*
 * Removes the entry the iterator last returned (its value goes to *value_out) and keeps the
 * iteration visiting every remaining entry exactly once.
 */
void cap_hashmap_iter_remove(cap_hashmap *m, cap_hashmap_iter *it, void **value_out);
