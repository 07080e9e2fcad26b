/* Tests for hooks: Argo CD and Helm hook types, delete policies, generated names and results. */
#include "cap_test.h"

#include <string.h>

#include "base/error.h"
#include "sync/hook.h"
#include "value/json.h"

/* A Job whose metadata.annotations is the JSON object text annotations. */
static cap_value *job(const char *annotations)
{
	cap_buf json = CAP_BUF_INIT;
	cap_value *v = NULL;
	cap_buf_printf(
	    &json,
	    "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"db\","
	    "\"annotations\":%s}}",
	    annotations);
	assert_int_equal(cap_json_parse(&v, json.ptr, json.len, "test", NULL), 0);
	cap_buf_release(&json);
	return v;
}

#define BIT(p) CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_##p)

static unsigned types_of(const char *annotations)
{
	cap_value *o = job(annotations);
	unsigned t = cap_sync_hook_types(o);
	cap_value_free(o);
	return t;
}

static void every_argo_hook_type_and_comma_lists(void **state)
{
	assert_int_equal(types_of("{\"argocd.argoproj.io/hook\":\"PreSync\"}"), BIT(PRE_SYNC));
	assert_int_equal(types_of("{\"argocd.argoproj.io/hook\":\"Sync\"}"), BIT(SYNC));
	assert_int_equal(types_of("{\"argocd.argoproj.io/hook\":\"PostSync\"}"), BIT(POST_SYNC));
	assert_int_equal(types_of("{\"argocd.argoproj.io/hook\":\"SyncFail\"}"), BIT(SYNC_FAIL));
	assert_int_equal(types_of("{\"argocd.argoproj.io/hook\":\"PreDelete\"}"), BIT(PRE_DELETE));
	assert_int_equal(types_of("{\"argocd.argoproj.io/hook\":\"PostDelete\"}"),
			 BIT(POST_DELETE));
	assert_int_equal(types_of("{\"argocd.argoproj.io/hook\":\"Skip\"}"), CAP_SYNC_HOOK_SKIP);
	assert_int_equal(types_of("{\"argocd.argoproj.io/hook\":\"PreSync, PostSync\"}"),
			 BIT(PRE_SYNC) | BIT(POST_SYNC));
	assert_int_equal(types_of("{\"argocd.argoproj.io/hook\":\"presync\"}"), 0);
	assert_int_equal(types_of("{}"), 0);
}

static void helm_hooks_map_to_phases_and_argo_annotation_wins(void **state)
{
	assert_int_equal(types_of("{\"helm.sh/hook\":\"pre-install\"}"), BIT(PRE_SYNC));
	assert_int_equal(types_of("{\"helm.sh/hook\":\"pre-upgrade\"}"), BIT(PRE_SYNC));
	assert_int_equal(types_of("{\"helm.sh/hook\":\"post-install,post-upgrade\"}"),
			 BIT(POST_SYNC));
	assert_int_equal(types_of("{\"helm.sh/hook\":\"test\"}"), 0);
	assert_int_equal(types_of("{\"helm.sh/hook\":\"pre-delete,post-rollback\"}"), 0);
	assert_int_equal(
	    types_of("{\"helm.sh/hook\":\"pre-install\",\"argocd.argoproj.io/hook\":\"PostSync\"}"),
	    BIT(POST_SYNC));
}

