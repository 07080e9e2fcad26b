/* Tests for the OpenAPI loaders: v2 and v3 documents, CRD schemas, $ref/allOf and the type cursor.
 */
#include "cap_test.h"

#include "base/error.h"
#include "schema/schema.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdlib.h>
#include <string.h>

/* The v2 document is large: load it once for every test that reads it. */
static cap_schema v2;

static int load_v2(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_test_shared_path(&path, "kubernetes/openapi-v2/swagger.json");
	cap_schema_init(&v2);
	int rc = cap_schema_add_openapi_file(&v2, path.ptr);
	cap_buf_release(&path);
	return rc;
}

static int free_v2(void **state)
{
	cap_schema_release(&v2);
	return 0;
}

/* Steps down a path of member names ("spec", "template", …); "[]" steps into array items. */
static const cap_schema_type *walk(const cap_schema_type *t, const char *const *path)
{
	for (; *path; path++)
		t = !strcmp(*path, "[]") ? cap_schema_items(t)
					 : cap_schema_field(t, *path, strlen(*path));
	return t;
}

#define WALK(t, ...) walk((t), (const char *const[]){__VA_ARGS__, NULL})

static const cap_schema_type *pod_spec(void)
{
	const cap_schema_type *d = cap_schema_lookup(&v2, "apps/v1", "Deployment");
	assert_non_null(d);
	return WALK(d, "spec", "template", "spec");
}

static void deployment_containers_merge_by_name(void **state)
{
	const cap_schema_type *c = cap_schema_field(pod_spec(), "containers", 10);
	assert_non_null(c);
	assert_int_equal(c->kind, CAP_SCHEMA_ARRAY);
	assert_int_equal(c->patch_strategy, CAP_SCHEMA_PATCH_MERGE);
	assert_string_equal(c->patch_merge_key, "name");
	assert_string_equal(cap_schema_items(c)->name, "io.k8s.api.core.v1.Container");
}

static void container_ports_merge_by_container_port_with_map_keys(void **state)
{
	const cap_schema_type *p = WALK(pod_spec(), "containers", "[]", "ports");
	assert_string_equal(cap_schema_merge_key(p), "containerPort");
	assert_int_equal(p->list_type, CAP_SCHEMA_LIST_MAP);
	assert_non_null(p->list_map_keys);
	assert_string_equal(p->list_map_keys[0], "containerPort");
	assert_string_equal(p->list_map_keys[1], "protocol");
	assert_null(p->list_map_keys[2]);
}

static void env_merges_by_name_and_volumes_also_retain_keys(void **state)
{
	const cap_schema_type *env = WALK(pod_spec(), "containers", "[]", "env");
	assert_string_equal(cap_schema_merge_key(env), "name");
	const cap_schema_type *vol = cap_schema_field(pod_spec(), "volumes", 7);
	assert_int_equal(cap_schema_patch_strategy(vol),
			 CAP_SCHEMA_PATCH_MERGE | CAP_SCHEMA_PATCH_RETAIN_KEYS);
	assert_string_equal(cap_schema_merge_key(vol), "name");
}

static void tolerations_have_no_strategy(void **state)
{
	const cap_schema_type *t = cap_schema_field(pod_spec(), "tolerations", 11);
	assert_non_null(t);
	assert_int_equal(cap_schema_patch_strategy(t), 0);
	assert_null(cap_schema_merge_key(t));
}

static void ref_property_keeps_its_own_strategy(void **state)
{
	const cap_schema_type *d = cap_schema_lookup_key(&v2, "apps/v1/Deployment");
	const cap_schema_type *s = WALK(d, "spec", "strategy");
	assert_int_equal(cap_schema_patch_strategy(s), CAP_SCHEMA_PATCH_RETAIN_KEYS);
	/* and reaches the referenced definition's members */
	assert_non_null(cap_schema_field(s, "rollingUpdate", 13));
	assert_int_equal(s->kind, CAP_SCHEMA_OBJECT);
}

