/* Tests for server-side apply: ownership, conflicts, force, pruning, list semantics and updates. */
#include "cap_test.h"
#include "schema_fixture.h"
#include "value_fixture.h"

#include "base/error.h"
#include "patch/ssa.h"
#include "schema/smd.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdio.h>
#include <string.h>

static cap_smd_schema schema = CAP_SMD_SCHEMA_INIT;

static int setup(void **state)
{
	cap_test_load_kubernetes_schema(&schema);
	cap_value *crd = cap_test_yaml(
	    "spec:\n"
	    "  group: example.com\n"
	    "  names: {kind: Widget}\n"
	    "  versions:\n"
	    "  - name: v1\n"
	    "    schema:\n"
	    "      openAPIV3Schema:\n"
	    "        type: object\n"
	    "        properties:\n"
	    "          spec:\n"
	    "            type: object\n"
	    "            properties:\n"
	    "              tags: {type: array, x-kubernetes-list-type: set, "
	    "items: {type: string}}\n"
	    "              items:\n"
	    "                type: array\n"
	    "                x-kubernetes-list-type: map\n"
	    "                x-kubernetes-list-map-keys: [name]\n"
	    "                items:\n"
	    "                  type: object\n"
	    "                  properties: {name: {type: string}, size: {type: integer}}\n");
	if (cap_smd_schema_add_crd(&schema, crd))
		fail_msg("cannot add the CRD: %s", cap_error_last());
	cap_value_free(crd);
	return 0;
}

static int teardown(void **state)
{
	cap_smd_schema_release(&schema);
	return 0;
}

/* A Deployment manifest with the given replicas and image. */
static cap_value *deployment(int replicas, const char *image)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "apiVersion: apps/v1\n"
		 "kind: Deployment\n"
		 "metadata: {name: web, namespace: default, labels: {app: web}}\n"
		 "spec:\n"
		 "  replicas: %d\n"
		 "  selector: {matchLabels: {app: web}}\n"
		 "  template:\n"
		 "    metadata: {labels: {app: web}}\n"
		 "    spec:\n"
		 "      containers:\n"
		 "      - name: web\n"
		 "        image: %s\n"
		 "        ports: [{containerPort: 80}]\n",
		 replicas, image);
	return cap_test_yaml(text);
}

static cap_value *apply(const cap_value *live, const cap_value *config, const char *manager,
			bool force, int want)
{
	cap_ssa_options o = {.manager = manager, .time = "2026-01-01T00:00:00Z", .force = force};
	cap_value *out = NULL;
	int err = cap_ssa_apply(&out, &schema, live, config, &o);
	if (err != want)
		fail_msg("apply by %s: got %d, want %d (%s)", manager, err, want, cap_error_last());
	if (err)
		assert_null(out);
	return out;
}

static cap_value *update(const cap_value *old, const cap_value *updated, const char *manager)
{
	cap_ssa_options o = {.manager = manager, .time = "2025-01-01T00:00:00Z"};
	cap_value *out = NULL;
	if (cap_ssa_update(&out, &schema, old, updated, &o))
		fail_msg("update by %s: %s", manager, cap_error_last());
	return out;
}

/* The fieldsV1 of manager's entry with that operation, or NULL. */
static cap_value *fields_of(const cap_value *obj, const char *manager, const char *op)
{
	cap_value *e;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(obj, "metadata", "managedFields", NULL), i, e)
	{
		if (!strcmp(cap_value_dig_string(e, "manager", NULL), manager) &&
		    !strcmp(cap_value_dig_string(e, "operation", NULL), op))
			return cap_value_object_get(e, "fieldsV1");
	}
	return NULL;
}

/* The layout the API server records for an applier (see the composite-key fixture). */
static const char applied_fields[] =
    "f:metadata: {f:labels: {f:app: {}}}\n"
    "f:spec:\n"
    "  f:replicas: {}\n"
    "  f:selector: {}\n"
    "  f:template:\n"
    "    f:metadata: {f:labels: {f:app: {}}}\n"
    "    f:spec:\n"
    "      f:containers:\n"
    "        'k:{\"name\":\"web\"}':\n"
    "          .: {}\n"
    "          f:image: {}\n"
    "          f:name: {}\n"
    "          f:ports:\n"
    "            'k:{\"containerPort\":80,\"protocol\":\"TCP\"}': {.: {}, f:containerPort: {}}\n";

