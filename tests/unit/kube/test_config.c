/* Kubeconfig variants against a TLS drydock: tokens, CAs, client certs, merges, in-cluster. */
#include "cap_test.h"

#include "base/base64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "drydock_fixture.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/internal.h"
#include "value/json.h"

#define TOKEN "s3cret-token"

typedef struct fixture {
	cap_drydock dd;
	cap_kube_config base; /* what drydock wrote */
	cap_buf dir;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	cap_drydock_options o = {.tls = true, .token = TOKEN};
	if (cap_drydock_start(&f->dd, &o) != 0)
		return -1;
	cap_kube_config_init(&f->base);
	cap_kube_config_options lo = {.kubeconfig = f->dd.kubeconfig.ptr};
	if (cap_kube_config_load(&f->base, &lo) != 0)
		return -1;
	cap_buf_init(&f->dir);
	cap_test_mkdtemp(&f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	cap_kube_config_release(&f->base);
	cap_test_rmtree(f->dir.ptr);
	cap_buf_release(&f->dir);
	cap_drydock_stop(&f->dd);
	free(f);
	return 0;
}

/* GET /version with cfg; returns the client's result code. */
static int reach(const cap_kube_config *cfg)
{
	cap_kube_client *c = NULL;
	int rc = cap_kube_client_new(&c, cfg, NULL);
	if (rc)
		return rc;
	cap_value *v = NULL;
	rc = cap_kube_get_path(c, &v, "/api/v1/namespaces/default");
	cap_value_free(v);
	cap_kube_client_free(c);
	return rc;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void b64(cap_buf *out, const char *s)
{
	cap_base64_encode(out, s, strlen(s));
}

static void test_token_and_ca_data_from_drydock_kubeconfig(void **state)
{
	fixture *f = *state;
	assert_non_null(f->base.ca_pem);
	assert_string_equal(f->base.token, TOKEN);
	assert_string_equal(f->base.namespace, "default");
	assert_string_equal(f->base.context, "drydock");
	assert_int_equal(strncmp(f->base.server, "https://127.0.0.1:", 18), 0);
	assert_int_equal(reach(&f->base), 0);
}

static void test_wrong_token_is_auth_error_without_the_token(void **state)
{
	fixture *f = *state;
	cap_kube_config c;
	cap_kube_config_init(&c);
	cap_kube_config_copy(&c, &f->base);
	free(c.token);
	c.token = strdup("wrong-token-value");
	assert_int_equal(reach(&c), CAP_EAUTH);
	assert_null(strstr(cap_error_last(), "wrong-token-value"));
	cap_kube_config_release(&c);
}

static void test_unknown_ca_fails_and_insecure_skips_verification(void **state)
{
	fixture *f = *state;
	cap_kube_config c;
	cap_kube_config_init(&c);
	cap_kube_config_copy(&c, &f->base);
	free(c.ca_pem);
	c.ca_pem = NULL;
	assert_int_equal(reach(&c), CAP_EUNAVAILABLE);
	assert_non_null(strstr(cap_error_last(), "cannot reach"));
	c.insecure = true;
	assert_int_equal(reach(&c), 0);
	cap_kube_config_release(&c);
}

static void test_tls_server_name_verifies_another_name(void **state)
{
	fixture *f = *state;
	cap_kube_config c;
	cap_kube_config_init(&c);
	cap_kube_config_copy(&c, &f->base);
	c.tls_server_name = strdup("localhost"); /* in drydock's certificate beside 127.0.0.1 */
	assert_int_equal(reach(&c), 0);
	free(c.tls_server_name);
	c.tls_server_name = strdup("elsewhere.example");
	assert_int_equal(reach(&c), CAP_EUNAVAILABLE);
	cap_kube_config_release(&c);
}

static void test_ca_file_and_token_file_resolve_relative_to_kubeconfig(void **state)
{
	fixture *f = *state;
	cap_buf p = CAP_BUF_INIT, kc = CAP_BUF_INIT;
	cap_buf_printf(&p, "%s/ca.pem", f->dir.ptr);
	write_file(p.ptr, f->base.ca_pem);
	cap_buf_clear(&p);
	cap_buf_printf(&p, "%s/token", f->dir.ptr);
	write_file(p.ptr, TOKEN "\n");
	cap_buf_clear(&p);
	cap_buf_printf(&p, "%s/files.kubeconfig", f->dir.ptr);
	cap_buf_printf(&kc,
		       "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n"
		       "  cluster:\n    server: %s\n    certificate-authority: ca.pem\n"
		       "users:\n- name: u\n  user:\n    tokenFile: token\n"
		       "contexts:\n- name: c\n  context: {cluster: k, user: u, namespace: shop}\n",
		       f->base.server);
	write_file(p.ptr, kc.ptr);
	cap_kube_config c;
	cap_kube_config_init(&c);
	cap_kube_config_options o = {.kubeconfig = p.ptr};
	assert_int_equal(cap_kube_config_load(&c, &o), 0);
	assert_string_equal(c.token, TOKEN);
	assert_string_equal(c.namespace, "shop");
	assert_non_null(strstr(c.token_file, "/token"));
	assert_int_equal(reach(&c), 0);
	cap_kube_config_release(&c);
	cap_buf_release(&p);
	cap_buf_release(&kc);
}

static void test_client_certificate_data_is_loaded_and_presented(void **state)
{
	fixture *f = *state;
	if (!cap_test_have_program("openssl"))
		skip();
	assert_int_equal(cap_test_run(NULL,
				      "cd '%s' && openssl req -x509 -newkey ec -pkeyopt "
				      "ec_paramgen_curve:P-256 -nodes -keyout client.key -out "
				      "client.crt -subj /CN=admin -days 1 >/dev/null 2>&1",
				      f->dir.ptr),
			 0);
	cap_buf crt = CAP_BUF_INIT, key = CAP_BUF_INIT, p = CAP_BUF_INIT, kc = CAP_BUF_INIT;
	cap_buf ca64 = CAP_BUF_INIT, crt64 = CAP_BUF_INIT;
	cap_buf_printf(&p, "%s/client.crt", f->dir.ptr);
	cap_test_read_file(&crt, p.ptr);
	cap_buf_clear(&p);
	cap_buf_printf(&p, "%s/client.key", f->dir.ptr);
	cap_test_read_file(&key, p.ptr);
	b64(&ca64, f->base.ca_pem);
	b64(&crt64, crt.ptr);
	cap_buf_clear(&p);
	cap_buf_printf(&p, "%s/certs.kubeconfig", f->dir.ptr);
	cap_buf_printf(&kc,
		       "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n"
		       "  cluster:\n    server: %s\n    certificate-authority-data: %s\n"
		       "users:\n- name: u\n  user:\n    client-certificate-data: %s\n"
		       "    client-key: client.key\n    token: %s\n"
		       "contexts:\n- name: c\n  context: {cluster: k, user: u}\n",
		       f->base.server, ca64.ptr, crt64.ptr, TOKEN);
	write_file(p.ptr, kc.ptr);
	cap_kube_config c;
	cap_kube_config_init(&c);
	cap_kube_config_options o = {.kubeconfig = p.ptr};
	assert_int_equal(cap_kube_config_load(&c, &o), 0);
	assert_string_equal(c.cert_pem, crt.ptr);
	assert_string_equal(c.key_pem, key.ptr);
	assert_int_equal(reach(&c), 0);
	cap_kube_config_release(&c);
	cap_buf_release(&crt);
	cap_buf_release(&key);
	cap_buf_release(&p);
	cap_buf_release(&kc);
	cap_buf_release(&ca64);
	cap_buf_release(&crt64);
}

static void test_kubeconfig_list_merges_first_wins(void **state)
{
	fixture *f = *state;
	cap_buf a = CAP_BUF_INIT, b = CAP_BUF_INIT, text = CAP_BUF_INIT, env = CAP_BUF_INIT;
	cap_buf_printf(&a, "%s/a.kubeconfig", f->dir.ptr);
	cap_buf_printf(&b, "%s/b.kubeconfig", f->dir.ptr);
	/* a: the real cluster under "k" and context "first"; b: a dead "k", context "second" */
	cap_buf_printf(&text,
		       "apiVersion: v1\nkind: Config\ncurrent-context: first\nclusters:\n"
		       "- name: k\n  cluster:\n    server: %s\n    insecure-skip-tls-verify: true\n"
		       "contexts:\n- name: first\n  context: {cluster: k, user: u}\n",
		       f->base.server);
	write_file(a.ptr, text.ptr);
	cap_buf_clear(&text);
	cap_buf_printf(&text, "apiVersion: v1\nkind: Config\ncurrent-context: second\nclusters:\n"
			      "- name: k\n  cluster:\n    server: https://127.0.0.1:1\n"
			      "users:\n- name: u\n  user:\n    token: " TOKEN "\n"
			      "contexts:\n- name: second\n  context: {cluster: k, user: u, "
			      "namespace: two}\n");
	write_file(b.ptr, text.ptr);

	cap_buf_printf(&env, "%s:%s/missing:%s", a.ptr, f->dir.ptr, b.ptr);
	setenv("KUBECONFIG", env.ptr, 1);
	cap_kube_config c;
	cap_kube_config_init(&c);
	assert_int_equal(cap_kube_config_load(&c, NULL), 0);
	assert_string_equal(c.context, "first");
	assert_string_equal(c.server, f->base.server);
	assert_string_equal(c.token, TOKEN); /* the user only b defines */
	assert_true(c.insecure);
	assert_int_equal(reach(&c), 0);

	cap_kube_config_options o = {.context = "second"};
	assert_int_equal(cap_kube_config_load(&c, &o), 0);
	assert_string_equal(c.namespace, "two");
	assert_string_equal(c.server, f->base.server); /* cluster "k" still from a */

	cap_strvec names = CAP_STRVEC_INIT;
	char *current = NULL;
	assert_int_equal(cap_kube_config_list_contexts(&names, &current, NULL), 0);
	assert_int_equal(names.len, 2);
	assert_string_equal(names.items[0], "first");
	assert_string_equal(current, "first");
	free(current);
	cap_strvec_release(&names);

	cap_buf_clear(&env);
	cap_buf_printf(&env, "%s:%s", b.ptr, a.ptr);
	setenv("KUBECONFIG", env.ptr, 1);
	assert_int_equal(cap_kube_config_load(&c, NULL), 0);
	assert_string_equal(c.context, "second");
	assert_string_equal(c.server, "https://127.0.0.1:1");

	o.context = "third";
	assert_int_equal(cap_kube_config_load(&c, &o), CAP_ENOTFOUND);
	assert_string_equal(cap_error_last(), "context 'third' not found in kubeconfig");
	unsetenv("KUBECONFIG");
	cap_kube_config_release(&c);
	cap_buf_release(&a);
	cap_buf_release(&b);
	cap_buf_release(&text);
	cap_buf_release(&env);
}

static void test_exec_user_is_unsupported(void **state)
{
	fixture *f = *state;
	cap_buf p = CAP_BUF_INIT;
	cap_buf_printf(&p, "%s/exec.kubeconfig", f->dir.ptr);
	write_file(p.ptr, "current-context: c\nclusters:\n- name: k\n  cluster: {server: "
			  "'https://x'}\nusers:\n- name: eks\n  user:\n    exec: {command: aws}\n"
			  "contexts:\n- name: c\n  context: {cluster: k, user: eks}\n");
	cap_kube_config c;
	cap_kube_config_init(&c);
	cap_kube_config_options o = {.kubeconfig = p.ptr};
	assert_int_equal(cap_kube_config_load(&c, &o), CAP_EUNSUPPORTED);
	assert_non_null(strstr(cap_error_last(), "'eks'"));
	cap_buf_release(&p);
}

static void test_in_cluster_service_account(void **state)
{
	fixture *f = *state;
	cap_buf p = CAP_BUF_INIT;
	cap_buf_printf(&p, "%s/token", f->dir.ptr);
	write_file(p.ptr, TOKEN);
	cap_buf_clear(&p);
	cap_buf_printf(&p, "%s/ca.crt", f->dir.ptr);
	write_file(p.ptr, f->base.ca_pem);
	cap_buf_clear(&p);
	cap_buf_printf(&p, "%s/namespace", f->dir.ptr);
	write_file(p.ptr, "argocd");
	const char *port = strrchr(f->base.server, ':') + 1;
	setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", port, 1);
	cap_kube_config c;
	cap_kube_config_init(&c);
	assert_int_equal(cap_kube_config_load_in_cluster(&c, f->dir.ptr), 0);
	assert_string_equal(c.server, f->base.server);
	assert_string_equal(c.namespace, "argocd");
	assert_int_equal(reach(&c), 0);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	assert_int_equal(cap_kube_config_load_in_cluster(&c, f->dir.ptr), CAP_ENOTFOUND);
	cap_kube_config_release(&c);
	cap_buf_release(&p);
}

static void test_argocd_cluster_secret(void **state)
{
	fixture *f = *state;
	cap_buf ca64 = CAP_BUF_INIT, cfg = CAP_BUF_INIT, cfg64 = CAP_BUF_INIT, srv64 = CAP_BUF_INIT;
	cap_buf json = CAP_BUF_INIT;
	b64(&ca64, f->base.ca_pem);
	cap_buf_printf(&cfg,
		       "{\"bearerToken\":\"%s\",\"tlsClientConfig\":{\"insecure\":false,"
		       "\"caData\":\"%s\"}}",
		       TOKEN, ca64.ptr);
	b64(&cfg64, cfg.ptr);
	b64(&srv64, f->base.server);
	cap_buf_printf(
	    &json,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
	    "\"cluster-dd\",\"labels\":{\"argocd.argoproj.io/secret-type\":\"cluster\"}},"
	    "\"data\":{\"server\":\"%s\",\"name\":\"ZGQ=\",\"config\":\"%s\"}}",
	    srv64.ptr, cfg64.ptr);
	cap_value *secret = NULL;
	assert_int_equal(cap_json_parse(&secret, json.ptr, json.len, NULL, NULL), 0);
	cap_kube_config c;
	cap_kube_config_init(&c);
	assert_int_equal(cap_kube_config_from_argocd_secret(&c, secret), 0);
	assert_string_equal(c.server, f->base.server);
	assert_string_equal(c.token, TOKEN);
	assert_string_equal(c.ca_pem, f->base.ca_pem);
	assert_int_equal(reach(&c), 0);

	/* a config that is not JSON is refused without echoing it */
	cap_value_object_set(cap_value_object_get(secret, "data"), "config",
			     cap_value_string("bm90IGpzb24="));
	assert_int_equal(cap_kube_config_from_argocd_secret(&c, secret), CAP_EINVALID);
	assert_string_equal(cap_error_last(),
			    "cluster secret 'cluster-dd': field 'config' is not valid JSON");
	cap_value_free(secret);
	cap_kube_config_release(&c);
	cap_buf_release(&ca64);
	cap_buf_release(&cfg);
	cap_buf_release(&cfg64);
	cap_buf_release(&srv64);
	cap_buf_release(&json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token_and_ca_data_from_drydock_kubeconfig),
	    cmocka_unit_test(test_wrong_token_is_auth_error_without_the_token),
	    cmocka_unit_test(test_unknown_ca_fails_and_insecure_skips_verification),
	    cmocka_unit_test(test_tls_server_name_verifies_another_name),
	    cmocka_unit_test(test_ca_file_and_token_file_resolve_relative_to_kubeconfig),
	    cmocka_unit_test(test_client_certificate_data_is_loaded_and_presented),
	    cmocka_unit_test(test_kubeconfig_list_merges_first_wins),
	    cmocka_unit_test(test_exec_user_is_unsupported),
	    cmocka_unit_test(test_in_cluster_service_account),
	    cmocka_unit_test(test_argocd_cluster_secret),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