static void metadata_lists_finalizers_and_owner_references(void **state)
{
	const cap_schema_type *pod = cap_schema_lookup(&v2, "v1", "Pod");
	const cap_schema_type *f = WALK(pod, "metadata", "finalizers");
	assert_int_equal(cap_schema_patch_strategy(f), CAP_SCHEMA_PATCH_MERGE);
	assert_null(cap_schema_merge_key(f));
	assert_int_equal(cap_schema_items(f)->kind, CAP_SCHEMA_STRING);
	const cap_schema_type *o = WALK(pod, "metadata", "ownerReferences");
	assert_string_equal(cap_schema_merge_key(o), "uid");
}

static void service_ports_merge_by_port_with_protocol_in_map_keys(void **state)
{
	const cap_schema_type *p = WALK(cap_schema_lookup(&v2, "v1", "Service"), "spec", "ports");
	assert_string_equal(cap_schema_merge_key(p), "port");
	assert_int_equal(p->list_type, CAP_SCHEMA_LIST_MAP);
	assert_string_equal(p->list_map_keys[1], "protocol");
}

static void maps_give_their_value_type_for_any_key(void **state)
{
	const cap_schema_type *labels =
	    WALK(cap_schema_lookup(&v2, "v1", "Pod"), "metadata", "labels", "any-label");
	assert_non_null(labels);
	assert_int_equal(labels->kind, CAP_SCHEMA_STRING);
	const cap_schema_type *ns = cap_schema_field(pod_spec(), "nodeSelector", 12);
	assert_int_equal(ns->map_type, CAP_SCHEMA_MAP_ATOMIC);
	const cap_schema_type *req = WALK(pod_spec(), "affinity", "nodeAffinity",
					  "requiredDuringSchedulingIgnoredDuringExecution");
	assert_int_equal(req->map_type, CAP_SCHEMA_MAP_ATOMIC); /* inherited from NodeSelector */
}

static void unknown_kinds_and_fields_are_null_and_null_safe(void **state)
{
	assert_null(cap_schema_lookup(&v2, "apps/v1", "Nothing"));
	assert_null(cap_schema_lookup_key(&v2, "v1/Deployment"));
	assert_null(cap_schema_field(pod_spec(), "noSuchField", 11));
	assert_null(cap_schema_field(NULL, "x", 1));
	assert_null(cap_schema_items(NULL));
	assert_null(cap_schema_merge_key(NULL));
	assert_int_equal(cap_schema_patch_strategy(NULL), 0);
}

static void openapi_v3_document_resolves_all_of(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_test_shared_path(&path, "kubernetes/openapi-v3/apis__apps__v1.json");
	cap_schema s = CAP_SCHEMA_INIT;
	assert_int_equal(cap_schema_add_openapi_file(&s, path.ptr), 0);
	const cap_schema_type *d = cap_schema_lookup(&s, "apps/v1", "StatefulSet");
	assert_non_null(d);
	const cap_schema_type *strategy =
	    WALK(cap_schema_lookup(&s, "apps/v1", "Deployment"), "spec", "strategy");
	assert_int_equal(cap_schema_patch_strategy(strategy), CAP_SCHEMA_PATCH_RETAIN_KEYS);
	assert_non_null(cap_schema_field(strategy, "rollingUpdate", 13));
	const cap_schema_type *env =
	    WALK(d, "spec", "template", "spec", "containers", "[]", "env", "[]", "valueFrom");
	assert_non_null(cap_schema_field(env, "secretKeyRef", 12));
	/* the core v1 document repeats ObjectMeta: adding it keeps the first and adds Pod */
	cap_buf_clear(&path);
	cap_test_shared_path(&path, "kubernetes/openapi-v3/api__v1.json");
	assert_int_equal(cap_schema_add_openapi_file(&s, path.ptr), 0);
	assert_string_equal(
	    cap_schema_merge_key(WALK(cap_schema_lookup(&s, "v1", "Pod"), "spec", "containers")),
	    "name");
	cap_schema_release(&s);
	cap_buf_release(&path);
}

