/* Tests for Kustomize sources against `kubectl kustomize`, and Argo CD's kustomize options. */
#include "render_fixture.h"

#include "value/yaml.h"

static cap_value *kustomize_oracle(const char *dir)
{
	cap_buf out = CAP_BUF_INIT;
	cap_value *docs = NULL;
	if (cap_test_run(&out, "kubectl kustomize '%s' 2>&1", dir) != 0)
		fail_msg("kubectl kustomize failed: %s", out.ptr);
	if (cap_yaml_parse_stream(&docs, out.ptr, out.len, "kustomize", NULL) != 0)
		fail_msg("%s", cap_error_last());
	cap_buf_release(&out);
	return docs;
}

static void check_against_kubectl(const char *root, const char *path)
{
	cap_buf dir = CAP_BUF_INIT, json = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_buf_printf(&dir, "%s/%s", root, path);
	cap_buf_printf(&json, "{\"path\":\"%s\"}", path);
	if (fx_render_full(&objs, root, json.ptr, NULL, NULL, CAP_TRACK_ANNOTATION, NULL) != 0)
		fail_msg("%s", cap_error_last());
	cap_value *want = kustomize_oracle(dir.ptr);
	assert_true(cap_value_array_len(want) > 0);
	if (!cap_value_equal(objs, want))
		fail_msg("'%s' differs from kubectl kustomize", path);
	cap_value_free(objs);
	cap_value_free(want);
	cap_buf_release(&dir);
	cap_buf_release(&json);
}

static void sample_apps_match_kubectl_kustomize(void **state)
{
	cap_buf apps = CAP_BUF_INIT;
	cap_test_shared_path(&apps, "argocd/e2e-apps");
	check_against_kubectl(apps.ptr, "guestbook");
	check_against_kubectl(apps.ptr, "kustomize");
	check_against_kubectl(apps.ptr, "crd-creation");
	check_against_kubectl(fx_fixture_root(), "kustomize/overlay");
	cap_buf_release(&apps);
}

static cap_value *deploy(const cap_value *objs, const char *name)
{
	cap_value *d = fx_find(objs, "Deployment", name);
	if (!d)
		fail_msg("no Deployment '%s'", name);
	return d;
}

static void prefix_suffix_namespace_images_replicas(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(
		&objs,
		"{\"path\":\"kustomize/overlay\",\"kustomize\":{\"namePrefix\":\"p-\","
		"\"nameSuffix\":\"-s\",\"namespace\":\"kns\",\"images\":[\"registry.example.com/"
		"api=mirror.example.com/api:${ARGOCD_APP_REVISION_SHORT}\"],\"replicas\":[{"
		"\"name\":\"api\",\"count\":4}]}}"),
	    0);
	cap_value *d = deploy(objs, "p-api-s");
	assert_string_equal(cap_value_dig_string(d, "metadata", "namespace", NULL), "kns");
	assert_int_equal(cap_value_get_int(cap_value_dig(d, "spec", "replicas", NULL)), 4);
	cap_value *c = cap_value_array_get(
	    cap_value_dig(d, "spec", "template", "spec", "containers", NULL), 0);
	assert_string_equal(cap_value_dig_string(c, "image", NULL),
			    "mirror.example.com/api:0123456");
	assert_non_null(fx_find(objs, "ConfigMap", "p-settings-s"));
	cap_value_free(objs);
	/* tag-only and digest forms */
	assert_int_equal(
	    fx_render_fixture(&objs, "{\"path\":\"kustomize/base\",\"kustomize\":{\"images\":["
				     "\"registry.example.com/api@sha256:abc\"]}}"),
	    0);
	c = cap_value_array_get(
	    cap_value_dig(deploy(objs, "api"), "spec", "template", "spec", "containers", NULL), 0);
	assert_string_equal(cap_value_dig_string(c, "image", NULL),
			    "registry.example.com/api@sha256:abc");
	cap_value_free(objs);
}

