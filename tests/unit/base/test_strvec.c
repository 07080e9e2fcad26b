/* Tests for cap_strvec: ownership, argv termination, split, join, sort and uniq. */
#include "cap_test.h"

#include "base/strvec.h"

#include <stdlib.h>
#include <string.h>

static void empty_vector_is_a_valid_argv(void **state)
{
	cap_strvec v = CAP_STRVEC_INIT;
	assert_non_null(v.items);
	assert_null(v.items[0]);
	cap_strvec_release(&v);
	assert_null(v.items[0]);
}

static void push_copies_and_stays_null_terminated(void **state)
{
	cap_strvec v = CAP_STRVEC_INIT;
	char word[8] = "git";
	cap_strvec_push(&v, word);
	word[0] = 'X';
	cap_strvec_pushf(&v, "--depth=%d", 1);
	cap_strvec_pushn(&v, "fetchXYZ", 5);
	cap_strvec_push_owned(&v, strdup("origin"));
	assert_int_equal(v.len, 4);
	assert_string_equal(v.items[0], "git");
	assert_string_equal(v.items[1], "--depth=1");
	assert_string_equal(v.items[2], "fetch");
	assert_string_equal(v.items[3], "origin");
	assert_null(v.items[4]);
	cap_strvec_pop(&v);
	assert_int_equal(v.len, 3);
	assert_null(v.items[3]);
	cap_strvec_release(&v);
}

static void split_keeps_or_skips_empty_parts(void **state)
{
	cap_strvec v = CAP_STRVEC_INIT;
	cap_strvec_split(&v, "a,,b,", ',', false);
	assert_int_equal(v.len, 4);
	assert_string_equal(v.items[1], "");
	assert_string_equal(v.items[3], "");
	cap_strvec_release(&v);
	cap_strvec_split(&v, ",a,,b,", ',', true);
	assert_int_equal(v.len, 2);
	assert_string_equal(v.items[0], "a");
	assert_string_equal(v.items[1], "b");
	cap_strvec_release(&v);
	cap_strvec_split(&v, "", ',', true);
	assert_int_equal(v.len, 0);
	cap_strvec_release(&v);
}

static void join_puts_separator_between(void **state)
{
	cap_strvec v = CAP_STRVEC_INIT;
	cap_buf out = CAP_BUF_INIT;
	cap_strvec_join(&v, ", ", &out);
	assert_string_equal(out.ptr, "");
	const char *words[] = {"x", "y", "z", NULL};
	cap_strvec_pushv(&v, words);
	cap_strvec_join(&v, ", ", &out);
	assert_string_equal(out.ptr, "x, y, z");
	cap_buf_release(&out);
	cap_strvec_release(&v);
}

static void sort_uniq_and_find(void **state)
{
	cap_strvec v = CAP_STRVEC_INIT;
	cap_strvec_split(&v, "b a c a b b", ' ', true);
	cap_strvec_sort(&v);
	cap_strvec_uniq(&v);
	assert_int_equal(v.len, 3);
	assert_string_equal(v.items[0], "a");
	assert_string_equal(v.items[1], "b");
	assert_string_equal(v.items[2], "c");
	assert_null(v.items[3]);
	assert_int_equal(cap_strvec_find(&v, "c"), 2);
	assert_true(cap_strvec_contains(&v, "a"));
	assert_false(cap_strvec_contains(&v, "d"));
	cap_strvec_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(empty_vector_is_a_valid_argv),
	    cmocka_unit_test(push_copies_and_stays_null_terminated),
	    cmocka_unit_test(split_keeps_or_skips_empty_parts),
	    cmocka_unit_test(join_puts_separator_between),
	    cmocka_unit_test(sort_uniq_and_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
