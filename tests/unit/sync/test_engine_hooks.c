/* Sync engine on drydock: hook phases and delete policies, waves, health, terminate, dry run. */
#include "cap_test.h"

#include "engine_harness.h"

#define CM "{apiVersion: v1, kind: ConfigMap, metadata: {name: %s}}"
/* A ConfigMap hook of type %s (Argo CD's annotation). */
#define HOOK_CM                                                                                    \
	"{apiVersion: v1, kind: ConfigMap, metadata: {name: %s, annotations: "                     \
	"{argocd.argoproj.io/hook: %s}}}"
#define HOOK_CM_POLICY                                                                             \
	"{apiVersion: v1, kind: ConfigMap, metadata: {name: %s, annotations: "                     \
	"{argocd.argoproj.io/hook: %s, argocd.argoproj.io/hook-delete-policy: %s}}}"
#define HELM_CM                                                                                    \
	"{apiVersion: v1, kind: ConfigMap, metadata: {name: %s, annotations: {helm.sh/hook: %s}}}"
#define CM_WAVE                                                                                    \
	"{apiVersion: v1, kind: ConfigMap, metadata: {name: %s, annotations: "                     \
	"{argocd.argoproj.io/sync-wave: '%d'}}}"
/* A Job hook of type %s whose pod behaves as drydock's simulate annotation %s says. */
#define HOOK_JOB                                                                                   \
	"{apiVersion: batch/v1, kind: Job, metadata: {name: %s, annotations: "                     \
	"{argocd.argoproj.io/hook: %s, argocd.argoproj.io/hook-delete-policy: %s, "                \
	"drydock.capstan.dev/simulate: '%s'}}, spec: {backoffLimit: 0, template: {spec: "          \
	"{restartPolicy: Never, containers: [{name: main, image: busybox}]}}}}"
/* A sync that fails: a ConfigMap in a namespace that does not exist. */
#define BROKEN_CM "{apiVersion: v1, kind: ConfigMap, metadata: {name: broken, namespace: nowhere}}"

static int setup(void **state)
{
	return eng_cluster_start(state, true);
}

static int teardown(void **state)
{
	return eng_cluster_stop(state);
}

static bool starts_with(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static unsigned long long rv_of(const eng_app *a, const char *name)
{
	char *rv = eng_meta(a, "v1", "ConfigMap", name, "resourceVersion");
	unsigned long long n = strtoull(rv, NULL, 10);
	free(rv);
	if (!n)
		fail_msg("%s has no resourceVersion", name);
	return n;
}

static void phases_run_in_order(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "phases", true);
	eng_add(&a, HOOK_CM, "post", "PostSync");
	eng_add(&a, CM, "app");
	eng_add(&a, HOOK_CM, "during", "Sync");
	eng_add(&a, HOOK_CM, "pre", "PreSync");
	/* the first step runs PreSync alone */
	assert_int_equal(eng_step(&a), CAP_SYNC_OP_RUNNING);
	assert_string_equal(a.out.message, "waiting for completion of hook /ConfigMap/pre and 3 "
					   "more hooks");
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "pre", true));
	assert_null(eng_get(&a, "v1", "ConfigMap", "app"));
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	int pre = eng_index(&a, "ConfigMap", "pre", "PreSync");
	int app = eng_index(&a, "ConfigMap", "app", "Sync");
	int during = eng_index(&a, "ConfigMap", "during", "Sync");
	int post = eng_index(&a, "ConfigMap", "post", "PostSync");
	assert_true(pre == 0 && pre < app && pre < during && app < post && during < post);
	assert_string_equal(eng_field(&a, "ConfigMap", "pre", "hookType"), "PreSync");
	assert_string_equal(eng_field(&a, "ConfigMap", "pre", "hookPhase"), "Succeeded");
	assert_string_equal(eng_field(&a, "ConfigMap", "post", "hookPhase"), "Succeeded");
	assert_string_equal(eng_field(&a, "ConfigMap", "app", "hookType"), "");
	eng_expect(&a, "ConfigMap", "pre", "Synced", "pre created");
	assert_true(rv_of(&a, "pre") < rv_of(&a, "app"));
	assert_true(rv_of(&a, "pre") < rv_of(&a, "during"));
	assert_true(rv_of(&a, "app") < rv_of(&a, "post"));
	assert_true(rv_of(&a, "during") < rv_of(&a, "post"));
	eng_app_release(&a);
}