static const char crd_yaml[] =
    "apiVersion: apiextensions.k8s.io/v1\n"
    "kind: CustomResourceDefinition\n"
    "metadata: {name: widgets.example.com}\n"
    "spec:\n"
    "  group: example.com\n"
    "  names: {kind: Widget, plural: widgets}\n"
    "  scope: Namespaced\n"
    "  versions:\n"
    "  - name: v1\n"
    "    served: true\n"
    "    storage: true\n"
    "    schema:\n"
    "      openAPIV3Schema:\n"
    "        type: object\n"
    "        properties:\n"
    "          spec:\n"
    "            type: object\n"
    "            properties:\n"
    "              parts:\n"
    "                type: array\n"
    "                x-kubernetes-list-type: map\n"
    "                x-kubernetes-list-map-keys: [name, side]\n"
    "                items:\n"
    "                  type: object\n"
    "                  properties: {name: {type: string}, side: {type: string}}\n"
    "              tags: {type: array, x-kubernetes-list-type: set, items: {type: string}}\n"
    "              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}\n"
    "  - name: v2alpha1\n"
    "    served: true\n"
    "    storage: false\n";

static void crd_schema_gives_list_types_and_custom_flag(void **state)
{
	cap_value *crd = NULL;
	assert_int_equal(cap_yaml_parse(&crd, crd_yaml, strlen(crd_yaml), "crd", NULL), 0);
	cap_schema s = CAP_SCHEMA_INIT;
	assert_int_equal(cap_schema_add_crd(&s, crd), 0);
	const cap_schema_type *w = cap_schema_lookup(&s, "example.com/v1", "Widget");
	assert_non_null(w);
	assert_true(w->custom);
	const cap_schema_type *parts = WALK(w, "spec", "parts");
	assert_int_equal(parts->list_type, CAP_SCHEMA_LIST_MAP);
	assert_string_equal(parts->list_map_keys[0], "name");
	assert_string_equal(parts->list_map_keys[1], "side");
	assert_true(parts->custom);
	assert_int_equal(WALK(w, "spec", "tags")->list_type, CAP_SCHEMA_LIST_SET);
	assert_true(WALK(w, "spec", "extra")->preserve_unknown_fields);
	/* a version without a schema is still known, as a custom object */
	const cap_schema_type *v2a = cap_schema_lookup_key(&s, "example.com/v2alpha1/Widget");
	assert_non_null(v2a);
	assert_true(v2a->custom && v2a->preserve_unknown_fields);
	cap_schema_release(&s);
	cap_value_free(crd);
}

static void argo_cd_crds_load(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_test_shared_path(&path, "argocd/crds/application-crd.yaml");
	cap_value *docs = NULL;
	assert_int_equal(cap_yaml_parse_file(&docs, path.ptr, NULL), 0);
	cap_schema s = CAP_SCHEMA_INIT;
	assert_int_equal(cap_schema_add_crd(&s, cap_value_array_get(docs, 0)), 0);
	const cap_schema_type *app = cap_schema_lookup(&s, "argoproj.io/v1alpha1", "Application");
	assert_non_null(app);
	assert_int_equal(WALK(app, "spec", "source", "repoURL")->kind, CAP_SCHEMA_STRING);
	cap_schema_release(&s);
	cap_value_free(docs);
	cap_buf_release(&path);
}

