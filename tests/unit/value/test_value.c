/* Tests for the value model: constructors, references, containers, iteration, copies, equality. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void assert_json(const cap_value *v, const char *expected)
{
	char *s = cap_json_to_string(v, CAP_JSON_COMPACT);
	assert_string_equal(s, expected);
	free(s);
}

static void constructors_make_each_kind(void **state)
{
	cap_value *vals[] = {cap_value_null(),	  cap_value_bool(true),	 cap_value_int(-5),
			     cap_value_real(2.5), cap_value_string("s"), cap_value_array(),
			     cap_value_object()};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(vals); i++) {
		assert_int_equal(cap_value_kind_of(vals[i]), (cap_value_kind)i);
		cap_value_free(vals[i]);
	}
	assert_string_equal(cap_value_kind_name(CAP_VALUE_OBJECT), "object");
	assert_string_equal(cap_value_kind_name(CAP_VALUE_INT), "integer");
}

static void getters_default_on_other_kinds(void **state)
{
	cap_value *s = cap_value_string("x");
	assert_false(cap_value_get_bool(s));
	assert_int_equal(cap_value_get_int(s), 0);
	assert_true(cap_value_get_real(s) == 0.0);
	assert_null(cap_value_get_string(cap_value_array_get(s, 0)));
	assert_null(cap_value_object_get(s, "k"));
	assert_true(cap_value_is_null(NULL));
	assert_null(cap_value_get_string(NULL));
	cap_value_free(s);
}

static void integer_reads_as_real(void **state)
{
	cap_value *i = cap_value_int(3);
	assert_true(cap_value_is_number(i));
	assert_false(cap_value_is_real(i));
	assert_true(cap_value_get_real(i) == 3.0);
	cap_value_free(i);
}

static void non_finite_real_becomes_null(void **state)
{
	cap_value *v = cap_value_real(NAN);
	assert_true(cap_value_is_null(v));
	cap_value_free(v);
	v = cap_value_real(INFINITY);
	assert_true(cap_value_is_null(v));
	cap_value_free(v);
}

static void strings_are_copied_with_length(void **state)
{
	char text[] = "abc";
	cap_value *v = cap_value_stringn(text, 2);
	text[0] = 'z';
	assert_string_equal(cap_value_get_string(v), "ab");
	assert_int_equal(cap_value_string_len(v), 2);
	cap_value_free(v);
}

static void references_keep_values_alive(void **state)
{
	cap_value *o = cap_value_object();
	cap_value_object_set(o, "k", cap_value_string("v"));
	cap_value *borrowed = cap_value_object_get(o, "k");
	cap_value *mine = cap_value_ref(borrowed);
	cap_value_free(o);
	assert_string_equal(cap_value_get_string(mine), "v");
	cap_value_free(mine);
	assert_null(cap_value_ref(NULL));
	cap_value_free(NULL);
}

static void setters_steal_even_on_failure(void **state)
{
	/* run under AddressSanitizer, a leak here fails the test */
	cap_value *s = cap_value_string("not a container");
	assert_int_equal(cap_value_object_set(s, "k", cap_value_int(1)), CAP_EINVALID);
	assert_int_equal(cap_value_array_append(s, cap_value_int(1)), CAP_EINVALID);
	cap_value *a = cap_value_array();
	assert_int_equal(cap_value_array_set(a, 3, cap_value_int(1)), CAP_ENOTFOUND);
	assert_int_equal(cap_value_array_insert(a, 1, cap_value_int(1)), CAP_ENOTFOUND);
	assert_int_equal(cap_value_array_len(a), 0);
	cap_value_free(a);
	cap_value_free(s);
}

static void arrays_insert_set_and_remove(void **state)
{
	cap_value *a = cap_value_array();
	cap_value_array_append(a, cap_value_int(1));
	cap_value_array_append(a, cap_value_int(3));
	assert_int_equal(cap_value_array_insert(a, 1, cap_value_int(2)), 0);
	assert_int_equal(cap_value_array_insert(a, 3, cap_value_int(4)), 0);
	assert_int_equal(cap_value_array_set(a, 0, cap_value_string("one")), 0);
	assert_json(a, "[\"one\",2,3,4]");
	assert_int_equal(cap_value_array_remove(a, 1), 0);
	assert_int_equal(cap_value_array_remove(a, 9), CAP_ENOTFOUND);
	assert_json(a, "[\"one\",3,4]");
	size_t i;
	cap_value *item;
	int64_t sum = 0;
	CAP_VALUE_ARRAY_FOREACH(a, i, item)
	{
		sum += cap_value_get_int(item);
	}
	assert_int_equal(sum, 7);
	cap_value_array_clear(a);
	assert_int_equal(cap_value_array_len(a), 0);
	cap_value_free(a);
}

