/* Tests for Helm sources against `helm template` itself: options, precedence, files, repositories.
 */
#include "render_fixture.h"

#include "git/creds.h"
#include "value/yaml.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Renders with no tracking and no destination, so the output must equal helm's own. */
static int render_plain(cap_value **out, const char *root, const char *json)
{
	return fx_render_full(out, root, json, NULL, NULL, CAP_TRACK_ANNOTATION, NULL);
}

/* Runs a helm command line and parses its output as the oracle. */
static cap_value *helm_oracle(const char *cmd)
{
	cap_buf out = CAP_BUF_INIT;
	cap_value *docs = NULL, *objs = cap_value_array(), *d;
	size_t i;
	if (cap_test_run(&out, "%s 2>&1", cmd) != 0)
		fail_msg("helm failed: %s", out.ptr);
	if (cap_yaml_parse_stream(&docs, out.ptr, out.len, "helm", NULL) != 0)
		fail_msg("%s", cap_error_last());
	CAP_VALUE_ARRAY_FOREACH(docs, i, d)
	if (!cap_value_is_null(d))
		cap_value_array_append(objs, cap_value_ref(d));
	cap_value_free(docs);
	cap_buf_release(&out);
	return objs;
}

static const char *dep_meta(const cap_value *objs, const char *name, const char *field,
			    const char *key)
{
	return cap_value_dig_string(fx_find(objs, "Deployment", name), "metadata", field, key,
				    NULL);
}

static void guestbook_chart_matches_helm_template(void **state)
{
	cap_buf apps = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_shared_path(&apps, "argocd/e2e-apps");
	assert_int_equal(
	    render_plain(&objs, apps.ptr,
			 "{\"path\":\"helm-guestbook\",\"helm\":{\"releaseName\":\"hg\"}}"),
	    0);
	cap_buf cmd = CAP_BUF_INIT;
	cap_buf_printf(&cmd, "helm template '%s/helm-guestbook' --name-template hg --include-crds",
		       apps.ptr);
	cap_value *want = helm_oracle(cmd.ptr);
	cap_buf_release(&cmd);
	assert_true(cap_value_array_len(want) >= 2);
	assert_true(cap_value_equal(objs, want));
	cap_value_free(objs);
	cap_value_free(want);
	cap_buf_release(&apps);
}

static void fixture_chart_matches_helm_template_with_options(void **state)
{
	cap_buf chart = CAP_BUF_INIT, cmd = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_fixture_path(&chart, "render/helm/chart");
	assert_int_equal(
	    render_plain(&objs, fx_fixture_root(),
			 "{\"path\":\"helm/chart\",\"helm\":{\"releaseName\":\"r\",\"namespace\":"
			 "\"hn\",\"valueFiles\":[\"values-prod.yaml\"],\"parameters\":[{\"name\":"
			 "\"image\",\"value\":\"busybox\"}],\"kubeVersion\":\"1.29.0\","
			 "\"apiVersions\":[\"monitoring.coreos.com/v1\"]}}"),
	    0);
	cap_buf_printf(&cmd,
		       "helm template '%s' --name-template r --namespace hn --kube-version "
		       "1.29.0 --values '%s/values-prod.yaml' --set image=busybox "
		       "--api-versions monitoring.coreos.com/v1 --include-crds",
		       chart.ptr, chart.ptr);
	cap_value *want = helm_oracle(cmd.ptr);
	assert_true(cap_value_equal(objs, want));
	assert_string_equal(dep_meta(objs, "r-web", "annotations", "kube-version"), "v1.29.0");
	assert_string_equal(dep_meta(objs, "r-web", "annotations", "has-monitoring"), "true");
	cap_value_free(objs);
	cap_value_free(want);
	cap_buf_release(&chart);
	cap_buf_release(&cmd);
}

