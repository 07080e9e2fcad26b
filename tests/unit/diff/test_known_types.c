/* Tests for knownTypeFields: embedded built-in types inside custom resources compare as typed. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/error.h"
#include "diff/diff.h"
#include "diff/known_types.h"
#include "value/yaml.h"

#include <string.h>

static const char rollout_config[] =
    "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n"
    "spec:\n  template:\n    spec:\n      nodeSelector: {}\n"
    "      containers: [{name: c, image: x, resources: {limits: {cpu: 1000m, memory: 1024Mi}}}]\n";
static const char rollout_live[] =
    "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n"
    "spec:\n  template:\n    spec:\n"
    "      containers: [{name: c, image: x, resources: {limits: {cpu: '1', memory: 1Gi}}}]\n";

static void rollout_pod_spec_is_known_by_default(void **state)
{
	cap_value *c = cap_test_yaml(rollout_config), *l = cap_test_yaml(rollout_live);
	cap_diff_known_types *kt = cap_diff_known_types_new(NULL);
	cap_diff_known_types_apply(kt, c);
	assert_null(cap_value_dig(c, "spec", "template", "spec", "nodeSelector", NULL));
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	cap_diff_result r = CAP_DIFF_RESULT_INIT;
	cap_value *fresh = cap_test_yaml(rollout_config);
	assert_int_equal(cap_diff(&r, fresh, l, &o), 0);
	assert_true(r.modified); /* custom resources are not typed without the rule */
	cap_diff_result_release(&r);
	o.known_types = kt;
	assert_int_equal(cap_diff(&r, fresh, l, &o), 0);
	assert_false(r.modified);
	cap_diff_result_release(&r);
	cap_diff_known_types_free(kt);
	cap_value_free(c);
	cap_value_free(l);
	cap_value_free(fresh);
}

static void argocd_cm_fields_cross_lists(void **state)
{
	cap_value *cm =
	    cap_test_yaml("data:\n"
			  "  resource.customizations.knownTypeFields.example.com_Job: |\n"
			  "    - field: spec.steps.template\n"
			  "      type: core/v1/PodTemplateSpec\n");
	cap_diff_known_types *kt = cap_diff_known_types_new(NULL);
	assert_int_equal(cap_diff_known_types_add_argocd_cm(kt, cm), 0);
	cap_value *obj =
	    cap_test_yaml("apiVersion: example.com/v1\nkind: Job\nspec:\n  steps:\n"
			  "  - template: {spec: {containers: [{name: a, resources: {requests: "
			  "{memory: 2048Mi}}}]}}\n"
			  "  - template: {spec: {tolerations: [], containers: []}}\n");
	cap_diff_known_types_apply(kt, obj);
	const cap_value *steps = cap_value_dig(obj, "spec", "steps", NULL);
	const cap_value *c0 = cap_value_array_get(
	    cap_value_dig(cap_value_array_get(steps, 0), "template", "spec", "containers", NULL),
	    0);
	assert_string_equal(cap_value_dig_string(c0, "resources", "requests", "memory", NULL),
			    "2Gi");
	assert_null(
	    cap_value_dig(cap_value_array_get(steps, 1), "template", "spec", "tolerations", NULL));
	cap_value_free(obj);
	cap_value_free(cm);
	cap_diff_known_types_free(kt);
}

static void unknown_types_are_refused(void **state)
{
	cap_diff_known_types *kt = cap_diff_known_types_new(NULL);
	assert_int_equal(cap_diff_known_types_add(kt, "g", "K", "spec", "core/v1/NoSuchType"),
			 CAP_ENOTFOUND);
	assert_non_null(strstr(cap_error_last(), "NoSuchType"));
	assert_int_equal(cap_diff_known_types_add(kt, "g", "K", "spec", "apps/v1/DeploymentSpec"),
			 0);
	assert_int_equal(cap_diff_known_types_add(kt, "g", "K", "spec",
						  "rbac.authorization.k8s.io/v1/PolicyRule"),
			 0);
	assert_int_equal(cap_diff_known_types_add(kt, "g", "K", "metadata", "meta/v1/ObjectMeta"),
			 0);
	cap_diff_known_types_free(kt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rollout_pod_spec_is_known_by_default),
	    cmocka_unit_test(argocd_cm_fields_cross_lists),
	    cmocka_unit_test(unknown_types_are_refused),
	};
	return cmocka_run_group_tests_name("diff/known_types", tests, NULL, NULL);
}
