/* argocd-cm health customisations: key forms, wildcards, and the fixture scripts. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/alloc.h"
#include "base/error.h"
#include "health/health.h"
#include "health/overrides.h"
#include "value/yaml.h"

#include "fixture_table.h"

#include <string.h>

static cap_health_overrides *from_yaml(const char *text)
{
	cap_value *cm = cap_test_yaml(text);
	cap_health_overrides *ov = NULL;
	if (cap_health_overrides_from_configmap(&ov, cm) != 0)
		fail_msg("%s", cap_error_last());
	cap_value_free(cm);
	return ov;
}

static void per_key_form_maps_group_and_kind(void **state)
{
	cap_health_overrides *ov =
	    from_yaml("apiVersion: v1\nkind: ConfigMap\ndata:\n"
		      "  resource.customizations.health.cert-manager.io_Certificate: return nil\n"
		      "  resource.customizations.useOpenLibs.cert-manager.io_Certificate: 'true'\n"
		      "  resource.customizations.health.ConfigMap: return {}\n"
		      "  resource.customizations.actions.apps_Deployment: 'discovery.lua: x'\n"
		      "  url: https://argocd.example.com\n");
	const cap_health_override *o =
	    cap_health_overrides_find(ov, "cert-manager.io", "Certificate");
	assert_non_null(o);
	assert_string_equal(o->key, "cert-manager.io/Certificate");
	assert_string_equal(o->health_lua, "return nil");
	assert_true(o->use_open_libs);
	o = cap_health_overrides_find(ov, "", "ConfigMap");
	assert_non_null(o);
	assert_false(o->use_open_libs);
	/* An entry without a health script does not count as a check. */
	assert_null(cap_health_overrides_find(ov, "apps", "Deployment"));
	assert_null(cap_health_overrides_find(ov, "", "Secret"));
	assert_null(cap_health_overrides_find(NULL, "", "Secret"));
	cap_health_overrides_free(ov);
}

static void old_form_is_read_and_per_key_form_wins(void **state)
{
	cap_health_overrides *ov =
	    from_yaml("data:\n"
		      "  resource.customizations: |\n"
		      "    example.com/Widget:\n"
		      "      health.lua: return 'old'\n"
		      "      health.lua.useOpenLibs: true\n"
		      "    example.com/Gadget:\n"
		      "      health.lua: return 'gadget'\n"
		      "  resource.customizations.health.example.com_Widget: return 'new'\n");
	const cap_health_override *o = cap_health_overrides_find(ov, "example.com", "Widget");
	assert_string_equal(o->health_lua, "return 'new'");
	assert_true(o->use_open_libs);
	o = cap_health_overrides_find(ov, "example.com", "Gadget");
	assert_string_equal(o->health_lua, "return 'gadget'");
	cap_health_overrides_free(ov);
}

static void exact_keys_win_over_wildcards(void **state)
{
	cap_health_overrides *ov = from_yaml(
	    "data:\n"
	    "  resource.customizations.health.*.crossplane.io_*: return 'wild'\n"
	    "  resource.customizations.health.pkg.crossplane.io_Provider: return 'exact'\n"
	    "  resource.customizations.health.all: return 'all'\n");
	assert_string_equal(
	    cap_health_overrides_find(ov, "pkg.crossplane.io", "Provider")->health_lua,
	    "return 'exact'");
	assert_string_equal(
	    cap_health_overrides_find(ov, "apiextensions.crossplane.io", "Composition")->health_lua,
	    "return 'wild'");
	assert_string_equal(cap_health_overrides_find(ov, "apps", "Deployment")->health_lua,
			    "return 'all'");
	/* "all" matches group/kind keys only: core kinds are keyed without a group, as in Argo CD.
	 */
	assert_null(cap_health_overrides_find(ov, "", "Pod"));
	cap_health_overrides_free(ov);
}

static void malformed_entries_are_refused_with_the_key(void **state)
{
	const char *bad[] = {
	    "data:\n  resource.customizations.health.a_b_c: x\n",
	    "data:\n  resource.customizations.useOpenLibs.apps_Deployment: maybe\n",
	    "data:\n  resource.customizations.colour.apps_Deployment: red\n",
	    "data:\n  resource.customizations: '[1, 2'\n",
	    "data:\n  resource.customizations.health.apps_Deployment: [x]\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cap_value *cm = cap_test_yaml(bad[i]);
		cap_health_overrides *ov = NULL;
		assert_int_not_equal(cap_health_overrides_from_configmap(&ov, cm), 0);
		assert_null(ov);
		assert_true(strlen(cap_error_last()) > 0);
		cap_value_free(cm);
	}
	cap_value *cm = cap_test_yaml(bad[0]);
	cap_health_overrides *ov = NULL;
	cap_health_overrides_from_configmap(&ov, cm);
	assert_non_null(strstr(cap_error_last(), "'resource.customizations.health.a_b_c'"));
	cap_value_free(cm);
}

