/* Tests for strategic merge patch apply: the kubectl-recorded case table, plus refusals and
 * ownership. */
#include "cap_test.h"

#include "base/alloc.h"
#include "base/error.h"
#include "patch/strategic.h"
#include "schema/schema.h"
#include "value/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * tests/fixtures/patch/apply_cases.json holds cases whose "expect" (or "expect_error") was
 * recorded from `kubectl patch --local` by tests/lib/patch_oracle.py record; the e2e oracle
 * re-checks those recordings against kubectl on every run. Each strategic case becomes one test.
 */
typedef struct table_case {
	const cap_value *c;
	cap_value *base;
} table_case;

static const cap_schema *schema;
static cap_value *cases;

static cap_value *load_json(const char *relative)
{
	cap_buf path = CAP_BUF_INIT;
	cap_test_fixture_path(&path, relative);
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse_file(&v, path.ptr, NULL), 0);
	cap_buf_release(&path);
	return v;
}

static const cap_schema_type *type_of(const cap_value *doc)
{
	return cap_schema_lookup(schema, cap_value_dig_string(doc, "apiVersion", NULL),
				 cap_value_dig_string(doc, "kind", NULL));
}

static void recorded_case(void **state)
{
	table_case *tc = *state;
	const cap_value *patch = cap_value_object_get(tc->c, "patch");
	const cap_value *expect = cap_value_object_get(tc->c, "expect");
	cap_value *before = cap_value_deep_copy(tc->base);
	cap_value *out = NULL;
	int rc = cap_strategic_apply(&out, tc->base, patch, type_of(tc->base));
	if (!expect) {
		assert_true(rc < 0);
		assert_null(out);
	} else {
		if (rc < 0)
			fail_msg("refused: %s", cap_error_last());
		if (!cap_value_equal(out, expect)) {
			char *got = cap_json_to_string(out, CAP_JSON_SORT_KEYS);
			char *want = cap_json_to_string(expect, CAP_JSON_SORT_KEYS);
			fail_msg("got %s\nwant %s", got, want);
		}
	}
	/* the inputs are only read */
	assert_true(cap_value_equal(before, tc->base));
	cap_value_free(before);
	cap_value_free(out);
}

static int case_teardown(void **state)
{
	table_case *tc = *state;
	cap_value_free(tc->base);
	free(tc);
	return 0;
}

static int case_setup(void **state)
{
	const cap_value *c = *state;
	table_case *tc = calloc(1, sizeof(*tc));
	char rel[256];
	snprintf(rel, sizeof(rel), "patch/bases/%s.json", cap_value_dig_string(c, "base", NULL));
	tc->c = c;
	tc->base = load_json(rel);
	*state = tc;
	return 0;
}

static void apply_json(cap_value **out, int *rc, const char *kind_doc, const char *doc_text,
		       const char *patch_text)
{
	cap_value *doc = NULL, *patch = NULL;
	assert_int_equal(cap_json_parse(&doc, doc_text, strlen(doc_text), "doc", NULL), 0);
	assert_int_equal(cap_json_parse(&patch, patch_text, strlen(patch_text), "patch", NULL), 0);
	*rc = cap_strategic_apply(out, doc, patch, cap_schema_lookup_key(schema, kind_doc));
	cap_value_free(doc);
	cap_value_free(patch);
}

static void custom_resources_are_refused_with_the_servers_415_words(void **state)
{
	cap_schema s = CAP_SCHEMA_INIT;
	cap_value *crd = NULL;
	const char *text = "{\"metadata\":{\"name\":\"w\"},\"spec\":{\"group\":\"example.com\","
			   "\"names\":{\"kind\":\"Widget\"},\"versions\":[{\"name\":\"v1\"}]}}";
	assert_int_equal(cap_json_parse(&crd, text, strlen(text), "crd", NULL), 0);
	assert_int_equal(cap_schema_add_crd(&s, crd), 0);
	cap_value *doc = cap_value_object(), *patch = cap_value_object(), *out = NULL;
	assert_int_equal(cap_strategic_apply(&out, doc, patch,
					     cap_schema_lookup_key(&s, "example.com/v1/Widget")),
			 CAP_EUNSUPPORTED);
	assert_string_equal(cap_error_last(), CAP_STRATEGIC_UNSUPPORTED_MESSAGE);
	assert_non_null(strstr(cap_error_last(), "application/merge-patch+json"));
	assert_int_equal(cap_strategic_apply(&out, doc, patch, NULL), CAP_EUNSUPPORTED);
	assert_null(out);
	cap_value_free(doc);
	cap_value_free(patch);
	cap_value_free(crd);
	cap_schema_release(&s);
}