static void value_files_then_values_then_parameters(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(
		&objs, "{\"path\":\"helm/chart\",\"helm\":{\"valueFiles\":[\"values-prod.yaml\"],"
		       "\"values\":\"tier: from-values\\nlabel: from-values\\n\",\"parameters\":[{"
		       "\"name\":\"label\",\"value\":\"from-param\"}]}}"),
	    0);
	/* release name defaults to the app name */
	assert_string_equal(dep_meta(objs, "app-web", "labels", "tier"), "from-values");
	assert_string_equal(dep_meta(objs, "app-web", "labels", "label"), "from-param");
	assert_int_equal(cap_value_get_int(cap_value_dig(fx_find(objs, "Deployment", "app-web"),
							 "spec", "replicas", NULL)),
			 2);
	cap_value_free(objs);
	/* valuesObject wins over values */
	assert_int_equal(
	    fx_render_fixture(&objs, "{\"path\":\"helm/chart\",\"helm\":{\"values\":\"tier: text\","
				     "\"valuesObject\":{\"tier\":\"object\"}}}"),
	    0);
	assert_string_equal(dep_meta(objs, "app-web", "labels", "tier"), "object");
	cap_value_free(objs);
}

static void force_string_commas_and_file_parameters(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(
		&objs,
		"{\"path\":\"helm/chart\",\"helm\":{\"parameters\":[{\"name\":\"replicas\","
		"\"value\":\"3\",\"forceString\":true},{\"name\":\"tier\",\"value\":\"a,b\"}],"
		"\"fileParameters\":[{\"name\":\"note\",\"path\":\"../env/note.txt\"}]}}"),
	    0);
	assert_string_equal(dep_meta(objs, "app-web", "annotations", "replicas-kind"), "string");
	assert_string_equal(dep_meta(objs, "app-web", "labels", "tier"), "a,b");
	assert_string_equal(dep_meta(objs, "app-web", "annotations", "note"),
			    "a note, with a comma\n");
	cap_value_free(objs);
	assert_int_equal(
	    fx_render_fixture(&objs, "{\"path\":\"helm/chart\",\"helm\":{\"parameters\":[{\"name\":"
				     "\"replicas\",\"value\":\"3\"}]}}"),
	    0);
	assert_string_equal(dep_meta(objs, "app-web", "annotations", "replicas-kind"), "int64");
	cap_value_free(objs);
}

static void crds_tracking_and_namespaces(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(fx_render_full(&objs, fx_fixture_root(), "{\"path\":\"helm/chart\"}",
					"team_shop", "shop", CAP_TRACK_ANNOTATION, NULL),
			 0);
	cap_value *crd = fx_find(objs, "CustomResourceDefinition", "widgets.example.com");
	assert_non_null(crd);
	assert_null(cap_value_dig(crd, "metadata", "annotations", NULL));
	assert_null(cap_value_dig(crd, "metadata", "namespace", NULL));
	/* release name "shop" from app "team_shop"; the unknown Widget kind gets the namespace */
	cap_value *w = fx_find(objs, "Widget", "shop-widget");
	assert_non_null(w);
	assert_string_equal(cap_value_dig_string(w, "metadata", "namespace", NULL), "shop");
	assert_string_equal(cap_value_dig_string(w, "metadata", "annotations",
						 "argocd.argoproj.io/tracking-id", NULL),
			    "team_shop:example.com/Widget:shop/shop-widget");
	cap_value_free(objs);
	assert_int_equal(fx_render_fixture(&objs, "{\"path\":\"helm/chart\",\"helm\":{\"skipCrds\":"
						  "true}}"),
			 0);
	assert_null(fx_find(objs, "CustomResourceDefinition", "widgets.example.com"));
	cap_value_free(objs);
}

static void missing_value_files_fail_unless_ignored(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(fx_render_fixture(&objs,
					   "{\"path\":\"helm/chart\",\"helm\":{\"valueFiles\":"
					   "[\"missing.yaml\"]}}"),
			 CAP_ENOTFOUND);
	FX_ERROR_HAS("cannot render 'helm/chart': value file 'missing.yaml' not found");
	assert_int_equal(
	    fx_render_fixture(&objs,
			      "{\"path\":\"helm/chart\",\"helm\":{\"valueFiles\":[\"missing.yaml\","
			      "\"values-prod.yaml\"],\"ignoreMissingValueFiles\":true}}"),
	    0);
	assert_string_equal(dep_meta(objs, "app-web", "labels", "tier"), "prod");
	cap_value_free(objs);
}