static void custom_script_replaces_the_builtin_check(void **state)
{
	cap_health_overrides *ov =
	    from_yaml("data:\n  resource.customizations.health.apps_Deployment: |\n"
		      "    return {status = 'Suspended', message = 'held by policy'}\n");
	cap_value *obj =
	    cap_test_yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n");
	cap_health h;
	assert_int_equal(cap_health_assess(&h, obj, ov), 0);
	assert_int_equal(h.status, CAP_HEALTH_SUSPENDED);
	assert_string_equal(h.message, "held by policy");
	assert_false(h.failed);
	cap_health_release(&h);
	cap_value_free(obj);
	cap_health_overrides_free(ov);
}

static void failing_script_is_unknown_with_the_lua_error(void **state)
{
	cap_health_overrides *ov =
	    from_yaml("data:\n  resource.customizations.health.example.com_Widget: |\n"
		      "    return {status = obj.status.phase}\n");
	cap_value *obj =
	    cap_test_yaml("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
	cap_health h;
	assert_int_equal(cap_health_assess(&h, obj, ov), 0);
	assert_int_equal(h.status, CAP_HEALTH_UNKNOWN);
	assert_true(h.failed);
	assert_non_null(strstr(h.message, "<string>:1:"));
	assert_non_null(strstr(h.message, "attempt to index"));
	cap_health_release(&h);
	cap_value_free(obj);
	cap_health_overrides_free(ov);
}

/* The fixture argocd-cm, loaded once for the table's rows. */
static cap_health_overrides *fixture_cm;

static int load_fixture_cm(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_test_fixture_path(&path, "health/argocd-cm.yaml");
	int rc = cap_health_overrides_load_file(&fixture_cm, path.ptr);
	if (rc)
		fprintf(stderr, "%s\n", cap_error_last());
	cap_buf_release(&path);
	return rc;
}

static int free_fixture_cm(void **state)
{
	cap_health_overrides_free(fixture_cm);
	fixture_cm = NULL;
	return 0;
}

static void fixture_cm_holds_every_script(void **state)
{
	size_t scripts = 0;
	for (size_t i = 0; i < fixture_cm->len; i++)
		scripts += fixture_cm->items[i].health_lua != NULL;
	assert_int_equal(scripts, 12);
}

/* One row of tests/fixtures/health/custom/expected.tsv under the fixture argocd-cm. */
static void fixture_script_row(void **state)
{
	const struct fixture_row *row = *state;
	cap_buf path = CAP_BUF_INIT;
	cap_test_fixture_path(&path, "health/custom/");
	cap_buf_puts(&path, row->file);
	cap_value *docs = NULL;
	if (cap_yaml_parse_file(&docs, path.ptr, NULL) != 0)
		fail_msg("%s", cap_error_last());
	cap_health h;
	assert_int_equal(cap_health_assess(&h, cap_value_array_get(docs, 0), fixture_cm), 0);
	if (strcmp(cap_health_status_name(h.status), row->status) != 0 ||
	    strcmp(h.message, row->message) != 0)
		fail_msg("expected %s '%s', got %s '%s'", row->status, row->message,
			 cap_health_status_name(h.status), h.message);
	cap_health_release(&h);
	cap_value_free(docs);
	cap_buf_release(&path);
}

static void missing_file_is_named(void **state)
{
	cap_health_overrides *ov = NULL;
	assert_int_not_equal(cap_health_overrides_load_file(&ov, "/nonexistent/argocd-cm.yaml"), 0);
	assert_non_null(strstr(cap_error_last(), "/nonexistent/argocd-cm.yaml"));
	assert_null(ov);
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(per_key_form_maps_group_and_kind),
	    cmocka_unit_test(old_form_is_read_and_per_key_form_wins),
	    cmocka_unit_test(exact_keys_win_over_wildcards),
	    cmocka_unit_test(malformed_entries_are_refused_with_the_key),
	    cmocka_unit_test(custom_script_replaces_the_builtin_check),
	    cmocka_unit_test(failing_script_is_unknown_with_the_lua_error),
	    cmocka_unit_test(missing_file_is_named),
	    cmocka_unit_test(fixture_cm_holds_every_script),
	};
	cap_buf tsv = CAP_BUF_INIT;
	cap_test_fixture_path(&tsv, "health/custom/expected.tsv");
	int rc = fixture_table_run("health_overrides", fixed, CAP_ARRAY_SIZE(fixed), tsv.ptr,
				   fixture_script_row, 1, 30, load_fixture_cm, free_fixture_cm);
	cap_buf_release(&tsv);
	return rc;
}
