/* Tests for cap_hashmap: lookups, replacement, deletion without tombstones, iteration. */
#include "cap_test.h"

#include "base/hashmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_then_get_finds_values(void **state)
{
	cap_hashmap m = CAP_HASHMAP_INIT;
	assert_null(cap_hashmap_get(&m, "absent"));
	assert_null(cap_hashmap_put(&m, "apps/Deployment", "d"));
	assert_null(cap_hashmap_put(&m, "/Service", "s"));
	assert_string_equal(cap_hashmap_get(&m, "apps/Deployment"), "d");
	assert_string_equal(cap_hashmap_get(&m, "/Service"), "s");
	assert_null(cap_hashmap_get(&m, "apps/deployment"));
	assert_int_equal(cap_hashmap_len(&m), 2);
	cap_hashmap_release(&m, NULL);
}

static void put_existing_key_returns_old_value(void **state)
{
	cap_hashmap m = CAP_HASHMAP_INIT;
	cap_hashmap_put(&m, "k", "one");
	assert_string_equal(cap_hashmap_put(&m, "k", "two"), "one");
	assert_string_equal(cap_hashmap_get(&m, "k"), "two");
	assert_int_equal(cap_hashmap_len(&m), 1);
	cap_hashmap_release(&m, NULL);
}

static void keys_are_copied(void **state)
{
	cap_hashmap m = CAP_HASHMAP_INIT;
	char key[16] = "mutable";
	const char *stored;
	cap_hashmap_putn(&m, key, strlen(key), "v", &stored);
	key[0] = 'X';
	assert_string_equal(stored, "mutable");
	assert_true(cap_hashmap_contains(&m, "mutable"));
	assert_false(cap_hashmap_contains(&m, key));
	cap_hashmap_release(&m, NULL);
}

static void null_values_are_found_with_find(void **state)
{
	cap_hashmap m = CAP_HASHMAP_INIT;
	cap_hashmap_put(&m, "nothing", NULL);
	void *v = (void *)1;
	assert_true(cap_hashmap_find(&m, "nothing", 7, &v));
	assert_null(v);
	assert_false(cap_hashmap_find(&m, "other", 5, &v));
	cap_hashmap_release(&m, NULL);
}

static void keys_with_embedded_nul_are_distinct(void **state)
{
	cap_hashmap m = CAP_HASHMAP_INIT;
	cap_hashmap_putn(&m, "a\0b", 3, "ab", NULL);
	cap_hashmap_putn(&m, "a\0c", 3, "ac", NULL);
	cap_hashmap_putn(&m, "a", 1, "a", NULL);
	assert_int_equal(cap_hashmap_len(&m), 3);
	assert_string_equal(cap_hashmap_getn(&m, "a\0c", 3), "ac");
	assert_string_equal(cap_hashmap_get(&m, "a"), "a");
	cap_hashmap_release(&m, NULL);
}

/* Many inserts and deletes in an interleaved order, checked against a plain array. */
static void many_inserts_and_removes_stay_consistent(void **state)
{
	enum { N = 20000 };
	cap_hashmap m = CAP_HASHMAP_INIT;
	static char present[N];
	memset(present, 0, sizeof(present));
	char key[32];
	unsigned seed = 12345;
	for (int round = 0; round < 4 * N; round++) {
		seed = seed * 1103515245 + 12345;
		int k = (int)((seed >> 8) % N);
		snprintf(key, sizeof(key), "key-%d", k);
		if ((seed >> 4) & 1) {
			cap_hashmap_put(&m, key, (void *)(intptr_t)(k + 1));
			present[k] = 1;
		} else {
			void *old = NULL;
			bool removed = cap_hashmap_remove(&m, key, &old);
			assert_int_equal(removed, present[k]);
			if (removed)
				assert_int_equal((intptr_t)old, k + 1);
			present[k] = 0;
		}
	}
	size_t count = 0;
	for (int k = 0; k < N; k++) {
		snprintf(key, sizeof(key), "key-%d", k);
		void *v = NULL;
		bool found = cap_hashmap_find(&m, key, strlen(key), &v);
		assert_int_equal(found, present[k]);
		if (found) {
			assert_int_equal((intptr_t)v, k + 1);
			count++;
		}
	}
	assert_int_equal(cap_hashmap_len(&m), count);
	cap_hashmap_release(&m, NULL);
}