static void value_files_cannot_leave_the_repository(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(&objs,
			      "{\"path\":\"helm/chart\",\"helm\":{\"valueFiles\":[\"../../../../../"
			      "../../../../etc/passwd\"]}}"),
	    CAP_EPERM);
	FX_ERROR_HAS("resolved to outside repository root");
	assert_int_equal(fx_render_fixture(&objs,
					   "{\"path\":\"helm/chart\",\"helm\":{\"valueFiles\":"
					   "[\"file:///etc/passwd\"]}}"),
			 CAP_EPERM);
	FX_ERROR_HAS("URL scheme of value file 'file' is not allowed");
	/* an absolute path is read from the repository root, as Argo CD does */
	assert_int_equal(fx_render_fixture(&objs,
					   "{\"path\":\"helm/chart\",\"helm\":{\"valueFiles\":"
					   "[\"/helm/env/extra.yaml\"]}}"),
			 0);
	assert_string_equal(dep_meta(objs, "app-web", "labels", "tier"), "from-git-env");
	cap_value_free(objs);
	assert_int_equal(fx_render_fixture(&objs, "{\"path\":\"helm/chart\",\"helm\":{"
						  "\"fileParameters\":[{\"name\":\"note\",\"path\":"
						  "\"../../../../../../../../etc/hostname\"}]}}"),
			 CAP_EPERM);
	FX_ERROR_HAS("file parameter 'note'");
}

static void ref_value_files_come_from_another_source(void **state)
{
	cap_buf other = CAP_BUF_INIT;
	cap_value *raw = NULL, *objs = NULL;
	cap_render_source src;
	cap_test_mkdtemp(&other);
	fx_write(other.ptr, "envs/prod.yaml", "tier: from-ref\n");
	const char *json = "{\"path\":\"helm/chart\",\"helm\":{\"valueFiles\":[\"$vals/envs/"
			   "prod.yaml\"]}}";
	assert_int_equal(cap_json_parse(&raw, json, strlen(json), "t", NULL), 0);
	assert_int_equal(cap_render_source_parse(&src, raw), 0);
	cap_render_ref refs[] = {{"vals", other.ptr}};
	cap_render_request req = {0};
	req.source = &src;
	req.repo_root = fx_fixture_root();
	req.app_name = "app";
	req.refs = refs;
	req.n_refs = 1;
	assert_int_equal(cap_render_manifests(&objs, &req), 0);
	assert_string_equal(dep_meta(objs, "app-web", "labels", "tier"), "from-ref");
	cap_value_free(objs);
	req.n_refs = 0;
	/* without that source the path is an ordinary (missing) file, as in Argo CD */
	assert_int_equal(cap_render_manifests(&objs, &req), CAP_ENOTFOUND);
	FX_ERROR_HAS("value file '$vals/envs/prod.yaml' not found");
	cap_render_source_release(&src);
	cap_value_free(raw);
	cap_test_rmtree(other.ptr);
	cap_buf_release(&other);
}

static void failing_charts_report_helm_error(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "bad/Chart.yaml", "apiVersion: v2\nname: bad\nversion: 1.0.0\n");
	fx_write(dir.ptr, "bad/templates/x.yaml", "{{ fail \"broken on purpose\" }}\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"bad\"}"), CAP_EGENERIC);
	FX_ERROR_HAS("cannot render 'bad': helm template failed: exit status 1");
	FX_ERROR_HAS("broken on purpose");
	fx_write(dir.ptr, "bad2/Chart.yaml", "apiVersion: v2\nname: bad2\nversion: 1.0.0\n");
	fx_write(dir.ptr, "bad2/templates/x.yaml", "kind: [\n");
	assert_int_not_equal(fx_render(&objs, dir.ptr, "{\"path\":\"bad2\"}"), 0);
	FX_ERROR_HAS("cannot render 'bad2'");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void hung_or_chatty_tools_are_stopped(void **state)
{
	cap_buf dir = CAP_BUF_INIT, tool = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_render_options opts = {0};
	cap_test_mkdtemp(&dir);
	fx_write_script(&tool, dir.ptr, "slow-helm", "#!/bin/sh\nsleep 30\n");
	opts.helm_path = tool.ptr;
	opts.timeout_ms = 300;
	assert_int_equal(fx_render_full(&objs, fx_fixture_root(), "{\"path\":\"helm/chart\"}", "a",
					"n", CAP_TRACK_ANNOTATION, &opts),
			 CAP_ETIMEOUT);
	FX_ERROR_HAS("helm template failed: timed out");
	fx_write_script(&tool, dir.ptr, "chatty-helm", "#!/bin/sh\nexec yes 'kind: ConfigMap'\n");
	opts.timeout_ms = 1500;
	opts.max_manifest_bytes = 1 << 20;
	assert_int_equal(fx_render_full(&objs, fx_fixture_root(), "{\"path\":\"helm/chart\"}", "a",
					"n", CAP_TRACK_ANNOTATION, &opts),
			 CAP_ELIMIT);
	FX_ERROR_HAS("exceeds the limit");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&tool);
}