static void sync_fail_hooks_run_only_on_failure(void **state)
{
	eng_app ok, bad;
	eng_app_init(&ok, state, "syncfail-ok", true);
	eng_add(&ok, CM, "app");
	eng_add(&ok, HOOK_CM, "on-fail", "SyncFail");
	eng_run_expect(&ok, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_int_equal(eng_index(&ok, "ConfigMap", "on-fail", NULL), -1);
	assert_null(eng_get(&ok, "v1", "ConfigMap", "on-fail"));
	eng_app_release(&ok);

	eng_app_init(&bad, state, "syncfail-bad", true);
	eng_add(&bad, BROKEN_CM);
	eng_add(&bad, HOOK_CM, "on-fail", "SyncFail");
	eng_run_expect(&bad, CAP_SYNC_OP_FAILED,
		       "one or more synchronization tasks completed unsuccessfully, reason: "
		       "namespaces \"nowhere\" not found");
	assert_string_equal(eng_field(&bad, "ConfigMap", "broken", "status"), "SyncFailed");
	assert_string_equal(eng_field(&bad, "ConfigMap", "on-fail", "syncPhase"), "SyncFail");
	assert_string_equal(eng_field(&bad, "ConfigMap", "on-fail", "hookPhase"), "Succeeded");
	assert_true(eng_wait_exists(&bad, "v1", "ConfigMap", "on-fail", true));
	eng_app_release(&bad);
}

static void a_failing_sync_fail_hook_is_reported(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "syncfail-broken", true);
	eng_add(&a, BROKEN_CM);
	eng_add(&a, "{apiVersion: v1, kind: ConfigMap, metadata: {name: on-fail, namespace: "
		    "nowhere, annotations: {argocd.argoproj.io/hook: SyncFail}}}");
	eng_run_expect(
	    &a, CAP_SYNC_OP_FAILED,
	    "one or more objects failed to apply, reason: namespaces \"nowhere\" not "
	    "found\none or more SyncFail hooks failed, reason: namespaces \"nowhere\" not "
	    "found");
	assert_string_equal(eng_field(&a, "ConfigMap", "on-fail", "status"), "SyncFailed");
	eng_app_release(&a);
}

static void skip_is_never_applied(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "skip", true);
	eng_add(&a, CM, "app");
	eng_add(&a, HOOK_CM, "skipped", "Skip");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_int_equal(eng_index(&a, "ConfigMap", "skipped", NULL), -1);
	assert_null(eng_get(&a, "v1", "ConfigMap", "skipped"));
	eng_app_release(&a);
}

static void skip_is_not_pruned(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "skip-live", true);
	cap_value_free(eng_create(&a, HOOK_CM, "skipped", "Skip"));
	eng_add(&a, HOOK_CM, "skipped", "Skip");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_int_equal(eng_index(&a, "ConfigMap", "skipped", NULL), -1);
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "skipped", true));
	eng_app_release(&a);
}

