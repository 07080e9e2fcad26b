/* Status builders: members match the Application CRD schema; history ids and limits. */
#include "cap_test.h"

#include <stdlib.h>
#include <string.h>

#include "app/application.h"
#include "app/status.h"
#include "sync/engine.h"
#include "base/buf.h"
#include "value/yaml.h"

static cap_value *crd_schema;

static int load_schema(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_buf_printf(&path, "%s/deploy/crds/application-crd.yaml",
		       getenv("CAP_SOURCE_DIR") ?: ".");
	cap_value *docs = NULL;
	assert_int_equal(cap_yaml_parse_file(&docs, path.ptr, NULL), 0);
	cap_value *versions = cap_value_dig(cap_value_array_get(docs, 0), "spec", "versions", NULL);
	crd_schema = cap_value_ref(
	    cap_value_dig(cap_value_array_get(versions, 0), "schema", "openAPIV3Schema", NULL));
	assert_non_null(crd_schema);
	cap_value_free(docs);
	cap_buf_release(&path);
	return 0;
}

static int free_schema(void **state)
{
	cap_value_free(crd_schema);
	return 0;
}

/* Fails when v has a member the schema does not declare, or a value of another type. */
static void conforms(const cap_value *v, const cap_value *schema, const char *where)
{
	const char *type = cap_value_dig_string(schema, "type", NULL);
	if (cap_value_is_object(v)) {
		if (type && strcmp(type, "object"))
			fail_msg("%s: object where the schema has %s", where, type);
		const cap_value *props = cap_value_object_get(schema, "properties");
		const cap_value *extra = cap_value_object_get(schema, "additionalProperties");
		const char *k;
		cap_value *x;
		CAP_VALUE_OBJECT_FOREACH(v, k, x)
		{
			cap_buf w = CAP_BUF_INIT;
			cap_buf_printf(&w, "%s.%s", where, k);
			const cap_value *p = cap_value_object_get(props, k);
			if (!p && cap_value_is_object(extra))
				p = extra;
			if (!p && !cap_value_get_bool(cap_value_object_get(
				      schema, "x-kubernetes-preserve-unknown-fields")))
				fail_msg("%s is not in the CRD schema", w.ptr);
			if (p)
				conforms(x, p, w.ptr);
			cap_buf_release(&w);
		}
	} else if (cap_value_is_array(v)) {
		if (type && strcmp(type, "array"))
			fail_msg("%s: array where the schema has %s", where, type);
		for (size_t i = 0; i < cap_value_array_len(v); i++)
			conforms(cap_value_array_get(v, i), cap_value_object_get(schema, "items"),
				 where);
	} else if (cap_value_is_string(v)) {
		if (type && strcmp(type, "string"))
			fail_msg("%s: string where the schema has %s", where, type);
	} else if (cap_value_is_bool(v)) {
		if (type && strcmp(type, "boolean"))
			fail_msg("%s: boolean where the schema has %s", where, type);
	} else if (cap_value_is_int(v)) {
		if (type && strcmp(type, "integer") && strcmp(type, "number"))
			fail_msg("%s: integer where the schema has %s", where, type);
	}
}

static const cap_value *status_schema(const char *member)
{
	return cap_value_dig(crd_schema, "properties", "status", "properties", member, NULL);
}

static cap_value *yaml(const char *text)
{
	cap_value *v = NULL;
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "test", NULL), 0);
	return v;
}

static void test_sync_and_health_follow_the_schema(void **state)
{
	cap_value *src = yaml("{repoURL: https://example.com/r.git, path: app}");
	cap_value *dest = yaml("{server: https://kubernetes.default.svc, namespace: web}");
	cap_value *ign = yaml("[{group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}]");
	cap_value *s = cap_app_status_sync("Synced", "abc", NULL, src, NULL, dest, ign);
	conforms(s, status_schema("sync"), "status.sync");
	assert_string_equal(cap_value_dig_string(s, "comparedTo", "source", "path", NULL), "app");
	assert_string_equal(cap_value_dig_string(s, "revision", NULL), "abc");
	cap_value *h = cap_app_status_health("Degraded", "pod crashed");
	conforms(h, status_schema("health"), "status.health");
	cap_value_free(s);
	cap_value_free(h);
	cap_value_free(src);
	cap_value_free(dest);
	cap_value_free(ign);
}

