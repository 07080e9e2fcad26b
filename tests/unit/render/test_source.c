/* Tests for reading spec.source: every field, type errors, and the explicit tool rules. */
#include "cap_test.h"

#include "base/error.h"
#include "render/source.h"
#include "value/json.h"

#include <string.h>

static int parse(cap_render_source *out, const char *json)
{
	cap_value *v = NULL;
	if (cap_json_parse(&v, json, strlen(json), "t", NULL))
		fail_msg("%s", cap_error_last());
	int rc = cap_render_source_parse(out, v);
	cap_value_free(v);
	return rc;
}

static void reads_common_fields(void **state)
{
	cap_render_source s;
	assert_int_equal(
	    parse(&s, "{\"repoURL\":\"https://git.example.com/a.git\",\"path\":\"apps/web\","
		      "\"targetRevision\":\"main\",\"ref\":\"values\",\"name\":\"web\"}"),
	    0);
	assert_string_equal(s.repo_url, "https://git.example.com/a.git");
	assert_string_equal(s.path, "apps/web");
	assert_string_equal(s.target_revision, "main");
	assert_string_equal(s.ref, "values");
	assert_string_equal(s.name, "web");
	assert_null(s.chart);
	cap_render_tool t;
	assert_int_equal(cap_render_source_explicit_tool(&t, &s), 0);
	assert_int_equal(t, CAP_RENDER_AUTO);
	cap_render_source_release(&s);
}

static void empty_strings_read_as_unset(void **state)
{
	cap_render_source s;
	assert_int_equal(parse(&s, "{\"repoURL\":\"r\",\"path\":\"\",\"chart\":\"\"}"), 0);
	assert_null(s.path);
	assert_null(s.chart);
	cap_render_source_release(&s);
}

static void reads_directory_block(void **state)
{
	cap_render_source s;
	assert_int_equal(
	    parse(&s, "{\"directory\":{\"recurse\":true,\"include\":\"*.yaml\","
		      "\"exclude\":\"{a,b}/*\",\"jsonnet\":{\"extVars\":[{\"name\":\"e\","
		      "\"value\":\"1\",\"code\":true}],\"tlas\":[{\"name\":\"t\",\"value\":"
		      "\"x\"}],\"libs\":[\"vendor\"]}}}"),
	    0);
	assert_true(s.has_directory);
	assert_true(s.directory.recurse);
	assert_string_equal(s.directory.include, "*.yaml");
	assert_string_equal(s.directory.exclude, "{a,b}/*");
	assert_int_equal(s.directory.ext_vars.len, 1);
	assert_true(s.directory.ext_vars.items[0].code);
	assert_string_equal(s.directory.tlas.items[0].value, "x");
	assert_false(s.directory.tlas.items[0].code);
	assert_string_equal(s.directory.libs.items[0], "vendor");
	cap_render_tool t;
	assert_int_equal(cap_render_source_explicit_tool(&t, &s), 0);
	assert_int_equal(t, CAP_RENDER_DIRECTORY);
	cap_render_source_release(&s);
}

static void reads_kustomize_block(void **state)
{
	cap_render_source s;
	assert_int_equal(
	    parse(&s, "{\"kustomize\":{\"namePrefix\":\"p-\",\"nameSuffix\":\"-s\",\"namespace\":"
		      "\"n\",\"images\":[\"nginx:1.2\"],\"commonLabels\":{\"a\":\"b\"},"
		      "\"commonAnnotations\":{\"c\":\"d\"},\"forceCommonLabels\":true,"
		      "\"replicas\":[{\"name\":\"web\",\"count\":3},{\"name\":\"api\",\"count\":"
		      "\"4\"}],\"patches\":[{\"patch\":\"x\"}],\"components\":[\"../c\"]}}"),
	    0);
	assert_string_equal(s.kustomize.name_prefix, "p-");
	assert_string_equal(s.kustomize.name_suffix, "-s");
	assert_string_equal(s.kustomize.namespace, "n");
	assert_string_equal(s.kustomize.images.items[0], "nginx:1.2");
	assert_true(s.kustomize.force_common_labels);
	assert_int_equal(s.kustomize.replicas.len, 2);
	assert_int_equal(s.kustomize.replicas.items[0].count, 3);
	assert_int_equal(s.kustomize.replicas.items[1].count, 4);
	assert_int_equal(cap_value_array_len(s.kustomize.patches), 1);
	assert_string_equal(s.kustomize.components.items[0], "../c");
	cap_render_tool t;
	assert_int_equal(cap_render_source_explicit_tool(&t, &s), 0);
	assert_int_equal(t, CAP_RENDER_KUSTOMIZE);
	cap_render_source_release(&s);
}