static void helm_hooks_map_to_phases(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "helm", true);
	eng_add(&a, HELM_CM, "upgraded", "post-upgrade");
	eng_add(&a, HELM_CM, "tested", "test");
	eng_add(&a, CM, "app");
	eng_add(&a, HELM_CM, "installed", "pre-install");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_string_equal(eng_field(&a, "ConfigMap", "installed", "hookType"), "PreSync");
	assert_string_equal(eng_field(&a, "ConfigMap", "upgraded", "hookType"), "PostSync");
	assert_true(eng_index(&a, "ConfigMap", "installed", NULL) <
		    eng_index(&a, "ConfigMap", "app", NULL));
	assert_true(eng_index(&a, "ConfigMap", "app", NULL) <
		    eng_index(&a, "ConfigMap", "upgraded", NULL));
	assert_int_equal(eng_index(&a, "ConfigMap", "tested", NULL), -1);
	assert_null(eng_get(&a, "v1", "ConfigMap", "tested"));
	assert_true(rv_of(&a, "installed") < rv_of(&a, "app"));
	assert_true(rv_of(&a, "app") < rv_of(&a, "upgraded"));
	eng_app_release(&a);
}

static void generate_name_hooks_get_argo_names(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "generate-name", true);
	cap_value *hook = eng_add(&a, "{apiVersion: v1, kind: ConfigMap, metadata: "
				      "{generateName: migrate-, annotations: "
				      "{argocd.argoproj.io/hook: 'PreSync,PostSync'}}}");
	cap_buf pre = CAP_BUF_INIT, post = CAP_BUF_INIT;
	assert_int_equal(
	    cap_sync_hook_name(&pre, hook, ENG_REVISION, CAP_SYNC_PHASE_PRE_SYNC, a.req.started_at),
	    0);
	assert_int_equal(cap_sync_hook_name(&post, hook, ENG_REVISION, CAP_SYNC_PHASE_POST_SYNC,
					    a.req.started_at),
			 0);
	char expect[64];
	snprintf(expect, sizeof(expect), "migrate-2f4c1d9-presync-%lld",
		 (long long)a.req.started_at);
	assert_string_equal(pre.ptr, expect);
	eng_add(&a, CM, "app");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_string_equal(eng_field(&a, "ConfigMap", pre.ptr, "syncPhase"), "PreSync");
	assert_string_equal(eng_field(&a, "ConfigMap", post.ptr, "syncPhase"), "PostSync");
	assert_true(rv_of(&a, pre.ptr) < rv_of(&a, "app"));
	assert_true(rv_of(&a, "app") < rv_of(&a, post.ptr));
	cap_buf_release(&pre);
	cap_buf_release(&post);
	eng_app_release(&a);
}

static void hook_succeeded_is_deleted_after_success(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "hook-succeeded", true);
	eng_add(&a, CM, "app");
	eng_add(&a, HOOK_CM_POLICY, "gone", "PreSync", "HookSucceeded");
	eng_add(&a, HOOK_CM_POLICY, "kept", "PreSync", "HookFailed");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_string_equal(eng_field(&a, "ConfigMap", "gone", "hookPhase"), "Succeeded");
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "gone", false));
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "kept", true));
	assert_false(eng_has_hook_finalizer(&a, "v1", "ConfigMap", "kept"));
	eng_app_release(&a);
}

static void hook_failed_is_deleted_after_failure(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "hook-failed", true);
	eng_add(&a, CM, "app");
	eng_add(&a, HOOK_JOB, "migrate", "PreSync", "HookFailed", "fail");
	eng_run_expect(&a, CAP_SYNC_OP_FAILED, NULL);
	assert_true(starts_with(a.out.message,
				"one or more synchronization tasks completed unsuccessfully"));
	assert_string_equal(eng_field(&a, "Job", "migrate", "message"),
			    "Job has reached the specified backoff limit");
	assert_string_equal(eng_field(&a, "Job", "migrate", "hookPhase"), "Failed");
	assert_true(eng_wait_exists(&a, "batch/v1", "Job", "migrate", false));
	/* the sync stopped at PreSync */
	assert_int_equal(eng_index(&a, "ConfigMap", "app", NULL), -1);
	assert_null(eng_get(&a, "v1", "ConfigMap", "app"));
	eng_app_release(&a);
}