static void apply_creates_and_records_the_applied_fields(void **state)
{
	cap_value *config = deployment(2, "nginx:1");
	cap_value *out = apply(NULL, config, "argocd-controller", false, 0);
	cap_value *mf = cap_value_dig(out, "metadata", "managedFields", NULL);
	assert_int_equal(cap_value_array_len(mf), 1);
	cap_value *e = cap_value_array_get(mf, 0);
	assert_string_equal(cap_value_dig_string(e, "operation", NULL), "Apply");
	assert_string_equal(cap_value_dig_string(e, "apiVersion", NULL), "apps/v1");
	assert_string_equal(cap_value_dig_string(e, "fieldsType", NULL), "FieldsV1");
	assert_string_equal(cap_value_dig_string(e, "time", NULL), "2026-01-01T00:00:00Z");
	cap_test_assert_yaml_equal(cap_value_object_get(e, "fieldsV1"), applied_fields);
	/* Apart from managedFields the object is the configuration. */
	cap_value_object_del(cap_value_object_get(out, "metadata"), "managedFields");
	assert_true(cap_value_equal(out, config));
	cap_value_free(out);
	cap_value_free(config);
}

static void applying_the_same_configuration_twice_changes_nothing(void **state)
{
	cap_value *config = deployment(2, "nginx:1");
	cap_value *once = apply(NULL, config, "argocd-controller", false, 0);
	cap_value *twice = apply(once, config, "argocd-controller", false, 0);
	assert_true(cap_value_equal(once, twice));
	cap_value_free(once);
	cap_value_free(twice);
	cap_value_free(config);
}

static void changing_a_field_another_manager_owns_conflicts(void **state)
{
	cap_value *created = deployment(1, "nginx:1");
	cap_value *live = update(NULL, created, "kubectl-client-side-apply");
	cap_value *before = cap_value_deep_copy(live);
	cap_value *config = deployment(3, "nginx:1");
	apply(live, config, "argocd-controller", false, CAP_ECONFLICT);
	assert_string_equal(
	    cap_error_last(),
	    "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" "
	    "using apps/v1: .spec.replicas");
	assert_true(cap_value_equal(live, before));
	cap_value_free(config);

	config = deployment(3, "nginx:2");
	apply(live, config, "argocd-controller", false, CAP_ECONFLICT);
	assert_string_equal(
	    cap_error_last(),
	    "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" "
	    "using apps/v1:\n"
	    "- .spec.replicas\n"
	    "- .spec.template.spec.containers[name=\"web\"].image");
	cap_value_free(config);
	cap_value_free(before);
	cap_value_free(live);
	cap_value_free(created);
}

static void force_takes_the_field_over(void **state)
{
	cap_value *created = deployment(1, "nginx:1");
	cap_value *live = update(NULL, created, "kubectl-client-side-apply");
	cap_value *config = deployment(3, "nginx:1");
	cap_value *out = apply(live, config, "argocd-controller", true, 0);
	assert_int_equal(cap_value_get_int(cap_value_dig(out, "spec", "replicas", NULL)), 3);
	cap_value *kubectl = fields_of(out, "kubectl-client-side-apply", "Update");
	assert_non_null(kubectl);
	assert_null(cap_value_dig(kubectl, "f:spec", "f:replicas", NULL));
	assert_non_null(cap_value_dig(kubectl, "f:spec", "f:selector", NULL));
	assert_non_null(cap_value_dig(fields_of(out, "argocd-controller", "Apply"), "f:spec",
				      "f:replicas", NULL));
	cap_value_free(out);
	cap_value_free(config);
	cap_value_free(live);
	cap_value_free(created);
}

static void equal_values_share_ownership(void **state)
{
	cap_value *created = deployment(1, "nginx:1");
	cap_value *live = update(NULL, created, "kubectl-client-side-apply");
	cap_value *out = apply(live, created, "argocd-controller", false, 0);
	assert_non_null(cap_value_dig(fields_of(out, "kubectl-client-side-apply", "Update"),
				      "f:spec", "f:replicas", NULL));
	cap_test_assert_yaml_equal(fields_of(out, "argocd-controller", "Apply"), applied_fields);
	cap_value_free(out);
	cap_value_free(live);
	cap_value_free(created);
}

