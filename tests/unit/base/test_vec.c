/* Tests for cap_vec and the typed CAP_VEC_OF vectors. */
#include "cap_test.h"

#include "base/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void push_and_get_keep_order_across_growth(void **state)
{
	cap_vec v = CAP_VEC_INIT;
	for (uintptr_t i = 0; i < 1000; i++)
		cap_vec_push(&v, (void *)(i + 1));
	assert_int_equal(v.len, 1000);
	for (uintptr_t i = 0; i < 1000; i++)
		assert_ptr_equal(cap_vec_get(&v, i), (void *)(i + 1));
	assert_null(cap_vec_get(&v, 1000));
	cap_vec_release(&v);
	assert_int_equal(v.len, 0);
	assert_null(v.items);
}

static void pop_returns_last_then_null(void **state)
{
	cap_vec v = CAP_VEC_INIT;
	assert_null(cap_vec_pop(&v));
	cap_vec_push(&v, "a");
	cap_vec_push(&v, "b");
	assert_string_equal(cap_vec_pop(&v), "b");
	assert_string_equal(cap_vec_pop(&v), "a");
	assert_null(cap_vec_pop(&v));
	cap_vec_release(&v);
}

static void insert_and_remove_shift_items(void **state)
{
	cap_vec v = CAP_VEC_INIT;
	cap_vec_push(&v, "a");
	cap_vec_push(&v, "c");
	cap_vec_insert(&v, 1, "b");
	cap_vec_insert(&v, 0, "start");
	cap_vec_insert(&v, 99, "end");
	const char *want[] = {"start", "a", "b", "c", "end"};
	assert_int_equal(v.len, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(v.items[i], want[i]);
	assert_string_equal(cap_vec_remove(&v, 1), "a");
	assert_string_equal(cap_vec_remove(&v, 3), "end");
	assert_null(cap_vec_remove(&v, 3));
	assert_int_equal(v.len, 3);
	assert_string_equal(v.items[0], "start");
	assert_string_equal(v.items[2], "c");
	assert_int_equal(cap_vec_index(&v, want[2]), 1);
	assert_int_equal(cap_vec_index(&v, "absent"), -1);
	cap_vec_release(&v);
}

static int cmp_strings(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void sort_passes_items_to_comparator(void **state)
{
	cap_vec v = CAP_VEC_INIT;
	const char *words[] = {"pear", "apple", "fig", "banana"};
	for (size_t i = 0; i < 4; i++)
		cap_vec_push(&v, (void *)words[i]);
	cap_vec_sort(&v, cmp_strings);
	assert_string_equal(v.items[0], "apple");
	assert_string_equal(v.items[1], "banana");
	assert_string_equal(v.items[2], "fig");
	assert_string_equal(v.items[3], "pear");
	cap_vec_release(&v);
}

static void release_with_frees_every_item(void **state)
{
	cap_vec v = CAP_VEC_INIT;
	for (int i = 0; i < 10; i++)
		cap_vec_push(&v, malloc(16));
	cap_vec_release_with(&v, free); /* leaks would show under ASan */
	assert_int_equal(v.len, 0);
	cap_vec_release(NULL);
	cap_vec_release_with(NULL, free);
}

struct point {
	int x, y;
};

static void typed_vector_holds_structs_by_value(void **state)
{
	CAP_VEC_OF(struct point) pts = CAP_VEC_INIT;
	for (int i = 0; i < 100; i++)
		CAP_VEC_PUSH(&pts, ((struct point){i, -i}));
	assert_int_equal(pts.len, 100);
	assert_true(pts.cap >= 100);
	assert_int_equal(pts.items[42].x, 42);
	assert_int_equal(pts.items[42].y, -42);
	CAP_VEC_RESERVE(&pts, 1000);
	assert_true(pts.cap >= 1100);
	assert_int_equal(pts.items[99].x, 99);
	CAP_VEC_RELEASE(&pts);
	assert_null(pts.items);
	assert_int_equal(pts.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(push_and_get_keep_order_across_growth),
	    cmocka_unit_test(pop_returns_last_then_null),
	    cmocka_unit_test(insert_and_remove_shift_items),
	    cmocka_unit_test(sort_passes_items_to_comparator),
	    cmocka_unit_test(release_with_frees_every_item),
	    cmocka_unit_test(typed_vector_holds_structs_by_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