static void before_hook_creation_recreates_an_earlier_hook(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "before-creation", true);
	eng_add(&a, CM, "app");
	eng_add(&a, HOOK_CM, "hook", "PreSync"); /* BeforeHookCreation by default */
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	char *first = eng_meta(&a, "v1", "ConfigMap", "hook", "uid");
	char *app_uid = eng_meta(&a, "v1", "ConfigMap", "app", "uid");
	assert_true(*first);
	eng_new_operation(&a);
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	char *second = eng_meta(&a, "v1", "ConfigMap", "hook", "uid");
	assert_true(*second);
	assert_string_not_equal(first, second);
	eng_expect(&a, "ConfigMap", "hook", "Synced", "hook created");
	/* a resource is updated in place */
	char *app_now = eng_meta(&a, "v1", "ConfigMap", "app", "uid");
	assert_string_equal(app_uid, app_now);
	free(first);
	free(second);
	free(app_uid);
	free(app_now);
	eng_app_release(&a);
}

static void hook_finalizer_held_while_running(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "finalizer", true);
	eng_add(&a, CM, "app");
	eng_add(&a, HOOK_JOB, "work", "Sync", "HookFailed", "");
	assert_int_equal(eng_step(&a), CAP_SYNC_OP_RUNNING);
	assert_true(eng_has_hook_finalizer(&a, "batch/v1", "Job", "work"));
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_string_equal(eng_field(&a, "Job", "work", "hookPhase"), "Succeeded");
	assert_true(eng_wait_exists(&a, "batch/v1", "Job", "work", true));
	assert_false(eng_has_hook_finalizer(&a, "batch/v1", "Job", "work"));
	eng_app_release(&a);
}

static void waves_wait_the_wave_delay(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "waves", true);
	a.req.wave_delay_ms = 777;
	eng_add(&a, CM_WAVE, "c", 2);
	eng_add(&a, CM_WAVE, "a", 0);
	eng_add(&a, CM_WAVE, "b", 1);
	assert_int_equal(eng_step(&a), CAP_SYNC_OP_RUNNING);
	assert_int_equal(a.out.requeue_ms, 777);
	/* Argo CD names what is left: the next wave's first object */
	assert_string_equal(a.out.message,
			    "waiting for healthy state of /ConfigMap/b and 1 more resources");
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "a", true));
	assert_null(eng_get(&a, "v1", "ConfigMap", "b"));
	assert_int_equal(eng_step(&a), CAP_SYNC_OP_RUNNING);
	assert_int_equal(a.out.requeue_ms, 777);
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "b", true));
	assert_null(eng_get(&a, "v1", "ConfigMap", "c"));
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_true(rv_of(&a, "a") < rv_of(&a, "b"));
	assert_true(rv_of(&a, "b") < rv_of(&a, "c"));
	eng_app_release(&a);
}

static void degraded_resource_fails_a_multi_step_sync(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "degraded", true);
	eng_add(&a, "{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, annotations: "
		    "{drydock.capstan.dev/simulate: fail}}, spec: {replicas: 1, selector: "
		    "{matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: "
		    "{containers: [{name: web, image: nginx}]}}}}");
	eng_add(&a, CM_WAVE, "later", 1);
	eng_run_expect(&a, CAP_SYNC_OP_FAILED, NULL);
	assert_true(starts_with(a.out.message,
				"one or more synchronization tasks completed unsuccessfully"));
	assert_string_equal(eng_field(&a, "Deployment", "web", "message"),
			    "Deployment \"web\" exceeded its progress deadline");
	assert_string_equal(eng_field(&a, "Deployment", "web", "status"), "Synced");
	assert_string_equal(eng_field(&a, "Deployment", "web", "hookPhase"), "Failed");
	assert_int_equal(eng_index(&a, "ConfigMap", "later", NULL), -1);
	assert_null(eng_get(&a, "v1", "ConfigMap", "later"));
	eng_app_release(&a);
}

