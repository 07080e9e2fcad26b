/* Application parsing: spec, defaults, sync options, operations and the operation builder. */
#include "cap_test.h"

#include <string.h>

#include "app/application.h"
#include "base/error.h"
#include "value/json.h"
#include "value/yaml.h"

static cap_value *yaml(const char *text)
{
	cap_value *v = NULL;
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "test", NULL), 0);
	return v;
}

static const char guestbook[] = "apiVersion: argoproj.io/v1alpha1\n"
				"kind: Application\n"
				"metadata:\n"
				"  name: guestbook\n"
				"  namespace: argocd\n"
				"  finalizers: [resources-finalizer.argocd.argoproj.io]\n"
				"  annotations: {argocd.argoproj.io/refresh: hard}\n"
				"spec:\n"
				"  project: team\n"
				"  source:\n"
				"    repoURL: https://github.com/argoproj/argocd-example-apps.git\n"
				"    path: guestbook\n"
				"    targetRevision: HEAD\n"
				"  destination:\n"
				"    server: https://kubernetes.default.svc\n"
				"    namespace: guestbook\n"
				"  syncPolicy:\n"
				"    automated: {prune: true, selfHeal: true}\n"
				"    syncOptions: [CreateNamespace=true, PruneLast=TRUE]\n"
				"    retry:\n"
				"      limit: 5\n"
				"      backoff: {duration: 10s, factor: 3, maxDuration: 2m}\n"
				"  ignoreDifferences:\n"
				"  - group: apps\n"
				"    kind: Deployment\n"
				"    jsonPointers: [/spec/replicas]\n";

static void test_parse_reads_metadata_spec_and_policy(void **state)
{
	cap_value *v = yaml(guestbook);
	cap_app app;
	assert_int_equal(cap_app_parse(&app, v), 0);
	cap_value_free(v); /* the view holds its own reference */
	assert_string_equal(app.name, "guestbook");
	assert_string_equal(app.namespace, "argocd");
	assert_string_equal(app.refresh, "hard");
	assert_true(app.has_resources_finalizer);
	assert_string_equal(app.project, "team");
	assert_int_equal(cap_app_source_count(&app), 1);
	assert_string_equal(cap_value_dig_string(cap_app_source_at(&app, 0), "path", NULL),
			    "guestbook");
	assert_null(cap_app_source_at(&app, 1));
	assert_string_equal(app.destination.server, "https://kubernetes.default.svc");
	assert_null(app.destination.name);
	assert_string_equal(app.destination.namespace, "guestbook");
	assert_true(app.sync_policy.automated);
	assert_true(app.sync_policy.prune);
	assert_true(app.sync_policy.self_heal);
	assert_false(app.sync_policy.allow_empty);
	assert_true(app.sync_policy.retry.present);
	assert_int_equal(app.sync_policy.retry.limit, 5);
	assert_int_equal(app.sync_policy.retry.duration_ms, 10000);
	assert_int_equal(app.sync_policy.retry.factor, 3);
	assert_int_equal(app.sync_policy.retry.max_duration_ms, 120000);
	assert_int_equal(cap_value_array_len(app.ignore_differences), 1);
	assert_int_equal(app.revision_history_limit, 10);
	assert_false(app.operation.present);
	assert_null(app.status);
	cap_app_release(&app);
}

static void test_defaults_when_fields_are_absent(void **state)
{
	cap_value *v = yaml("kind: Application\nmetadata: {name: bare}\nspec:\n"
			    "  destination: {name: in-cluster}\n  revisionHistoryLimit: 3\n");
	cap_app app;
	assert_int_equal(cap_app_parse(&app, v), 0);
	assert_string_equal(app.project, "default");
	assert_int_equal(cap_app_source_count(&app), 0);
	assert_string_equal(app.destination.name, "in-cluster");
	assert_false(app.sync_policy.automated);
	assert_false(app.sync_policy.retry.present);
	assert_int_equal(app.revision_history_limit, 3);
	assert_false(app.has_resources_finalizer);
	cap_app_release(&app);
	cap_value_free(v);
}

