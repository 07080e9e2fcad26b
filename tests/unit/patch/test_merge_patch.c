/* Tests for JSON Merge Patch: the RFC 7386 appendix A table, and create checked by applying back.
 */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/alloc.h"
#include "base/error.h"
#include "patch/merge_patch.h"
#include "value/json.h"

#include <stdlib.h>
#include <string.h>

static void assert_json(const cap_value *got, const char *want_text, const char *what)
{
	cap_value *want = cap_test_json(want_text);
	if (!cap_value_equal(got, want)) {
		char *s = cap_json_to_string(got, 0);
		fail_msg("%s: got %s, want %s", what, s, want_text);
	}
	cap_value_free(want);
}

/* RFC 7386 appendix A: original, patch, result. */
static const char *const rfc7386_examples[][3] = {
    {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
    {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
    {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
    {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
    {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
    {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
    {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
    {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
    {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
    {"{\"a\":\"foo\"}", "null", "null"},
    {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
    {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
    {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
    {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
};

static void rfc7386_appendix_a_examples_apply(void **state)
{
	for (size_t i = 0; i < CAP_ARRAY_SIZE(rfc7386_examples); i++) {
		cap_value *doc = cap_test_json(rfc7386_examples[i][0]),
			  *patch = cap_test_json(rfc7386_examples[i][1]);
		cap_value *before = cap_value_deep_copy(doc), *out = NULL;
		assert_int_equal(cap_merge_patch_apply(&out, doc, patch), 0);
		assert_json(out, rfc7386_examples[i][2], rfc7386_examples[i][1]);
		assert_true(cap_value_equal(doc, before));
		cap_value_free(out);
		cap_value_free(before);
		cap_value_free(doc);
		cap_value_free(patch);
	}
}

static void apply_to_absent_document_builds_from_nothing(void **state)
{
	cap_value *patch = cap_test_json("{\"a\":{\"b\":null,\"c\":1}}"), *out = NULL;
	assert_int_equal(cap_merge_patch_apply(&out, NULL, patch), 0);
	assert_json(out, "{\"a\":{\"c\":1}}", "absent document");
	cap_value_free(out);
	cap_value_free(patch);
}

/* Pairs whose modified side has no null members, so a merge patch can express the change. */
static const char *const create_pairs[][2] = {
    {"{}", "{}"},
    {"{\"a\":1}", "{\"a\":1}"},
    {"{\"a\":1}", "{\"a\":2}"},
    {"{\"a\":1,\"b\":2}", "{\"b\":2}"},
    {"{\"a\":{\"x\":1,\"y\":2}}", "{\"a\":{\"x\":1,\"z\":3}}"},
    {"{\"a\":{\"x\":1}}", "{\"a\":[1,2]}"},
    {"{\"a\":[1,2,3]}", "{\"a\":[1,3]}"},
    {"{\"a\":\"s\"}", "{\"a\":{\"deep\":{\"er\":true}}}"},
    {"{\"metadata\":{\"labels\":{\"app\":\"web\",\"tier\":\"fe\"}},\"spec\":{\"replicas\":1}}",
     "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":3}}"},
    {"[1]", "[2]"},
    {"[9]", "[9]"},
    {"3", "3"},
    {"\"x\"", "7"},
    {"{\"a\":1}", "[1]"},
    {"[1]", "{\"a\":1}"},
    {"{\"a\":1}", "null"},
    {"{\"n\":1}", "{\"n\":1.5}"},
};

static void create_then_apply_gives_the_modified_document(void **state)
{
	for (size_t i = 0; i < CAP_ARRAY_SIZE(create_pairs); i++) {
		cap_value *orig = cap_test_json(create_pairs[i][0]),
			  *mod = cap_test_json(create_pairs[i][1]);
		cap_value *patch = NULL, *back = NULL;
		assert_int_equal(cap_merge_patch_create(&patch, orig, mod), 0);
		assert_int_equal(cap_merge_patch_apply(&back, orig, patch), 0);
		if (!cap_value_equal(back, mod)) {
			char *p = cap_json_to_string(patch, 0);
			fail_msg("pair %zu: patch %s does not give %s", i, p, create_pairs[i][1]);
		}
		cap_value_free(patch);
		cap_value_free(back);
		cap_value_free(orig);
		cap_value_free(mod);
	}
}

static void create_is_minimal(void **state)
{
	cap_value *orig =
	    cap_test_json("{\"keep\":1,\"drop\":2,\"obj\":{\"same\":1,\"chg\":1},\"arr\":[1,2]}");
	cap_value *mod =
	    cap_test_json("{\"keep\":1,\"add\":3,\"obj\":{\"same\":1,\"chg\":2},\"arr\":[1,2,3]}");
	cap_value *patch = NULL;
	assert_int_equal(cap_merge_patch_create(&patch, orig, mod), 0);
	assert_json(patch, "{\"drop\":null,\"add\":3,\"obj\":{\"chg\":2},\"arr\":[1,2,3]}",
		    "minimal patch");
	cap_value_free(patch);
	cap_value_free(orig);
	cap_value_free(mod);
}

static void create_of_equal_documents_is_empty(void **state)
{
	cap_value *a = cap_test_json("{\"x\":{\"y\":[1,{\"z\":null}]},\"n\":1}");
	cap_value *b = cap_test_json("{\"n\":1.0,\"x\":{\"y\":[1,{\"z\":null}]}}");
	cap_value *patch = NULL;
	assert_int_equal(cap_merge_patch_create(&patch, a, b), 0);
	assert_json(patch, "{}", "equal documents");
	cap_value_free(patch);
	patch = NULL;
	cap_value *s = cap_test_json("\"same\"");
	assert_int_equal(cap_merge_patch_create(&patch, s, s), 0);
	/* {} would turn a scalar into an object, so the patch is the document itself. */
	assert_json(patch, "\"same\"", "equal scalars");
	cap_value_free(patch);
	cap_value_free(s);
	cap_value_free(a);
	cap_value_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc7386_appendix_a_examples_apply),
	    cmocka_unit_test(apply_to_absent_document_builds_from_nothing),
	    cmocka_unit_test(create_then_apply_gives_the_modified_document),
	    cmocka_unit_test(create_is_minimal),
	    cmocka_unit_test(create_of_equal_documents_is_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
