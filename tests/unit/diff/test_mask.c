/* Tests for Secret masking: equal values share a mask, different values differ, nothing leaks. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/error.h"
#include "diff/diff.h"
#include "diff/mask.h"
#include "diff/normalize.h"
#include "value/json.h"

#include <stdlib.h>
#include <string.h>

static const char *data(const cap_value *obj, const char *key)
{
	return cap_value_dig_string(obj, "data", key, NULL);
}

static void equal_values_share_a_mask_and_changes_stay_visible(void **state)
{
	cap_value *target =
	    cap_test_json("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{"
			  "\"same\":\"c2VjcmV0\",\"changed\":\"bmV3\",\"added\":\"eA==\"}}");
	cap_value *live =
	    cap_test_json("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{"
			  "\"same\":\"c2VjcmV0\",\"changed\":\"b2xk\",\"gone\":\"eQ==\"}}");
	cap_diff_hide_secret_data(target, live, NULL);
	assert_string_equal(data(target, "same"), "++++++++");
	assert_string_equal(data(live, "same"), "++++++++");
	assert_string_equal(data(target, "changed"), "++++++++");
	assert_string_equal(data(live, "changed"), "++++++++++++");
	assert_string_equal(data(target, "added"), "++++++++");
	assert_null(data(live, "added"));
	assert_string_equal(data(live, "gone"), "++++++++");
	char *t = cap_json_to_string(target, 0), *l = cap_json_to_string(live, 0);
	assert_null(strstr(t, "c2VjcmV0"));
	assert_null(strstr(l, "b2xk"));
	free(t);
	free(l);
	cap_value_free(target);
	cap_value_free(live);
}

static void string_data_is_folded_then_masked(void **state)
{
	cap_value *target =
	    cap_test_json("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"stringData\":{"
			  "\"password\":\"secret\"}}");
	cap_value *live = cap_test_json("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{"
					"\"password\":\"c2VjcmV0\"}}");
	cap_diff_hide_secret_data(target, live, NULL);
	assert_null(cap_value_object_get(target, "stringData"));
	assert_string_equal(data(target, "password"), "++++++++");
	assert_string_equal(data(live, "password"), "++++++++");
	cap_value_free(target);
	cap_value_free(live);
}

static void last_applied_configuration_is_masked(void **state)
{
	cap_value *live = cap_test_json(
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"annotations\":{"
	    "\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"apiVersion\\\":\\\"v1\\\","
	    "\\\"kind\\\":\\\"Secret\\\",\\\"data\\\":{\\\"k\\\":\\\"b2xk\\\"}}\"}},"
	    "\"data\":{\"k\":\"bmV3\"}}");
	cap_diff_hide_secret_data(NULL, live, NULL);
	const char *la =
	    cap_value_dig_string(live, "metadata", "annotations", CAP_DIFF_LAST_APPLIED, NULL);
	assert_non_null(la);
	assert_null(strstr(la, "b2xk"));
	assert_non_null(strstr(la, "++++++++++++"));
	assert_string_equal(data(live, "k"), "++++++++");
	cap_value_free(live);
}

static void named_annotations_are_masked(void **state)
{
	cap_value *target =
	    cap_test_json("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{"
			  "\"annotations\":{\"token\":\"abc\",\"plain\":\"x\"}}}");
	const char *const hide[] = {"token", NULL};
	cap_diff_hide_secret_data(target, NULL, hide);
	assert_string_equal(cap_value_dig_string(target, "metadata", "annotations", "token", NULL),
			    "++++++++");
	assert_string_equal(cap_value_dig_string(target, "metadata", "annotations", "plain", NULL),
			    "x");
	cap_value_free(target);
}

static void other_kinds_are_untouched(void **state)
{
	cap_value *cm =
	    cap_test_json("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"a\":\"b\"}}");
	cap_value *copy = cap_value_deep_copy(cm);
	cap_diff_hide_secret_data(cm, NULL, NULL);
	assert_true(cap_value_equal(cm, copy));
	cap_value *sealed =
	    cap_test_json("{\"apiVersion\":\"bitnami.com/v1alpha1\",\"kind\":\"Secret\","
			  "\"data\":{\"a\":\"b\"}}");
	cap_diff_hide_secret_data(sealed, NULL, NULL);
	assert_string_equal(data(sealed, "a"), "b");
	cap_value_free(cm);
	cap_value_free(copy);
	cap_value_free(sealed);
}

static void diff_results_are_masked_in_place(void **state)
{
	cap_value *config =
	    cap_test_json("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{"
			  "\"name\":\"s\"},\"data\":{\"k\":\"bmV3\"}}");
	cap_value *live = cap_test_json("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{"
					"\"name\":\"s\"},\"data\":{\"k\":\"b2xk\"}}");
	cap_diff_result r = CAP_DIFF_RESULT_INIT;
	assert_int_equal(cap_diff(&r, config, live, NULL), 0);
	cap_diff_result_hide_secrets(&r);
	assert_true(r.modified);
	assert_string_equal(data(r.predicted_live, "k"), "++++++++");
	assert_string_equal(data(r.normalized_live, "k"), "++++++++++++");
	cap_diff_result_release(&r);
	cap_diff_result_hide_secrets(NULL);
	cap_value_free(config);
	cap_value_free(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(equal_values_share_a_mask_and_changes_stay_visible),
	    cmocka_unit_test(string_data_is_folded_then_masked),
	    cmocka_unit_test(last_applied_configuration_is_masked),
	    cmocka_unit_test(named_annotations_are_masked),
	    cmocka_unit_test(other_kinds_are_untouched),
	    cmocka_unit_test(diff_results_are_masked_in_place),
	};
	return cmocka_run_group_tests_name("diff/mask", tests, NULL, NULL);
}