static void tools_get_a_clean_environment_with_build_variables(void **state)
{
	cap_buf dir = CAP_BUF_INIT, tool = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_render_options opts = {0};
	cap_test_mkdtemp(&dir);
	fx_write_script(
	    &tool, dir.ptr, "env-helm",
	    "#!/bin/sh\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: env\\n"
	    "data:\\n  secret: \"%s\"\\n  app: \"%s\"\\n  rev: \"%s\"\\n  ns: \"%s\"\\n' "
	    "\"$CAP_TEST_SECRET\" \"$ARGOCD_APP_NAME\" \"$ARGOCD_APP_REVISION_SHORT\" "
	    "\"$ARGOCD_APP_NAMESPACE\"\n");
	opts.helm_path = tool.ptr;
	setenv("CAP_TEST_SECRET", "hunter2", 1);
	assert_int_equal(fx_render_full(&objs, fx_fixture_root(), "{\"path\":\"helm/chart\"}",
					"envapp", "prod", CAP_TRACK_ANNOTATION, &opts),
			 0);
	unsetenv("CAP_TEST_SECRET");
	cap_value *cm = fx_find(objs, "ConfigMap", "env");
	assert_non_null(cm);
	assert_string_equal(cap_value_dig_string(cm, "data", "secret", NULL), "");
	assert_string_equal(cap_value_dig_string(cm, "data", "app", NULL), "envapp");
	assert_string_equal(cap_value_dig_string(cm, "data", "rev", NULL), "0123456");
	assert_string_equal(cap_value_dig_string(cm, "data", "ns", NULL), "prod");
	cap_value_free(objs);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&tool);
}

static void tools_run_under_a_memory_limit(void **state)
{
	cap_buf dir = CAP_BUF_INIT, tool = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_render_options opts = {0};
	cap_test_mkdtemp(&dir);
	fx_write_script(
	    &tool, dir.ptr, "greedy-helm",
	    "#!/bin/sh\nexec python3 -c 'x = bytearray(2 << 30); print(\"kind: X\")'\n");
	opts.helm_path = tool.ptr;
	opts.max_tool_memory = 512u << 20;
	assert_int_equal(fx_render_full(&objs, fx_fixture_root(), "{\"path\":\"helm/chart\"}", "a",
					"n", CAP_TRACK_ANNOTATION, &opts),
			 CAP_EGENERIC);
	FX_ERROR_HAS("MemoryError");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&tool);
}

static void argocd_source_files_override_parameters(void **state)
{
	cap_buf dir = CAP_BUF_INIT, chart = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	cap_test_fixture_path(&chart, "render/helm/chart");
	cap_test_run(NULL, "cp -r '%s' '%s/c'", chart.ptr, dir.ptr);
	fx_write(dir.ptr, "c/.argocd-source.yaml",
		 "helm:\n  parameters:\n  - name: tier\n    value: from-override\n"
		 "path: elsewhere\n");
	fx_write(dir.ptr, "c/.argocd-source-app.yaml",
		 "helm:\n  parameters:\n  - name: label\n    value: app-override\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"c\"}"), 0);
	/* a merge patch replaces the parameter list: the app's file wins */
	assert_string_equal(dep_meta(objs, "app-web", "labels", "label"), "app-override");
	assert_string_equal(dep_meta(objs, "app-web", "labels", "tier"), "default");
	cap_value_free(objs);
	assert_int_equal(fx_render_full(&objs, dir.ptr, "{\"path\":\"c\"}", "other", "n",
					CAP_TRACK_ANNOTATION, NULL),
			 0);
	assert_string_equal(dep_meta(objs, "other-web", "labels", "tier"), "from-override");
	cap_value_free(objs);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&chart);
}