static void non_object_documents_are_invalid(void **state)
{
	cap_value *out = NULL;
	int rc;
	apply_json(&out, &rc, "v1/ConfigMap", "[1]", "{}");
	assert_int_equal(rc, CAP_EINVALID);
	apply_json(&out, &rc, "v1/ConfigMap", "{}", "\"x\"");
	assert_int_equal(rc, CAP_EINVALID);
	assert_null(out);
}

static void list_items_without_merge_key_are_refused(void **state)
{
	cap_value *out = NULL;
	int rc;
	apply_json(&out, &rc, "v1/Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
		   "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}");
	assert_int_equal(rc, CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'name'"));
}

static void mixed_and_nested_list_items_are_refused(void **state)
{
	cap_value *out = NULL;
	int rc;
	apply_json(&out, &rc, "v1/Pod", "{\"metadata\":{\"finalizers\":[\"a\"]}}",
		   "{\"metadata\":{\"finalizers\":[1]}}");
	assert_int_equal(rc, CAP_EINVALID);
	apply_json(&out, &rc, "v1/Pod", "{\"metadata\":{\"finalizers\":[[\"a\"]]}}",
		   "{\"metadata\":{\"finalizers\":[[\"b\"]]}}");
	assert_int_equal(rc, CAP_EINVALID);
	assert_null(out);
}

static void deletion_list_on_a_missing_list_does_nothing(void **state)
{
	cap_value *out = NULL;
	int rc;
	apply_json(&out, &rc, "v1/Pod", "{\"metadata\":{\"name\":\"p\"}}",
		   "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"a\"]}}");
	assert_int_equal(rc, 0);
	char *text = cap_json_to_string(out, CAP_JSON_COMPACT);
	assert_string_equal(text, "{\"metadata\":{\"name\":\"p\"}}");
	free(text);
	cap_value_free(out);
}

static void bad_directive_prefix_is_refused(void **state)
{
	cap_value *out = NULL;
	int rc;
	apply_json(&out, &rc, "v1/Pod", "{\"metadata\":{\"finalizers\":[\"a\"]}}",
		   "{\"metadata\":{\"$deleteFromPrimitiveListX/finalizers\":[\"a\"]}}");
	assert_int_equal(rc, CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "$deleteFromPrimitiveListX/finalizers"));
}

int main(void)
{
	if (cap_schema_default(&schema) < 0) {
		fprintf(stderr, "%s\n", cap_error_last());
		return 1;
	}
	cap_buf path = CAP_BUF_INIT;
	cap_test_fixture_path(&path, "patch/apply_cases.json");
	if (cap_json_parse_file(&cases, path.ptr, NULL) < 0) {
		fprintf(stderr, "%s\n", cap_error_last());
		return 1;
	}
	cap_buf_release(&path);

	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(custom_resources_are_refused_with_the_servers_415_words),
	    cmocka_unit_test(non_object_documents_are_invalid),
	    cmocka_unit_test(list_items_without_merge_key_are_refused),
	    cmocka_unit_test(mixed_and_nested_list_items_are_refused),
	    cmocka_unit_test(deletion_list_on_a_missing_list_does_nothing),
	    cmocka_unit_test(bad_directive_prefix_is_refused),
	};
	size_t n = cap_value_array_len(cases), count = CAP_ARRAY_SIZE(fixed);
	struct CMUnitTest *tests = calloc(n + count, sizeof(*tests));
	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < n; i++) {
		const cap_value *c = cap_value_array_get(cases, i);
		const char *type = cap_value_dig_string(c, "type", NULL);
		if (!type || strcmp(type, "strategic"))
			continue;
		tests[count++] = (struct CMUnitTest){
		    .name = cap_value_dig_string(c, "name", NULL),
		    .test_func = recorded_case,
		    .setup_func = case_setup,
		    .teardown_func = case_teardown,
		    .initial_state = (void *)c,
		};
	}
	int failed = _cmocka_run_group_tests("strategic", tests, count, NULL, NULL);
	free(tests);
	cap_value_free(cases);
	return failed;
}
