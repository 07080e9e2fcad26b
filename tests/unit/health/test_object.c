/* Object helpers of the health checks: apiVersion splitting and Argo CD's hook rules. */
#include "cap_test.h"

#include "base/error.h"
#include "health/object.h"
#include "value/yaml.h"

#include <string.h>

static cap_value *with_annotations(const char *annotations)
{
	cap_buf text = CAP_BUF_INIT;
	cap_buf_printf(&text, "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: %s\n",
		       annotations);
	cap_value *v = NULL;
	if (cap_yaml_parse(&v, text.ptr, text.len, "inline", NULL) != 0)
		fail_msg("%s", cap_error_last());
	cap_buf_release(&text);
	return v;
}

static void api_version_splits_into_group_and_version(void **state)
{
	cap_value *obj = cap_value_object();
	cap_health_gvk gvk;
	cap_value_object_set(obj, "apiVersion", cap_value_string("apps/v1"));
	cap_value_object_set(obj, "kind", cap_value_string("Deployment"));
	cap_health_gvk_of(&gvk, obj);
	assert_string_equal(gvk.group, "apps");
	assert_string_equal(gvk.version, "v1");
	assert_string_equal(gvk.kind, "Deployment");
	cap_value_object_set(obj, "apiVersion", cap_value_string("v1"));
	cap_health_gvk_of(&gvk, obj);
	assert_string_equal(gvk.group, "");
	assert_string_equal(gvk.version, "v1");
	cap_value_object_del(obj, "apiVersion");
	cap_value_object_del(obj, "kind");
	cap_health_gvk_of(&gvk, obj);
	assert_string_equal(gvk.group, "");
	assert_string_equal(gvk.kind, "");
	cap_value_free(obj);
}

struct hook_case {
	const char *annotations;
	bool hook;
	bool skip;
};

static void hook_annotations_follow_argo_cd(void **state)
{
	static const struct hook_case cases[] = {
	    {"{}", false, false},
	    {"{argocd.argoproj.io/hook: PreSync}", true, false},
	    {"{argocd.argoproj.io/hook: 'PreSync, PostSync'}", true, false},
	    {"{argocd.argoproj.io/hook: Skip}", false, true},
	    {"{argocd.argoproj.io/hook: 'Skip,PreSync'}", true, false},
	    {"{argocd.argoproj.io/hook: Unknown}", true, false},
	    {"{helm.sh/hook: pre-install}", true, false},
	    {"{helm.sh/hook: crd-install}", false, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cap_value *obj = with_annotations(cases[i].annotations);
		if (cap_health_is_hook(obj) != cases[i].hook ||
		    cap_health_is_skip_hook(obj) != cases[i].skip)
			fail_msg("%s: hook %d skip %d", cases[i].annotations,
				 cap_health_is_hook(obj), cap_health_is_skip_hook(obj));
		cap_value_free(obj);
	}
}

static void hook_finalizer_is_recognised(void **state)
{
	const char *yaml = "metadata:\n  finalizers: [example.com/x, "
			   "argocd.argoproj.io/hook-finalizer]\n";
	cap_value *obj = NULL;
	assert_int_equal(cap_yaml_parse(&obj, yaml, strlen(yaml), "inline", NULL), 0);
	assert_true(cap_health_has_hook_finalizer(obj));
	cap_value_free(obj);
	obj = with_annotations("{}");
	assert_false(cap_health_has_hook_finalizer(obj));
	cap_value_free(obj);
}

static void field_helpers_tolerate_wrong_types(void **state)
{
	const char *yaml =
	    "status: {replicas: '3', ready: 2, name: 7, conditions: {type: Ready}}\n";
	cap_value *obj = NULL;
	assert_int_equal(cap_yaml_parse(&obj, yaml, strlen(yaml), "inline", NULL), 0);
	assert_int_equal(cap_health_int(obj, "status", "replicas", NULL), 0);
	assert_int_equal(cap_health_int(obj, "status", "ready", NULL), 2);
	assert_string_equal(cap_health_str(obj, "status", "name", NULL), "");
	assert_null(
	    cap_health_condition(cap_value_dig(obj, "status", "conditions", NULL), "Ready"));
	assert_false(cap_health_has(obj, "status", "missing", NULL));
	assert_true(cap_health_has(obj, "status", "ready", NULL));
	cap_value_free(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(api_version_splits_into_group_and_version),
	    cmocka_unit_test(hook_annotations_follow_argo_cd),
	    cmocka_unit_test(hook_finalizer_is_recognised),
	    cmocka_unit_test(field_helpers_tolerate_wrong_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
