/* Tests for JSON Pointer: RFC 6901 lookups, escapes, edits and error codes. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"
#include "value/pointer.h"

#include <stdlib.h>
#include <string.h>

/* The document of RFC 6901 section 5. */
static const char rfc_doc[] = "{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1, \"c%d\": 2, "
			      "\"e^f\": 3, \"g|h\": 4, \"i\\\\j\": 5, \"k\\\"l\": 6, \" \": 7, "
			      "\"m~n\": 8}";

static void assert_json(const cap_value *v, const char *expected)
{
	char *s = cap_json_to_string(v, CAP_JSON_COMPACT);
	assert_string_equal(s, expected);
	free(s);
}

static void assert_at(const cap_value *root, const char *pointer, const char *expected)
{
	cap_value *v = NULL;
	if (cap_pointer_get(&v, root, pointer) != 0)
		fail_msg("get '%s': %s", pointer, cap_error_last());
	assert_json(v, expected);
}

static void rfc6901_examples_resolve(void **state)
{
	cap_value *doc = cap_test_json(rfc_doc);
	cap_value *whole = NULL;
	assert_int_equal(cap_pointer_get(&whole, doc, ""), 0);
	assert_ptr_equal(whole, doc);
	assert_at(doc, "/foo", "[\"bar\",\"baz\"]");
	assert_at(doc, "/foo/0", "\"bar\"");
	assert_at(doc, "/", "0");
	assert_at(doc, "/a~1b", "1");
	assert_at(doc, "/c%d", "2");
	assert_at(doc, "/e^f", "3");
	assert_at(doc, "/g|h", "4");
	assert_at(doc, "/i\\j", "5");
	assert_at(doc, "/k\"l", "6");
	assert_at(doc, "/ ", "7");
	assert_at(doc, "/m~0n", "8");
	cap_value_free(doc);
}

static void escapes_decode_tilde_one_before_zero(void **state)
{
	/* "~01" is "~1" literally, not "/" */
	cap_value *doc = cap_test_json("{\"~1\": \"tilde-one\", \"/\": \"slash\"}");
	assert_at(doc, "/~01", "\"tilde-one\"");
	assert_at(doc, "/~1", "\"slash\"");
	cap_value_free(doc);
}

static void missing_paths_are_not_found(void **state)
{
	cap_value *doc = cap_test_json(rfc_doc), *v = NULL;
	static const char *missing[] = {"/nope", "/foo/2", "/foo/-", "/foo/0/x", "/a~1b/c"};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(missing); i++) {
		assert_int_equal(cap_pointer_get(&v, doc, missing[i]), CAP_ENOTFOUND);
		assert_non_null(strstr(cap_error_last(), missing[i]));
	}
	assert_null(v);
	cap_value_free(doc);
}

static void malformed_pointers_are_invalid(void **state)
{
	cap_value *doc = cap_test_json(rfc_doc), *v = NULL;
	static const char *bad[] = {"foo", "/m~2n", "/m~", "/foo/01", "/foo/x", "/foo/-1", "/foo/"};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(bad); i++) {
		assert_int_equal(cap_pointer_get(&v, doc, bad[i]), CAP_EINVALID);
		assert_non_null(strstr(cap_error_last(), bad[i]));
	}
	cap_value_free(doc);
}

static void huge_index_is_invalid_not_wrapped(void **state)
{
	cap_value *doc = cap_test_json("[1]"), *v = NULL;
	assert_int_equal(cap_pointer_get(&v, doc, "/99999999999999999999999"), CAP_EINVALID);
	cap_value_free(doc);
}

static void set_replaces_and_adds_members(void **state)
{
	cap_value *doc = cap_test_json("{\"a\": {\"b\": 1}, \"l\": [1, 2]}");
	assert_int_equal(cap_pointer_set(doc, "/a/b", cap_value_int(2)), 0);
	assert_int_equal(cap_pointer_set(doc, "/a/c", cap_value_string("new")), 0);
	assert_int_equal(cap_pointer_set(doc, "/l/0", cap_value_int(9)), 0);
	assert_int_equal(cap_pointer_set(doc, "/l/-", cap_value_int(3)), 0);
	assert_int_equal(cap_pointer_set(doc, "/l/3", cap_value_int(4)), 0);
	assert_json(doc, "{\"a\":{\"b\":2,\"c\":\"new\"},\"l\":[9,2,3,4]}");
	cap_value_free(doc);
}

