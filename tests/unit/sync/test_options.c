/* Tests for sync options: every option, unknown entries, resource precedence and prune rules. */
#include "cap_test.h"

#include <string.h>

#include "base/error.h"
#include "sync/options.h"
#include "value/json.h"

static cap_value *parse(const char *json)
{
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, json, strlen(json), "test", NULL), 0);
	return v;
}

static void every_option_is_read(void **state)
{
	static const struct {
		const char *entry;
		cap_sync_option_id id;
		cap_sync_option_value value;
	} cases[] = {
	    {"Validate=false", CAP_SYNC_OPT_VALIDATE, CAP_SYNC_OPT_FALSE},
	    {"CreateNamespace=true", CAP_SYNC_OPT_CREATE_NAMESPACE, CAP_SYNC_OPT_TRUE},
	    {"Prune=false", CAP_SYNC_OPT_PRUNE, CAP_SYNC_OPT_FALSE},
	    {"Prune=confirm", CAP_SYNC_OPT_PRUNE, CAP_SYNC_OPT_CONFIRM},
	    {"Delete=false", CAP_SYNC_OPT_DELETE, CAP_SYNC_OPT_FALSE},
	    {"Delete=confirm", CAP_SYNC_OPT_DELETE, CAP_SYNC_OPT_CONFIRM},
	    {"PruneLast=true", CAP_SYNC_OPT_PRUNE_LAST, CAP_SYNC_OPT_TRUE},
	    {"ApplyOutOfSyncOnly=true", CAP_SYNC_OPT_APPLY_OUT_OF_SYNC_ONLY, CAP_SYNC_OPT_TRUE},
	    {"ServerSideApply=true", CAP_SYNC_OPT_SERVER_SIDE_APPLY, CAP_SYNC_OPT_TRUE},
	    {"ServerSideApply=false", CAP_SYNC_OPT_SERVER_SIDE_APPLY, CAP_SYNC_OPT_FALSE},
	    {"Replace=true", CAP_SYNC_OPT_REPLACE, CAP_SYNC_OPT_TRUE},
	    {"Force=true", CAP_SYNC_OPT_FORCE, CAP_SYNC_OPT_TRUE},
	    {"SkipDryRunOnMissingResource=true", CAP_SYNC_OPT_SKIP_DRY_RUN_ON_MISSING,
	     CAP_SYNC_OPT_TRUE},
	    {"RespectIgnoreDifferences=true", CAP_SYNC_OPT_RESPECT_IGNORE_DIFFERENCES,
	     CAP_SYNC_OPT_TRUE},
	    {"FailOnSharedResource=true", CAP_SYNC_OPT_FAIL_ON_SHARED_RESOURCE, CAP_SYNC_OPT_TRUE},
	    {"PrunePropagationPolicy=foreground", CAP_SYNC_OPT_PRUNE_PROPAGATION_POLICY,
	     CAP_SYNC_OPT_FOREGROUND},
	    {"PrunePropagationPolicy=background", CAP_SYNC_OPT_PRUNE_PROPAGATION_POLICY,
	     CAP_SYNC_OPT_BACKGROUND},
	    {"PrunePropagationPolicy=orphan", CAP_SYNC_OPT_PRUNE_PROPAGATION_POLICY,
	     CAP_SYNC_OPT_ORPHAN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cap_sync_option_set s = CAP_SYNC_OPTION_SET_INIT;
		cap_sync_option_set_add(&s, cases[i].entry);
		assert_int_equal(cap_sync_option_get(&s, cases[i].id), cases[i].value);
		assert_int_equal(s.unknown.len, 0);
		for (int id = 0; id < CAP_SYNC_OPT_COUNT; id++)
			if (id != (int)cases[i].id)
				assert_int_equal(s.values[id], CAP_SYNC_OPT_UNSET);
		assert_int_equal(strncmp(cases[i].entry, cap_sync_option_name(cases[i].id),
					 strlen(cap_sync_option_name(cases[i].id))),
				 0);
		cap_sync_option_set_release(&s);
	}
}

static void unknown_options_are_kept_for_reporting(void **state)
{
	cap_sync_option_set s = CAP_SYNC_OPTION_SET_INIT;
	cap_value *list = parse("[\"Prune=False\",\" Validate=false \",\"Turbo=true\",\"Replace\","
				"\"PrunePropagationPolicy=Orphan\",\"\",7]");
	cap_sync_option_set_add_array(&s, list);
	assert_int_equal(cap_sync_option_get(&s, CAP_SYNC_OPT_VALIDATE), CAP_SYNC_OPT_FALSE);
	assert_int_equal(cap_sync_option_get(&s, CAP_SYNC_OPT_PRUNE), CAP_SYNC_OPT_UNSET);
	assert_int_equal(s.unknown.len, 4);
	assert_string_equal(s.unknown.items[0], "Prune=False");
	assert_string_equal(s.unknown.items[1], "Turbo=true");
	assert_string_equal(s.unknown.items[2], "Replace");
	assert_string_equal(s.unknown.items[3], "PrunePropagationPolicy=Orphan");
	assert_int_equal(cap_sync_option_set_check(&s), CAP_EINVALID);
	assert_string_equal(cap_error_last(),
			    "unknown sync options 'Prune=False', 'Turbo=true', 'Replace', "
			    "'PrunePropagationPolicy=Orphan'");
	assert_string_equal(cap_sync_option_propagation_policy(&s), "Foreground");
	cap_sync_option_set_add(&s, "PrunePropagationPolicy=orphan");
	assert_string_equal(cap_sync_option_propagation_policy(&s), "Orphan");
	cap_sync_option_set_add(&s, "PrunePropagationPolicy=background");
	assert_string_equal(cap_sync_option_propagation_policy(&s), "Background");
	cap_sync_option_set_release(&s);
	cap_value_free(list);
}

static void resource_annotation_wins_over_the_app(void **state)
{
	cap_sync_option_set app = CAP_SYNC_OPTION_SET_INIT, res = CAP_SYNC_OPTION_SET_INIT, eff;
	cap_value *list =
	    parse("[\"ServerSideApply=true\",\"Prune=confirm\",\"CreateNamespace=true\"]");
	cap_value *obj =
	    parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
		  "\"name\":\"c\",\"annotations\":{\"argocd.argoproj.io/sync-options\":"
		  "\"ServerSideApply=false, Prune=false,Replace=true,Bogus\"}}}");
	cap_sync_option_set_add_array(&app, list);
	cap_sync_option_set_add_annotation(&res, obj);
	cap_sync_option_set_merge(&eff, &app, &res);
	assert_int_equal(cap_sync_option_set_check(&app), 0);
	assert_false(cap_sync_option_bool(&eff, CAP_SYNC_OPT_SERVER_SIDE_APPLY, true));
	assert_int_equal(cap_sync_option_get(&eff, CAP_SYNC_OPT_PRUNE), CAP_SYNC_OPT_FALSE);
	assert_true(cap_sync_option_bool(&eff, CAP_SYNC_OPT_REPLACE, false));
	assert_true(cap_sync_option_bool(&eff, CAP_SYNC_OPT_CREATE_NAMESPACE, false));
	assert_false(cap_sync_option_bool(&eff, CAP_SYNC_OPT_FORCE, false));
	assert_true(cap_sync_option_bool(&eff, CAP_SYNC_OPT_VALIDATE, true));
	assert_int_equal(eff.unknown.len, 1);
	assert_string_equal(eff.unknown.items[0], "Bogus");
	/* the app's own options stand where the resource says nothing */
	cap_sync_option_set none = CAP_SYNC_OPTION_SET_INIT, eff2;
	cap_sync_option_set_merge(&eff2, &app, &none);
	assert_true(cap_sync_option_bool(&eff2, CAP_SYNC_OPT_SERVER_SIDE_APPLY, false));
	assert_int_equal(cap_sync_option_get(&eff2, CAP_SYNC_OPT_PRUNE), CAP_SYNC_OPT_CONFIRM);
	cap_sync_option_set_release(&app);
	cap_sync_option_set_release(&res);
	cap_sync_option_set_release(&eff);
	cap_sync_option_set_release(&eff2);
	cap_value_free(list);
	cap_value_free(obj);
}

