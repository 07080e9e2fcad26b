/* cap_hashmap: linear probing, backward-shift deletion, power-of-two tables. */
#include "base/hashmap.h"

#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

uint64_t cap_hash_bytes(const void *data, size_t len)
{
	/* FNV-1a with a final avalanche so that low bits (the table index) mix well. */
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void cap_hashmap_init(cap_hashmap *m)
{
	m->slots = NULL;
	m->cap = m->len = 0;
}

void cap_hashmap_clear(cap_hashmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		cap_hashmap_slot *s = &m->slots[i];
		if (!s->key)
			continue;
		if (free_value)
			free_value(s->value);
		free(s->key);
		memset(s, 0, sizeof(*s));
	}
	m->len = 0;
}

void cap_hashmap_release(cap_hashmap *m, void (*free_value)(void *))
{
	if (!m)
		return;
	cap_hashmap_clear(m, free_value);
	free(m->slots);
	cap_hashmap_init(m);
}

/* Index of key's slot, or of the empty slot where it would go. The table must not be full. */
static size_t probe(const cap_hashmap *m, const char *key, size_t key_len, uint64_t hash)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)hash & mask;
	for (;;) {
		const cap_hashmap_slot *s = &m->slots[i];
		if (!s->key)
			return i;
		if (s->hash == hash && s->key_len == key_len && memcmp(s->key, key, key_len) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

static void grow(cap_hashmap *m)
{
	size_t old_cap = m->cap;
	cap_hashmap_slot *old = m->slots;
	m->cap = old_cap ? old_cap * 2 : 16;
	m->slots = cap_calloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < old_cap; i++) {
		if (!old[i].key)
			continue;
		size_t j = probe(m, old[i].key, old[i].key_len, old[i].hash);
		m->slots[j] = old[i];
	}
	free(old);
}

/* The slot holding key in *slot_out, its value in *value_out (when not NULL); false if absent. */
static bool find_slot(const cap_hashmap *m, const char *key, size_t key_len, size_t *slot_out,
		      void **value_out)
{
	if (!m->len)
		return false;
	size_t i = probe(m, key, key_len, cap_hash_bytes(key, key_len));
	if (!m->slots[i].key)
		return false;
	if (value_out)
		*value_out = m->slots[i].value;
	*slot_out = i;
	return true;
}

bool cap_hashmap_find(const cap_hashmap *m, const char *key, size_t key_len, void **value_out)
{
	size_t i;
	return find_slot(m, key, key_len, &i, value_out);
}

void *cap_hashmap_getn(const cap_hashmap *m, const char *key, size_t key_len)
{
	void *v = NULL;
	cap_hashmap_find(m, key, key_len, &v);
	return v;
}

void *cap_hashmap_get(const cap_hashmap *m, const char *key)
{
	return cap_hashmap_getn(m, key, strlen(key));
}

void *cap_hashmap_putn(cap_hashmap *m, const char *key, size_t key_len, void *value,
		       const char **key_out)
{
	if ((m->len + 1) * 4 > m->cap * 3)
		grow(m);
	uint64_t hash = cap_hash_bytes(key, key_len);
	size_t i = probe(m, key, key_len, hash);
	cap_hashmap_slot *s = &m->slots[i];
	void *old = NULL;
	if (s->key) {
		old = s->value;
	} else {
		s->key = cap_memdup(key, key_len);
		s->key_len = key_len;
		s->hash = hash;
		m->len++;
	}
	s->value = value;
	if (key_out)
		*key_out = s->key;
	return old;
}

void *cap_hashmap_put(cap_hashmap *m, const char *key, void *value)
{
	return cap_hashmap_putn(m, key, strlen(key), value, NULL);
}

/*
 * Empties slot i and shifts later members of its probe run back, so lookups never need
 * tombstones. Returns true when an entry from after i moved into i (iteration must revisit i).
 */
static bool remove_at(cap_hashmap *m, size_t i)
{
	size_t mask = m->cap - 1;
	bool refilled = false;
	free(m->slots[i].key);
	m->len--;
	size_t hole = i;
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		cap_hashmap_slot *s = &m->slots[j];
		if (!s->key)
			break;
		size_t home = (size_t)s->hash & mask;
		/* s may move to the hole when its home is not cyclically within (hole, j]. */
		bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
		if (stays)
			continue;
		m->slots[hole] = *s;
		if (hole == i)
			refilled = true;
		hole = j;
	}
	memset(&m->slots[hole], 0, sizeof(m->slots[hole]));
	return refilled;
}

bool cap_hashmap_removen(cap_hashmap *m, const char *key, size_t key_len, void **value_out)
{
	size_t i;
	if (!find_slot(m, key, key_len, &i, value_out))
		return false;
	remove_at(m, i);
	return true;
}

bool cap_hashmap_remove(cap_hashmap *m, const char *key, void **value_out)
{
	return cap_hashmap_removen(m, key, strlen(key), value_out);
}

bool cap_hashmap_next(const cap_hashmap *m, cap_hashmap_iter *it, const char **key_out,
		      void **value_out)
{
	if (!m->len && it->start == SIZE_MAX)
		return false;
	size_t mask = m->cap - 1;
	if (it->start == SIZE_MAX) {
		size_t e = 0;
		while (m->slots[e].key)
			e++;
		it->start = (e + 1) & mask;
		it->step = 0;
	}
	while (it->step < m->cap) {
		size_t i = (it->start + it->step++) & mask;
		const cap_hashmap_slot *s = &m->slots[i];
		if (!s->key)
			continue;
		it->cur = i;
		if (key_out)
			*key_out = s->key;
		if (value_out)
			*value_out = s->value;
		return true;
	}
	return false;
}

void cap_hashmap_iter_remove(cap_hashmap *m, cap_hashmap_iter *it, void **value_out)
{
	if (value_out)
		*value_out = m->slots[it->cur].value;
	/* Entries only shift backwards within a run, and runs do not wrap in walk order. */
	if (remove_at(m, it->cur))
		it->step--;
}