static void set_needs_an_existing_parent(void **state)
{
	cap_value *doc = cap_test_json("{\"a\": 1, \"l\": []}");
	assert_int_equal(cap_pointer_set(doc, "/x/y", cap_value_int(1)), CAP_ENOTFOUND);
	assert_int_equal(cap_pointer_set(doc, "/a/y", cap_value_int(1)), CAP_ENOTFOUND);
	assert_int_equal(cap_pointer_set(doc, "/l/1", cap_value_int(1)), CAP_ENOTFOUND);
	assert_int_equal(cap_pointer_set(doc, "", cap_value_int(1)), CAP_EINVALID);
	assert_json(doc, "{\"a\":1,\"l\":[]}");
	cap_value_free(doc);
}

static void add_inserts_into_arrays(void **state)
{
	cap_value *doc = cap_test_json("{\"l\": [\"a\", \"c\"]}");
	assert_int_equal(cap_pointer_add(doc, "/l/1", cap_value_string("b")), 0);
	assert_int_equal(cap_pointer_add(doc, "/l/0", cap_value_string("0")), 0);
	assert_int_equal(cap_pointer_add(doc, "/l/-", cap_value_string("d")), 0);
	assert_int_equal(cap_pointer_add(doc, "/m~1n", cap_value_null()), 0);
	assert_json(doc, "{\"l\":[\"0\",\"a\",\"b\",\"c\",\"d\"],\"m/n\":null}");
	cap_value_free(doc);
}

static void remove_deletes_members_and_elements(void **state)
{
	cap_value *doc = cap_test_json("{\"a\": {\"b\": 1, \"c\": 2}, \"l\": [1, 2, 3]}");
	assert_int_equal(cap_pointer_remove(doc, "/a/b"), 0);
	assert_int_equal(cap_pointer_remove(doc, "/l/1"), 0);
	assert_int_equal(cap_pointer_remove(doc, "/a/b"), CAP_ENOTFOUND);
	assert_int_equal(cap_pointer_remove(doc, "/l/-"), CAP_ENOTFOUND);
	assert_int_equal(cap_pointer_remove(doc, "/l/2"), CAP_ENOTFOUND);
	assert_int_equal(cap_pointer_remove(doc, ""), CAP_EINVALID);
	assert_json(doc, "{\"a\":{\"c\":2},\"l\":[1,3]}");
	cap_value_free(doc);
}

static void append_token_escapes(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	cap_pointer_append_token(&b, "metadata", 8);
	cap_pointer_append_token(&b, "a/b~c", 5);
	cap_pointer_append_token(&b, "", 0);
	assert_string_equal(b.ptr, "/metadata/a~1b~0c/");
	cap_buf_release(&b);
}

static void parse_splits_and_unescapes(void **state)
{
	cap_value *tokens = NULL;
	assert_int_equal(cap_pointer_parse(&tokens, "/a~1b//m~0n/0"), 0);
	assert_json(tokens, "[\"a/b\",\"\",\"m~n\",\"0\"]");
	cap_value_free(tokens);
	assert_int_equal(cap_pointer_parse(&tokens, ""), 0);
	assert_json(tokens, "[]");
	cap_value_free(tokens);
	tokens = NULL;
	assert_int_equal(cap_pointer_parse(&tokens, "a"), CAP_EINVALID);
	assert_int_equal(cap_pointer_parse(&tokens, "/a~"), CAP_EINVALID);
	assert_null(tokens);
}

static void built_pointer_resolves_to_its_member(void **state)
{
	cap_value *doc = cap_test_json(rfc_doc);
	const char *key;
	cap_value *val;
	CAP_VALUE_OBJECT_FOREACH(doc, key, val)
	{
		cap_buf ptr = CAP_BUF_INIT;
		cap_value *got = NULL;
		cap_pointer_append_token(&ptr, key, strlen(key));
		assert_int_equal(cap_pointer_get(&got, doc, ptr.ptr), 0);
		assert_ptr_equal(got, val);
		cap_buf_release(&ptr);
	}
	cap_value_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc6901_examples_resolve),
	    cmocka_unit_test(escapes_decode_tilde_one_before_zero),
	    cmocka_unit_test(missing_paths_are_not_found),
	    cmocka_unit_test(malformed_pointers_are_invalid),
	    cmocka_unit_test(huge_index_is_invalid_not_wrapped),
	    cmocka_unit_test(set_replaces_and_adds_members),
	    cmocka_unit_test(set_needs_an_existing_parent),
	    cmocka_unit_test(add_inserts_into_arrays),
	    cmocka_unit_test(remove_deletes_members_and_elements),
	    cmocka_unit_test(append_token_escapes),
	    cmocka_unit_test(parse_splits_and_unescapes),
	    cmocka_unit_test(built_pointer_resolves_to_its_member),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