static void reads_helm_block(void **state)
{
	cap_render_source s;
	assert_int_equal(
	    parse(&s, "{\"helm\":{\"releaseName\":\"r\",\"namespace\":\"hn\",\"valueFiles\":[\"a."
		      "yaml\",\"$vals/b.yaml\"],\"ignoreMissingValueFiles\":true,\"values\":\"x: "
		      "1\",\"valuesObject\":{\"y\":2},\"parameters\":[{\"name\":\"p\",\"value\":"
		      "\"v\",\"forceString\":true}],\"fileParameters\":[{\"name\":\"f\",\"path\":"
		      "\"f.txt\"}],\"skipCrds\":true,\"kubeVersion\":\"1.30\",\"apiVersions\":["
		      "\"x/v1\"],\"passCredentials\":true}}"),
	    0);
	assert_string_equal(s.helm.release_name, "r");
	assert_string_equal(s.helm.namespace, "hn");
	assert_int_equal(s.helm.value_files.len, 2);
	assert_true(s.helm.ignore_missing_value_files);
	assert_string_equal(s.helm.values, "x: 1");
	assert_non_null(s.helm.values_object);
	assert_true(s.helm.parameters.items[0].force_string);
	assert_string_equal(s.helm.file_parameters.items[0].path, "f.txt");
	assert_true(s.helm.skip_crds);
	assert_string_equal(s.helm.kube_version, "1.30");
	assert_string_equal(s.helm.api_versions.items[0], "x/v1");
	assert_true(s.helm.pass_credentials);
	cap_render_source_release(&s);
}

static void a_chart_means_helm(void **state)
{
	cap_render_source s;
	assert_int_equal(parse(&s,
			       "{\"repoURL\":\"https://charts.example.com\",\"chart\":\"redis\","
			       "\"targetRevision\":\"1.2.3\"}"),
			 0);
	cap_render_tool t;
	assert_int_equal(cap_render_source_explicit_tool(&t, &s), 0);
	assert_int_equal(t, CAP_RENDER_HELM);
	cap_render_source_release(&s);
}

static void several_tool_blocks_are_an_error(void **state)
{
	cap_render_source s;
	assert_int_equal(parse(&s, "{\"helm\":{},\"kustomize\":{}}"), 0);
	cap_render_tool t = CAP_RENDER_AUTO;
	assert_int_equal(cap_render_source_explicit_tool(&t, &s), CAP_EINVALID);
	assert_string_equal(cap_error_last(),
			    "multiple application sources defined: Kustomize,Helm");
	cap_render_source_release(&s);
}

static void plugins_are_refused(void **state)
{
	cap_render_source s;
	assert_int_equal(parse(&s, "{\"plugin\":{\"name\":\"x\"}}"), 0);
	cap_render_tool t;
	assert_int_equal(cap_render_source_explicit_tool(&t, &s), CAP_EUNSUPPORTED);
	cap_render_source_release(&s);
}

static void wrong_types_name_the_field(void **state)
{
	static const struct {
		const char *json, *field;
	} cases[] = {
	    {"{\"path\":3}", "'path'"},
	    {"{\"helm\":{\"parameters\":{}}}", "'helm.parameters'"},
	    {"{\"helm\":{\"parameters\":[{\"value\":\"v\"}]}}", "'helm.parameters'"},
	    {"{\"helm\":{\"valueFiles\":[1]}}", "'helm.valueFiles'"},
	    {"{\"helm\":{\"skipCrds\":\"yes\"}}", "'helm.skipCrds'"},
	    {"{\"helm\":{\"valuesObject\":[1]}}", "'helm.valuesObject'"},
	    {"{\"directory\":{\"recurse\":1}}", "'directory.recurse'"},
	    {"{\"directory\":{\"jsonnet\":{\"extVars\":[3]}}}", "'directory.jsonnet.extVars'"},
	    {"{\"kustomize\":{\"commonLabels\":{\"a\":1}}}", "'kustomize.commonLabels'"},
	    {"{\"kustomize\":{\"replicas\":[{\"name\":\"a\",\"count\":\"many\"}]}}", "'many'"},
	    {"[]", "must be an object"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cap_render_source s;
		memset(&s, 0x5a, sizeof(s));
		assert_int_equal(parse(&s, cases[i].json), CAP_EINVALID);
		if (!strstr(cap_error_last(), cases[i].field))
			fail_msg("%s: '%s' lacks %s", cases[i].json, cap_error_last(),
				 cases[i].field);
		assert_int_equal(((unsigned char *)&s)[0], 0x5a); /* untouched on failure */
	}
}

static void tool_names_match_argo_cd(void **state)
{
	assert_string_equal(cap_render_tool_name(CAP_RENDER_HELM), "Helm");
	assert_string_equal(cap_render_tool_name(CAP_RENDER_KUSTOMIZE), "Kustomize");
	assert_string_equal(cap_render_tool_name(CAP_RENDER_DIRECTORY), "Directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reads_common_fields),
	    cmocka_unit_test(empty_strings_read_as_unset),
	    cmocka_unit_test(reads_directory_block),
	    cmocka_unit_test(reads_kustomize_block),
	    cmocka_unit_test(reads_helm_block),
	    cmocka_unit_test(a_chart_means_helm),
	    cmocka_unit_test(several_tool_blocks_are_an_error),
	    cmocka_unit_test(plugins_are_refused),
	    cmocka_unit_test(wrong_types_name_the_field),
	    cmocka_unit_test(tool_names_match_argo_cd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