static void local_dependencies_are_built(void **state)
{
	cap_buf dir = CAP_BUF_INIT, listing = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "lib/Chart.yaml", "apiVersion: v2\nname: lib\nversion: 0.3.0\n");
	fx_write(dir.ptr, "lib/templates/cm.yaml",
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-dependency\n");
	fx_write(dir.ptr, "app/Chart.yaml",
		 "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n- name: lib\n"
		 "  version: 0.3.0\n  repository: file://../lib\n");
	fx_write(dir.ptr, "app/templates/cm.yaml",
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-app\n");
	cap_test_run(NULL, "chmod -R a-w '%s/app'", dir.ptr); /* checkouts are read-only */
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), 0);
	assert_non_null(fx_find(objs, "ConfigMap", "from-dependency"));
	assert_non_null(fx_find(objs, "ConfigMap", "from-app"));
	cap_value_free(objs);
	cap_test_run(&listing, "ls '%s/app'", dir.ptr);
	assert_null(strstr(listing.ptr, "charts"));
	cap_test_run(NULL, "chmod -R u+w '%s'", dir.ptr);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&listing);
}

/* A chart repository served over loopback by python's http.server. */
static pid_t server_pid;
static int server_port;
static cap_buf repo_dir = CAP_BUF_INIT;

/* A server that wants basic auth user:pass for everything. */
static bool server_auth;
static const char auth_server[] =
    "import http.server, base64, sys\n"
    "want = 'Basic ' + base64.b64encode(b'user:pass').decode()\n"
    "class H(http.server.SimpleHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        if self.headers.get('Authorization') != want:\n"
    "            self.send_response(401)\n"
    "            self.send_header('WWW-Authenticate', 'Basic realm=charts')\n"
    "            self.end_headers()\n"
    "            return\n"
    "        super().do_GET()\n"
    "    def log_message(self, *a):\n"
    "        pass\n"
    "http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()\n";

