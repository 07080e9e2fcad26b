/* Tests for reading Argo CD repository and repo-creds Secrets and looking credentials up by URL. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/error.h"
#include "git/creds.h"
#include "value/json.h"

#include <string.h>

/* base64: "https://git.example.com/org/app" "alice" "s3cret" "true" */
static const char repo_secret[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"app-repo\","
    "\"labels\":{\"argocd.argoproj.io/secret-type\":\"repository\"}},"
    "\"data\":{\"url\":\"aHR0cHM6Ly9naXQuZXhhbXBsZS5jb20vb3JnL2FwcA==\",\"username\":\"YWxpY2U=\","
    "\"password\":\"czNjcmV0\",\"insecure\":\"dHJ1ZQ==\"},\"stringData\":{\"project\":\"team-a\","
    "\"forceHttpBasicAuth\":\"true\",\"proxy\":\"http://proxy:3128\",\"noProxy\":\"local\","
    "\"tlsClientCertData\":\"CERT\",\"tlsClientCertKey\":\"KEY\"}}";

static void reads_a_repository_secret_from_data_and_string_data(void **state)
{
	cap_value *v = cap_test_json(repo_secret);
	cap_git_repo_secret s;
	assert_int_equal(cap_git_repo_secret_parse(&s, v), 0);
	assert_string_equal(s.name, "app-repo");
	assert_string_equal(s.url, "https://git.example.com/org/app");
	assert_string_equal(s.type, "git");
	assert_string_equal(s.project, "team-a");
	assert_false(s.is_template);
	assert_string_equal(s.creds.username, "alice");
	assert_string_equal(s.creds.password, "s3cret");
	assert_true(s.creds.insecure);
	assert_null(s.creds.ssh_private_key);
	assert_true(s.creds.force_basic_auth);
	assert_string_equal(s.creds.proxy, "http://proxy:3128");
	assert_string_equal(s.creds.no_proxy, "local");
	assert_string_equal(s.creds.tls_client_cert, "CERT");
	assert_string_equal(s.creds.tls_client_key, "KEY");
	cap_git_creds copy;
	cap_git_creds_copy(&copy, &s.creds);
	assert_string_equal(copy.tls_client_key, "KEY");
	assert_true(copy.force_basic_auth);
	cap_git_creds_release(&copy);
	cap_git_repo_secret_release(&s);
	cap_value_free(v);
}

static void ignores_secrets_of_other_types(void **state)
{
	cap_value *v =
	    cap_test_json("{\"metadata\":{\"name\":\"c\",\"labels\":{"
			  "\"argocd.argoproj.io/secret-type\":\"cluster\"}},\"data\":{}}");
	cap_git_repo_secret s;
	assert_int_equal(cap_git_repo_secret_parse(&s, v), CAP_ENOTFOUND);
	cap_value_free(v);
}

static void bad_base64_names_the_field_not_the_value(void **state)
{
	cap_value *v =
	    cap_test_json("{\"metadata\":{\"name\":\"r\",\"labels\":{"
			  "\"argocd.argoproj.io/secret-type\":\"repository\"}},"
			  "\"data\":{\"url\":\"aHR0cHM6Ly94\",\"password\":\"!!not-base64!!\"}}");
	cap_git_repo_secret s;
	assert_int_equal(cap_git_repo_secret_parse(&s, v), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'password'"));
	assert_null(strstr(cap_error_last(), "not-base64"));
	cap_value_free(v);
	v = cap_test_json("{\"metadata\":{\"name\":\"r\",\"labels\":{"
			  "\"argocd.argoproj.io/secret-type\":\"repository\"}},\"stringData\":{}}");
	assert_int_equal(cap_git_repo_secret_parse(&s, v), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "no url"));
	cap_value_free(v);
}

static void add_template(cap_git_credstore *st, const char *url, const char *user)
{
	cap_buf j = CAP_BUF_INIT;
	cap_buf_printf(&j,
		       "{\"metadata\":{\"name\":\"t\",\"labels\":{"
		       "\"argocd.argoproj.io/secret-type\":\"repo-creds\"}},"
		       "\"stringData\":{\"url\":\"%s\",\"username\":\"%s\",\"password\":\"pw\"}}",
		       url, user);
	cap_value *v = cap_test_json(j.ptr);
	assert_int_equal(cap_git_credstore_add_secret(st, v), 0);
	cap_value_free(v);
	cap_buf_release(&j);
}

static void lookup_prefers_repository_then_longest_template(void **state)
{
	cap_git_credstore *st = cap_git_credstore_new();
	add_template(st, "https://git.example.com", "host-wide");
	add_template(st, "https://git.example.com/org", "org-wide");
	cap_value *v = cap_test_json(repo_secret);
	assert_int_equal(cap_git_credstore_add_secret(st, v), 0);
	cap_value_free(v);

	const cap_git_creds *c =
	    cap_git_credstore_lookup(st, "https://git.example.com/org/app.git");
	assert_non_null(c);
	assert_string_equal(c->username, "alice");
	c = cap_git_credstore_lookup(st, "https://git.example.com/org/other");
	assert_string_equal(c->username, "org-wide");
	c = cap_git_credstore_lookup(st, "https://GIT.example.com/elsewhere/x");
	assert_string_equal(c->username, "host-wide");
	assert_null(cap_git_credstore_lookup(st, "https://github.com/org/app"));
	const cap_git_repo_secret *r =
	    cap_git_credstore_find_repo(st, "https://git.example.com/org/app/");
	assert_non_null(r);
	assert_string_equal(r->project, "team-a");
	cap_git_credstore_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reads_a_repository_secret_from_data_and_string_data),
	    cmocka_unit_test(ignores_secrets_of_other_types),
	    cmocka_unit_test(bad_base64_names_the_field_not_the_value),
	    cmocka_unit_test(lookup_prefers_repository_then_longest_template),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
