/* Settings: argocd-cm keys and defaults, repository and cluster Secrets, destination resolution. */
#include "cap_test.h"

#include <string.h>

#include "app/settings.h"
#include "base/error.h"
#include "value/yaml.h"

static cap_value *yaml(const char *text)
{
	cap_value *v = NULL;
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "test", NULL), 0);
	return v;
}

static void test_defaults(void **state)
{
	cap_settings s;
	cap_settings_init(&s);
	assert_string_equal(s.instance_label_key, "app.kubernetes.io/instance");
	assert_int_equal(s.tracking, CAP_TRACK_ANNOTATION);
	assert_int_equal(s.reconciliation_ms, 120000);
	assert_int_equal(s.reconciliation_jitter_ms, 0);
	assert_null(s.health);
	assert_int_equal(s.n_clusters, 1);
	assert_string_equal(s.clusters[0].name, "in-cluster");
	assert_true(s.clusters[0].in_cluster);
	assert_true(cap_settings_resource_excluded(&s, "", "Event", NULL));
	assert_false(cap_settings_resource_excluded(&s, "apps", "Deployment", NULL));
	cap_settings_release(&s);
}

static void test_argocd_cm_keys(void **state)
{
	cap_value *cm = yaml("kind: ConfigMap\nmetadata: {name: argocd-cm}\ndata:\n"
			     "  application.instanceLabelKey: argocd.argoproj.io/instance\n"
			     "  application.resourceTrackingMethod: label\n"
			     "  timeout.reconciliation: 180s\n"
			     "  timeout.reconciliation.jitter: '30'\n"
			     "  resource.customizations.health.example.com_Widget: 'return {}'\n"
			     "  resource.exclusions: |\n"
			     "    - apiGroups: [cilium.io]\n"
			     "      kinds: ['*']\n"
			     "      clusters: ['https://prod*']\n"
			     "  resource.inclusions: |\n"
			     "    - apiGroups: ['*']\n"
			     "      kinds: ['*']\n");
	cap_settings s;
	cap_settings_init(&s);
	assert_int_equal(cap_settings_load_cm(&s, cm), 0);
	assert_string_equal(s.instance_label_key, "argocd.argoproj.io/instance");
	assert_int_equal(s.tracking, CAP_TRACK_LABEL);
	assert_int_equal(s.reconciliation_ms, 180000);
	assert_int_equal(s.reconciliation_jitter_ms, 30000);
	assert_string_equal(
	    cap_settings_cm_get(&s, "resource.customizations.health.example.com_Widget"),
	    "return {}");
	assert_non_null(cap_health_overrides_find(s.health, "example.com", "Widget"));
	assert_null(cap_health_overrides_find(s.health, "argoproj.io", "Application"));
	assert_true(cap_settings_resource_excluded(&s, "cilium.io", "CiliumEndpoint",
						   "https://prod-1:6443"));
	assert_false(
	    cap_settings_resource_excluded(&s, "cilium.io", "CiliumEndpoint", "https://dev:6443"));
	assert_false(cap_settings_resource_excluded(&s, "apps", "Deployment", NULL));
	cap_settings_release(&s);
	cap_value_free(cm);
}

static void test_bad_cm_values_name_the_key(void **state)
{
	cap_settings s;
	cap_settings_init(&s);
	cap_value *cm = yaml("data: {timeout.reconciliation: soon}\n");
	assert_int_equal(cap_settings_load_cm(&s, cm), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "timeout.reconciliation"));
	cap_value_free(cm);
	cm = yaml("data: {resource.exclusions: 'a: b'}\n");
	assert_int_equal(cap_settings_load_cm(&s, cm), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "resource.exclusions"));
	cap_value_free(cm);
	cap_settings_release(&s);
}