static int start_chart_repo(void **state)
{
	cap_buf chart = CAP_BUF_INIT, out = CAP_BUF_INIT;
	cap_test_mkdtemp(&repo_dir);
	cap_test_fixture_path(&chart, "render/helm/chart");
	if (cap_test_run(
		&out,
		"cd '%s' && cp -r '%s' demo && sed -i 's/^version: .*/version: 0.2.0/' "
		"demo/Chart.yaml && helm package demo >/dev/null && cp -r '%s' demo1 && "
		"helm package demo1 >/dev/null && rm -rf demo demo1 && mkdir charts && mv *.tgz "
		"charts/ && echo 'tier: from-url' > remote-values.yaml && helm repo index charts "
		"--url http://127.0.0.1/charts-base-ignored "
		">/dev/null && sed -i 's#http://127.0.0.1/charts-base-ignored/##' "
		"charts/index.yaml "
		"&& python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); "
		"print(s.getsockname()[1])'",
		repo_dir.ptr, chart.ptr, chart.ptr) != 0)
		fail_msg("cannot build the chart repository: %s", out.ptr);
	server_port = atoi(out.ptr);
	server_pid = fork();
	if (server_pid == 0) {
		char port[16];
		snprintf(port, sizeof(port), "%d", server_port);
		if (chdir(repo_dir.ptr) != 0)
			_exit(1);
		freopen("/dev/null", "w", stderr);
		freopen("/dev/null", "w", stdout);
		if (server_auth)
			execlp("python3", "python3", "-c", auth_server, port, NULL);
		else
			execlp("python3", "python3", "-m", "http.server", port, "--bind",
			       "127.0.0.1", NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (cap_test_run(NULL, "curl -s http://127.0.0.1:%d/charts/index.yaml >/dev/null",
				 server_port) == 0)
			break;
		usleep(50000);
	}
	cap_buf_release(&chart);
	cap_buf_release(&out);
	return 0;
}

static int stop_chart_repo(void **state)
{
	server_auth = false;
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	cap_test_rmtree(repo_dir.ptr);
	cap_buf_release(&repo_dir);
	return 0;
}

static int start_auth_chart_repo(void **state)
{
	server_auth = true;
	return start_chart_repo(state);
}

static const cap_git_creds *chart_creds;

static int render_chart(cap_value **out, const char *version, const char *charts_dir)
{
	cap_buf json = CAP_BUF_INIT;
	cap_value *raw = NULL;
	cap_render_source src;
	cap_buf_printf(
	    &json,
	    "{\"repoURL\":\"http://127.0.0.1:%d/charts\",\"chart\":\"demo\","
	    "\"targetRevision\":\"%s\",\"helm\":{\"valueFiles\":[\"values-prod.yaml\"]}}",
	    server_port, version);
	assert_int_equal(cap_json_parse(&raw, json.ptr, json.len, "t", NULL), 0);
	assert_int_equal(cap_render_source_parse(&src, raw), 0);
	cap_render_request req = {0};
	req.source = &src;
	req.app_name = "remote";
	req.dest_namespace = "rns";
	req.charts_dir = charts_dir;
	req.chart_creds = chart_creds;
	int rc = cap_render_manifests(out, &req);
	cap_render_source_release(&src);
	cap_value_free(raw);
	cap_buf_release(&json);
	return rc;
}

static void charts_come_from_helm_repositories(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(render_chart(&objs, "0.1.0", NULL), 0);
	cap_value *d = fx_find(objs, "Deployment", "remote-web");
	assert_non_null(d);
	/* value files of a repository chart are files inside the chart */
	assert_string_equal(dep_meta(objs, "remote-web", "labels", "tier"), "prod");
	assert_string_equal(cap_value_dig_string(d, "metadata", "namespace", NULL), "rns");
	cap_value_free(objs);
}

static void chart_versions_resolve_constraints(void **state)
{
	cap_buf cache = CAP_BUF_INIT, listing = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&cache);
	assert_int_equal(render_chart(&objs, "0.1.*", cache.ptr), 0);
	cap_value_free(objs);
	assert_int_equal(render_chart(&objs, ">=0.1.0", cache.ptr), 0);
	cap_value_free(objs);
	assert_int_equal(render_chart(&objs, "0.2.0", cache.ptr), 0); /* kept for the next render */
	cap_value_free(objs);
	cap_test_run(&listing, "ls '%s' | grep -c '^chart-'", cache.ptr);
	assert_int_equal(atoi(listing.ptr), 2);
	assert_int_equal(render_chart(&objs, "9.9.9", cache.ptr), CAP_ENOTFOUND);
	FX_ERROR_HAS("cannot render 'demo'");
	FX_ERROR_HAS("'9.9.9'");
	cap_test_rmtree(cache.ptr);
	cap_buf_release(&cache);
	cap_buf_release(&listing);
}

static void value_files_may_be_urls(void **state)
{
	cap_buf json = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_render_options opts = {0};
	cap_buf_printf(&json,
		       "{\"path\":\"helm/chart\",\"helm\":{\"valueFiles\":[\"http://127.0.0.1:%d/"
		       "remote-values.yaml\"]}}",
		       server_port);
	assert_int_equal(fx_render_fixture(&objs, json.ptr), 0);
	assert_string_equal(dep_meta(objs, "app-web", "labels", "tier"), "from-url");
	cap_value_free(objs);
	opts.deny_remote_value_files = true;
	assert_int_equal(fx_render_full(&objs, fx_fixture_root(), json.ptr, "a", "n",
					CAP_TRACK_ANNOTATION, &opts),
			 CAP_EPERM);
	FX_ERROR_HAS("URL scheme of value file 'http' is not allowed");
	cap_buf_release(&json);
}

