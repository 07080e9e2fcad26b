/* Tests for plain directory sources: files, recurse, globs, Lists, Jsonnet and bad input. */
#include "render_fixture.h"

#include <unistd.h>

static const char *kinds_and_names(cap_buf *out, const cap_value *objs)
{
	cap_buf_clear(out);
	for (size_t i = 0; i < cap_value_array_len(objs); i++) {
		cap_value *o = cap_value_array_get(objs, i);
		cap_buf_printf(out, "%s%s/%s", i ? " " : "", cap_value_dig_string(o, "kind", NULL),
			       cap_value_dig_string(o, "metadata", "name", NULL));
	}
	return out->ptr;
}

static void top_level_files_in_name_order(void **state)
{
	cap_buf names = CAP_BUF_INIT;
	cap_value *objs = NULL;
	assert_int_equal(fx_render_fixture(&objs, "{\"path\":\"dir\"}"), 0);
	/* cm.yaml, role.yml, svc.json; values.yaml and README.md are not manifests */
	assert_string_equal(kinds_and_names(&names, objs),
			    "ConfigMap/top ClusterRole/reader Service/web");
	cap_value_free(objs);
	cap_buf_release(&names);
}

static void recurse_walks_subfolders_and_flattens_lists(void **state)
{
	cap_buf names = CAP_BUF_INIT;
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(&objs, "{\"path\":\"dir\",\"directory\":{\"recurse\":true}}"), 0);
	assert_string_equal(
	    kinds_and_names(&names, objs),
	    "ConfigMap/top ConfigMap/item-a ConfigMap/item-b ClusterRole/reader "
	    "Secret/deep Deployment/nested ConfigMap/skipped-by-exclude Service/web");
	cap_value_free(objs);
	cap_buf_release(&names);
}

static void include_and_exclude_match_relative_paths(void **state)
{
	cap_buf names = CAP_BUF_INIT;
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(
		&objs,
		"{\"path\":\"dir\",\"directory\":{\"recurse\":true,\"include\":\"{sub/*,*.json}\","
		"\"exclude\":\"*skip*\"}}"),
	    0);
	assert_string_equal(kinds_and_names(&names, objs),
			    "Secret/deep Deployment/nested Service/web");
	cap_value_free(objs);
	/* exclude wins over include */
	assert_int_equal(
	    fx_render_fixture(&objs, "{\"path\":\"dir\",\"directory\":{\"include\":\"*.yaml\","
				     "\"exclude\":\"cm.yaml\"}}"),
	    0);
	assert_int_equal(cap_value_array_len(objs), 0);
	cap_value_free(objs);
	cap_buf_release(&names);
}

static void jsonnet_gets_ext_vars_tlas_and_libs(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(
		&objs,
		"{\"path\":\"jsonnet\",\"directory\":{\"include\":\"main.jsonnet\",\"jsonnet\":{"
		"\"extVars\":[{\"name\":\"name\",\"value\":\"cfg-$ARGOCD_APP_NAME\"},{\"name\":"
		"\"num\",\"value\":\"41\",\"code\":true}],\"tlas\":[{\"name\":\"replicas\","
		"\"value\":\"2+3\",\"code\":true},{\"name\":\"tier\",\"value\":\"db\"}],"
		"\"libs\":[\"jsonnet/lib\"]}}}"),
	    0);
	assert_int_equal(cap_value_array_len(objs), 1);
	cap_value *cm = fx_find(objs, "ConfigMap", "cfg-app");
	assert_non_null(cm);
	assert_string_equal(cap_value_dig_string(cm, "data", "tier", NULL), "db");
	assert_string_equal(cap_value_dig_string(cm, "data", "replicas", NULL), "5");
	assert_string_equal(cap_value_dig_string(cm, "data", "code", NULL), "42");
	cap_value_free(objs);
}

static void jsonnet_single_object_and_build_env(void **state)
{
	cap_value *objs = NULL;
	/* ARGOCD_APP_NAME is only a variable for substitution, so std.extVar fails without it */
	assert_int_equal(
	    fx_render_fixture(&objs,
			      "{\"path\":\"jsonnet\",\"directory\":{\"include\":\"single.jsonnet\","
			      "\"jsonnet\":{\"extVars\":[{\"name\":\"ARGOCD_APP_NAME\",\"value\":"
			      "\"${ARGOCD_APP_NAME}\"}]}}}"),
	    0);
	assert_non_null(fx_find(objs, "ConfigMap", "single-app"));
	cap_value_free(objs);
}