static void phases_of_resources_hooks_and_skipped_objects(void **state)
{
	cap_value *plain = job("{}");
	cap_value *skip = job("{\"argocd.argoproj.io/hook\":\"Skip\"}");
	cap_value *pre_post = job("{\"argocd.argoproj.io/hook\":\"PreSync,PostSync\"}");
	cap_value *post_delete = job("{\"argocd.argoproj.io/hook\":\"PostDelete\"}");
	cap_value *helm_test = job("{\"helm.sh/hook\":\"test\"}");
	assert_false(cap_sync_hook_is_hook(plain));
	assert_int_equal(cap_sync_hook_phases(plain), BIT(SYNC));
	assert_true(cap_sync_hook_skipped(skip));
	assert_false(cap_sync_hook_is_hook(skip));
	assert_int_equal(cap_sync_hook_phases(skip), 0);
	assert_true(cap_sync_hook_is_hook(pre_post));
	assert_int_equal(cap_sync_hook_phases(pre_post), BIT(PRE_SYNC) | BIT(POST_SYNC));
	assert_true(cap_sync_hook_is_hook(post_delete));
	assert_int_equal(cap_sync_hook_phases(post_delete), 0);
	/* a Helm hook Capstan does not map is never applied; a crd-install "hook" is a resource */
	assert_true(cap_sync_hook_is_hook(helm_test));
	assert_int_equal(cap_sync_hook_phases(helm_test), 0);
	cap_value *crd = job("{\"helm.sh/hook\":\"crd-install\"}");
	assert_false(cap_sync_hook_is_hook(crd));
	assert_int_equal(cap_sync_hook_phases(crd), BIT(SYNC));
	cap_value_free(crd);
	cap_value_free(plain);
	cap_value_free(skip);
	cap_value_free(pre_post);
	cap_value_free(post_delete);
	cap_value_free(helm_test);
}

static unsigned policies_of(const char *annotations)
{
	cap_value *o = job(annotations);
	unsigned p = cap_sync_hook_delete_policies(o);
	cap_value_free(o);
	return p;
}

static void delete_policies_default_argo_and_helm(void **state)
{
	assert_int_equal(policies_of("{\"argocd.argoproj.io/hook\":\"Sync\"}"),
			 CAP_SYNC_HOOK_DELETE_BEFORE_CREATION);
	assert_int_equal(
	    policies_of("{\"argocd.argoproj.io/hook-delete-policy\":\"HookSucceeded\"}"),
	    CAP_SYNC_HOOK_DELETE_SUCCEEDED);
	assert_int_equal(policies_of("{\"argocd.argoproj.io/hook-delete-policy\":\"HookFailed\"}"),
			 CAP_SYNC_HOOK_DELETE_FAILED);
	assert_int_equal(
	    policies_of("{\"argocd.argoproj.io/hook-delete-policy\":\"HookSucceeded,HookFailed\"}"),
	    CAP_SYNC_HOOK_DELETE_SUCCEEDED | CAP_SYNC_HOOK_DELETE_FAILED);
	assert_int_equal(policies_of("{\"helm.sh/hook-delete-policy\":\"hook-succeeded\"}"),
			 CAP_SYNC_HOOK_DELETE_SUCCEEDED);
	assert_int_equal(policies_of("{\"helm.sh/hook-delete-policy\":\"hook-failed\"}"),
			 CAP_SYNC_HOOK_DELETE_FAILED);
	assert_int_equal(policies_of("{\"helm.sh/hook-delete-policy\":\"before-hook-creation\"}"),
			 CAP_SYNC_HOOK_DELETE_BEFORE_CREATION);
	assert_int_equal(policies_of("{\"argocd.argoproj.io/hook-delete-policy\":\"Never\"}"),
			 CAP_SYNC_HOOK_DELETE_BEFORE_CREATION);
}