static void test_cluster_secrets_and_destinations(void **state)
{
	/* server https://prod:6443, name prod: base64 in data; project in stringData */
	cap_value *sec = yaml("kind: Secret\n"
			      "metadata:\n"
			      "  name: prod-cluster\n"
			      "  labels: {argocd.argoproj.io/secret-type: cluster}\n"
			      "data:\n"
			      "  server: aHR0cHM6Ly9wcm9kOjY0NDM=\n"
			      "  name: cHJvZA==\n"
			      "  config: e30=\n"
			      "stringData: {project: team}\n");
	cap_settings s;
	cap_settings_init(&s);
	assert_int_equal(cap_settings_add_secret(&s, sec), 0);
	assert_int_equal(s.n_clusters, 2);
	const cap_settings_cluster *c = NULL;
	cap_app_destination d = {.name = "prod", .namespace = "web"};
	assert_int_equal(cap_settings_resolve_destination(&c, &s, &d), 0);
	assert_string_equal(c->server, "https://prod:6443");
	assert_string_equal(c->project, "team");
	assert_false(c->in_cluster);
	cap_app_destination in = {.server = "https://kubernetes.default.svc"};
	assert_int_equal(cap_settings_resolve_destination(&c, &s, &in), 0);
	assert_string_equal(c->name, "in-cluster");
	cap_app_destination by_name = {.name = "in-cluster"};
	assert_int_equal(cap_settings_resolve_destination(&c, &s, &by_name), 0);
	assert_true(c->in_cluster);
	cap_app_destination both = {.server = "https://prod:6443", .name = "prod"};
	assert_int_equal(cap_settings_resolve_destination(&c, &s, &both), CAP_EINVALID);
	assert_string_equal(cap_error_last(), "application destination can't have both name and "
					      "server defined: prod https://prod:6443");
	cap_app_destination none = {0};
	assert_int_equal(cap_settings_resolve_destination(&c, &s, &none), CAP_EINVALID);
	cap_app_destination unknown = {.name = "staging"};
	assert_int_equal(cap_settings_resolve_destination(&c, &s, &unknown), CAP_ENOTFOUND);
	assert_string_equal(cap_error_last(), "there are no clusters with this name: staging");
	cap_settings_release(&s);
	cap_value_free(sec);
}

static void test_in_cluster_can_be_disabled_or_renamed(void **state)
{
	cap_settings s;
	cap_settings_init(&s);
	cap_value *cm = yaml("data: {cluster.inClusterEnabled: 'false'}\n");
	assert_int_equal(cap_settings_load_cm(&s, cm), 0);
	const cap_settings_cluster *c = NULL;
	cap_app_destination in = {.server = "https://kubernetes.default.svc"};
	assert_int_equal(cap_settings_resolve_destination(&c, &s, &in), CAP_ENOTFOUND);
	cap_value_free(cm);
	cap_settings_release(&s);

	cap_settings_init(&s);
	cap_value *sec =
	    yaml("metadata:\n"
		 "  name: local\n"
		 "  labels: {argocd.argoproj.io/secret-type: cluster}\n"
		 "stringData: {server: 'https://kubernetes.default.svc', name: local}\n");
	assert_int_equal(cap_settings_add_secret(&s, sec), 0);
	assert_int_equal(s.n_clusters, 1);
	cap_app_destination local = {.name = "local"};
	assert_int_equal(cap_settings_resolve_destination(&c, &s, &local), 0);
	assert_true(c->in_cluster);
	cap_value_free(sec);
	cap_settings_release(&s);
}

static void test_repository_secrets_give_credentials(void **state)
{
	cap_value *repo = yaml("metadata:\n"
			       "  name: private-repo\n"
			       "  labels: {argocd.argoproj.io/secret-type: repository}\n"
			       "stringData: {url: 'https://git.example.com/team/app.git', "
			       "username: bot, password: s3cret}\n");
	cap_value *plain = yaml("metadata: {name: unrelated}\nstringData: {a: b}\n");
	cap_settings s;
	cap_settings_init(&s);
	assert_int_equal(cap_settings_add_secret(&s, repo), 0);
	assert_int_equal(cap_settings_add_secret(&s, plain), 0);
	const cap_git_creds *cr =
	    cap_git_credstore_lookup(s.repos, "https://git.example.com/team/app.git");
	assert_non_null(cr);
	assert_string_equal(cr->username, "bot");
	assert_null(cap_git_credstore_lookup(s.repos, "https://other.example.com/x.git"));
	cap_settings_release(&s);
	cap_value_free(repo);
	cap_value_free(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_argocd_cm_keys),
	    cmocka_unit_test(test_bad_cm_values_name_the_key),
	    cmocka_unit_test(test_cluster_secrets_and_destinations),
	    cmocka_unit_test(test_in_cluster_can_be_disabled_or_renamed),
	    cmocka_unit_test(test_repository_secrets_give_credentials),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