static void objects_keep_insertion_order(void **state)
{
	cap_value *o = cap_value_object();
	cap_value_object_set(o, "zeta", cap_value_int(1));
	cap_value_object_set(o, "alpha", cap_value_int(2));
	cap_value_object_set(o, "mid", cap_value_int(3));
	cap_value_object_set(o, "zeta", cap_value_int(4)); /* replaced in place */
	assert_json(o, "{\"zeta\":4,\"alpha\":2,\"mid\":3}");
	assert_int_equal(cap_value_object_len(o), 3);
	assert_int_equal(cap_value_object_del(o, "alpha"), 0);
	assert_int_equal(cap_value_object_del(o, "alpha"), CAP_ENOTFOUND);
	assert_json(o, "{\"zeta\":4,\"mid\":3}");
	assert_non_null(cap_value_object_getn(o, "midway", 3));
	cap_value_free(o);
}

static void safe_iteration_allows_deleting(void **state)
{
	cap_value *o = cap_test_json("{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}");
	const char *key;
	cap_value *val;
	int seen = 0;
	CAP_VALUE_OBJECT_FOREACH_SAFE(o, key, val)
	{
		seen++;
		if (cap_value_get_int(val) % 2)
			cap_value_object_del(o, key);
	}
	assert_int_equal(seen, 5);
	assert_json(o, "{\"b\":2,\"d\":4}");
	cap_value_free(o);
}

static void deep_copy_is_independent(void **state)
{
	cap_value *a = cap_test_json("{\"spec\":{\"replicas\":1,\"ports\":[80]}}");
	cap_value *b = cap_value_deep_copy(a);
	assert_true(cap_value_equal(a, b));
	cap_value_object_set(cap_value_dig(b, "spec", NULL), "replicas", cap_value_int(2));
	cap_value_array_append(cap_value_dig(b, "spec", "ports", NULL), cap_value_int(443));
	assert_json(a, "{\"spec\":{\"replicas\":1,\"ports\":[80]}}");
	assert_false(cap_value_equal(a, b));
	assert_null(cap_value_deep_copy(NULL));
	cap_value_free(a);
	cap_value_free(b);
}

static void equality_ignores_key_order_not_array_order(void **state)
{
	cap_value *a = cap_test_json("{\"a\":1,\"b\":[1,2]}"),
		  *b = cap_test_json("{\"b\":[1,2],\"a\":1}"),
		  *c = cap_test_json("{\"a\":1,\"b\":[2,1]}"),
		  *d = cap_test_json("{\"a\":1,\"b\":[1,2],\"c\":null}");
	assert_true(cap_value_equal(a, b));
	assert_false(cap_value_equal(a, c));
	assert_false(cap_value_equal(a, d));
	assert_false(cap_value_equal(d, a));
	cap_value_free(a);
	cap_value_free(b);
	cap_value_free(c);
	cap_value_free(d);
}

static void equality_compares_numbers_by_value(void **state)
{
	cap_value *i = cap_value_int(1), *r = cap_value_real(1.0), *h = cap_value_real(1.5),
		  *s = cap_value_string("1");
	assert_true(cap_value_equal(i, r));
	assert_true(cap_value_equal(r, i));
	assert_false(cap_value_equal(i, h));
	assert_false(cap_value_equal(i, s));
	cap_value_free(i);
	cap_value_free(r);
	cap_value_free(h);
	cap_value_free(s);
}

static void equality_treats_absent_as_only_absent(void **state)
{
	cap_value *n = cap_value_null();
	assert_true(cap_value_equal(NULL, NULL));
	assert_false(cap_value_equal(NULL, n));
	assert_false(cap_value_equal(n, NULL));
	cap_value_free(n);
}

static void strings_with_nul_compare_by_length(void **state)
{
	cap_value *a = cap_value_stringn("a\0b", 3), *b = cap_value_stringn("a\0c", 3);
	assert_false(cap_value_equal(a, b));
	cap_value_free(a);
	cap_value_free(b);
}

static void dig_follows_object_keys(void **state)
{
	cap_value *o =
	    cap_test_json("{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"x\"}}}");
	assert_string_equal(cap_value_dig_string(o, "metadata", "name", NULL), "web");
	assert_string_equal(cap_value_dig_string(o, "metadata", "labels", "app", NULL), "x");
	assert_null(cap_value_dig(o, "metadata", "nope", "deeper", NULL));
	assert_null(cap_value_dig_string(o, "metadata", NULL));
	cap_value_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(constructors_make_each_kind),
	    cmocka_unit_test(getters_default_on_other_kinds),
	    cmocka_unit_test(integer_reads_as_real),
	    cmocka_unit_test(non_finite_real_becomes_null),
	    cmocka_unit_test(strings_are_copied_with_length),
	    cmocka_unit_test(references_keep_values_alive),
	    cmocka_unit_test(setters_steal_even_on_failure),
	    cmocka_unit_test(arrays_insert_set_and_remove),
	    cmocka_unit_test(objects_keep_insertion_order),
	    cmocka_unit_test(safe_iteration_allows_deleting),
	    cmocka_unit_test(deep_copy_is_independent),
	    cmocka_unit_test(equality_ignores_key_order_not_array_order),
	    cmocka_unit_test(equality_compares_numbers_by_value),
	    cmocka_unit_test(equality_treats_absent_as_only_absent),
	    cmocka_unit_test(strings_with_nul_compare_by_length),
	    cmocka_unit_test(dig_follows_object_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
