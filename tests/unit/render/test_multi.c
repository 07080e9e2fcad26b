/* Tests for multi-source applications: concatenation, ref-only sources, $ref value files. */
#include "render_fixture.h"

static void parse_source(cap_render_source *out, const char *json)
{
	cap_value *raw = NULL;
	assert_int_equal(cap_json_parse(&raw, json, strlen(json), "t", NULL), 0);
	assert_int_equal(cap_render_source_parse(out, raw), 0);
	cap_value_free(raw);
}

static void sources_render_in_order_with_refs(void **state)
{
	cap_buf values = CAP_BUF_INIT;
	cap_render_source s[3];
	cap_value *objs = NULL;
	cap_test_mkdtemp(&values);
	fx_write(values.ptr, "prod/web.yaml", "tier: from-values-repo\n");
	parse_source(&s[0], "{\"repoURL\":\"https://g/values.git\",\"ref\":\"values\"}");
	parse_source(&s[1], "{\"repoURL\":\"https://g/app.git\",\"path\":\"helm/chart\",\"helm\":{"
			    "\"valueFiles\":[\"$values/prod/web.yaml\"]}}");
	parse_source(&s[2], "{\"repoURL\":\"https://g/app.git\",\"path\":\"kustomize/base\"}");
	cap_render_input in[3] = {{&s[0], values.ptr, "v1"},
				  {&s[1], fx_fixture_root(), "a1"},
				  {&s[2], fx_fixture_root(), "a1"}};
	cap_render_request common = {0};
	common.app_name = "multi";
	common.dest_namespace = "ns";
	assert_int_equal(cap_render_multi(&objs, in, 3, &common), 0);
	cap_value *web = fx_find(objs, "Deployment", "multi-web");
	assert_non_null(web);
	assert_string_equal(cap_value_dig_string(web, "metadata", "labels", "tier", NULL),
			    "from-values-repo");
	assert_non_null(fx_find(objs, "Deployment", "api"));
	/* helm's objects first, then kustomize's */
	assert_string_equal(
	    cap_value_dig_string(cap_value_array_get(objs, cap_value_array_len(objs) - 1),
				 "metadata", "name", NULL),
	    "api");
	cap_value_free(objs);
	for (int i = 0; i < 3; i++)
		cap_render_source_release(&s[i]);
	cap_test_rmtree(values.ptr);
	cap_buf_release(&values);
}

static void errors_name_the_source(void **state)
{
	cap_render_source s[2];
	cap_value *objs = NULL;
	parse_source(&s[0], "{\"path\":\"dir\"}");
	parse_source(&s[1], "{\"path\":\"absent\"}");
	cap_render_input in[2] = {{&s[0], fx_fixture_root(), "a"}, {&s[1], fx_fixture_root(), "a"}};
	cap_render_request common = {0};
	common.app_name = "m";
	assert_int_equal(cap_render_multi(&objs, in, 2, &common), CAP_ENOTFOUND);
	FX_ERROR_HAS("source 2: cannot render 'absent'");
	for (int i = 0; i < 2; i++)
		cap_render_source_release(&s[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sources_render_in_order_with_refs),
	    cmocka_unit_test(errors_name_the_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