static void generate_name_hooks_are_named_per_revision_phase_and_start(void **state)
{
	const char *json = "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":"
			   "{\"generateName\":\"migrate-\"}}";
	cap_value *o = NULL;
	cap_buf name = CAP_BUF_INIT;
	assert_int_equal(cap_json_parse(&o, json, strlen(json), "test", NULL), 0);
	assert_int_equal(
	    cap_sync_hook_name(&name, o, "2f4c1d9e0b7a", CAP_SYNC_PHASE_PRE_SYNC, 1700000000), 0);
	assert_string_equal(name.ptr, "migrate-2f4c1d9-presync-1700000000");
	cap_buf_clear(&name);
	assert_int_equal(cap_sync_hook_name(&name, o, "ABCDEFG", CAP_SYNC_PHASE_POST_SYNC, 5), 0);
	assert_string_equal(name.ptr, "migrate-abcdefg-postsync-5");
	cap_value_free(o);

	cap_value *named = job("{\"argocd.argoproj.io/hook\":\"Sync\"}");
	cap_buf_clear(&name);
	assert_int_equal(cap_sync_hook_name(&name, named, "2f4c1d9e0b7a", CAP_SYNC_PHASE_SYNC, 1),
			 0);
	assert_string_equal(name.ptr, "db");
	cap_value_free(named);

	json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{}}";
	assert_int_equal(cap_json_parse(&o, json, strlen(json), "test", NULL), 0);
	cap_buf_clear(&name);
	assert_int_equal(cap_sync_hook_name(&name, o, "r", CAP_SYNC_PHASE_SYNC, 1), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'Pod'"));
	cap_value_free(o);
	cap_buf_release(&name);
}

static void hook_finalizer_is_added_once(void **state)
{
	cap_value *o = job("{}");
	cap_sync_hook_add_finalizer(o);
	cap_sync_hook_add_finalizer(o);
	cap_value *f = cap_value_dig(o, "metadata", "finalizers", NULL);
	assert_int_equal(cap_value_array_len(f), 1);
	assert_string_equal(cap_value_get_string(cap_value_array_get(f, 0)),
			    "argocd.argoproj.io/hook-finalizer");
	cap_value_free(o);
}

static void hook_state_follows_health(void **state)
{
	assert_int_equal(cap_sync_hook_state_from_health("Healthy"), CAP_SYNC_HOOK_SUCCEEDED);
	assert_int_equal(cap_sync_hook_state_from_health(NULL), CAP_SYNC_HOOK_SUCCEEDED);
	assert_int_equal(cap_sync_hook_state_from_health("Degraded"), CAP_SYNC_HOOK_FAILED);
	assert_int_equal(cap_sync_hook_state_from_health("Unknown"), CAP_SYNC_HOOK_FAILED);
	assert_int_equal(cap_sync_hook_state_from_health("Progressing"), CAP_SYNC_HOOK_RUNNING);
	assert_int_equal(cap_sync_hook_state_from_health("Suspended"), CAP_SYNC_HOOK_RUNNING);
	assert_string_equal(cap_sync_hook_state_name(CAP_SYNC_HOOK_FAILED), "Failed");
	assert_string_equal(cap_sync_hook_state_name(CAP_SYNC_HOOK_SUCCEEDED), "Succeeded");
	assert_string_equal(cap_sync_hook_state_name(CAP_SYNC_HOOK_RUNNING), "Running");
}

static void phase_names_round_trip(void **state)
{
	cap_sync_phase p;
	for (int i = 0; i < CAP_SYNC_PHASE_COUNT; i++) {
		assert_int_equal(cap_sync_phase_parse(&p, cap_sync_phase_name((cap_sync_phase)i)),
				 0);
		assert_int_equal(p, i);
	}
	assert_int_equal(cap_sync_phase_parse(&p, "presync"), CAP_EINVALID);
	assert_string_equal(cap_error_last(), "unknown sync phase 'presync'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_argo_hook_type_and_comma_lists),
	    cmocka_unit_test(helm_hooks_map_to_phases_and_argo_annotation_wins),
	    cmocka_unit_test(phases_of_resources_hooks_and_skipped_objects),
	    cmocka_unit_test(delete_policies_default_argo_and_helm),
	    cmocka_unit_test(generate_name_hooks_are_named_per_revision_phase_and_start),
	    cmocka_unit_test(hook_finalizer_is_added_once),
	    cmocka_unit_test(hook_state_follows_health),
	    cmocka_unit_test(phase_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
