/* Tests for strategic merge patch create: two-way round trips checked by kubectl, three-way rules.
 */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/error.h"
#include "patch/strategic.h"
#include "schema/schema.h"
#include "value/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cap_schema *schema;

static const cap_schema_type *deployment(void)
{
	return cap_schema_lookup(schema, "apps/v1", "Deployment");
}

static void assert_json(const cap_value *got, const char *want_text)
{
	cap_value *want = cap_test_json(want_text);
	if (!cap_value_equal(got, want)) {
		char *g = cap_json_to_string(got, CAP_JSON_SORT_KEYS);
		fail_msg("got %s\nwant %s", g, want_text);
	}
	cap_value_free(want);
}

static cap_value *manifest(int step)
{
	cap_buf path = CAP_BUF_INIT;
	char rel[64];
	snprintf(rel, sizeof(rel), "patch/three_way/%02d.json", step);
	cap_test_fixture_path(&path, rel);
	cap_value *doc = NULL;
	assert_int_equal(cap_json_parse_file(&doc, path.ptr, NULL), 0);
	cap_buf_release(&path);
	cap_value *m = cap_value_ref(cap_value_object_get(doc, "manifest"));
	cap_value_free(doc);
	return m;
}

/* Applies patch to doc with `kubectl patch --local` (Kubernetes' own code). */
static cap_value *kubectl_apply(const char *dir, const cap_value *doc, const cap_value *patch)
{
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT, out = CAP_BUF_INIT;
	cap_buf_printf(&path, "%s/doc.json", dir);
	cap_json_print(&text, doc, CAP_JSON_COMPACT);
	assert_int_equal(cap_buf_write_file_atomic(&text, path.ptr), 0);
	cap_buf_clear(&text);
	cap_json_print(&text, patch, CAP_JSON_COMPACT);
	cap_buf patch_path = CAP_BUF_INIT;
	cap_buf_printf(&patch_path, "%s/patch.json", dir);
	assert_int_equal(cap_buf_write_file_atomic(&text, patch_path.ptr), 0);
	assert_int_equal(
	    cap_test_run(&out,
			 "kubectl patch --local -f %s --type strategic -p \"$(cat %s)\" "
			 "-o json",
			 path.ptr, patch_path.ptr),
	    0);
	cap_value *v = cap_test_json(out.ptr);
	cap_buf_release(&path);
	cap_buf_release(&patch_path);
	cap_buf_release(&text);
	cap_buf_release(&out);
	return v;
}

/* Up to step 24: step 25 only reorders finalizers, which kubectl's diff does not see. */
static void two_way_patches_turn_each_manifest_into_the_next(void **state)
{
	bool kubectl = cap_test_have_program("kubectl");
	cap_buf dir = CAP_BUF_INIT;
	cap_test_mkdtemp(&dir);
	for (int step = 1; step < 24; step++) {
		cap_value *a = manifest(step), *b = manifest(step + 1), *patch = NULL, *mine = NULL;
		assert_int_equal(cap_strategic_create_two_way(&patch, a, b, deployment()), 0);
		assert_int_equal(cap_strategic_apply(&mine, a, patch, deployment()), 0);
		if (!cap_value_equal(mine, b))
			fail_msg("step %d: applying %s does not give the next manifest", step,
				 cap_json_to_string(patch, 0));
		if (kubectl) {
			cap_value *theirs = kubectl_apply(dir.ptr, a, patch);
			if (!cap_value_equal(theirs, b))
				fail_msg("step %d: kubectl applies %s differently", step,
					 cap_json_to_string(patch, 0));
			cap_value_free(theirs);
		}
		cap_value_free(a);
		cap_value_free(b);
		cap_value_free(patch);
		cap_value_free(mine);
	}
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void two_way(const char *original, const char *modified, const char *want)
{
	cap_value *o = cap_test_json(original), *m = cap_test_json(modified), *patch = NULL;
	assert_int_equal(cap_strategic_create_two_way(&patch, o, m, deployment()), 0);
	assert_json(patch, want);
	cap_value_free(o);
	cap_value_free(m);
	cap_value_free(patch);
}

static void equal_documents_give_an_empty_patch(void **state)
{
	two_way("{\"spec\":{\"replicas\":1,\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\"}"
		"]}}}}",
		"{\"spec\":{\"replicas\":1.0,\"template\":{\"spec\":{\"containers\":[{\"name\":"
		"\"a\"}]}}}}",
		"{}");
}

static void reordered_containers_give_only_an_order_directive(void **state)
{
	two_way("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":"
		"\"b\"}]}}}}",
		"{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"b\"},{\"name\":"
		"\"a\"}]}}}}",
		"{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":"
		"[{\"name\":\"b\"},{\"name\":\"a\"}]}}}}");
}

static void removed_container_gives_a_delete_directive(void **state)
{
	two_way(
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"
	    "}}}",
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}}}",
	    "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"}],"
	    "\"containers\":[{\"$patch\":\"delete\",\"name\":\"b\"}]}}}}");
}

static void changed_finalizers_give_a_parallel_deletion_list(void **state)
{
	two_way("{\"metadata\":{\"finalizers\":[\"x/a\",\"x/b\"]}}",
		"{\"metadata\":{\"finalizers\":[\"x/b\",\"x/c\"]}}",
		"{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"x/a\"],"
		"\"$setElementOrder/finalizers\":[\"x/b\",\"x/c\"],\"finalizers\":[\"x/c\"]}}");
}