static void jsonnet_errors_name_the_file(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "app/bad.jsonnet", "{ a: error 'boom' }");
	assert_int_not_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), 0);
	FX_ERROR_HAS("cannot render 'app'");
	FX_ERROR_HAS("bad.jsonnet");
	FX_ERROR_HAS("boom");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void jsonnet_cannot_import_outside_the_repository(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "app/steal.jsonnet",
		 "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: "
		 "{ name: 'x' }, data: { p: importstr '/etc/passwd' } }");
	assert_int_not_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), 0);
	FX_ERROR_HAS("outside repository root");
	fx_write(dir.ptr, "app/steal.jsonnet", "importstr '../../../../../../../../etc/passwd'");
	assert_int_not_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), 0);
	FX_ERROR_HAS("outside repository root");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void jsonnet_endless_recursion_is_stopped(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "app/loop.jsonnet", "local f(x) = f(x + 1); f(0)");
	assert_int_not_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), 0);
	FX_ERROR_HAS("loop.jsonnet");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void jsonnet_that_runs_forever_times_out(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_render_options opts = {0};
	opts.timeout_ms = 500;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "app/slow.jsonnet",
		 "std.length(std.foldl(function(a, b) a + [b], std.range(0, 100000000), []))");
	assert_int_equal(fx_render_full(&objs, dir.ptr, "{\"path\":\"app\"}", "app", "ns",
					CAP_TRACK_ANNOTATION, &opts),
			 CAP_ETIMEOUT);
	FX_ERROR_HAS("slow.jsonnet");
	FX_ERROR_HAS("timed out");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void kindless_documents_in_manifests_are_errors(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "app/mixed.yaml",
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\nfoo: bar\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), CAP_EINVALID);
	FX_ERROR_HAS("'mixed.yaml'");
	FX_ERROR_HAS("document 2");
	fx_write(dir.ptr, "app2/nokind.json", "{\"apiVersion\": \"v1\", \"metadata\": {}}");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app2\"}"), CAP_EINVALID);
	FX_ERROR_HAS("'nokind.json'");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void broken_yaml_names_file_and_line(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "app/broken.yaml",
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), CAP_EINVALID);
	FX_ERROR_HAS("'broken.yaml'");
	FX_ERROR_HAS("line");
	/* broken YAML that does not look like manifests is skipped, as Argo CD does */
	fx_write(dir.ptr, "app3/notes.yaml", "just: [text\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app3\"}"), 0);
	assert_int_equal(cap_value_array_len(objs), 0);
	cap_value_free(objs);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void repeated_keys_keep_the_last_value_as_argo_cd_reads_them(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "app/cm.yaml",
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\ndata:\n  color: red\n"
		 "data:\n  color: blue\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), 0);
	assert_int_equal(cap_value_array_len(objs), 1);
	assert_string_equal(
	    cap_value_dig_string(cap_value_array_get(objs, 0), "data", "color", NULL), "blue");
	cap_value_free(objs);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void yaml_bombs_are_refused(void **state)
{
	cap_buf dir = CAP_BUF_INIT, bomb = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	cap_buf_puts(&bomb, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n"
			    "  a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
	for (char c = 'b'; c <= 'j'; c++)
		cap_buf_printf(&bomb, "  %c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", c, c,
			       c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	fx_write(dir.ptr, "app/bomb.yaml", bomb.ptr);
	assert_int_not_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), 0);
	FX_ERROR_HAS("bomb.yaml");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&bomb);
}

static void oversized_apps_are_refused(void **state)
{
	cap_buf dir = CAP_BUF_INIT, big = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_render_options opts = {0};
	opts.max_manifest_bytes = 4096;
	cap_test_mkdtemp(&dir);
	for (int i = 0; i < 100; i++)
		cap_buf_printf(&big,
			       "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\n", i);
	fx_write(dir.ptr, "app/many.yaml", big.ptr);
	assert_int_equal(fx_render_full(&objs, dir.ptr, "{\"path\":\"app\"}", "app", "ns",
					CAP_TRACK_ANNOTATION, &opts),
			 CAP_ELIMIT);
	FX_ERROR_HAS("exceed the limit");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&big);
}

static void out_of_bounds_symlinks_are_refused(void **state)
{
	cap_buf dir = CAP_BUF_INIT, link = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "app/ok.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
	cap_buf_printf(&link, "%s/app/passwd.yaml", dir.ptr);
	assert_int_equal(symlink("/etc/passwd", link.ptr), 0);
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), CAP_EPERM);
	FX_ERROR_HAS("out-of-bounds symlinks");
	FX_ERROR_HAS("app/passwd.yaml");
	/* a link that stays inside the repository is fine */
	unlink(link.ptr);
	assert_int_equal(symlink("ok.yaml", link.ptr), 0);
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), 0);
	assert_int_equal(cap_value_array_len(objs), 2);
	cap_value_free(objs);
	/* a link to a folder (here a loop back to the app) is not followed */
	cap_buf_clear(&link);
	cap_buf_printf(&link, "%s/app/loop", dir.ptr);
	assert_int_equal(symlink(".", link.ptr), 0);
	assert_int_equal(
	    fx_render(&objs, dir.ptr, "{\"path\":\"app\",\"directory\":{\"recurse\":true}}"), 0);
	assert_int_equal(cap_value_array_len(objs), 2);
	cap_value_free(objs);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&link);
}

