/* Tests for JSON Patch: the RFC 6902 appendix A examples, root paths, atomicity and error text. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/alloc.h"
#include "base/error.h"
#include "patch/json_patch.h"
#include "value/json.h"

#include <stdlib.h>
#include <string.h>

/* One example: doc, patch, and either the result or NULL with the expected error code. */
typedef struct example {
	const char *name;
	const char *doc;
	const char *patch;
	const char *result;
	int error;
} example;

static void run_examples(const example *ex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cap_value *doc = cap_test_json(ex[i].doc), *patch = cap_test_json(ex[i].patch);
		cap_value *before = cap_value_deep_copy(doc), *out = NULL;
		int err = cap_json_patch_apply(&out, doc, patch);
		if (ex[i].result) {
			if (err)
				fail_msg("%s: unexpected error %s", ex[i].name, cap_error_last());
			cap_value *want = cap_test_json(ex[i].result);
			if (!cap_value_equal(out, want)) {
				char *got = cap_json_to_string(out, 0);
				fail_msg("%s: got %s, want %s", ex[i].name, got, ex[i].result);
			}
			cap_value_free(want);
		} else {
			if (err != ex[i].error)
				fail_msg("%s: got code %d, want %d (%s)", ex[i].name, err,
					 ex[i].error, cap_error_last());
			assert_null(out);
		}
		assert_true(cap_value_equal(doc, before));
		cap_value_free(out);
		cap_value_free(before);
		cap_value_free(doc);
		cap_value_free(patch);
	}
}

/* RFC 6902 appendix A, examples A.1 to A.16 (A.13 is a parse error, tested separately). */
static const example rfc6902_examples[] = {
    {"A.1 adding an object member", "{\"foo\":\"bar\"}",
     "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
     0},
    {"A.2 adding an array element", "{\"foo\":[\"bar\",\"baz\"]}",
     "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
     "{\"foo\":[\"bar\",\"qux\",\"baz\"]}", 0},
    {"A.3 removing an object member", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
     "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}", 0},
    {"A.4 removing an array element", "{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
     "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", "{\"foo\":[\"bar\",\"baz\"]}", 0},
    {"A.5 replacing a value", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
     "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
     "{\"baz\":\"boo\",\"foo\":\"bar\"}", 0},
    {"A.6 moving a value",
     "{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
     "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]",
     "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}", 0},
    {"A.7 moving an array element", "{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
     "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
     "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}", 0},
    {"A.8 testing a value: success", "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
     "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
     "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
     "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}", 0},
    {"A.9 testing a value: error", "{\"baz\":\"qux\"}",
     "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", NULL, CAP_ECONFLICT},
    {"A.10 adding a nested member object", "{\"foo\":\"bar\"}",
     "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]",
     "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}", 0},
    {"A.11 ignoring unrecognized elements", "{\"foo\":\"bar\"}",
     "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"xyz\":123}]",
     "{\"foo\":\"bar\",\"baz\":\"qux\"}", 0},
    {"A.12 adding to a nonexistent target", "{\"foo\":\"bar\"}",
     "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", NULL, CAP_ENOTFOUND},
    {"A.14 ~ escape ordering", "{\"/\":9,\"~1\":10}",
     "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]", "{\"/\":9,\"~1\":10}", 0},
    {"A.15 comparing strings and numbers", "{\"/\":9,\"~1\":10}",
     "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]", NULL, CAP_ECONFLICT},
    {"A.16 adding an array value", "{\"foo\":[\"bar\"]}",
     "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
     "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}", 0},
};

static void rfc6902_appendix_a_examples_apply(void **state)
{
	run_examples(rfc6902_examples, CAP_ARRAY_SIZE(rfc6902_examples));
}

static void duplicate_op_member_never_reaches_apply(void **state)
{
	/* RFC 6902 A.13: a patch with two "op" members is not valid JSON for our strict parser. */
	const char *text =
	    "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"op\":\"remove\"}]";
	cap_value *v = NULL;
	assert_int_not_equal(cap_json_parse(&v, text, strlen(text), "patch", NULL), 0);
	assert_null(v);
}

