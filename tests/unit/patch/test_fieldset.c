/* Tests for field sets: FieldsV1 in and out, set algebra, and the API server's path text. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/alloc.h"
#include "base/error.h"
#include "patch/fieldset.h"
#include "value/json.h"
#include "value/yaml.h"

#include <string.h>

static cap_fieldset *set_of(const char *fields_json)
{
	cap_value *v = cap_test_json(fields_json);
	cap_fieldset *s = NULL;
	assert_int_equal(cap_fieldset_from_fields_v1(&s, v), 0);
	cap_value_free(v);
	return s;
}

static void assert_fields(const cap_fieldset *s, const char *want_json)
{
	cap_value *got = cap_fieldset_to_fields_v1(s), *want = cap_test_json(want_json);
	if (!cap_value_equal(got, want)) {
		char *g = cap_json_to_string(got, CAP_JSON_SORT_KEYS);
		fail_msg("got %s, want %s", g, want_json);
	}
	cap_value_free(got);
	cap_value_free(want);
}

/* Every managedFields entry of the shared fixtures reads and prints back unchanged. */
static void fixture_fields_round_trip(void **state)
{
	static const char *const files[] = {"smd-service-live-with-type.yaml",
					    "smd-deploy2-live.yaml", "ssd-svc-label-live.yaml",
					    "ssd-deploy-nested-live.yaml"};
	size_t entries = 0;
	for (size_t f = 0; f < CAP_ARRAY_SIZE(files); f++) {
		cap_buf path = CAP_BUF_INIT;
		cap_value *docs = NULL, *e;
		size_t i;
		cap_buf_puts(&path, "argocd/fixtures/diff/");
		cap_buf_puts(&path, files[f]);
		cap_buf full = CAP_BUF_INIT;
		cap_test_shared_path(&full, path.ptr);
		assert_int_equal(cap_yaml_parse_file(&docs, full.ptr, NULL), 0);
		cap_value *mf =
		    cap_value_dig(cap_value_array_get(docs, 0), "metadata", "managedFields", NULL);
		CAP_VALUE_ARRAY_FOREACH(mf, i, e)
		{
			cap_value *fields = cap_value_object_get(e, "fieldsV1");
			cap_fieldset *s = NULL;
			assert_int_equal(cap_fieldset_from_fields_v1(&s, fields), 0);
			cap_value *back = cap_fieldset_to_fields_v1(s);
			assert_true(cap_value_equal(back, fields));
			cap_value_free(back);
			cap_fieldset_free(s);
			entries++;
		}
		cap_value_free(docs);
		cap_buf_release(&path);
		cap_buf_release(&full);
	}
	assert_int_equal(entries, 3 + 2 + 1 + 1);
}

static void dot_and_empty_object_mark_members(void **state)
{
	cap_fieldset *s = set_of("{\"f:a\":{\".\":{},\"f:b\":{}},\"f:c\":{\"f:d\":{}}}");
	cap_fieldset *a = cap_fieldset_get(s, "f:a"), *c = cap_fieldset_get(s, "f:c");
	assert_true(a->member);
	assert_true(cap_fieldset_get(a, "f:b")->member);
	assert_false(c->member);
	assert_true(cap_fieldset_get(c, "f:d")->member);
	assert_false(s->member);
	cap_fieldset_free(s);
	s = set_of("{}");
	assert_true(cap_fieldset_empty(s));
	assert_fields(s, "{}");
	cap_fieldset_free(s);
}

static void union_subtract_and_intersect(void **state)
{
	cap_fieldset *a =
	    set_of("{\"f:spec\":{\"f:replicas\":{},\"f:ports\":{\"k:{\\\"port\\\":80}\":"
		   "{\".\":{},\"f:name\":{}}}}}");
	cap_fieldset *b = set_of("{\"f:spec\":{\"f:replicas\":{},\"f:paused\":{}}}");
	cap_fieldset *i = cap_fieldset_intersect(a, b);
	assert_fields(i, "{\"f:spec\":{\"f:replicas\":{}}}");
	cap_fieldset *u = cap_fieldset_copy(a);
	cap_fieldset_union(u, b);
	assert_fields(u, "{\"f:spec\":{\"f:replicas\":{},\"f:paused\":{},\"f:ports\":"
			 "{\"k:{\\\"port\\\":80}\":{\".\":{},\"f:name\":{}}}}}");
	cap_fieldset_subtract(u, a);
	assert_fields(u, "{\"f:spec\":{\"f:paused\":{}}}");
	/* Removing a path keeps the paths below it. */
	cap_fieldset *item = set_of("{\"f:spec\":{\"f:ports\":{\"k:{\\\"port\\\":80}\":{}}}}");
	cap_fieldset_subtract(a, item);
	assert_fields(a, "{\"f:spec\":{\"f:replicas\":{},\"f:ports\":{\"k:{\\\"port\\\":80}\":"
			 "{\"f:name\":{}}}}}");
	assert_true(cap_fieldset_has_descendants(cap_fieldset_get(a, "f:spec")));
	cap_fieldset_free(item);
	cap_fieldset_free(i);
	cap_fieldset_free(u);
	cap_fieldset_free(a);
	cap_fieldset_free(b);
}

static void collect(const char *const *path, size_t len, void *ctx)
{
	cap_buf *out = ctx;
	cap_fieldset_path_string(out, path, len);
	cap_buf_putc(out, '|');
}

static void paths_print_as_the_api_server_prints_them(void **state)
{
	cap_fieldset *s = set_of("{\"f:spec\":{\"f:replicas\":{},\"f:ports\":{"
				 "\"k:{\\\"port\\\":1935,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},"
				 "\"f:name\":{}}}},\"f:metadata\":{\"f:finalizers\":{"
				 "\"v:\\\"x\\\"\":{}}},\"f:items\":{\"i:3\":{}}}");
	cap_buf out = CAP_BUF_INIT;
	cap_fieldset_walk(s, collect, &out);
	assert_string_equal(out.ptr, ".items[3]|"
				     ".metadata.finalizers[=\"x\"]|"
				     ".spec.ports[port=1935,protocol=\"TCP\"]|"
				     ".spec.ports[port=1935,protocol=\"TCP\"].name|"
				     ".spec.replicas|");
	cap_buf_release(&out);
	cap_fieldset_free(s);
}

static void malformed_fields_are_refused(void **state)
{
	cap_fieldset *s = NULL;
	cap_value *v = cap_test_json("{\"spec\":{}}");
	assert_int_equal(cap_fieldset_from_fields_v1(&s, v), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'spec'"));
	assert_null(s);
	cap_value_free(v);
	v = cap_test_json("{\"f:spec\":[1]}");
	assert_int_equal(cap_fieldset_from_fields_v1(&s, v), CAP_EINVALID);
	cap_value_free(v);
	assert_int_equal(cap_fieldset_from_fields_v1(&s, NULL), 0);
	assert_true(cap_fieldset_empty(s));
	cap_fieldset_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fixture_fields_round_trip),
	    cmocka_unit_test(dot_and_empty_object_mark_members),
	    cmocka_unit_test(union_subtract_and_intersect),
	    cmocka_unit_test(paths_print_as_the_api_server_prints_them),
	    cmocka_unit_test(malformed_fields_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