static void common_labels_and_annotations(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(&objs,
			      "{\"path\":\"kustomize/base\",\"kustomize\":{\"commonLabels\":{"
			      "\"team\":\"blue\"},\"commonAnnotations\":{\"owner\":\"$ARGOCD_APP_"
			      "NAME\"},\"commonAnnotationsEnvsubst\":true}}"),
	    0);
	cap_value *d = deploy(objs, "api");
	assert_string_equal(cap_value_dig_string(d, "metadata", "labels", "team", NULL), "blue");
	assert_string_equal(
	    cap_value_dig_string(d, "spec", "selector", "matchLabels", "team", NULL), "blue");
	assert_string_equal(cap_value_dig_string(d, "metadata", "annotations", "owner", NULL),
			    "app");
	cap_value_free(objs);
	/* without a selector: labels entry that leaves selectors alone */
	assert_int_equal(fx_render_fixture(
			     &objs, "{\"path\":\"kustomize/base\",\"kustomize\":{\"commonLabels\":{"
				    "\"team\":\"red\"},\"labelWithoutSelector\":true}}"),
			 0);
	d = deploy(objs, "api");
	assert_string_equal(cap_value_dig_string(d, "metadata", "labels", "team", NULL), "red");
	assert_null(cap_value_dig(d, "spec", "selector", "matchLabels", "team", NULL));
	cap_value_free(objs);
}

static void existing_labels_conflict_unless_forced(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(&objs,
			      "{\"path\":\"kustomize/overlay\",\"kustomize\":{\"commonLabels\":{"
			      "\"env\":\"prod\"}}}"),
	    CAP_ECONFLICT);
	FX_ERROR_HAS("cannot render 'kustomize/overlay': label env already in kustomization file");
	assert_int_equal(
	    fx_render_fixture(&objs,
			      "{\"path\":\"kustomize/overlay\",\"kustomize\":{\"commonLabels\":{"
			      "\"env\":\"prod\"},\"forceCommonLabels\":true}}"),
	    0);
	assert_string_equal(
	    cap_value_dig_string(deploy(objs, "api"), "metadata", "labels", "env", NULL), "prod");
	cap_value_free(objs);
}

static void patches_and_components(void **state)
{
	cap_value *objs = NULL;
	assert_int_equal(
	    fx_render_fixture(
		&objs,
		"{\"path\":\"kustomize/overlay\",\"kustomize\":{\"patches\":[{\"target\":{"
		"\"kind\":\"Deployment\",\"name\":\"api\"},\"patch\":\"- op: replace\\n  path: "
		"/spec/replicas\\n  value: 7\\n\"}],\"components\":[\"../component\"]}}"),
	    0);
	assert_int_equal(
	    cap_value_get_int(cap_value_dig(deploy(objs, "api"), "spec", "replicas", NULL)), 7);
	assert_non_null(fx_find(objs, "ConfigMap", "from-component"));
	cap_value_free(objs);
	assert_int_equal(
	    fx_render_fixture(&objs,
			      "{\"path\":\"kustomize/overlay\",\"kustomize\":{\"components\":["
			      "\"../nope\"]}}"),
	    CAP_ENOTFOUND);
	FX_ERROR_HAS("kustomize component '../nope' not found");
	assert_int_equal(
	    fx_render_fixture(&objs,
			      "{\"path\":\"kustomize/overlay\",\"kustomize\":{\"components\":["
			      "\"../nope\"],\"ignoreMissingComponents\":true}}"),
	    0);
	cap_value_free(objs);
}

static void the_checkout_is_never_modified(void **state)
{
	cap_buf before = CAP_BUF_INIT, after = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_run(&before, "cat '%s/kustomize/overlay/kustomization.yaml'", fx_fixture_root());
	assert_int_equal(fx_render_fixture(
			     &objs, "{\"path\":\"kustomize/overlay\",\"kustomize\":{\"namePrefix\":"
				    "\"x-\"}}"),
			 0);
	cap_value_free(objs);
	cap_test_run(&after, "cat '%s/kustomize/overlay/kustomization.yaml'", fx_fixture_root());
	assert_string_equal(before.ptr, after.ptr);
	cap_buf_release(&before);
	cap_buf_release(&after);
}

