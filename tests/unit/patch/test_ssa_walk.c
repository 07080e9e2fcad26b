/* Tests for the schema-guided walks: field sets, merge order, compare sets and removal. */
#include "cap_test.h"
#include "schema_fixture.h"
#include "value_fixture.h"

#include "base/error.h"
#include "patch/fieldset.h"
#include "patch/ssa_walk.h"
#include "schema/smd.h"
#include "value/json.h"
#include "value/yaml.h"

#include <string.h>

static cap_smd_schema schema = CAP_SMD_SCHEMA_INIT;
static const cap_smd_type *service;

static int setup(void **state)
{
	cap_test_load_kubernetes_schema(&schema);
	service = cap_smd_schema_kind(&schema, "v1", "Service");
	return 0;
}

static int teardown(void **state)
{
	cap_smd_schema_release(&schema);
	return 0;
}

static void assert_fields(const cap_fieldset *s, const char *want_yaml)
{
	cap_value *got = cap_fieldset_to_fields_v1(s);
	cap_test_assert_yaml_equal(got, want_yaml);
	cap_value_free(got);
}

static void fieldset_owns_leaves_items_and_empty_maps(void **state)
{
	cap_value *svc = cap_test_yaml("spec:\n"
				       "  selector: {app: web}\n"
				       "  ports: [{port: 80, name: http}]\n"
				       "metadata: {labels: {}, annotations: {a: b}}\n");
	cap_fieldset *s = cap_fieldset_new();
	cap_ssa_walk_fieldset(s, svc, service);
	/* selector is an atomic map; the port item is owned itself; an empty map is a leaf */
	assert_fields(
	    s, "f:spec:\n"
	       "  f:selector: {}\n"
	       "  f:ports:\n"
	       "    'k:{\"port\":80,\"protocol\":\"TCP\"}': {.: {}, f:port: {}, f:name: {}}\n"
	       "f:metadata: {f:labels: {}, f:annotations: {f:a: {}}}\n");
	cap_fieldset_free(s);
	cap_value_free(svc);
}

static void merge_keeps_live_only_items_in_place(void **state)
{
	cap_value *live =
	    cap_test_yaml("{spec: {type: NodePort, ports: [{port: 80, nodePort: 30080}, "
			  "{port: 81, name: keep}], selector: {app: a, tier: x}}}");
	cap_value *cfg = cap_test_yaml("{spec: {ports: [{port: 80, name: web}, {port: 90}], "
				       "selector: {app: b}}}");
	cap_value *out = cap_ssa_walk_merge(live, cfg, service);
	cap_value *want =
	    cap_test_yaml("{spec: {type: NodePort, ports: [{port: 80, nodePort: 30080, name: web}, "
			  "{port: 81, name: keep}, {port: 90}], selector: {app: b}}}");
	if (!cap_value_equal(out, want))
		fail_msg("got %s", cap_json_to_string(out, 0));
	cap_value_free(want);
	cap_value_free(out);
	cap_value_free(cfg);
	cap_value_free(live);
}

static void merge_follows_the_applied_order(void **state)
{
	cap_value *live = cap_test_yaml("{spec: {ports: [{port: 1}, {port: 2}, {port: 3}]}}");
	cap_value *cfg = cap_test_yaml("{spec: {ports: [{port: 3}, {port: 1}]}}");
	cap_value *out = cap_ssa_walk_merge(live, cfg, service);
	cap_value *ports = cap_value_dig(out, "spec", "ports", NULL);
	assert_int_equal(cap_value_array_len(ports), 3);
	/* 3 before 1 as applied; 2, which only live has, stays after its live neighbour 1 */
	assert_int_equal(
	    cap_value_get_int(cap_value_dig(cap_value_array_get(ports, 0), "port", NULL)), 3);
	assert_int_equal(
	    cap_value_get_int(cap_value_dig(cap_value_array_get(ports, 1), "port", NULL)), 1);
	assert_int_equal(
	    cap_value_get_int(cap_value_dig(cap_value_array_get(ports, 2), "port", NULL)), 2);
	cap_value_free(out);
	cap_value_free(cfg);
	cap_value_free(live);
}