static void withdrawn_fields_go_unless_someone_else_owns_them(void **state)
{
	cap_value *v1 =
	    cap_test_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
			  "  labels: {app: web, tier: fe, team: x}\ndata: {a: '1', b: '2'}\n");
	cap_value *ops = cap_test_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
				       "  labels: {team: x}\n");
	cap_value *v2 = cap_test_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
				      "  labels: {app: web}\ndata: {a: '1'}\n");
	cap_value *live = apply(NULL, v1, "argocd-controller", false, 0);
	cap_value *shared = apply(live, ops, "ops", false, 0);
	cap_value *out = apply(shared, v2, "argocd-controller", false, 0);
	/* tier and data.b were only the applier's: gone; team is also owned by ops: kept. */
	cap_test_assert_yaml_equal(cap_value_object_get(out, "data"), "{a: '1'}");
	cap_test_assert_yaml_equal(cap_value_dig(out, "metadata", "labels", NULL),
				   "{app: web, team: x}");
	cap_test_assert_yaml_equal(fields_of(out, "argocd-controller", "Apply"),
				   "{f:data: {f:a: {}}, f:metadata: {f:labels: {f:app: {}}}}");
	cap_test_assert_yaml_equal(fields_of(out, "ops", "Apply"),
				   "{f:metadata: {f:labels: {f:team: {}}}}");
	/* Withdrawing everything under a map removes the emptied map too. */
	cap_value *v3 = cap_test_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
	cap_value *bare = apply(out, v3, "argocd-controller", false, 0);
	assert_null(cap_value_object_get(bare, "data"));
	cap_test_assert_yaml_equal(cap_value_dig(bare, "metadata", "labels", NULL), "{team: x}");
	assert_null(fields_of(bare, "argocd-controller", "Apply"));
	cap_value_free(bare);
	cap_value_free(v3);
	cap_value_free(out);
	cap_value_free(shared);
	cap_value_free(live);
	cap_value_free(v1);
	cap_value_free(v2);
	cap_value_free(ops);
}

static void associative_lists_merge_by_key(void **state)
{
	cap_value *config = deployment(1, "nginx:1");
	cap_value *live = apply(NULL, config, "argocd-controller", false, 0);
	/* An injector adds a sidecar container with a plain update. */
	cap_value *injected = cap_value_deep_copy(live);
	cap_value *containers =
	    cap_value_dig(injected, "spec", "template", "spec", "containers", NULL);
	cap_value_array_append(containers, cap_test_yaml("{name: sidecar, image: envoy:1}"));
	cap_value *live2 = update(live, injected, "injector");
	cap_test_assert_yaml_equal(
	    fields_of(live2, "injector", "Update"),
	    "f:spec:\n"
	    "  f:template:\n"
	    "    f:spec:\n"
	    "      f:containers:\n"
	    "        'k:{\"name\":\"sidecar\"}': {.: {}, f:image: {}, f:name: {}}\n");
	cap_value *config2 = deployment(1, "nginx:2");
	cap_value *out = apply(live2, config2, "argocd-controller", false, 0);
	cap_test_assert_yaml_equal(
	    cap_value_dig(out, "spec", "template", "spec", "containers", NULL),
	    "- {name: web, image: 'nginx:2', ports: [{containerPort: 80}]}\n"
	    "- {name: sidecar, image: 'envoy:1'}\n");
	cap_value_free(out);
	cap_value_free(config2);
	cap_value_free(live2);
	cap_value_free(injected);
	cap_value_free(live);
	cap_value_free(config);
}

static void atomic_lists_are_replaced_and_owned_whole(void **state)
{
	cap_value *a = cap_test_yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
				     "spec: {containers: [{name: c, args: [x, y]}]}\n");
	cap_value *b = cap_test_yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
				     "spec: {containers: [{name: c, args: [z]}]}\n");
	cap_value *live = apply(NULL, a, "m", false, 0);
	cap_value *out = apply(live, b, "m", false, 0);
	cap_test_assert_yaml_equal(cap_value_dig(out, "spec", "containers", NULL),
				   "[{name: c, args: [z]}]");
	cap_test_assert_yaml_equal(
	    fields_of(out, "m", "Apply"),
	    "f:spec: {f:containers: {'k:{\"name\":\"c\"}': {.: {}, f:args: {}, "
	    "f:name: {}}}}");
	cap_value_free(out);
	cap_value_free(live);
	cap_value_free(a);
	cap_value_free(b);
}