static void kustomize_errors_are_reported(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "app/kustomization.yaml", "resources:\n- missing.yaml\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app\"}"), CAP_EGENERIC);
	FX_ERROR_HAS("cannot render 'app': kustomize build failed: exit status 1");
	FX_ERROR_HAS("missing.yaml");
	/* kustomize's own load restrictor keeps files outside the kustomization root out */
	fx_write(dir.ptr, "app2/kustomization.yaml", "resources:\n- ../outside.yaml\n");
	fx_write(dir.ptr, "outside.yaml",
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: o\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"path\":\"app2\"}"), CAP_EGENERIC);
	FX_ERROR_HAS("kustomize build failed");
	/* unless the repo-server's build options say otherwise (kustomize.buildOptions) */
	cap_render_options opts = {0};
	opts.kustomize_build_options = "--load-restrictor LoadRestrictionsNone";
	assert_int_equal(fx_render_full(&objs, dir.ptr, "{\"path\":\"app2\"}", "a", "n",
					CAP_TRACK_ANNOTATION, &opts),
			 0);
	assert_non_null(fx_find(objs, "ConfigMap", "o"));
	cap_value_free(objs);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

static void versions_pick_configured_binaries(void **state)
{
	cap_buf dir = CAP_BUF_INIT, tool = CAP_BUF_INIT, entry = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_render_options opts = {0};
	cap_test_mkdtemp(&dir);
	/* a stand-in "kustomize build DIR" that runs kubectl kustomize and tags the output */
	fx_write_script(&tool, dir.ptr, "kustomize-v9",
			"#!/bin/sh\n[ \"$1\" = build ] || exit 3\nkubectl kustomize \"$2\" | sed "
			"'s/name: api$/name: api-from-v9/'\n");
	cap_buf_printf(&entry, "v9.0.0=%s", tool.ptr);
	const char *versions[] = {"v1.0.0=/nonexistent", entry.ptr, NULL};
	opts.kustomize_versions = versions;
	assert_int_equal(fx_render_full(&objs, fx_fixture_root(),
					"{\"path\":\"kustomize/base\",\"kustomize\":{\"version\":"
					"\"v9.0.0\"}}",
					"a", "n", CAP_TRACK_ANNOTATION, &opts),
			 0);
	assert_non_null(fx_find(objs, "Deployment", "api-from-v9"));
	cap_value_free(objs);
	assert_int_equal(fx_render_full(&objs, fx_fixture_root(),
					"{\"path\":\"kustomize/base\",\"kustomize\":{\"version\":"
					"\"v2\"}}",
					"a", "n", CAP_TRACK_ANNOTATION, &opts),
			 CAP_ENOTFOUND);
	FX_ERROR_HAS("kustomize version 'v2' is not configured");
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&tool);
	cap_buf_release(&entry);
}

static void edits_work_at_the_repository_root(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_value *objs = NULL;
	cap_test_mkdtemp(&dir);
	fx_write(dir.ptr, "kustomization.yaml", "resources:\n- cm.yaml\n");
	fx_write(dir.ptr, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
	assert_int_equal(fx_render(&objs, dir.ptr, "{\"kustomize\":{\"nameSuffix\":\"-v2\"}}"), 0);
	assert_non_null(fx_find(objs, "ConfigMap", "c-v2"));
	cap_value_free(objs);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sample_apps_match_kubectl_kustomize),
	    cmocka_unit_test(prefix_suffix_namespace_images_replicas),
	    cmocka_unit_test(common_labels_and_annotations),
	    cmocka_unit_test(existing_labels_conflict_unless_forced),
	    cmocka_unit_test(patches_and_components),
	    cmocka_unit_test(the_checkout_is_never_modified),
	    cmocka_unit_test(kustomize_errors_are_reported),
	    cmocka_unit_test(versions_pick_configured_binaries),
	    cmocka_unit_test(edits_work_at_the_repository_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
