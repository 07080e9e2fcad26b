/* Tests for cap_slice: comparison, affixes, trimming, splitting and integer parsing. */
#include "cap_test.h"

#include "base/slice.h"

static void equality_compares_bytes_and_length(void **state)
{
	cap_slice a = cap_slice_make("abcdef", 3);
	assert_true(cap_slice_eq_cstr(a, "abc"));
	assert_false(cap_slice_eq_cstr(a, "abcd"));
	assert_true(cap_slice_eq(CAP_SLICE_LIT(""), cap_slice_from_cstr(NULL)));
	assert_int_equal(cap_slice_from_cstr("xyz").len, 3);
}

static void prefix_and_suffix(void **state)
{
	cap_slice s = CAP_SLICE_LIT("apps/v1");
	assert_true(cap_slice_has_prefix(s, "apps/"));
	assert_true(cap_slice_has_suffix(s, "/v1"));
	assert_false(cap_slice_has_prefix(s, "apps/v1/x"));
	assert_false(cap_slice_has_suffix(s, "v2"));
	assert_true(cap_slice_has_prefix(s, ""));
}

static void trim_drops_surrounding_whitespace(void **state)
{
	assert_true(cap_slice_eq_cstr(cap_slice_trim(CAP_SLICE_LIT(" \t a b \r\n")), "a b"));
	assert_int_equal(cap_slice_trim(CAP_SLICE_LIT(" \n\t ")).len, 0);
	assert_int_equal(cap_slice_trim(CAP_SLICE_LIT("")).len, 0);
}

static void split_yields_every_part_including_empty_ones(void **state)
{
	cap_slice rest = CAP_SLICE_LIT("a//b/"), part;
	const char *want[] = {"a", "", "b", ""};
	size_t n = 0;
	while (cap_slice_split(&rest, '/', &part)) {
		assert_true(n < 4);
		assert_true(cap_slice_eq_cstr(part, want[n]));
		n++;
	}
	assert_int_equal(n, 4);
	rest = CAP_SLICE_LIT("whole");
	assert_true(cap_slice_split(&rest, '/', &part));
	assert_true(cap_slice_eq_cstr(part, "whole"));
	assert_false(cap_slice_split(&rest, '/', &part));
}

static void index_finds_first_byte(void **state)
{
	assert_int_equal(cap_slice_index(CAP_SLICE_LIT("ns/name/x"), '/'), 2);
	assert_int_equal(cap_slice_index(CAP_SLICE_LIT("name"), '/'), -1);
	assert_int_equal(cap_slice_index(cap_slice_make("a/", 1), '/'), -1);
}

static void integers_parse_strictly(void **state)
{
	long long v = 0;
	assert_true(cap_slice_to_i64(CAP_SLICE_LIT("-42"), &v));
	assert_int_equal(v, -42);
	assert_true(cap_slice_to_i64(cap_slice_make("12345", 3), &v));
	assert_int_equal(v, 123);
	assert_true(cap_slice_to_i64(CAP_SLICE_LIT("9223372036854775807"), &v));
	v = 7;
	assert_false(cap_slice_to_i64(CAP_SLICE_LIT("9223372036854775808"), &v));
	assert_false(cap_slice_to_i64(CAP_SLICE_LIT("12a"), &v));
	assert_false(cap_slice_to_i64(CAP_SLICE_LIT(""), &v));
	assert_false(cap_slice_to_i64(CAP_SLICE_LIT("1111111111111111111111111111111111"), &v));
	assert_int_equal(v, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(equality_compares_bytes_and_length),
	    cmocka_unit_test(prefix_and_suffix),
	    cmocka_unit_test(trim_drops_surrounding_whitespace),
	    cmocka_unit_test(split_yields_every_part_including_empty_ones),
	    cmocka_unit_test(index_finds_first_byte),
	    cmocka_unit_test(integers_parse_strictly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
