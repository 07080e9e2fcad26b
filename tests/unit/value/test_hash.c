/* Tests for cap_value_hash: pinned values, key-order independence, agreement with equality. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"

#include <string.h>

static uint64_t hash_of(const char *text)
{
	cap_value *v = cap_test_json(text);
	uint64_t h = cap_value_hash(v);
	cap_value_free(v);
	return h;
}

/* Hashes are stored in caches: any change to these numbers must be deliberate. */
static void known_values_never_change(void **state)
{
	static const struct {
		const char *json;
		uint64_t hash;
	} pinned[] = {
	    {"null", UINT64_C(0x5692161d100b05e5)},
	    {"true", UINT64_C(0xbeeb8da1658eec67)},
	    {"false", UINT64_C(0x6e789e6aa1b965f4)},
	    {"0", UINT64_C(0x06c45d188009454f)},
	    {"1", UINT64_C(0xd2ec37dc81efaed5)},
	    {"\"\"", UINT64_C(0xb7a4712c74562914)},
	    {"\"hello, world\"", UINT64_C(0x98724c4ff93f979b)},
	    {"[]", UINT64_C(0x1b39896a51a8749b)},
	    {"{}", UINT64_C(0x53cb9f0c747ea2ea)},
	    {"[1,\"a\",null]", UINT64_C(0x1fd35ff936f14e23)},
	    {"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"k\":\"v\"}}",
	     UINT64_C(0xdc39fac5382061a0)},
	};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(pinned); i++)
		if (hash_of(pinned[i].json) != pinned[i].hash)
			fail_msg("hash of %s changed", pinned[i].json);
}

static void object_key_order_does_not_matter(void **state)
{
	assert_true(hash_of("{\"a\":1,\"b\":{\"x\":[1,2],\"y\":null},\"c\":\"s\"}") ==
		    hash_of("{\"c\":\"s\",\"b\":{\"y\":null,\"x\":[1,2]},\"a\":1}"));
}

static void array_order_matters(void **state)
{
	assert_true(hash_of("[1,2]") != hash_of("[2,1]"));
	assert_true(hash_of("[[1],[2]]") != hash_of("[[2],[1]]"));
}

static void keys_and_values_are_not_interchangeable(void **state)
{
	assert_true(hash_of("{\"a\":\"b\"}") != hash_of("{\"b\":\"a\"}"));
	assert_true(hash_of("{\"a\":1,\"b\":2}") != hash_of("{\"a\":2,\"b\":1}"));
	assert_true(hash_of("{\"a\":{}}") != hash_of("{\"a\":[]}"));
}

static void kinds_are_distinguished(void **state)
{
	static const char *distinct[] = {"null",   "false",	  "true",     "0",
					 "\"\"",   "\"0\"",	  "[]",	      "{}",
					 "[null]", "{\"\":null}", "\"null\"", "[[]]"};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(distinct); i++)
		for (size_t j = i + 1; j < CAP_ARRAY_SIZE(distinct); j++)
			if (hash_of(distinct[i]) == hash_of(distinct[j]))
				fail_msg("%s and %s hash alike", distinct[i], distinct[j]);
}

static void string_lengths_and_tails_are_distinguished(void **state)
{
	assert_true(hash_of("\"a\"") != hash_of("\"a\\u0000\""));
	assert_true(hash_of("\"abcdefgh\"") != hash_of("\"abcdefgh\\u0000\""));
	assert_true(hash_of("\"abcdefghi\"") != hash_of("\"abcdefghj\""));
	assert_true(hash_of("[\"ab\",\"c\"]") != hash_of("[\"a\",\"bc\"]"));
}

static void equal_numbers_hash_alike(void **state)
{
	assert_true(hash_of("1") == hash_of("1.0"));
	assert_true(hash_of("-3") == hash_of("-3e0"));
	assert_true(hash_of("0") == hash_of("-0.0"));
	assert_true(hash_of("{\"replicas\":2}") == hash_of("{\"replicas\":2.0}"));
	assert_true(hash_of("1") != hash_of("1.5"));
}

static void equal_values_hash_alike(void **state)
{
	static const char *pairs[][2] = {
	    {"{\"a\":[1,{\"b\":2.0}]}", "{\"a\":[1.0,{\"b\":2}]}"},
	    {"\"\\u00e9\"", "\"\xc3\xa9\""},
	    {"{\"x\":1,\"y\":2}", "{\"y\":2,\"x\":1}"},
	};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(pairs); i++) {
		cap_value *a = cap_test_json(pairs[i][0]), *b = cap_test_json(pairs[i][1]);
		assert_true(cap_value_equal(a, b));
		assert_true(cap_value_hash(a) == cap_value_hash(b));
		cap_value_free(a);
		cap_value_free(b);
	}
}

static void copies_and_rebuilt_values_hash_alike(void **state)
{
	cap_value *a =
	    cap_test_json("{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"web\"}}}");
	cap_value *copy = cap_value_deep_copy(a);
	cap_value *built = cap_value_object(), *meta = cap_value_object(),
		  *labels = cap_value_object();
	cap_value_object_set(labels, "app", cap_value_string("web"));
	cap_value_object_set(meta, "labels", labels);
	cap_value_object_set(meta, "name", cap_value_string("web"));
	cap_value_object_set(built, "metadata", meta);
	assert_true(cap_value_hash(a) == cap_value_hash(copy));
	assert_true(cap_value_hash(a) == cap_value_hash(built));
	cap_value_object_set(labels, "app", cap_value_string("api"));
	assert_true(cap_value_hash(a) != cap_value_hash(built));
	cap_value_free(a);
	cap_value_free(copy);
	cap_value_free(built);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(known_values_never_change),
	    cmocka_unit_test(object_key_order_does_not_matter),
	    cmocka_unit_test(array_order_matters),
	    cmocka_unit_test(keys_and_values_are_not_interchangeable),
	    cmocka_unit_test(kinds_are_distinguished),
	    cmocka_unit_test(string_lengths_and_tails_are_distinguished),
	    cmocka_unit_test(equal_numbers_hash_alike),
	    cmocka_unit_test(equal_values_hash_alike),
	    cmocka_unit_test(copies_and_rebuilt_values_hash_alike),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