static void crd_without_group_is_invalid(void **state)
{
	cap_value *crd = NULL;
	const char *text = "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"names\":{\"kind\":\"X\"}}}";
	assert_int_equal(cap_json_parse(&crd, text, strlen(text), "crd", NULL), 0);
	cap_schema s = CAP_SCHEMA_INIT;
	assert_int_equal(cap_schema_add_crd(&s, crd), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'x'"));
	cap_schema_release(&s);
	cap_value_free(crd);
}

static void add_doc(cap_schema *s, const char *text)
{
	cap_value *doc = NULL;
	assert_int_equal(cap_json_parse(&doc, text, strlen(text), "doc", NULL), 0);
	assert_int_equal(cap_schema_add_openapi(s, doc, "doc"), 0);
	cap_value_free(doc);
}

static void strategies_parse_like_kubernetes(void **state)
{
	cap_schema s = CAP_SCHEMA_INIT;
	add_doc(&s, "{\"definitions\":{\"T\":{\"properties\":{"
		    "\"a\":{\"x-kubernetes-patch-strategy\":\"retainKeys,merge\"},"
		    "\"b\":{\"x-kubernetes-patch-strategy\":\"merge,replace\"},"
		    "\"c\":{\"x-kubernetes-patch-strategy\":\"replace\"},"
		    "\"d\":{\"x-kubernetes-patch-strategy\":\"merge,retainKeys,replace\"}}}}}");
	const cap_schema_type *t = cap_schema_definition(&s, "T");
	assert_int_equal(cap_schema_patch_strategy(cap_schema_field(t, "a", 1)),
			 CAP_SCHEMA_PATCH_MERGE | CAP_SCHEMA_PATCH_RETAIN_KEYS);
	assert_int_equal(cap_schema_patch_strategy(cap_schema_field(t, "b", 1)),
			 CAP_SCHEMA_PATCH_INVALID);
	assert_int_equal(cap_schema_patch_strategy(cap_schema_field(t, "c", 1)),
			 CAP_SCHEMA_PATCH_REPLACE);
	assert_int_equal(cap_schema_patch_strategy(cap_schema_field(t, "d", 1)),
			 CAP_SCHEMA_PATCH_INVALID);
	cap_schema_release(&s);
}

static void ref_cycles_and_dangling_refs_resolve(void **state)
{
	cap_schema s = CAP_SCHEMA_INIT;
	add_doc(&s, "{\"definitions\":{"
		    "\"A\":{\"$ref\":\"#/definitions/B\"},"
		    "\"B\":{\"$ref\":\"#/definitions/A\"},"
		    "\"C\":{\"properties\":{\"self\":{\"$ref\":\"#/definitions/C\"},"
		    "\"gone\":{\"$ref\":\"#/definitions/Missing\"}}}}}");
	assert_non_null(cap_schema_definition(&s, "A"));
	const cap_schema_type *c = cap_schema_definition(&s, "C");
	const cap_schema_type *deep = WALK(c, "self", "self", "self");
	assert_ptr_equal(deep->shape, c);
	assert_null(cap_schema_field(cap_schema_field(c, "gone", 4), "x", 1));
	cap_schema_release(&s);
}

static void documents_without_definitions_are_invalid(void **state)
{
	cap_schema s = CAP_SCHEMA_INIT;
	cap_value *doc = cap_value_object();
	assert_int_equal(cap_schema_add_openapi(&s, doc, "empty.json"), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'empty.json'"));
	cap_value_free(doc);
	cap_schema_release(&s);
}

static void default_schema_loads_once(void **state)
{
	const cap_schema *a = NULL, *b = NULL;
	assert_int_equal(cap_schema_default(&a), 0);
	assert_int_equal(cap_schema_default(&b), 0);
	assert_ptr_equal(a, b);
	assert_non_null(cap_schema_lookup(a, "batch/v1", "CronJob"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(deployment_containers_merge_by_name),
	    cmocka_unit_test(container_ports_merge_by_container_port_with_map_keys),
	    cmocka_unit_test(env_merges_by_name_and_volumes_also_retain_keys),
	    cmocka_unit_test(tolerations_have_no_strategy),
	    cmocka_unit_test(ref_property_keeps_its_own_strategy),
	    cmocka_unit_test(metadata_lists_finalizers_and_owner_references),
	    cmocka_unit_test(service_ports_merge_by_port_with_protocol_in_map_keys),
	    cmocka_unit_test(maps_give_their_value_type_for_any_key),
	    cmocka_unit_test(unknown_kinds_and_fields_are_null_and_null_safe),
	    cmocka_unit_test(openapi_v3_document_resolves_all_of),
	    cmocka_unit_test(crd_schema_gives_list_types_and_custom_flag),
	    cmocka_unit_test(argo_cd_crds_load),
	    cmocka_unit_test(crd_without_group_is_invalid),
	    cmocka_unit_test(strategies_parse_like_kubernetes),
	    cmocka_unit_test(ref_cycles_and_dangling_refs_resolve),
	    cmocka_unit_test(documents_without_definitions_are_invalid),
	    cmocka_unit_test(default_schema_loads_once),
	};
	return cmocka_run_group_tests(tests, load_v2, free_v2);
}