static void test_resources_and_conditions_follow_the_schema(void **state)
{
	cap_app_resource_status r = {.group = "apps",
				     .version = "v1",
				     .kind = "Deployment",
				     .namespace = "web",
				     .name = "web",
				     .status = "OutOfSync",
				     .health_status = "Progressing",
				     .health_message = "waiting",
				     .requires_pruning = true,
				     .sync_wave = 2};
	cap_value *list = cap_value_array();
	cap_value_array_append(list, cap_app_status_resource(&r));
	conforms(list, status_schema("resources"), "status.resources");
	cap_value *conds = cap_value_array();
	assert_true(cap_app_status_condition_set(conds, "ComparisonError", "boom", NULL));
	assert_false(cap_app_status_condition_set(conds, "ComparisonError", "boom", NULL));
	assert_true(cap_app_status_condition_set(conds, "ComparisonError", "other", NULL));
	assert_int_equal(cap_value_array_len(conds), 1);
	conforms(conds, status_schema("conditions"), "status.conditions");
	assert_true(cap_app_status_condition_clear(conds, "ComparisonError"));
	assert_int_equal(cap_value_array_len(conds), 0);
	cap_value_free(list);
	cap_value_free(conds);
}

static void test_operation_state_follows_the_schema(void **state)
{
	cap_app_sync_request req = {.revision = "main", .prune = true, .username = "alice"};
	cap_value *op = cap_app_operation_new(&req);
	conforms(op, cap_value_dig(crd_schema, "properties", "operation", NULL), "operation");
	cap_value *st = cap_app_operation_state_new(op, "running", NULL);
	assert_string_equal(cap_value_dig_string(st, "phase", NULL), "Running");
	assert_null(cap_value_object_get(st, "finishedAt"));
	cap_sync_resource_result rr = {.kind = "ConfigMap",
					   .version = "v1",
					   .namespace = "web",
					   .name = "cfg",
					   .status = "Synced",
					   .message = "configmap/cfg created",
					   .sync_phase = "Sync"};
	cap_value *results = cap_value_array();
	cap_value_array_append(results, cap_sync_resource_result_new(&rr));
	cap_app_operation_state_set_result(st, "abc123", NULL, NULL, NULL, results);
	cap_app_operation_state_set_phase(st, "Succeeded", "successfully synced (all tasks run)",
					  "2026-11-24T12:00:00Z");
	assert_string_equal(cap_value_dig_string(st, "finishedAt", NULL), "2026-11-24T12:00:00Z");
	assert_true(cap_app_phase_completed("Succeeded"));
	assert_false(cap_app_phase_completed("Running"));
	conforms(st, status_schema("operationState"), "status.operationState");
	cap_value_free(st);
	cap_value_free(op);
}

static void test_history_numbers_from_zero_and_keeps_the_limit(void **state)
{
	cap_value *hist = cap_value_array();
	cap_value *by = yaml("{username: alice}");
	cap_value *src = yaml("{repoURL: r, path: p, targetRevision: main}");
	for (int i = 0; i < 4; i++) {
		cap_app_history_entry e = {.revision = "abc",
					   .source = src,
					   .initiated_by = by,
					   .deploy_started_at = "2026-11-24T11:59:00Z"};
		assert_int_equal(cap_app_history_append(hist, cap_app_history_entry_new(&e), 3), i);
	}
	assert_int_equal(cap_value_array_len(hist), 3);
	assert_null(cap_app_history_find(hist, 0));
	assert_non_null(cap_app_history_find(hist, 3));
	conforms(hist, status_schema("history"), "status.history");
	cap_value_free(hist);
	cap_value_free(by);
	cap_value_free(src);
}

static void test_images_are_sorted_and_unique(void **state)
{
	cap_value *objs =
	    yaml("- kind: Deployment\n"
		 "  spec: {template: {spec: {containers: [{image: nginx:1}, {image: "
		 "busybox}], initContainers: [{image: nginx:1}]}}}\n"
		 "- kind: CronJob\n"
		 "  spec: {jobTemplate: {spec: {template: {spec: {containers: [{image: "
		 "alpine}]}}}}}\n");
	cap_value *imgs = cap_app_status_images(objs);
	cap_value *want = yaml("[alpine, busybox, 'nginx:1']");
	assert_true(cap_value_equal(imgs, want));
	cap_value *summary = cap_value_object();
	cap_value_object_set(summary, "images", imgs);
	conforms(summary, status_schema("summary"), "status.summary");
	cap_value_free(summary);
	cap_value_free(want);
	cap_value_free(objs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sync_and_health_follow_the_schema),
	    cmocka_unit_test(test_resources_and_conditions_follow_the_schema),
	    cmocka_unit_test(test_operation_state_follows_the_schema),
	    cmocka_unit_test(test_history_numbers_from_zero_and_keeps_the_limit),
	    cmocka_unit_test(test_images_are_sorted_and_unique),
	};
	return cmocka_run_group_tests(tests, load_schema, free_schema);
}
