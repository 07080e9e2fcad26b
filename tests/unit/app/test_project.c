/* AppProject rules: sources, destinations with denials, kinds, sync windows and the app check. */
#include "cap_test.h"

#include <string.h>

#include "app/application.h"
#include "app/project.h"
#include "base/error.h"
#include "value/yaml.h"

static cap_value *yaml(const char *text)
{
	cap_value *v = NULL;
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "test", NULL), 0);
	return v;
}

static void parse_project(cap_project *p, const char *text)
{
	cap_value *v = yaml(text);
	assert_int_equal(cap_project_parse(p, v), 0);
	cap_value_free(v);
}

static const char team[] =
    "kind: AppProject\n"
    "metadata: {name: team, namespace: argocd}\n"
    "spec:\n"
    "  sourceRepos: ['https://github.com/acme/*', '!https://github.com/acme/secret*']\n"
    "  destinations:\n"
    "  - {server: https://kubernetes.default.svc, namespace: 'team-*'}\n"
    "  - {name: prod, namespace: shop}\n"
    "  - {server: '*', namespace: '!kube-system'}\n"
    "  clusterResourceWhitelist: [{group: '', kind: Namespace}]\n"
    "  namespaceResourceBlacklist: [{group: '', kind: ResourceQuota}]\n"
    "  syncWindows:\n"
    "  - {kind: deny, schedule: '0 22 * * *', duration: 1h, applications: ['*'], manualSync: "
    "true}\n";

static void test_default_project_permits_everything(void **state)
{
	cap_value *o = cap_project_default_object("argocd");
	cap_project p;
	assert_int_equal(cap_project_parse(&p, o), 0);
	assert_string_equal(p.name, "default");
	assert_true(cap_project_source_permitted(&p, "https://any.example/repo.git"));
	assert_true(cap_project_destination_permitted(&p, "https://x:6443", NULL, "anything"));
	assert_true(
	    cap_project_resource_permitted(&p, "rbac.authorization.k8s.io", "ClusterRole", false));
	assert_true(cap_project_resource_permitted(&p, "apps", "Deployment", true));
	cap_project_release(&p);
	cap_value_free(o);
}

static void test_source_repos_are_globs_with_denials(void **state)
{
	cap_project p;
	parse_project(&p, team);
	assert_true(cap_project_source_permitted(&p, "https://github.com/acme/web.git"));
	assert_true(cap_project_source_permitted(&p, "https://github.com/ACME/web/"));
	assert_false(cap_project_source_permitted(&p, "https://github.com/acme/secrets.git"));
	/* as in Argo CD, a "!pattern" entry matches every URL it does not deny */
	assert_true(cap_project_source_permitted(&p, "https://gitlab.com/acme/web.git"));
	cap_project_release(&p);
	/* '*' stops at '/' in repository patterns */
	parse_project(&p, "kind: AppProject\nmetadata: {name: x}\n"
			  "spec: {sourceRepos: ['https://github.com/acme/*']}\n");
	assert_true(cap_project_source_permitted(&p, "https://github.com/acme/web.git"));
	assert_false(cap_project_source_permitted(&p, "https://github.com/acme/a/b.git"));
	assert_false(cap_project_source_permitted(&p, "https://gitlab.com/acme/web.git"));
	cap_project_release(&p);
}

static void test_destinations_match_server_or_name_and_namespace(void **state)
{
	cap_project p;
	parse_project(&p, team);
	assert_true(cap_project_destination_permitted(&p, "https://kubernetes.default.svc",
						      "in-cluster", "team-a"));
	assert_true(cap_project_destination_permitted(&p, "https://prod:6443", "prod", "shop"));
	/* the catch-all entry allows any server except in kube-system */
	assert_true(cap_project_destination_permitted(&p, "https://other:6443", NULL, "default"));
	assert_false(
	    cap_project_destination_permitted(&p, "https://other:6443", NULL, "kube-system"));
	cap_project_release(&p);
}

static void test_kinds_follow_white_and_black_lists(void **state)
{
	cap_project p;
	parse_project(&p, team);
	assert_true(cap_project_resource_permitted(&p, "", "Namespace", false));
	assert_false(
	    cap_project_resource_permitted(&p, "rbac.authorization.k8s.io", "ClusterRole", false));
	assert_false(cap_project_resource_permitted(&p, "", "ResourceQuota", true));
	assert_true(cap_project_resource_permitted(&p, "apps", "Deployment", true));
	cap_project_release(&p);
}

static void test_sync_windows_are_parsed(void **state)
{
	cap_project p;
	parse_project(&p, team);
	assert_int_equal(p.n_windows, 1);
	assert_string_equal(p.windows[0].kind, "deny");
	assert_string_equal(p.windows[0].schedule, "0 22 * * *");
	assert_string_equal(p.windows[0].duration, "1h");
	assert_true(p.windows[0].manual_sync);
	assert_int_equal(cap_value_array_len(p.windows[0].applications), 1);
	cap_project_release(&p);
}

static void test_check_app_gives_argocd_messages(void **state)
{
	cap_project p;
	parse_project(
	    &p, "kind: AppProject\nmetadata: {name: default}\nspec:\n"
		"  sourceRepos: ['https://github.com/acme/*']\n"
		"  destinations: [{server: https://kubernetes.default.svc, namespace: web}]\n");
	cap_value *v =
	    yaml("kind: Application\nmetadata: {name: a}\nspec:\n"
		 "  source: {repoURL: 'https://github.com/acme/web.git'}\n"
		 "  destination: {server: https://kubernetes.default.svc, namespace: db}\n");
	cap_app app;
	assert_int_equal(cap_app_parse(&app, v), 0);
	assert_int_equal(
	    cap_project_check_app(&p, &app, "https://kubernetes.default.svc", "in-cluster"),
	    CAP_EPERM);
	assert_string_equal(
	    cap_error_last(),
	    "application destination server 'https://kubernetes.default.svc' and "
	    "namespace 'db' do not match any of the allowed destinations in project "
	    "'default'");
	cap_app_release(&app);
	cap_value_free(v);
	v = yaml("kind: Application\nmetadata: {name: a}\nspec:\n"
		 "  source: {repoURL: 'https://gitlab.com/x/y.git'}\n"
		 "  destination: {server: https://kubernetes.default.svc, namespace: web}\n");
	assert_int_equal(cap_app_parse(&app, v), 0);
	assert_int_equal(cap_project_check_app(&p, &app, "https://kubernetes.default.svc", NULL),
			 CAP_EPERM);
	assert_string_equal(cap_error_last(), "application repo https://gitlab.com/x/y.git is not "
					      "permitted in project 'default'");
	cap_app_release(&app);
	cap_value_free(v);
	v = yaml("kind: Application\nmetadata: {name: a}\nspec:\n"
		 "  source: {repoURL: 'https://github.com/acme/web'}\n"
		 "  destination: {server: https://kubernetes.default.svc, namespace: web}\n");
	assert_int_equal(cap_app_parse(&app, v), 0);
	assert_int_equal(cap_project_check_app(&p, &app, "https://kubernetes.default.svc", NULL),
			 0);
	cap_app_release(&app);
	cap_value_free(v);
	cap_project_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_project_permits_everything),
	    cmocka_unit_test(test_source_repos_are_globs_with_denials),
	    cmocka_unit_test(test_destinations_match_server_or_name_and_namespace),
	    cmocka_unit_test(test_kinds_follow_white_and_black_lists),
	    cmocka_unit_test(test_sync_windows_are_parsed),
	    cmocka_unit_test(test_check_app_gives_argocd_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
