/* Tests for the structured-merge schema: the shared smd-schema.yaml, the kind index and CRDs. */
#include "cap_test.h"
#include "schema_fixture.h"
#include "value_fixture.h"

#include "base/alloc.h"
#include "base/error.h"
#include "schema/smd.h"
#include "value/json.h"
#include "value/yaml.h"

#include <string.h>

static cap_smd_schema schema = CAP_SMD_SCHEMA_INIT;

static int load_shared_schema(void **state)
{
	cap_test_load_kubernetes_schema(&schema);
	return 0;
}

static int release_schema(void **state)
{
	cap_smd_schema_release(&schema);
	return 0;
}

static const cap_smd_type *type(const char *name)
{
	const cap_smd_type *t = cap_smd_schema_type(&schema, name);
	if (!t)
		fail_msg("no type '%s'", name);
	return t;
}

static const cap_smd_type *field_type(const cap_smd_type *t, const char *name)
{
	const cap_smd_field *f = cap_smd_field_of(t, name, strlen(name));
	if (!f)
		fail_msg("no field '%s' in '%s'", name, t->name ? t->name : "(inline)");
	return f->type;
}

static void every_named_type_is_loaded(void **state)
{
	/* ../shared/data/NOTICE.md: "a top-level `types:` list of 959 named types". */
	assert_int_equal(cap_hashmap_len(&schema.types), 959);
}

static void kinds_index_by_group_version_and_kind(void **state)
{
	static const char *const cases[][3] = {
	    {"apps/v1", "Deployment", "io.k8s.api.apps.v1.Deployment"},
	    {"v1", "Service", "io.k8s.api.core.v1.Service"},
	    {"v1", "ConfigMap", "io.k8s.api.core.v1.ConfigMap"},
	    {"rbac.authorization.k8s.io/v1", "ClusterRole", "io.k8s.api.rbac.v1.ClusterRole"},
	    {"networking.k8s.io/v1", "Ingress", "io.k8s.api.networking.v1.Ingress"},
	    {"autoscaling/v2", "HorizontalPodAutoscaler",
	     "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"},
	    {"flowcontrol.apiserver.k8s.io/v1", "FlowSchema",
	     "io.k8s.api.flowcontrol.v1.FlowSchema"},
	};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(cases); i++) {
		const cap_smd_type *t = cap_smd_schema_kind(&schema, cases[i][0], cases[i][1]);
		if (!t || strcmp(t->name, cases[i][2]))
			fail_msg("%s %s: got %s", cases[i][0], cases[i][1],
				 t ? t->name : "nothing");
	}
	/* Not top-level objects, or unknown: deduced. */
	assert_null(cap_smd_schema_kind(&schema, "apps/v1", "DeploymentSpec"));
	assert_null(cap_smd_schema_kind(&schema, "example.com/v1", "Widget"));
	assert_null(cap_smd_schema_kind(&schema, NULL, "Service"));
}

/* Every group the schema's kinds map to is one the API server serves (discovery), or core. */
static void derived_groups_exist_in_discovery(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_value *disc = NULL, *item;
	cap_test_shared_path(&path, "kubernetes/discovery/aggregated_v2.json");
	assert_int_equal(cap_json_parse_file(&disc, path.ptr, NULL), 0);
	cap_hashmap groups = CAP_HASHMAP_INIT;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(disc, "items"), i, item)
	cap_hashmap_put(&groups, cap_value_dig_string(item, "metadata", "name", NULL), NULL);
	/* Packages of groups no longer served (extensions), never served (imagepolicy), or newer
	 * than the discovery snapshot (the alpha lifecycle group). */
	cap_hashmap_put(&groups, "extensions", NULL);
	cap_hashmap_put(&groups, "imagepolicy.k8s.io", NULL);
	cap_hashmap_put(&groups, "lifecycle.k8s.io", NULL);

	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *key;
	void *v;
	size_t checked = 0;
	while (cap_hashmap_next(&schema.kinds, &it, &key, &v)) {
		const char *slash = strchr(key, '/'), *last = strrchr(key, '/');
		if (slash == last)
			continue; /* "v1/Kind": the core group */
		if (!cap_hashmap_find(&groups, key, (size_t)(slash - key), NULL))
			fail_msg("kind '%s' maps to a group discovery does not serve", key);
		checked++;
	}
	assert_true(checked > 50);
	cap_hashmap_release(&groups, NULL);
	cap_value_free(disc);
	cap_buf_release(&path);
}

static void service_ports_are_keyed_by_port_and_protocol(void **state)
{
	const cap_smd_type *ports = field_type(type("io.k8s.api.core.v1.ServiceSpec"), "ports");
	assert_true(ports->is_list);
	assert_int_equal(cap_smd_list_relationship(ports), CAP_SMD_ASSOCIATIVE);
	assert_int_equal(ports->list_keys.len, 2);
	assert_string_equal(ports->list_keys.items[0], "port");
	assert_string_equal(ports->list_keys.items[1], "protocol");
	const cap_smd_field *proto = cap_smd_field_of(ports->list_element, "protocol", 8);
	assert_non_null(proto);
	assert_string_equal(cap_value_get_string(proto->default_value), "TCP");
}