static void compare_sorts_changes_into_added_modified_removed(void **state)
{
	cap_value *before =
	    cap_test_yaml("metadata: {labels: {a: '1', b: '2'}}\n"
			  "spec: {type: ClusterIP, ports: [{port: 80, name: x}]}\n");
	cap_value *after = cap_test_yaml(
	    "metadata: {labels: {a: '9'}, annotations: {note: v}}\n"
	    "spec: {ports: [{port: 80, name: x}, {port: 81}], sessionAffinity: None}\n");
	cap_fieldset *a = cap_fieldset_new(), *m = cap_fieldset_new(), *r = cap_fieldset_new();
	cap_ssa_walk_compare(a, m, r, before, after, service);
	assert_fields(a,
		      "f:metadata: {f:annotations: {.: {}, f:note: {}}}\n"
		      "f:spec:\n"
		      "  f:sessionAffinity: {}\n"
		      "  f:ports: {'k:{\"port\":81,\"protocol\":\"TCP\"}': {.: {}, f:port: {}}}\n");
	assert_fields(m, "f:metadata: {f:labels: {f:a: {}}}\n");
	assert_fields(r, "f:metadata: {f:labels: {f:b: {}}}\nf:spec: {f:type: {}}\n");
	cap_fieldset_free(a);
	cap_fieldset_free(m);
	cap_fieldset_free(r);
	cap_value_free(before);
	cap_value_free(after);
}

static void remove_drops_members_and_their_subtrees(void **state)
{
	cap_value *obj =
	    cap_test_yaml("spec: {type: NodePort, ports: [{port: 80, name: x}, {port: 81}]}\n");
	cap_value *fields =
	    cap_test_yaml("f:spec:\n"
			  "  f:type: {}\n"
			  "  f:ports:\n"
			  "    'k:{\"port\":80,\"protocol\":\"TCP\"}': {f:name: {}}\n"
			  "    'k:{\"port\":81,\"protocol\":\"TCP\"}': {}\n");
	cap_fieldset *s = NULL;
	assert_int_equal(cap_fieldset_from_fields_v1(&s, fields), 0);
	cap_value *out = cap_ssa_walk_remove(obj, s, service);
	cap_value *want = cap_test_yaml("spec: {ports: [{port: 80}]}\n");
	if (!cap_value_equal(out, want))
		fail_msg("got %s", cap_json_to_string(out, 0));
	cap_value_free(want);
	cap_value_free(out);
	cap_fieldset_free(s);
	cap_value_free(fields);
	cap_value_free(obj);
}

static void item_elements_use_keys_defaults_values_or_indexes(void **state)
{
	const cap_smd_type *ports =
	    cap_smd_field_of(cap_smd_field_of(service, "spec", 4)->type, "ports", 5)->type;
	cap_value *item = cap_test_yaml("{port: 53, protocol: UDP, name: dns}");
	cap_buf b = CAP_BUF_INIT;
	cap_ssa_walk_item_element(&b, item, 0, ports);
	assert_string_equal(b.ptr, "k:{\"port\":53,\"protocol\":\"UDP\"}");
	cap_value *bare = cap_test_yaml("{port: 53}");
	cap_buf_clear(&b);
	cap_ssa_walk_item_element(&b, bare, 0, ports);
	assert_string_equal(b.ptr, "k:{\"port\":53,\"protocol\":\"TCP\"}"); /* schema default */
	cap_value_free(bare);
	cap_value *scalar = cap_test_yaml("\"x\"");
	cap_smd_schema tiny = CAP_SMD_SCHEMA_INIT;
	cap_value *doc =
	    cap_test_yaml("types:\n- name: set\n  list: {elementType: {scalar: string}, "
			  "elementRelationship: associative}\n");
	assert_int_equal(cap_smd_schema_load(&tiny, doc), 0);
	cap_buf_clear(&b);
	cap_ssa_walk_item_element(&b, scalar, 4, cap_smd_schema_type(&tiny, "set"));
	assert_string_equal(b.ptr, "v:\"x\"");
	cap_buf_clear(&b);
	cap_ssa_walk_item_element(&b, scalar, 4, NULL);
	assert_string_equal(b.ptr, "i:4");
	cap_smd_schema_release(&tiny);
	cap_value_free(doc);
	cap_value_free(scalar);
	cap_value_free(item);
	cap_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fieldset_owns_leaves_items_and_empty_maps),
	    cmocka_unit_test(merge_keeps_live_only_items_in_place),
	    cmocka_unit_test(merge_follows_the_applied_order),
	    cmocka_unit_test(compare_sorts_changes_into_added_modified_removed),
	    cmocka_unit_test(remove_drops_members_and_their_subtrees),
	    cmocka_unit_test(item_elements_use_keys_defaults_values_or_indexes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