static void reordered_finalizers_alone_give_no_patch(void **state)
{
	/* kubectl compares the scalars after sorting the original in place: order is not a change
	 */
	two_way("{\"metadata\":{\"finalizers\":[\"x/b\",\"x/a\"]}}",
		"{\"metadata\":{\"finalizers\":[\"x/a\",\"x/b\"]}}", "{}");
}

static void strategy_switch_gives_retain_keys(void **state)
{
	two_way("{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
		"\"maxSurge\":1}}}}",
		"{\"spec\":{\"strategy\":{\"type\":\"Recreate\"}}}",
		"{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"rollingUpdate\":null,"
		"\"type\":\"Recreate\"}}}");
}

static void removed_fields_become_nulls_and_atomic_lists_are_replaced(void **state)
{
	two_way(
	    "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"template\":{\"spec\":"
	    "{\"tolerations\":[{\"key\":\"a\"},{\"key\":\"b\"}]}}}}",
	    "{\"metadata\":{\"labels\":{\"a\":\"1\"}},\"spec\":{\"template\":{\"spec\":"
	    "{\"tolerations\":[{\"key\":\"b\"}]}}}}",
	    "{\"metadata\":{\"labels\":{\"b\":null}},\"spec\":{\"template\":{\"spec\":"
	    "{\"tolerations\":[{\"key\":\"b\"}]}}}}");
}

static void three_way(const char *original, const char *modified, const char *current,
		      const char *want)
{
	cap_value *o = original ? cap_test_json(original) : NULL, *m = cap_test_json(modified),
		  *c = cap_test_json(current);
	cap_value *patch = NULL;
	assert_int_equal(cap_strategic_create_three_way(&patch, o, m, c, deployment()), 0);
	assert_json(patch, want);
	cap_value_free(o);
	cap_value_free(m);
	cap_value_free(c);
	cap_value_free(patch);
}

static void three_way_keeps_what_only_the_live_object_has(void **state)
{
	/*
	 * an injector added env INJECTED and a container; the config only changes the image. The
	 * env list is shorter than the live one, so kubectl restates its order (the oracle's step
	 * 10 records the same from kubectl).
	 */
	three_way(
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"a:"
	    "1\","
	    "\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}]}}}}",
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"a:"
	    "2\","
	    "\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}]}}}}",
	    "{\"spec\":{\"replicas\":3,\"template\":{\"spec\":{\"containers\":[{\"name\":\"mesh\"},"
	    "{\"name\":\"app\",\"image\":\"a:1\",\"env\":[{\"name\":\"A\",\"value\":\"1\"},"
	    "{\"name\":\"INJECTED\",\"value\":\"y\"}]}]}}}}",
	    "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/"
	    "containers\":[{\"name\":\"app\"}],"
	    "\"containers\":[{\"$setElementOrder/env\":[{\"name\":\"A\"}],\"image\":\"a:2\","
	    "\"name\":\"app\"}]}}}}");
}

static void three_way_deletes_what_the_config_stopped_saying(void **state)
{
	three_way("{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"replicas\":2}}",
		  "{\"metadata\":{\"labels\":{\"a\":\"1\"}},\"spec\":{}}",
		  "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}},\"spec\":{"
		  "\"replicas\":5}}",
		  "{\"metadata\":{\"labels\":{\"b\":null}},\"spec\":{\"replicas\":null}}");
}

static void three_way_resets_drifted_values_the_config_holds(void **state)
{
	three_way("{\"spec\":{\"replicas\":2}}", "{\"spec\":{\"replicas\":2}}",
		  "{\"spec\":{\"replicas\":7}}", "{\"spec\":{\"replicas\":2}}");
}

static void three_way_without_last_applied_deletes_nothing(void **state)
{
	three_way(NULL, "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}",
		  "{\"metadata\":{\"labels\":{\"a\":\"0\",\"z\":\"9\"}}}",
		  "{\"metadata\":{\"labels\":{\"a\":\"1\"}}}");
}

static void create_refuses_untyped_objects(void **state)
{
	cap_value *a = cap_test_json("{}"), *out = NULL;
	assert_int_equal(cap_strategic_create_two_way(&out, a, a, NULL), CAP_EUNSUPPORTED);
	assert_int_equal(cap_strategic_create_three_way(&out, a, a, a, NULL), CAP_EUNSUPPORTED);
	assert_null(out);
	cap_value_free(a);
}

int main(void)
{
	if (cap_schema_default(&schema) < 0) {
		fprintf(stderr, "%s\n", cap_error_last());
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(two_way_patches_turn_each_manifest_into_the_next),
	    cmocka_unit_test(equal_documents_give_an_empty_patch),
	    cmocka_unit_test(reordered_containers_give_only_an_order_directive),
	    cmocka_unit_test(removed_container_gives_a_delete_directive),
	    cmocka_unit_test(changed_finalizers_give_a_parallel_deletion_list),
	    cmocka_unit_test(reordered_finalizers_alone_give_no_patch),
	    cmocka_unit_test(strategy_switch_gives_retain_keys),
	    cmocka_unit_test(removed_fields_become_nulls_and_atomic_lists_are_replaced),
	    cmocka_unit_test(three_way_keeps_what_only_the_live_object_has),
	    cmocka_unit_test(three_way_deletes_what_the_config_stopped_saying),
	    cmocka_unit_test(three_way_resets_drifted_values_the_config_holds),
	    cmocka_unit_test(three_way_without_last_applied_deletes_nothing),
	    cmocka_unit_test(create_refuses_untyped_objects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
