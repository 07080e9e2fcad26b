/* Tests for a project's sync windows verdict on one application: kinds, clusters, errors. */
#include "cap_test.h"

#include <string.h>
#include <time.h>

#include "app/application.h"
#include "app/project.h"
#include "app/project_windows.h"
#include "base/error.h"
#include "value/yaml.h"

/* 2026-01-15 10:30 UTC */
#define NOW ((int64_t)1768473000)

static cap_value *yaml(const char *text)
{
	cap_value *v = NULL;
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "test", NULL), 0);
	return v;
}

static const char web[] = "apiVersion: argoproj.io/v1alpha1\n"
			  "kind: Application\n"
			  "metadata: {name: web, namespace: argocd}\n"
			  "spec:\n"
			  "  project: team\n"
			  "  source: {repoURL: 'https://example/repo', path: web}\n"
			  "  destination: {name: in-cluster, namespace: prod}\n";

/*
 * The verdict for app web (destination in-cluster, namespace prod) in a project with these
 * syncWindows (YAML flow), at NOW; rc gets the return code.
 */
static cap_project_sync_verdict verdict(const char *windows, cap_project_sync_kind kind,
					bool running, int *rc)
{
	cap_buf text = CAP_BUF_INIT;
	cap_buf_printf(
	    &text, "kind: AppProject\nmetadata: {name: team}\nspec:\n  syncWindows: %s\n", windows);
	cap_value *po = yaml(text.ptr), *ao = yaml(web);
	cap_project p;
	cap_app app;
	assert_int_equal(cap_project_parse(&p, po), 0);
	assert_int_equal(cap_app_parse(&app, ao), 0);
	cap_project_sync_verdict v;
	*rc = cap_project_sync_allowed(&v, &p, &app, "https://kubernetes.default.svc", "in-cluster",
				       kind, running, NOW);
	cap_app_release(&app);
	cap_project_release(&p);
	cap_value_free(po);
	cap_value_free(ao);
	cap_buf_release(&text);
	return v;
}

static bool allowed(const char *windows, cap_project_sync_kind kind)
{
	int rc;
	cap_project_sync_verdict v = verdict(windows, kind, false, &rc);
	assert_int_equal(rc, 0);
	return v.allowed;
}

#define DENY_NOW "{kind: deny, schedule: '* * * * *', duration: 1h"

static void no_windows_allow_everything_for_ever(void **state)
{
	int rc;
	cap_project_sync_verdict v = verdict("[]", CAP_PROJECT_SYNC_AUTOMATED, false, &rc);
	assert_int_equal(rc, 0);
	assert_true(v.allowed);
	assert_true(v.next_change == INT64_MAX);
	assert_true(allowed("null", CAP_PROJECT_SYNC_MANUAL));
}

static void deny_window_blocks_and_manual_sync_lets_users_through(void **state)
{
	const char *deny = "[" DENY_NOW ", applications: ['*']}]";
	const char *manual = "[" DENY_NOW ", applications: ['*'], manualSync: true}]";
	assert_false(allowed(deny, CAP_PROJECT_SYNC_AUTOMATED));
	assert_false(allowed(deny, CAP_PROJECT_SYNC_MANUAL));
	assert_false(allowed(manual, CAP_PROJECT_SYNC_AUTOMATED));
	assert_true(allowed(manual, CAP_PROJECT_SYNC_MANUAL));
	/* the verdict may change when the window next fires, a minute from now */
	int rc;
	cap_project_sync_verdict v = verdict(deny, CAP_PROJECT_SYNC_AUTOMATED, false, &rc);
	assert_true(v.next_change > NOW && v.next_change <= NOW + 61);
}

static void closed_allow_window_blocks_until_it_opens(void **state)
{
	int rc;
	cap_project_sync_verdict v =
	    verdict("[{kind: allow, schedule: '0 22 * * *', duration: 1h, namespaces: [prod]}]",
		    CAP_PROJECT_SYNC_AUTOMATED, false, &rc);
	assert_int_equal(rc, 0);
	assert_false(v.allowed);
	assert_int_equal(v.next_change, NOW + (11 * 60 + 30) * 60 + 1);
	assert_true(allowed("[{kind: allow, schedule: '0 22 * * *', duration: 1h, "
			    "namespaces: [prod], manualSync: true}]",
			    CAP_PROJECT_SYNC_MANUAL));
}

static void windows_match_the_resolved_cluster(void **state)
{
	assert_false(allowed("[" DENY_NOW ", clusters: [in-cluster]}]", CAP_PROJECT_SYNC_MANUAL));
	assert_false(allowed("[" DENY_NOW ", clusters: ['https://kubernetes.default.svc']}]",
			     CAP_PROJECT_SYNC_MANUAL));
	assert_true(allowed("[" DENY_NOW ", clusters: [prod]}]", CAP_PROJECT_SYNC_MANUAL));
	assert_true(allowed("[" DENY_NOW ", applications: [api]}]", CAP_PROJECT_SYNC_MANUAL));
}

static void running_sync_may_overrun_a_deny_window(void **state)
{
	int rc;
	const char *overrun = "[" DENY_NOW ", applications: ['*'], syncOverrun: true}]";
	assert_true(verdict(overrun, CAP_PROJECT_SYNC_AUTOMATED, true, &rc).allowed);
	assert_false(verdict(overrun, CAP_PROJECT_SYNC_AUTOMATED, false, &rc).allowed);
	assert_false(
	    verdict("[" DENY_NOW ", applications: ['*']}]", CAP_PROJECT_SYNC_MANUAL, true, &rc)
		.allowed);
}

static void invalid_windows_block_every_sync(void **state)
{
	int rc;
	cap_project_sync_verdict v =
	    verdict("[{kind: deny, schedule: 'not cron', duration: 1h, applications: ['*']}]",
		    CAP_PROJECT_SYNC_MANUAL, false, &rc);
	assert_int_equal(rc, CAP_EINVALID);
	assert_false(v.allowed);
	assert_string_equal(cap_error_last(),
			    "invalid sync windows: invalid sync window 0: cannot parse schedule "
			    "'not cron'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_windows_allow_everything_for_ever),
	    cmocka_unit_test(deny_window_blocks_and_manual_sync_lets_users_through),
	    cmocka_unit_test(closed_allow_window_blocks_until_it_opens),
	    cmocka_unit_test(windows_match_the_resolved_cluster),
	    cmocka_unit_test(running_sync_may_overrun_a_deny_window),
	    cmocka_unit_test(invalid_windows_block_every_sync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
