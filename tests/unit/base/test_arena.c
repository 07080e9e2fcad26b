/* Tests for cap_arena: alignment, big blocks, string helpers, reset and release. */
#include "cap_test.h"

#include "base/arena.h"

#include <stdint.h>
#include <string.h>

static void allocations_are_aligned_and_distinct(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	char *prev = NULL;
	for (size_t i = 0; i < 1000; i++) {
		char *p = cap_arena_alloc(&a, i % 37);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		assert_ptr_not_equal(p, prev);
		memset(p, 0xab, i % 37);
		prev = p;
	}
	cap_arena_release(&a);
}

static void big_allocation_gets_its_own_chunk(void **state)
{
	cap_arena a;
	cap_arena_init(&a, 1024);
	char *small1 = cap_arena_alloc(&a, 16);
	char *big = cap_arena_alloc(&a, 100000);
	memset(big, 1, 100000);
	char *small2 = cap_arena_alloc(&a, 16);
	/* The small allocations still share the first chunk. */
	assert_true(small2 > small1 && small2 - small1 < 1024);
	assert_true(a.used >= 100032);
	cap_arena_release(&a);
	assert_null(a.head);
	assert_int_equal(a.used, 0);
}

static void strings_are_copied_and_terminated(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	char src[] = "guestbook";
	char *s = cap_arena_strdup(&a, src);
	src[0] = 'X';
	assert_string_equal(s, "guestbook");
	assert_string_equal(cap_arena_strndup(&a, "namespace/name", 9), "namespace");
	assert_string_equal(cap_arena_sprintf(&a, "%s/%d", "apps", 42), "apps/42");
	char *z = cap_arena_calloc(&a, 100, 4);
	for (int i = 0; i < 400; i++)
		assert_int_equal(z[i], 0);
	assert_memory_equal(cap_arena_memdup(&a, "\0\1\2", 3), "\0\1\2", 3);
	cap_arena_release(&a);
}

static void long_sprintf_spills_into_new_chunk(void **state)
{
	cap_arena a;
	cap_arena_init(&a, 256);
	char *s = cap_arena_sprintf(&a, "%01000d", 7);
	assert_int_equal(strlen(s), 1000);
	assert_int_equal(s[999], '7');
	cap_arena_release(&a);
}

static void reset_reuses_memory(void **state)
{
	cap_arena a;
	cap_arena_init(&a, 4096);
	for (int i = 0; i < 100; i++)
		cap_arena_alloc(&a, 1000);
	cap_arena_alloc(&a, 50000);
	cap_arena_reset(&a);
	assert_int_equal(a.used, 0);
	assert_non_null(a.head);
	char *p = cap_arena_alloc(&a, 10);
	assert_non_null(p);
	cap_arena_release(&a);
	cap_arena_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(allocations_are_aligned_and_distinct),
	    cmocka_unit_test(big_allocation_gets_its_own_chunk),
	    cmocka_unit_test(strings_are_copied_and_terminated),
	    cmocka_unit_test(long_sprintf_spills_into_new_chunk),
	    cmocka_unit_test(reset_reuses_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
