/* Tests for ignoreDifferences: matching, JSON pointers, jq paths, argocd-cm keys, managers. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/error.h"
#include "base/strvec.h"
#include "base/time.h"
#include "diff/diff.h"
#include "diff/ignore.h"
#include "value/json.h"
#include "value/yaml.h"

#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
/* libjq 1.6 does not free the frames of an evaluation stopped by jq_halt (608 bytes here). */
#define LIBJQ_HALT_LEAKS_BEGIN() __lsan_disable()
#define LIBJQ_HALT_LEAKS_END()	 __lsan_enable()
#else
#define LIBJQ_HALT_LEAKS_BEGIN() ((void)0)
#define LIBJQ_HALT_LEAKS_END()	 ((void)0)
#endif

static const char deployment[] =
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata: {name: web, namespace: shop}\n"
    "spec:\n"
    "  replicas: 3\n"
    "  template:\n"
    "    spec:\n"
    "      containers:\n"
    "      - {name: web, image: 'nginx:1', env: [{name: A, value: a}]}\n"
    "      - {name: sidecar, image: 'proxy:2'}\n"
    "      - {name: other, image: 'x:3'}\n";

static void app_rules_remove_pointers_and_jq_paths(void **state)
{
	cap_diff_ignore *ig = cap_diff_ignore_new();
	cap_value *rules =
	    cap_test_yaml("- group: apps\n"
			  "  kind: Deployment\n"
			  "  jsonPointers: [/spec/replicas, /spec/missing]\n"
			  "  jqPathExpressions:\n"
			  "  - .spec.template.spec.containers[] | select(.name == \"sidecar\")\n"
			  "  - .spec.template.spec.containers[].env\n");
	assert_int_equal(cap_diff_ignore_add_app(ig, rules), 0);
	cap_value *obj = cap_test_yaml(deployment);
	assert_true(cap_diff_ignore_matches(ig, obj));
	cap_diff_ignore_apply(ig, obj);
	assert_null(cap_value_dig(obj, "spec", "replicas", NULL));
	cap_value *cs = cap_value_dig(obj, "spec", "template", "spec", "containers", NULL);
	assert_int_equal(cap_value_array_len(cs), 2);
	assert_string_equal(cap_value_dig_string(cap_value_array_get(cs, 0), "name", NULL), "web");
	assert_string_equal(cap_value_dig_string(cap_value_array_get(cs, 1), "name", NULL),
			    "other");
	assert_null(cap_value_object_get(cap_value_array_get(cs, 0), "env"));
	cap_value_free(obj);
	cap_value_free(rules);
	cap_diff_ignore_free(ig);
}

static void name_namespace_and_kind_restrict_rules(void **state)
{
	cap_diff_ignore *ig = cap_diff_ignore_new();
	cap_value *rules = cap_test_yaml(
	    "- {group: apps, kind: Deployment, name: api, jsonPointers: [/spec]}\n"
	    "- {group: apps, kind: Deployment, namespace: other, jsonPointers: [/spec]}\n"
	    "- {kind: Deployment, jsonPointers: [/spec]}\n"
	    "- {group: apps, kind: StatefulSet, jsonPointers: [/spec]}\n");
	assert_int_equal(cap_diff_ignore_add_app(ig, rules), 0);
	cap_value *obj = cap_test_yaml(deployment);
	assert_false(cap_diff_ignore_matches(ig, obj));
	cap_diff_ignore_apply(ig, obj);
	assert_non_null(cap_value_object_get(obj, "spec"));
	cap_value_free(obj);
	cap_value_free(rules);
	cap_diff_ignore_free(ig);
}

static void bad_rules_are_refused(void **state)
{
	cap_diff_ignore *ig = cap_diff_ignore_new();
	cap_value *bad_jq =
	    cap_test_yaml("- {kind: Deployment, jqPathExpressions: ['.spec | ']}\n");
	assert_int_equal(cap_diff_ignore_add_app(ig, bad_jq), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "jq"));
	cap_value *bad_ptr = cap_test_yaml("- {kind: Deployment, jsonPointers: [spec]}\n");
	assert_int_equal(cap_diff_ignore_add_app(ig, bad_ptr), CAP_EINVALID);
	assert_int_equal(cap_diff_ignore_count(ig), 0);
	cap_value_free(bad_jq);
	cap_value_free(bad_ptr);
	cap_diff_ignore_free(ig);
}

static void argocd_cm_keys_are_read(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_value *docs = NULL;
	cap_test_fixture_path(&path, "diff/argocd-cm.yaml");
	assert_int_equal(cap_yaml_parse_file(&docs, path.ptr, NULL), 0);
	const cap_value *cm = cap_value_array_get(docs, 0);
	cap_diff_ignore *ig = cap_diff_ignore_new();
	assert_int_equal(cap_diff_ignore_add_argocd_cm(ig, cm), 0);
	assert_int_equal(cap_diff_ignore_count(ig), 3);

	cap_value *obj = cap_test_yaml(deployment);
	cap_value_object_set(cap_value_object_get(obj, "metadata"), "labels",
			     cap_test_yaml("{injected-by-webhook: 'yes', app: web}"));
	cap_diff_ignore_apply(ig, obj);
	assert_null(cap_value_dig(obj, "spec", "replicas", NULL));
	assert_null(cap_value_dig(obj, "metadata", "labels", "injected-by-webhook", NULL));
	assert_non_null(cap_value_dig(obj, "metadata", "labels", "app", NULL));
	cap_strvec managers = CAP_STRVEC_INIT;
	cap_diff_ignore_managers(ig, obj, &managers);
	assert_int_equal(managers.len, 1);
	assert_string_equal(managers.items[0], "kube-controller-manager");

	bool aggr = false;
	cap_diff_status_mode status = CAP_DIFF_STATUS_OFF;
	assert_int_equal(cap_diff_compare_options(&aggr, &status, cm), 0);
	assert_true(aggr);
	assert_int_equal(status, CAP_DIFF_STATUS_ALL);

	cap_strvec_release(&managers);
	cap_value_free(obj);
	cap_value_free(docs);
	cap_diff_ignore_free(ig);
	cap_buf_release(&path);
}