static void sets_merge_by_value(void **state)
{
	cap_value *mine =
	    cap_test_yaml("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			  "spec: {tags: [a, b]}\n");
	cap_value *theirs =
	    cap_test_yaml("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			  "spec: {tags: [b]}\n");
	cap_value *next =
	    cap_test_yaml("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			  "spec: {tags: [c]}\n");
	cap_value *live = apply(NULL, mine, "argocd-controller", false, 0);
	cap_value *shared = apply(live, theirs, "other", false, 0);
	cap_value *out = apply(shared, next, "argocd-controller", false, 0);
	cap_test_assert_yaml_equal(cap_value_dig(out, "spec", "tags", NULL), "[b, c]");
	cap_test_assert_yaml_equal(fields_of(out, "argocd-controller", "Apply"),
				   "{f:spec: {f:tags: {'v:\"c\"': {}}}}");
	cap_test_assert_yaml_equal(fields_of(out, "other", "Apply"),
				   "{f:spec: {f:tags: {'v:\"b\"': {}}}}");
	cap_value_free(out);
	cap_value_free(shared);
	cap_value_free(live);
	cap_value_free(mine);
	cap_value_free(theirs);
	cap_value_free(next);
}

static void unknown_kinds_merge_maps_and_replace_lists(void **state)
{
	cap_value *old =
	    cap_test_yaml("apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n"
			  "spec: {a: 1, list: [1, 2], nested: {p: 1}}\n");
	cap_value *config =
	    cap_test_yaml("apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n"
			  "spec: {b: 2, list: [3], nested: {q: 2}}\n");
	cap_value *live = update(NULL, old, "creator");
	cap_value *out = apply(live, config, "argocd-controller", true, 0);
	cap_test_assert_yaml_equal(cap_value_object_get(out, "spec"),
				   "{a: 1, b: 2, list: [3], nested: {p: 1, q: 2}}");
	cap_test_assert_yaml_equal(fields_of(out, "argocd-controller", "Apply"),
				   "{f:spec: {f:b: {}, f:list: {}, f:nested: {f:q: {}}}}");
	cap_test_assert_yaml_equal(fields_of(out, "creator", "Update"),
				   "{f:spec: {.: {}, f:a: {}, f:nested: {.: {}, f:p: {}}}}");
	cap_value_free(out);
	cap_value_free(live);
	cap_value_free(old);
	cap_value_free(config);
}

static void objects_without_managed_fields_belong_to_before_first_apply(void **state)
{
	cap_value *live = deployment(1, "nginx:1");
	cap_value *config = deployment(2, "nginx:1");
	apply(live, config, "argocd-controller", false, CAP_ECONFLICT);
	assert_string_equal(
	    cap_error_last(),
	    "Apply failed with 1 conflict: conflict with \"before-first-apply\" using "
	    "apps/v1: .spec.replicas");
	cap_value *out = apply(live, config, "argocd-controller", true, 0);
	assert_non_null(fields_of(out, "before-first-apply", "Update"));
	assert_null(cap_value_dig(fields_of(out, "before-first-apply", "Update"), "f:spec",
				  "f:replicas", NULL));
	cap_value_free(out);
	cap_value_free(live);
	cap_value_free(config);
}

static void updates_record_new_maps_and_items_and_drop_removed_fields(void **state)
{
	cap_value *created = deployment(1, "nginx:1");
	cap_value *live = update(NULL, created, "kubectl");
	cap_value *f = fields_of(live, "kubectl", "Update");
	/* Maps with element types and list items appear whole ("."); structs never do. */
	assert_non_null(cap_value_dig(f, "f:metadata", "f:labels", ".", NULL));
	assert_null(cap_value_dig(f, "f:spec", ".", NULL));
	assert_null(cap_value_dig(f, "f:spec", "f:template", ".", NULL));
	cap_value *item = cap_value_dig(f, "f:spec", "f:template", "f:spec", "f:containers",
					"k:{\"name\":\"web\"}", NULL);
	assert_non_null(cap_value_object_get(item, "."));
	assert_non_null(cap_value_dig(item, "f:ports", ".", NULL));
	assert_null(cap_value_dig(f, "f:metadata", "f:name", NULL));
	assert_string_equal(
	    cap_value_dig_string(
		cap_value_array_get(cap_value_dig(live, "metadata", "managedFields", NULL), 0),
		"apiVersion", NULL),
	    "apps/v1");

	/* Someone else edits the replicas and drops the label: kubectl loses both. */
	cap_value *edited = cap_value_deep_copy(live);
	cap_value_object_set(cap_value_object_get(edited, "spec"), "replicas", cap_value_int(5));
	cap_value_object_del(cap_value_object_get(edited, "metadata"), "labels");
	cap_value *out = update(live, edited, "editor");
	f = fields_of(out, "kubectl", "Update");
	assert_null(cap_value_dig(f, "f:spec", "f:replicas", NULL));
	assert_null(cap_value_dig(f, "f:metadata", NULL));
	cap_test_assert_yaml_equal(fields_of(out, "editor", "Update"),
				   "{f:spec: {f:replicas: {}}}");
	cap_value_free(out);
	cap_value_free(edited);
	cap_value_free(live);
	cap_value_free(created);
}

static void fields_of_an_object_leave_identity_out(void **state)
{
	cap_value *obj = deployment(2, "nginx:1");
	cap_value *fields = cap_ssa_fields_of(&schema, obj);
	cap_test_assert_yaml_equal(fields, applied_fields);
	cap_value_free(fields);
	cap_value_free(obj);
}

static void bad_input_is_refused(void **state)
{
	cap_value *config = deployment(1, "nginx:1"), *out = NULL;
	cap_ssa_options none = {.manager = NULL};
	assert_int_equal(cap_ssa_apply(&out, &schema, NULL, config, &none), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "field manager"));
	cap_value *nokind = cap_test_yaml("apiVersion: v1\nmetadata: {name: x}\n");
	cap_ssa_options o = {.manager = "m"};
	assert_int_equal(cap_ssa_apply(&out, &schema, NULL, nokind, &o), CAP_EINVALID);
	cap_value *scalar = cap_test_yaml("3");
	assert_int_equal(cap_ssa_apply(&out, &schema, scalar, config, &o), CAP_EINVALID);
	cap_value *bad = cap_test_yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
				       "  managedFields: [{manager: a, operation: Frobnicate}]\n");
	assert_int_equal(cap_ssa_apply(&out, &schema, bad, config, &o), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "managedFields[0]"));
	assert_int_equal(cap_ssa_update(&out, &schema, bad, config, &o), CAP_EINVALID);
	assert_null(out);
	/* Associative lists need distinct keys, and every key field or its default. */
	cap_value *dup =
	    cap_test_yaml("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
			  "spec: {ports: [{port: 80, name: a}, {port: 80, protocol: TCP}]}\n");
	assert_int_equal(cap_ssa_apply(&out, &schema, NULL, dup, &o), CAP_EINVALID);
	assert_string_equal(cap_error_last(),
			    "cannot apply: .spec.ports: duplicate entries for key "
			    "[port=80,protocol=\"TCP\"]");
	cap_value *nokey =
	    cap_test_yaml("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			  "spec: {items: [{name: a}, {size: 1}]}\n");
	assert_int_equal(cap_ssa_apply(&out, &schema, NULL, nokey, &o), CAP_EINVALID);
	assert_string_equal(cap_error_last(),
			    "cannot apply: .spec.items[1]: associative list with keys has an "
			    "element that omits key field \"name\"");
	cap_value_free(dup);
	cap_value_free(nokey);
	/* A schema is optional: everything is then deduced. */
	assert_int_equal(cap_ssa_apply(&out, NULL, NULL, config, &o), 0);
	cap_value_free(out);
	cap_value_free(bad);
	cap_value_free(scalar);
	cap_value_free(nokind);
	cap_value_free(config);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(apply_creates_and_records_the_applied_fields),
	    cmocka_unit_test(applying_the_same_configuration_twice_changes_nothing),
	    cmocka_unit_test(changing_a_field_another_manager_owns_conflicts),
	    cmocka_unit_test(force_takes_the_field_over),
	    cmocka_unit_test(equal_values_share_ownership),
	    cmocka_unit_test(withdrawn_fields_go_unless_someone_else_owns_them),
	    cmocka_unit_test(associative_lists_merge_by_key),
	    cmocka_unit_test(atomic_lists_are_replaced_and_owned_whole),
	    cmocka_unit_test(sets_merge_by_value),
	    cmocka_unit_test(unknown_kinds_merge_maps_and_replace_lists),
	    cmocka_unit_test(objects_without_managed_fields_belong_to_before_first_apply),
	    cmocka_unit_test(updates_record_new_maps_and_items_and_drop_removed_fields),
	    cmocka_unit_test(fields_of_an_object_leave_identity_out),
	    cmocka_unit_test(bad_input_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