static void iteration_visits_each_entry_once(void **state)
{
	cap_hashmap m = CAP_HASHMAP_INIT;
	char key[32];
	for (intptr_t i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "k%ld", (long)i);
		cap_hashmap_put(&m, key, (void *)(i + 1));
	}
	static char seen[500];
	memset(seen, 0, sizeof(seen));
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *k;
	void *v;
	size_t n = 0;
	while (cap_hashmap_next(&m, &it, &k, &v)) {
		intptr_t i = (intptr_t)v - 1;
		snprintf(key, sizeof(key), "k%ld", (long)i);
		assert_string_equal(k, key);
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
		n++;
	}
	assert_int_equal(n, 500);
	cap_hashmap_iter empty_it = CAP_HASHMAP_ITER_INIT;
	cap_hashmap empty = CAP_HASHMAP_INIT;
	assert_false(cap_hashmap_next(&empty, &empty_it, &k, &v));
	cap_hashmap_release(&m, NULL);
}

static void removing_during_iteration_visits_the_rest_once(void **state)
{
	cap_hashmap m = CAP_HASHMAP_INIT;
	char key[32];
	for (intptr_t i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "item/%ld", (long)i);
		cap_hashmap_put(&m, key, (void *)(i + 1));
	}
	static char seen[3000];
	memset(seen, 0, sizeof(seen));
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	void *v;
	size_t visited = 0;
	while (cap_hashmap_next(&m, &it, NULL, &v)) {
		intptr_t i = (intptr_t)v - 1;
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
		visited++;
		if (i % 3 != 0)
			cap_hashmap_iter_remove(&m, &it, NULL);
	}
	assert_int_equal(visited, 3000);
	assert_int_equal(cap_hashmap_len(&m), 1000);
	for (intptr_t i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "item/%ld", (long)i);
		assert_int_equal(cap_hashmap_contains(&m, key), i % 3 == 0);
	}
	cap_hashmap_release(&m, NULL);
}

static void release_frees_values_with_callback(void **state)
{
	cap_hashmap m = CAP_HASHMAP_INIT;
	for (int i = 0; i < 50; i++) {
		char key[16];
		snprintf(key, sizeof(key), "%d", i);
		cap_hashmap_put(&m, key, malloc(8));
	}
	cap_hashmap_clear(&m, free);
	assert_int_equal(cap_hashmap_len(&m), 0);
	assert_null(cap_hashmap_get(&m, "3"));
	cap_hashmap_put(&m, "again", malloc(8));
	cap_hashmap_release(&m, free);
	cap_hashmap_release(NULL, free);
}

static void integer_keys_share_the_map(void **state)
{
	cap_hashmap m = CAP_HASHMAP_INIT;
	for (uint64_t k = 0; k < 1000; k++)
		cap_hashmap_put_u64(&m, k * 0x9e3779b97f4a7c15ULL, (void *)(uintptr_t)(k + 1));
	assert_int_equal(cap_hashmap_len(&m), 1000);
	assert_int_equal((uintptr_t)cap_hashmap_get_u64(&m, 7 * 0x9e3779b97f4a7c15ULL), 8);
	assert_null(cap_hashmap_get_u64(&m, 12345));
	void *v;
	assert_true(cap_hashmap_remove_u64(&m, 0, &v));
	assert_int_equal((uintptr_t)v, 1);
	assert_false(cap_hashmap_find_u64(&m, 0, NULL));
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *key;
	size_t n = 0;
	while (cap_hashmap_next(&m, &it, &key, &v)) {
		uint64_t k = cap_hashmap_key_u64(key);
		assert_int_equal(k, ((uintptr_t)v - 1) * 0x9e3779b97f4a7c15ULL);
		n++;
	}
	assert_int_equal(n, 999);
	cap_hashmap_release(&m, NULL);
}

static void hash_is_stable(void **state)
{
	/* Pinned values: the hash must be the same on every run and machine. */
	assert_true(cap_hash_bytes("", 0) == 0xecba3df2c3383c52ULL);
	assert_true(cap_hash_bytes("apps/Deployment", 15) == 0x4b7d376266bc0d23ULL);
	assert_true(cap_hash_bytes("abc", 3) != cap_hash_bytes("abd", 3));
	assert_true(cap_hash_bytes("abc", 3) == cap_hash_bytes("abcdef", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(put_then_get_finds_values),
	    cmocka_unit_test(put_existing_key_returns_old_value),
	    cmocka_unit_test(keys_are_copied),
	    cmocka_unit_test(null_values_are_found_with_find),
	    cmocka_unit_test(keys_with_embedded_nul_are_distinct),
	    cmocka_unit_test(many_inserts_and_removes_stay_consistent),
	    cmocka_unit_test(iteration_visits_each_entry_once),
	    cmocka_unit_test(removing_during_iteration_visits_the_rest_once),
	    cmocka_unit_test(release_frees_values_with_callback),
	    cmocka_unit_test(integer_keys_share_the_map),
	    cmocka_unit_test(hash_is_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