static void dependencies_come_from_chart_repositories(void **state)
{
	cap_buf dir = CAP_BUF_INIT, chart = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	cap_buf_printf(
	    &chart,
	    "apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n- name: demo\n"
	    "  version: 0.1.0\n  repository: http://127.0.0.1:%d/charts\n",
	    server_port);
	fx_write(dir.ptr, "umbrella/Chart.yaml", chart.ptr);
	fx_write(dir.ptr, "umbrella/templates/cm.yaml",
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: umbrella\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"umbrella\"}"), 0);
	assert_non_null(fx_find(objs, "ConfigMap", "umbrella"));
	assert_non_null(fx_find(objs, "Deployment", "app-web"));
	cap_value_free(objs);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&chart);
}

static void private_chart_repositories_take_credentials(void **state)
{
	cap_value *objs = NULL;
	cap_git_creds good = CAP_GIT_CREDS_INIT, bad = CAP_GIT_CREDS_INIT;
	good.username = "user";
	good.password = "pass";
	bad.username = "user";
	bad.password = "wrong-secret";
	chart_creds = NULL;
	assert_int_equal(render_chart(&objs, "0.1.0", NULL), CAP_EAUTH);
	FX_ERROR_HAS("HTTP 401");
	chart_creds = &bad;
	assert_int_equal(render_chart(&objs, "0.1.0", NULL), CAP_EAUTH);
	assert_null(strstr(cap_error_last(), "wrong-secret"));
	chart_creds = &good;
	assert_int_equal(render_chart(&objs, "0.1.0", NULL), 0);
	assert_non_null(fx_find(objs, "Deployment", "remote-web"));
	cap_value_free(objs);
	chart_creds = NULL;
}

static void unreachable_chart_repositories_are_errors(void **state)
{
	cap_value *raw = NULL, *objs = NULL;
	cap_render_source src;
	const char *json =
	    "{\"repoURL\":\"http://user:secret@127.0.0.1:1/charts\",\"chart\":\"demo\","
	    "\"targetRevision\":\"1.0.0\"}";
	assert_int_equal(cap_json_parse(&raw, json, strlen(json), "t", NULL), 0);
	assert_int_equal(cap_render_source_parse(&src, raw), 0);
	cap_render_request req = {0};
	req.source = &src;
	req.app_name = "a";
	assert_int_equal(cap_render_manifests(&objs, &req), CAP_EUNAVAILABLE);
	FX_ERROR_HAS("cannot get");
	assert_null(strstr(cap_error_last(), "secret"));
	cap_render_source_release(&src);
	cap_value_free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(guestbook_chart_matches_helm_template),
	    cmocka_unit_test(fixture_chart_matches_helm_template_with_options),
	    cmocka_unit_test(value_files_then_values_then_parameters),
	    cmocka_unit_test(force_string_commas_and_file_parameters),
	    cmocka_unit_test(crds_tracking_and_namespaces),
	    cmocka_unit_test(missing_value_files_fail_unless_ignored),
	    cmocka_unit_test(value_files_cannot_leave_the_repository),
	    cmocka_unit_test(ref_value_files_come_from_another_source),
	    cmocka_unit_test(failing_charts_report_helm_error),
	    cmocka_unit_test(hung_or_chatty_tools_are_stopped),
	    cmocka_unit_test(tools_get_a_clean_environment_with_build_variables),
	    cmocka_unit_test(tools_run_under_a_memory_limit),
	    cmocka_unit_test(argocd_source_files_override_parameters),
	    cmocka_unit_test(local_dependencies_are_built),
	    cmocka_unit_test_setup_teardown(charts_come_from_helm_repositories, start_chart_repo,
					    stop_chart_repo),
	    cmocka_unit_test_setup_teardown(chart_versions_resolve_constraints, start_chart_repo,
					    stop_chart_repo),
	    cmocka_unit_test_setup_teardown(dependencies_come_from_chart_repositories,
					    start_chart_repo, stop_chart_repo),
	    cmocka_unit_test_setup_teardown(value_files_may_be_urls, start_chart_repo,
					    stop_chart_repo),
	    cmocka_unit_test_setup_teardown(private_chart_repositories_take_credentials,
					    start_auth_chart_repo, stop_chart_repo),
	    cmocka_unit_test(unreachable_chart_repositories_are_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