static void prune_needs_permission_and_confirmation(void **state)
{
	cap_sync_option_set s = CAP_SYNC_OPTION_SET_INIT;
	assert_int_equal(cap_sync_prune_decide(&s, true, false), CAP_SYNC_PRUNE_DELETE);
	assert_int_equal(cap_sync_prune_decide(&s, false, true), CAP_SYNC_PRUNE_SKIP);
	cap_sync_option_set_add(&s, "Prune=false");
	assert_int_equal(cap_sync_prune_decide(&s, true, true), CAP_SYNC_PRUNE_SKIP);
	cap_sync_option_set_add(&s, "Prune=confirm");
	assert_int_equal(cap_sync_prune_decide(&s, true, false), CAP_SYNC_PRUNE_NEEDS_CONFIRM);
	assert_int_equal(cap_sync_prune_decide(&s, true, true), CAP_SYNC_PRUNE_DELETE);
	assert_int_equal(cap_sync_prune_decide(&s, false, true), CAP_SYNC_PRUNE_SKIP);
	cap_sync_option_set_release(&s);
}

static void deletion_approval_must_not_predate_the_operation(void **state)
{
	cap_value *app =
	    parse("{\"metadata\":{\"name\":\"a\",\"annotations\":{"
		  "\"argocd.argoproj.io/deletion-approved\":\"2026-11-24T18:00:00Z\"}}}");
	cap_value *bad = parse("{\"metadata\":{\"annotations\":{"
			       "\"argocd.argoproj.io/deletion-approved\":\"yes\"}}}");
	cap_value *none = parse("{\"metadata\":{\"name\":\"a\"}}");
	int64_t at = 1795543200; /* 2026-11-24T18:00:00Z */
	assert_true(cap_sync_deletion_approved(app, at));
	assert_true(cap_sync_deletion_approved(app, at - 60));
	assert_false(cap_sync_deletion_approved(app, at + 1));
	assert_false(cap_sync_deletion_approved(bad, 0));
	assert_false(cap_sync_deletion_approved(none, 0));
	cap_value_free(app);
	cap_value_free(bad);
	cap_value_free(none);
}

static void annotation_lists_are_trimmed(void **state)
{
	cap_value *obj = parse("{\"metadata\":{\"annotations\":{\"x\":\" a, ,b ,\"}}}");
	cap_strvec v = CAP_STRVEC_INIT;
	cap_sync_annotation_list(&v, obj, "x");
	cap_sync_annotation_list(&v, obj, "absent");
	cap_sync_annotation_list(&v, NULL, "x");
	assert_int_equal(v.len, 2);
	assert_string_equal(v.items[0], "a");
	assert_string_equal(v.items[1], "b");
	cap_strvec_release(&v);
	cap_value_free(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_option_is_read),
	    cmocka_unit_test(unknown_options_are_kept_for_reporting),
	    cmocka_unit_test(resource_annotation_wins_over_the_app),
	    cmocka_unit_test(prune_needs_permission_and_confirmation),
	    cmocka_unit_test(deletion_approval_must_not_predate_the_operation),
	    cmocka_unit_test(annotation_lists_are_trimmed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