static void legacy_resource_customizations_are_read(void **state)
{
	cap_value *cm = cap_test_yaml("data:\n"
				      "  resource.customizations: |\n"
				      "    apps/Deployment:\n"
				      "      ignoreDifferences: |\n"
				      "        jsonPointers:\n"
				      "        - /spec/replicas\n");
	cap_diff_ignore *ig = cap_diff_ignore_new();
	assert_int_equal(cap_diff_ignore_add_argocd_cm(ig, cm), 0);
	cap_value *obj = cap_test_yaml(deployment);
	cap_diff_ignore_apply(ig, obj);
	assert_null(cap_value_dig(obj, "spec", "replicas", NULL));
	cap_value_free(obj);
	cap_value_free(cm);
	cap_diff_ignore_free(ig);
}

static void managed_fields_managers_hide_their_changes(void **state)
{
	cap_value *live = cap_test_yaml("apiVersion: apps/v1\n"
					"kind: Deployment\n"
					"metadata:\n"
					"  name: web\n"
					"  managedFields:\n"
					"  - manager: hpa-controller\n"
					"    operation: Update\n"
					"    apiVersion: apps/v1\n"
					"    fieldsType: FieldsV1\n"
					"    fieldsV1: {'f:spec': {'f:replicas': {}}}\n"
					"spec: {replicas: 7, paused: false}\n");
	cap_value *config =
	    cap_test_yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
			  "spec: {replicas: 2, paused: true}\n");
	cap_diff_ignore *ig = cap_diff_ignore_new();
	cap_value *rules = cap_test_yaml(
	    "- {group: apps, kind: Deployment, managedFieldsManagers: [hpa-controller]}\n");
	assert_int_equal(cap_diff_ignore_add_app(ig, rules), 0);
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	o.ignore = ig;
	cap_diff_result r = CAP_DIFF_RESULT_INIT;
	assert_int_equal(cap_diff(&r, config, live, &o), 0);
	assert_true(r.modified); /* paused still differs */
	/* the manager's 7 is gone from both sides (only the API server's default may remain) */
	assert_true(cap_value_equal(cap_value_dig(r.predicted_live, "spec", "replicas", NULL),
				    cap_value_dig(r.normalized_live, "spec", "replicas", NULL)));
	assert_int_not_equal(
	    cap_value_get_int(cap_value_dig(r.normalized_live, "spec", "replicas", NULL)), 7);
	cap_diff_result_release(&r);
	cap_value_object_set(cap_value_object_get(config, "spec"), "paused", cap_value_bool(false));
	assert_int_equal(cap_diff(&r, config, live, &o), 0);
	assert_false(r.modified);
	cap_diff_result_release(&r);
	cap_value_free(rules);
	cap_value_free(live);
	cap_value_free(config);
	cap_diff_ignore_free(ig);
}

static void runaway_jq_is_cut_short(void **state)
{
	cap_diff_ignore *ig = cap_diff_ignore_new();
	cap_diff_ignore_set_jq_timeout(ig, 200);
	cap_value *rules = cap_test_yaml(
	    "- group: apps\n  kind: Deployment\n"
	    "  jqPathExpressions:\n"
	    "  - 'if .slow then (last(range(1e12)) | empty) else . end | .spec.replicas'\n");
	assert_int_equal(cap_diff_ignore_add_app(ig, rules), 0);
	cap_value *slow = cap_test_yaml(deployment);
	cap_value_object_set(slow, "slow", cap_value_bool(true));
	uint64_t t0 = cap_time_now_ms();
	LIBJQ_HALT_LEAKS_BEGIN();
	cap_diff_ignore_apply(ig, slow);
	LIBJQ_HALT_LEAKS_END();
	assert_true(cap_time_now_ms() - t0 < 3000);
	assert_non_null(cap_value_dig(slow, "spec", "replicas", NULL));
	/* the same compiled program still works once halted */
	cap_value *fast = cap_test_yaml(deployment);
	cap_diff_ignore_apply(ig, fast);
	assert_null(cap_value_dig(fast, "spec", "replicas", NULL));
	cap_value_free(slow);
	cap_value_free(fast);
	cap_value_free(rules);
	cap_diff_ignore_free(ig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(app_rules_remove_pointers_and_jq_paths),
	    cmocka_unit_test(name_namespace_and_kind_restrict_rules),
	    cmocka_unit_test(bad_rules_are_refused),
	    cmocka_unit_test(argocd_cm_keys_are_read),
	    cmocka_unit_test(legacy_resource_customizations_are_read),
	    cmocka_unit_test(managed_fields_managers_hide_their_changes),
	    cmocka_unit_test(runaway_jq_is_cut_short),
	};
	return cmocka_run_group_tests_name("diff/ignore", tests, NULL, NULL);
}