static void test_automated_enabled_false_turns_auto_sync_off(void **state)
{
	cap_value *v = yaml("kind: Application\nmetadata: {name: a}\nspec:\n"
			    "  syncPolicy: {automated: {enabled: false, prune: true}}\n");
	cap_app app;
	assert_int_equal(cap_app_parse(&app, v), 0);
	assert_false(app.sync_policy.automated);
	cap_app_release(&app);
	cap_value_free(v);
}

static void test_sources_win_over_source(void **state)
{
	cap_value *v = yaml("kind: Application\nmetadata: {name: multi}\nspec:\n"
			    "  source: {repoURL: a}\n"
			    "  sources: [{repoURL: b, ref: values}, {repoURL: c, path: app}]\n");
	cap_app app;
	assert_int_equal(cap_app_parse(&app, v), 0);
	assert_null(app.source);
	assert_int_equal(cap_app_source_count(&app), 2);
	assert_string_equal(cap_value_dig_string(cap_app_source_at(&app, 1), "repoURL", NULL), "c");
	cap_app_release(&app);
	cap_value_free(v);
}

static void test_wrong_types_are_refused_naming_the_field(void **state)
{
	cap_value *v = yaml("kind: Application\nmetadata: {name: bad}\nspec: {destination: [1]}\n");
	cap_app app;
	assert_int_equal(cap_app_parse(&app, v), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'spec.destination' must be an object"));
	cap_value_free(v);
	v = yaml("kind: ConfigMap\nmetadata: {name: x}\n");
	assert_int_equal(cap_app_parse(&app, v), CAP_EINVALID);
	cap_value_free(v);
	v = yaml("kind: Application\nmetadata: {name: r}\nspec:\n"
		 "  syncPolicy: {retry: {backoff: {duration: soon}}}\n");
	assert_int_equal(cap_app_parse(&app, v), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'soon'"));
	cap_value_free(v);
}

static void test_sync_options_match_name_exactly_and_value_case_insensitively(void **state)
{
	cap_value *v = yaml(guestbook);
	cap_app app;
	assert_int_equal(cap_app_parse(&app, v), 0);
	assert_true(cap_app_has_sync_option(&app, "CreateNamespace=true"));
	assert_true(cap_app_has_sync_option(&app, "PruneLast=true"));
	assert_false(cap_app_has_sync_option(&app, "CreateNamespace=false"));
	assert_false(cap_app_has_sync_option(&app, "Namespace=true"));
	assert_string_equal(cap_app_sync_option_get(app.sync_policy.sync_options, "PruneLast"),
			    "TRUE");
	assert_null(cap_app_sync_option_get(app.sync_policy.sync_options, "Replace"));
	cap_app_release(&app);
	cap_value_free(v);
}

static void test_operation_is_parsed(void **state)
{
	cap_value *v = yaml("kind: Application\nmetadata: {name: op}\n"
			    "operation:\n"
			    "  initiatedBy: {username: alice}\n"
			    "  retry: {limit: 2}\n"
			    "  sync:\n"
			    "    revision: abc123\n"
			    "    prune: true\n"
			    "    dryRun: true\n"
			    "    syncOptions: [Validate=false]\n"
			    "    syncStrategy: {apply: {force: true}}\n"
			    "    resources:\n"
			    "    - {group: apps, kind: Deployment, name: web}\n"
			    "    - {kind: ConfigMap, name: cfg, namespace: shop}\n");
	cap_app app;
	assert_int_equal(cap_app_parse(&app, v), 0);
	cap_app_operation *op = &app.operation;
	assert_true(op->present);
	assert_true(op->has_sync);
	assert_string_equal(op->initiated_by, "alice");
	assert_false(op->automated);
	assert_string_equal(op->revision, "abc123");
	assert_true(op->prune);
	assert_true(op->dry_run);
	assert_string_equal(op->strategy, "apply");
	assert_true(op->force);
	assert_int_equal(op->retry.limit, 2);
	assert_int_equal(op->n_resources, 2);
	assert_string_equal(op->resources[1].group, "");
	assert_string_equal(op->resources[1].namespace, "shop");
	assert_false(cap_app_operation_excludes(op, "apps", "Deployment", "any", "web"));
	assert_false(cap_app_operation_excludes(op, "", "ConfigMap", "shop", "cfg"));
	assert_true(cap_app_operation_excludes(op, "", "ConfigMap", "other", "cfg"));
	assert_true(cap_app_operation_excludes(op, "", "Service", "shop", "web"));
	assert_true(cap_app_has_sync_option(&app, "Validate=false"));
	cap_app_release(&app);
	cap_value_free(v);
}

static void test_operation_new_has_argocd_shape(void **state)
{
	cap_app_sync_resource res[] = {{"apps", "Deployment", NULL, "web"}};
	cap_value *opts = yaml("[CreateNamespace=true]");
	cap_app_sync_request req = {.revision = "main",
				    .prune = true,
				    .resources = res,
				    .n_resources = 1,
				    .sync_options = opts,
				    .username = "alice"};
	cap_value *op = cap_app_operation_new(&req);
	cap_value *want = yaml("sync:\n"
			       "  revision: main\n"
			       "  prune: true\n"
			       "  resources: [{group: apps, kind: Deployment, name: web}]\n"
			       "  syncOptions: [CreateNamespace=true]\n"
			       "  syncStrategy: {hook: {}}\n"
			       "initiatedBy: {username: alice}\n");
	assert_true(cap_value_equal(op, want));
	cap_value_free(op);
	cap_value_free(want);
	cap_app_sync_request autoreq = {
	    .automated = true, .username = "ignored", .apply_strategy = true};
	op = cap_app_operation_new(&autoreq);
	want = yaml("sync: {syncStrategy: {apply: {}}}\ninitiatedBy: {automated: true}\n");
	assert_true(cap_value_equal(op, want));
	cap_value_free(op);
	cap_value_free(want);
	cap_value_free(opts);
}

static void test_durations_and_backoff(void **state)
{
	uint64_t ms;
	assert_int_equal(cap_app_parse_duration_ms(&ms, "30"), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(cap_app_parse_duration_ms(&ms, "1h30m"), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(cap_app_parse_duration_ms(&ms, "500ms"), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(cap_app_parse_duration_ms(&ms, "3x"), CAP_EINVALID);
	cap_app_retry r = {.present = true,
			   .limit = 5,
			   .duration_ms = 5000,
			   .factor = 2,
			   .max_duration_ms = 180000};
	assert_int_equal(cap_app_retry_delay_ms(&r, 0), 5000);
	assert_int_equal(cap_app_retry_delay_ms(&r, 1), 10000);
	assert_int_equal(cap_app_retry_delay_ms(&r, 3), 40000);
	assert_int_equal(cap_app_retry_delay_ms(&r, 10), 180000);
}

static void test_object_new_is_a_valid_application(void **state)
{
	cap_value *o = cap_app_object_new("web", NULL);
	cap_app app;
	assert_int_equal(cap_app_parse(&app, o), 0);
	assert_string_equal(app.namespace, "argocd");
	assert_string_equal(app.project, "default");
	assert_string_equal(cap_value_dig_string(o, "apiVersion", NULL), "argoproj.io/v1alpha1");
	cap_app_release(&app);
	cap_value_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_reads_metadata_spec_and_policy),
	    cmocka_unit_test(test_defaults_when_fields_are_absent),
	    cmocka_unit_test(test_automated_enabled_false_turns_auto_sync_off),
	    cmocka_unit_test(test_sources_win_over_source),
	    cmocka_unit_test(test_wrong_types_are_refused_naming_the_field),
	    cmocka_unit_test(test_sync_options_match_name_exactly_and_value_case_insensitively),
	    cmocka_unit_test(test_operation_is_parsed),
	    cmocka_unit_test(test_operation_new_has_argocd_shape),
	    cmocka_unit_test(test_durations_and_backoff),
	    cmocka_unit_test(test_object_new_is_a_valid_application),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