static const example edge_examples[] = {
    {"add at the root replaces the document", "{\"a\":1}",
     "[{\"op\":\"add\",\"path\":\"\",\"value\":[1,2]}]", "[1,2]", 0},
    {"replace at the root", "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"b\":2}}]",
     "{\"b\":2}", 0},
    {"test at the root", "{\"a\":1}", "[{\"op\":\"test\",\"path\":\"\",\"value\":{\"a\":1.0}}]",
     "{\"a\":1}", 0},
    {"add replaces an existing member", "{\"a\":1}",
     "[{\"op\":\"add\",\"path\":\"/a\",\"value\":2}]", "{\"a\":2}", 0},
    {"add appends at the array length", "[1]", "[{\"op\":\"add\",\"path\":\"/1\",\"value\":2}]",
     "[1,2]", 0},
    {"add past the array end fails", "[1]", "[{\"op\":\"add\",\"path\":\"/2\",\"value\":2}]", NULL,
     CAP_ENOTFOUND},
    {"replace of a missing member fails", "{\"a\":1}",
     "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":2}]", NULL, CAP_ENOTFOUND},
    {"replace of an array element", "[1,2,3]", "[{\"op\":\"replace\",\"path\":\"/1\",\"value\":9}]",
     "[1,9,3]", 0},
    {"replace with '-' fails", "[1]", "[{\"op\":\"replace\",\"path\":\"/-\",\"value\":9}]", NULL,
     CAP_ENOTFOUND},
    {"remove of a missing member fails", "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", NULL,
     CAP_ENOTFOUND},
    {"remove of the root fails", "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", NULL,
     CAP_EINVALID},
    {"copy duplicates a subtree", "{\"a\":{\"b\":[1]}}",
     "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"},"
     "{\"op\":\"add\",\"path\":\"/c/b/-\",\"value\":2}]",
     "{\"a\":{\"b\":[1]},\"c\":{\"b\":[1,2]}}", 0},
    {"copy of the root into a member", "{\"a\":1}",
     "[{\"op\":\"copy\",\"from\":\"\",\"path\":\"/b\"}]", "{\"a\":1,\"b\":{\"a\":1}}", 0},
    {"move into its own child fails", "{\"a\":{\"b\":1}}",
     "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/c\"}]", NULL, CAP_EINVALID},
    {"move to a sibling with a common prefix", "{\"a\":1}",
     "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/ab\"}]", "{\"ab\":1}", 0},
    {"move onto itself is a no-op", "{\"a\":1}",
     "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]", "{\"a\":1}", 0},
    {"move from a missing path fails", "{\"a\":1}",
     "[{\"op\":\"move\",\"from\":\"/x\",\"path\":\"/y\"}]", NULL, CAP_ENOTFOUND},
    {"escaped slash and tilde in member names", "{}",
     "[{\"op\":\"add\",\"path\":\"/a~1b\",\"value\":1},"
     "{\"op\":\"add\",\"path\":\"/c~0d\",\"value\":2}]",
     "{\"a/b\":1,\"c~d\":2}", 0},
    {"unknown op", "{}", "[{\"op\":\"frobnicate\",\"path\":\"/a\"}]", NULL, CAP_EINVALID},
    {"missing op", "{}", "[{\"path\":\"/a\"}]", NULL, CAP_EINVALID},
    {"missing path", "{}", "[{\"op\":\"add\",\"value\":1}]", NULL, CAP_EINVALID},
    {"missing value", "{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", NULL, CAP_EINVALID},
    {"null is a value", "{}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":null}]", "{\"a\":null}",
     0},
    {"missing from", "{\"a\":1}", "[{\"op\":\"copy\",\"path\":\"/b\"}]", NULL, CAP_EINVALID},
    {"operation is not an object", "{}", "[1]", NULL, CAP_EINVALID},
    {"patch is not an array", "{}", "{\"op\":\"add\"}", NULL, CAP_EINVALID},
    {"bad pointer syntax", "{}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", NULL,
     CAP_EINVALID},
    {"empty patch leaves the document", "{\"a\":[1]}", "[]", "{\"a\":[1]}", 0},
};

static void edge_cases_follow_rfc6902(void **state)
{
	run_examples(edge_examples, CAP_ARRAY_SIZE(edge_examples));
}

static void failure_is_atomic_and_names_operation_and_path(void **state)
{
	cap_value *doc = cap_test_json("{\"spec\":{\"replicas\":1}}");
	cap_value *patch =
	    cap_test_json("[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3},"
			  "{\"op\":\"add\",\"path\":\"/spec/x\",\"value\":1},"
			  "{\"op\":\"replace\",\"path\":\"/spec/missing\",\"value\":2}]");
	cap_value *out = NULL;
	assert_int_equal(cap_json_patch_apply(&out, doc, patch), CAP_ENOTFOUND);
	assert_null(out);
	assert_non_null(strstr(cap_error_last(), "operation 2"));
	assert_non_null(strstr(cap_error_last(), "'/spec/missing'"));
	assert_non_null(strstr(cap_error_last(), "replace operation does not apply"));
	assert_int_equal(cap_value_get_int(cap_value_dig(doc, "spec", "replicas", NULL)), 1);
	assert_null(cap_value_dig(doc, "spec", "x", NULL));
	cap_value_free(doc);
	cap_value_free(patch);
}

static void failed_test_uses_the_api_server_wording(void **state)
{
	cap_value *doc = cap_test_json("{\"a\":\"x\"}"), *out = NULL;
	cap_value *patch = cap_test_json("[{\"op\":\"test\",\"path\":\"/a\",\"value\":\"y\"}]");
	assert_int_equal(cap_json_patch_apply(&out, doc, patch), CAP_ECONFLICT);
	assert_non_null(strstr(cap_error_last(), "operation 0 (test '/a')"));
	assert_non_null(strstr(cap_error_last(), "testing value /a failed: test failed"));
	cap_value_free(doc);
	cap_value_free(patch);
}

static void result_shares_nothing_with_the_patch(void **state)
{
	cap_value *doc = cap_test_json("{}"), *out = NULL;
	cap_value *patch = cap_test_json("[{\"op\":\"add\",\"path\":\"/a\",\"value\":{\"b\":1}}]");
	assert_int_equal(cap_json_patch_apply(&out, doc, patch), 0);
	cap_value_object_set(cap_value_object_get(out, "a"), "b", cap_value_int(2));
	cap_value *pv = cap_value_object_get(cap_value_array_get(patch, 0), "value");
	assert_int_equal(cap_value_get_int(cap_value_object_get(pv, "b")), 1);
	cap_value_free(out);
	cap_value_free(doc);
	cap_value_free(patch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc6902_appendix_a_examples_apply),
	    cmocka_unit_test(duplicate_op_member_never_reaches_apply),
	    cmocka_unit_test(edge_cases_follow_rfc6902),
	    cmocka_unit_test(failure_is_atomic_and_names_operation_and_path),
	    cmocka_unit_test(failed_test_uses_the_api_server_wording),
	    cmocka_unit_test(result_shares_nothing_with_the_patch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