static void app_paths_must_exist_inside_the_repository(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(fx_render_fixture(&objs, "{\"path\":\"nope\"}"), CAP_ENOTFOUND);
	FX_ERROR_HAS("cannot render 'nope': app path does not exist");
	assert_int_equal(fx_render_fixture(&objs, "{\"path\":\"../../..\"}"), CAP_EPERM);
	FX_ERROR_HAS("outside repository root");
	assert_int_equal(fx_render_fixture(&objs, "{\"path\":\"/dir/cm.yaml\"}"), CAP_ENOTFOUND);
}

/* Random bytes and mangled manifests: every render ends with objects or an error, never a crash. */
static void garbage_never_crashes(void **state)
{
	static const char *const pieces[] = {"apiVersion: v1\n",
					     "kind: ConfigMap\n",
					     "metadata:\n",
					     "  name: x\n",
					     "---\n",
					     "- a\n",
					     "&a [*a]\n",
					     "{",
					     "}",
					     "[",
					     "]",
					     ": ",
					     "\t",
					     "\"",
					     "'",
					     "\xff\xfe",
					     "\0",
					     "items:\n",
					     "kind: List\n",
					     "!!binary ",
					     "<<: *b\n",
					     "? x\n",
					     "%YAML 1.1\n",
					     "#c\n"};
	cap_buf dir = CAP_BUF_INIT, text = CAP_BUF_INIT, path = CAP_BUF_INIT;
	unsigned seed = 12345;
	int ok = 0, failed = 0;
	cap_test_mkdtemp(&dir);
	cap_buf_printf(&path, "%s/app/f.yaml", dir.ptr);
	fx_write(dir.ptr, "app/f.yaml", "");
	for (int round = 0; round < 300; round++) {
		cap_buf_clear(&text);
		int n = (int)(rand_r(&seed) % 40);
		for (int i = 0; i < n; i++) {
			const char *p = pieces[rand_r(&seed) % (sizeof(pieces) / sizeof(*pieces))];
			cap_buf_put(&text, p, p[0] ? strlen(p) : 1);
		}
		assert_int_equal(cap_buf_write_file_atomic(&text, path.ptr), 0);
		cap_value *objs = NULL;
		if (fx_render(&objs, dir.ptr, "{\"path\":\"app\"}") == 0) {
			ok++;
			cap_value_free(objs);
		} else {
			failed++;
			assert_true(strlen(cap_error_last()) > 0);
		}
	}
	assert_int_equal(ok + failed, 300);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&text);
	cap_buf_release(&path);
}

static void detects_tools_like_argo_cd(void **state)
{
	cap_buf p = CAP_BUF_INIT;
	cap_test_fixture_path(&p, "render/helm/chart");
	assert_int_equal(cap_render_detect_tool(p.ptr), CAP_RENDER_HELM);
	cap_test_fixture_path(&p, "render/kustomize/overlay");
	assert_int_equal(cap_render_detect_tool(p.ptr), CAP_RENDER_KUSTOMIZE);
	cap_test_fixture_path(&p, "render/dir");
	assert_int_equal(cap_render_detect_tool(p.ptr), CAP_RENDER_DIRECTORY);
	cap_buf_release(&p);
}

static void explicit_directory_block_beats_detection(void **state)
{
	cap_value *objs = NULL;
	/* the chart folder read as plain files: values.yaml ignored, templates not recursed */
	assert_int_equal(fx_render_fixture(&objs, "{\"path\":\"helm/chart\",\"directory\":{}}"), 0);
	assert_int_equal(cap_value_array_len(objs), 0);
	cap_value_free(objs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(top_level_files_in_name_order),
	    cmocka_unit_test(recurse_walks_subfolders_and_flattens_lists),
	    cmocka_unit_test(include_and_exclude_match_relative_paths),
	    cmocka_unit_test(jsonnet_gets_ext_vars_tlas_and_libs),
	    cmocka_unit_test(jsonnet_single_object_and_build_env),
	    cmocka_unit_test(jsonnet_errors_name_the_file),
	    cmocka_unit_test(jsonnet_cannot_import_outside_the_repository),
	    cmocka_unit_test(jsonnet_endless_recursion_is_stopped),
	    cmocka_unit_test(jsonnet_that_runs_forever_times_out),
	    cmocka_unit_test(kindless_documents_in_manifests_are_errors),
	    cmocka_unit_test(broken_yaml_names_file_and_line),
	    cmocka_unit_test(repeated_keys_keep_the_last_value_as_argo_cd_reads_them),
	    cmocka_unit_test(yaml_bombs_are_refused),
	    cmocka_unit_test(oversized_apps_are_refused),
	    cmocka_unit_test(out_of_bounds_symlinks_are_refused),
	    cmocka_unit_test(app_paths_must_exist_inside_the_repository),
	    cmocka_unit_test(garbage_never_crashes),
	    cmocka_unit_test(detects_tools_like_argo_cd),
	    cmocka_unit_test(explicit_directory_block_beats_detection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