static void terminate_deletes_the_running_hook(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "terminate", true);
	eng_add(&a, CM, "app");
	eng_add(&a, HOOK_JOB, "forever", "Sync", "HookFailed", "never-ready");
	assert_int_equal(eng_step(&a), CAP_SYNC_OP_RUNNING);
	for (int i = 0; i < 3; i++) {
		cap_time_sleep_ms(100);
		assert_int_equal(eng_step(&a), CAP_SYNC_OP_RUNNING);
	}
	assert_string_equal(a.out.message, "waiting for completion of hook batch/Job/forever");
	assert_string_equal(eng_field(&a, "Job", "forever", "hookPhase"), "Running");
	eng_refresh(&a);
	cap_sync_outcome_release(&a.out);
	assert_int_equal(cap_sync_terminate(&a.out, &a.req, a.results), 0);
	cap_value_free(a.results);
	a.results = cap_value_ref(a.out.results);
	assert_int_equal(a.out.phase, CAP_SYNC_OP_FAILED);
	assert_string_equal(a.out.message, "Operation terminated");
	assert_string_equal(eng_field(&a, "Job", "forever", "message"), "Deleted");
	assert_true(eng_wait_exists(&a, "batch/v1", "Job", "forever", false));
	eng_app_release(&a);
}

static void dry_run_creates_nothing(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "dry-run", true);
	a.req.dry_run = true;
	eng_add(&a, CM_WAVE, "a", 0);
	eng_add(&a, CM_WAVE, "b", 1);
	eng_add(&a, HOOK_CM, "pre", "PreSync");
	cap_value_free(eng_create(&a, CM, "extra"));
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	const char *names[] = {"a", "b"};
	for (int i = 0; i < 2; i++) {
		assert_string_equal(eng_field(&a, "ConfigMap", names[i], "status"), "Synced");
		assert_non_null(strstr(eng_field(&a, "ConfigMap", names[i], "message"), "dry run"));
		assert_null(eng_get(&a, "v1", "ConfigMap", names[i]));
	}
	assert_string_equal(eng_field(&a, "ConfigMap", "extra", "status"), "Pruned");
	assert_non_null(strstr(eng_field(&a, "ConfigMap", "extra", "message"), "dry run"));
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "extra", true));
	assert_null(eng_get(&a, "v1", "ConfigMap", "pre"));
	eng_app_release(&a);
}

static void dry_run_into_a_namespace_still_to_create(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "dry-run-ns", false);
	a.req.dry_run = true;
	cap_sync_option_set_add(&a.options, "CreateNamespace=true");
	eng_add(&a, CM, "a");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_non_null(strstr(eng_field(&a, "Namespace", "dry-run-ns", "message"), "dry run"));
	eng_expect(&a, "ConfigMap", "a", "Synced", "configmap/a created (dry run)");
	assert_null(eng_get(&a, "v1", "Namespace", "dry-run-ns"));
	assert_null(eng_get(&a, "v1", "ConfigMap", "a"));
	eng_app_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(phases_run_in_order),
	    cmocka_unit_test(sync_fail_hooks_run_only_on_failure),
	    cmocka_unit_test(a_failing_sync_fail_hook_is_reported),
	    cmocka_unit_test(skip_is_never_applied),
	    cmocka_unit_test(skip_is_not_pruned),
	    cmocka_unit_test(helm_hooks_map_to_phases),
	    cmocka_unit_test(generate_name_hooks_get_argo_names),
	    cmocka_unit_test(hook_succeeded_is_deleted_after_success),
	    cmocka_unit_test(hook_failed_is_deleted_after_failure),
	    cmocka_unit_test(before_hook_creation_recreates_an_earlier_hook),
	    cmocka_unit_test(hook_finalizer_held_while_running),
	    cmocka_unit_test(waves_wait_the_wave_delay),
	    cmocka_unit_test(degraded_resource_fails_a_multi_step_sync),
	    cmocka_unit_test(terminate_deletes_the_running_hook),
	    cmocka_unit_test(dry_run_creates_nothing),
	    cmocka_unit_test(dry_run_into_a_namespace_still_to_create),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