static void containers_env_and_selectors_have_their_relationships(void **state)
{
	const cap_smd_type *pod = type("io.k8s.api.core.v1.PodSpec");
	const cap_smd_type *containers = field_type(pod, "containers");
	assert_int_equal(cap_smd_list_relationship(containers), CAP_SMD_ASSOCIATIVE);
	assert_string_equal(containers->list_keys.items[0], "name");
	const cap_smd_type *cports = field_type(containers->list_element, "ports");
	assert_string_equal(cports->list_keys.items[0], "containerPort");
	assert_string_equal(cports->list_keys.items[1], "protocol");
	/* LabelSelector is an atomic map; labels map member by member. */
	assert_int_equal(
	    cap_smd_map_relationship(type("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")),
	    CAP_SMD_ATOMIC);
	const cap_smd_type *labels =
	    field_type(type("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), "labels");
	assert_int_equal(cap_smd_map_relationship(labels), CAP_SMD_SEPARABLE);
	assert_true(labels->map_element->is_scalar);
	assert_string_equal(labels->map_element->scalar, "string");
	/* Atomic lists and unknown members. */
	assert_int_equal(cap_smd_list_relationship(field_type(containers->list_element, "command")),
			 CAP_SMD_ATOMIC);
	bool known = true;
	assert_null(cap_smd_member_type(pod, "noSuchField", 11, &known));
	assert_false(known);
}

static void untyped_types_are_deduced_or_atomic(void **state)
{
	const cap_smd_type *d = type("__untyped_deduced_"), *a = type("__untyped_atomic_");
	assert_true(d->is_scalar && d->is_list && d->is_map);
	assert_int_equal(cap_smd_map_relationship(d), CAP_SMD_SEPARABLE);
	assert_int_equal(cap_smd_list_relationship(d), CAP_SMD_ATOMIC);
	assert_ptr_equal(d->map_element, d);
	assert_int_equal(cap_smd_map_relationship(a), CAP_SMD_ATOMIC);
	/* NULL is deduced everywhere. */
	assert_int_equal(cap_smd_map_relationship(NULL), CAP_SMD_SEPARABLE);
	assert_int_equal(cap_smd_list_relationship(NULL), CAP_SMD_ATOMIC);
	assert_null(cap_smd_member_type(NULL, "x", 1, NULL));
}

static void crd_schema_gives_list_and_map_types(void **state)
{
	cap_value *crd = cap_test_yaml(
	    "apiVersion: apiextensions.k8s.io/v1\n"
	    "kind: CustomResourceDefinition\n"
	    "metadata: {name: widgets.example.com}\n"
	    "spec:\n"
	    "  group: example.com\n"
	    "  names: {kind: Widget, plural: widgets}\n"
	    "  versions:\n"
	    "  - name: v1\n"
	    "    schema:\n"
	    "      openAPIV3Schema:\n"
	    "        type: object\n"
	    "        properties:\n"
	    "          metadata: {type: object}\n"
	    "          spec:\n"
	    "            type: object\n"
	    "            properties:\n"
	    "              items:\n"
	    "                type: array\n"
	    "                x-kubernetes-list-type: map\n"
	    "                x-kubernetes-list-map-keys: [name, zone]\n"
	    "                items:\n"
	    "                  type: object\n"
	    "                  properties:\n"
	    "                    name: {type: string}\n"
	    "                    zone: {type: string, default: a}\n"
	    "                    size: {x-kubernetes-int-or-string: true}\n"
	    "              tags: {type: array, x-kubernetes-list-type: set, items: {type: "
	    "string}}\n"
	    "              args: {type: array, items: {type: string}}\n"
	    "              selector:\n"
	    "                type: object\n"
	    "                x-kubernetes-map-type: atomic\n"
	    "                additionalProperties: {type: string}\n"
	    "              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}\n"
	    "              anything: {x-kubernetes-preserve-unknown-fields: true}\n");
	assert_int_equal(cap_smd_schema_add_crd(&schema, crd), 0);
	const cap_smd_type *w = cap_smd_schema_kind(&schema, "example.com/v1", "Widget");
	assert_non_null(w);
	assert_ptr_equal(field_type(w, "metadata"),
			 type("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
	const cap_smd_type *spec = field_type(w, "spec");
	const cap_smd_type *items = field_type(spec, "items");
	assert_int_equal(cap_smd_list_relationship(items), CAP_SMD_ASSOCIATIVE);
	assert_int_equal(items->list_keys.len, 2);
	assert_string_equal(items->list_keys.items[1], "zone");
	assert_string_equal(
	    cap_value_get_string(cap_smd_field_of(items->list_element, "zone", 4)->default_value),
	    "a");
	assert_string_equal(field_type(items->list_element, "size")->scalar, "untyped");
	const cap_smd_type *tags = field_type(spec, "tags");
	assert_int_equal(cap_smd_list_relationship(tags), CAP_SMD_ASSOCIATIVE);
	assert_int_equal(tags->list_keys.len, 0);
	assert_int_equal(cap_smd_list_relationship(field_type(spec, "args")), CAP_SMD_ATOMIC);
	assert_int_equal(cap_smd_map_relationship(field_type(spec, "selector")), CAP_SMD_ATOMIC);
	const cap_smd_type *extra = field_type(spec, "extra");
	assert_int_equal(cap_smd_map_relationship(extra), CAP_SMD_SEPARABLE);
	assert_null(extra->map_element);
	assert_null(field_type(spec, "anything"));
	cap_value_free(crd);
}

static void argo_application_crd_loads(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_value *docs = NULL;
	cap_test_shared_path(&path, "argocd/crds/application-crd.yaml");
	assert_int_equal(cap_yaml_parse_file(&docs, path.ptr, NULL), 0);
	assert_int_equal(cap_smd_schema_add_crd(&schema, cap_value_array_get(docs, 0)), 0);
	const cap_smd_type *app =
	    cap_smd_schema_kind(&schema, "argoproj.io/v1alpha1", "Application");
	assert_non_null(app);
	const cap_smd_type *source = field_type(field_type(app, "spec"), "source");
	const cap_smd_type *helm = field_type(source, "helm");
	/* valuesObject preserves unknown fields: a map whose members are deduced. */
	const cap_smd_type *values = field_type(helm, "valuesObject");
	assert_true(values->is_map);
	assert_null(values->map_element);
	const cap_smd_type *replicas = field_type(field_type(source, "kustomize"), "replicas");
	assert_int_equal(cap_smd_list_relationship(replicas), CAP_SMD_ATOMIC);
	assert_string_equal(field_type(replicas->list_element, "count")->scalar, "untyped");
	cap_value_free(docs);
	cap_buf_release(&path);
}

static void malformed_schemas_are_refused(void **state)
{
	cap_smd_schema s = CAP_SMD_SCHEMA_INIT;
	cap_value *v = cap_test_yaml("types: {a: 1}\n");
	assert_int_equal(cap_smd_schema_load(&s, v), CAP_EINVALID);
	cap_value_free(v);
	v = cap_test_yaml("types:\n- map: {fields: []}\n");
	assert_int_equal(cap_smd_schema_load(&s, v), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "no name"));
	cap_value_free(v);
	v = cap_test_yaml("types:\n- name: t\n  list: {elementRelationship: sideways}\n");
	assert_int_equal(cap_smd_schema_load(&s, v), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'sideways'"));
	assert_non_null(strstr(cap_error_last(), "'t'"));
	cap_value_free(v);
	v = cap_test_yaml("types:\n- {name: t, scalar: string}\n- {name: t, scalar: numeric}\n");
	assert_int_equal(cap_smd_schema_load(&s, v), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'t' is defined twice"));
	cap_value_free(v);
	v = cap_test_yaml("kind: CustomResourceDefinition\nspec: {versions: []}\n");
	assert_int_equal(cap_smd_schema_add_crd(&s, v), CAP_EINVALID);
	cap_value_free(v);
	cap_smd_schema_release(&s);
}

static void forward_references_resolve(void **state)
{
	cap_smd_schema s = CAP_SMD_SCHEMA_INIT;
	cap_value *v = cap_test_yaml(
	    "types:\n"
	    "- name: a\n"
	    "  map:\n"
	    "    fields:\n"
	    "    - name: b\n"
	    "      type: {namedType: b}\n"
	    "- name: b\n"
	    "  list: {elementType: {scalar: string}, elementRelationship: associative}\n");
	assert_int_equal(cap_smd_schema_load(&s, v), 0);
	const cap_smd_type *b = cap_smd_field_of(cap_smd_schema_type(&s, "a"), "b", 1)->type;
	assert_ptr_equal(b, cap_smd_schema_type(&s, "b"));
	assert_int_equal(cap_smd_list_relationship(b), CAP_SMD_ASSOCIATIVE);
	cap_value_free(v);
	cap_smd_schema_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_named_type_is_loaded),
	    cmocka_unit_test(kinds_index_by_group_version_and_kind),
	    cmocka_unit_test(derived_groups_exist_in_discovery),
	    cmocka_unit_test(service_ports_are_keyed_by_port_and_protocol),
	    cmocka_unit_test(containers_env_and_selectors_have_their_relationships),
	    cmocka_unit_test(untyped_types_are_deduced_or_atomic),
	    cmocka_unit_test(crd_schema_gives_list_and_map_types),
	    cmocka_unit_test(argo_application_crd_loads),
	    cmocka_unit_test(malformed_schemas_are_refused),
	    cmocka_unit_test(forward_references_resolve),
	};
	return cmocka_run_group_tests(tests, load_shared_schema, release_schema);
}
