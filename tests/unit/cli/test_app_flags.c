/* The flags of `app create` and `app set` applied to an Application as argocd writes them. */
#include "cap_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/application.h"
#include "cli/app_flags.h"
#include "cli/app_print.h"
#include "value/yaml.h"

static cap_value *yaml(const char *text)
{
	cap_value *v = NULL;
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "test", NULL), 0);
	return v;
}

static void expect(cap_value *app, const char *want_spec)
{
	cap_value *want = yaml(want_spec);
	if (!cap_value_equal(cap_value_object_get(app, "spec"), want)) {
		cap_buf b = CAP_BUF_INIT;
		cap_yaml_print(&b, cap_value_object_get(app, "spec"), 0);
		fail_msg("spec is\n%s", b.ptr);
	}
	cap_value_free(want);
}

static void test_source_and_destination_flags(void **state)
{
	cap_value *app = cap_app_object_new("web", NULL);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_REPO, "https://r.git"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_PATH, "web"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_REVISION, "v1"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_DEST_SERVER, "https://k:6443"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_DEST_NS, "shop"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_HELM_SET, "image.tag=2"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_VALUES, "prod.yaml"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_RELEASE_NAME, "shop"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_HISTORY_LIMIT, "5"), 0);
	assert_int_equal(cap_app_flag_finish(app), 0);
	expect(app, "project: default\n"
		    "destination: {server: 'https://k:6443', namespace: shop}\n"
		    "source:\n"
		    "  repoURL: https://r.git\n"
		    "  path: web\n"
		    "  targetRevision: v1\n"
		    "  helm:\n"
		    "    parameters: [{name: image.tag, value: '2'}]\n"
		    "    valueFiles: [prod.yaml]\n"
		    "    releaseName: shop\n"
		    "revisionHistoryLimit: 5\n");
	/* a cluster name replaces the server, as only one may be set */
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_DEST_NAME, "prod"), 0);
	assert_null(cap_value_dig(app, "spec", "destination", "server", NULL));
	cap_value_free(app);
}

static void test_sync_policy_flags(void **state)
{
	cap_value *app = cap_app_object_new("web", NULL);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_AUTO_PRUNE, NULL), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_SYNC_POLICY, "automated"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_SELF_HEAL, NULL), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_SYNC_OPTION, "CreateNamespace=true"),
			 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_SYNC_OPTION, "CreateNamespace=true"),
			 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_SYNC_OPTION, "PruneLast=true"), 0);
	assert_int_equal(cap_app_flag_finish(app), 0);
	cap_app parsed;
	assert_int_equal(cap_app_parse(&parsed, app), 0);
	assert_true(parsed.sync_policy.automated);
	assert_true(parsed.sync_policy.prune);
	assert_true(parsed.sync_policy.self_heal);
	assert_int_equal(cap_value_array_len(parsed.sync_policy.sync_options), 2);
	assert_string_equal(cap_app_sync_policy_short(&parsed), "Auto-Prune");
	cap_app_release(&parsed);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_SYNC_OPTION, "!PruneLast=true"), 0);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_SYNC_POLICY, "none"), 0);
	assert_int_equal(cap_app_flag_finish(app), 0);
	assert_null(cap_value_dig(app, "spec", "syncPolicy", "automated", NULL));
	assert_int_equal(
	    cap_value_array_len(cap_value_dig(app, "spec", "syncPolicy", "syncOptions", NULL)), 1);
	cap_value_free(app);
}

static void test_misused_flags_are_refused(void **state)
{
	cap_value *app = cap_app_object_new("web", NULL);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_SYNC_POLICY, "sometimes"), -1);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_HELM_SET, "novalue"), -1);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_HISTORY_LIMIT, "ten"), -1);
	assert_int_equal(cap_app_flag_apply(app, CAP_APP_FLAG_ALLOW_EMPTY, NULL), 0);
	assert_int_equal(cap_app_flag_finish(app), -1);
	assert_int_equal(cap_app_flag_apply(app, 'x', "y"), 1);
	cap_value_free(app);
}

static void test_table_pads_like_tabwriter(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cap_app_table t;
	cap_app_table_init(&t, 3);
	const char *a[] = {"ID", "DATE", "REVISION"};
	const char *b[] = {"10", NULL, "main (abc)"};
	cap_app_table_row(&t, a);
	cap_app_table_row(&t, b);
	cap_app_table_print(&t, f);
	cap_app_table_release(&t);
	fclose(f);
	assert_string_equal(text, "ID  DATE  REVISION\n10        main (abc)\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_source_and_destination_flags),
	    cmocka_unit_test(test_sync_policy_flags),
	    cmocka_unit_test(test_misused_flags_are_refused),
	    cmocka_unit_test(test_table_pads_like_tabwriter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
