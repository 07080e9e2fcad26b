/* Tests for the API as kubectl sees it, through dd_api_handle: CRUD rules, errors, discovery and
 * CRDs. */
#include "cap_test.h"

#include <stdio.h>
#include <string.h>

#include "drydock/cluster.h"
#include "drydock/gc.h"
#include "drydock/status.h"
#include "value/json.h"

static dd_cluster cluster;

static int setup(void **state)
{
	cap_buf dir = CAP_BUF_INIT;
	cap_test_shared_path(&dir, "kubernetes");
	dd_cluster_options o = {.data_dir = dir.ptr};
	int rc = dd_cluster_init(&cluster, &o);
	cap_buf_release(&dir);
	return rc;
}

static int teardown(void **state)
{
	dd_cluster_release(&cluster);
	return 0;
}

typedef struct reply {
	int status;
	char content_type[128];
	cap_value *body;
	char *text;
} reply;

static reply call(const char *method, const char *path_query, const char *ct, const char *body,
		  const char *accept)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_request req = {0};
	char path[1024];
	snprintf(path, sizeof(path), "%s", path_query);
	char *q = strchr(path, '?');
	if (q)
		*q++ = '\0';
	req.method = method;
	req.path = path;
	req.arena = &a;
	req.content_type = ct ? ct : "application/json";
	req.accept = accept ? accept : "application/json";
	req.user_agent = "kubectl/v1.32.4 (linux/amd64) kubernetes/abc";
	req.body = body ? body : "";
	req.body_len = body ? strlen(body) : 0;
	dd_query_init(&req.query);
	if (q)
		assert_int_equal(dd_query_parse(&req.query, q, strlen(q), &a), 0);
	dd_response res;
	dd_response_init(&res);
	dd_api_handle(&cluster, &req, &res);
	reply r = {.status = res.status};
	snprintf(r.content_type, sizeof(r.content_type), "%s", res.content_type);
	r.text = strdup(res.body.ptr);
	if (cap_json_parse(&r.body, res.body.ptr, res.body.len, "reply", NULL) < 0)
		r.body = NULL;
	dd_response_release(&res);
	cap_arena_release(&a);
	return r;
}

static void done(reply *r)
{
	cap_value_free(r->body);
	free(r->text);
}

static const char *s(const reply *r, const char *k1, const char *k2)
{
	return cap_value_dig_string(r->body, k1, k2, NULL);
}

#define DEPLOY                                                                                     \
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\"},"      \
	"\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"x\"}},"                \
	"\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\"}},\"spec\":{\"containers\":"        \
	"[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}"

static reply create_deploy(const char *name, int replicas)
{
	char body[1024];
	snprintf(body, sizeof(body), DEPLOY, name, replicas);
	return call("POST", "/apis/apps/v1/namespaces/default/deployments", NULL, body, NULL);
}

static void create_sets_server_metadata_and_defaults(void **state)
{
	reply r = create_deploy("web", 2);
	assert_int_equal(r.status, 201);
	assert_non_null(s(&r, "metadata", "uid"));
	assert_non_null(s(&r, "metadata", "creationTimestamp"));
	assert_non_null(s(&r, "metadata", "resourceVersion"));
	assert_int_equal(cap_value_get_int(cap_value_dig(r.body, "metadata", "generation", NULL)),
			 1);
	assert_string_equal(cap_value_dig_string(r.body, "spec", "strategy", "type", NULL),
			    "RollingUpdate");
	cap_value *c = cap_value_array_get(
	    cap_value_dig(r.body, "spec", "template", "spec", "containers", NULL), 0);
	assert_string_equal(cap_value_dig_string(c, "imagePullPolicy", NULL), "Always");
	done(&r);
}

static void create_twice_is_already_exists(void **state)
{
	reply r = create_deploy("twice", 1);
	done(&r);
	r = create_deploy("twice", 1);
	assert_int_equal(r.status, 409);
	assert_string_equal(s(&r, "reason", NULL), "AlreadyExists");
	assert_string_equal(s(&r, "message", NULL), "deployments.apps \"twice\" already exists");
	done(&r);
}

static void get_missing_is_not_found(void **state)
{
	reply r =
	    call("GET", "/apis/apps/v1/namespaces/default/deployments/nope", NULL, NULL, NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(s(&r, "message", NULL), "deployments.apps \"nope\" not found");
	assert_string_equal(s(&r, "details", "kind"), "deployments");
	done(&r);
}

static void stale_update_is_a_conflict(void **state)
{
	reply r = create_deploy("stale", 1);
	done(&r);
	char body[1024];
	snprintf(body, sizeof(body), DEPLOY, "stale", 3);
	cap_value *v;
	assert_int_equal(cap_json_parse(&v, body, strlen(body), "b", NULL), 0);
	cap_value_object_set(cap_value_object_get(v, "metadata"), "resourceVersion",
			     cap_value_string("1"));
	char *json = cap_json_to_string(v, 0);
	r = call("PUT", "/apis/apps/v1/namespaces/default/deployments/stale", NULL, json, NULL);
	assert_int_equal(r.status, 409);
	assert_string_equal(
	    s(&r, "message", NULL),
	    "Operation cannot be fulfilled on deployments.apps \"stale\": the object "
	    "has been modified; please apply your changes to the latest version and "
	    "try again");
	done(&r);
	free(json);
	cap_value_free(v);
}

static void generation_moves_with_spec_only(void **state)
{
	reply r = create_deploy("gen", 1);
	done(&r);
	r = call("PATCH", "/apis/apps/v1/namespaces/default/deployments/gen",
		 "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(cap_value_get_int(cap_value_dig(r.body, "metadata", "generation", NULL)),
			 1);
	done(&r);
	r = call("PATCH", "/apis/apps/v1/namespaces/default/deployments/gen",
		 "application/merge-patch+json", "{\"spec\":{\"replicas\":4}}", NULL);
	assert_int_equal(cap_value_get_int(cap_value_dig(r.body, "metadata", "generation", NULL)),
			 2);
	done(&r);
	r = call("PATCH", "/apis/apps/v1/namespaces/default/deployments/gen/status",
		 "application/merge-patch+json",
		 "{\"spec\":{\"replicas\":9},\"status\":{\"replicas\":4}}", NULL);
	assert_int_equal(cap_value_get_int(cap_value_dig(r.body, "spec", "replicas", NULL)), 4);
	assert_int_equal(cap_value_get_int(cap_value_dig(r.body, "status", "replicas", NULL)), 4);
	done(&r);
}

static void finalizers_hold_deletion(void **state)
{
	const char *cm =
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"held\","
	    "\"finalizers\":[\"x/y\"]}}";
	reply r = call("POST", "/api/v1/namespaces/default/configmaps", NULL, cm, NULL);
	done(&r);
	r = call("DELETE", "/api/v1/namespaces/default/configmaps/held", NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(s(&r, "metadata", "deletionTimestamp"));
	done(&r);
	r = call("PATCH", "/api/v1/namespaces/default/configmaps/held",
		 "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}", NULL);
	done(&r);
	r = call("GET", "/api/v1/namespaces/default/configmaps/held", NULL, NULL, NULL);
	assert_int_equal(r.status, 404);
	done(&r);
}

static void namespaces_and_names_are_checked(void **state)
{
	reply r = call(
	    "POST", "/api/v1/namespaces/nowhere/configmaps", NULL,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(s(&r, "message", NULL), "namespaces \"nowhere\" not found");
	done(&r);
	r = call("POST", "/api/v1/namespaces/default/configmaps", NULL,
		 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"Bad\"}}",
		 NULL);
	assert_int_equal(r.status, 422);
	assert_string_equal(s(&r, "reason", NULL), "Invalid");
	assert_non_null(
	    strstr(s(&r, "message", NULL), "ConfigMap \"Bad\" is invalid: metadata.name"));
	done(&r);
}

static void strict_field_validation_refuses_unknown_fields(void **state)
{
	reply r =
	    call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", NULL,
		 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"u\"},"
		 "\"bogus\":1}",
		 NULL);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(s(&r, "message", NULL), "unknown field \"bogus\""));
	done(&r);
}

static void dry_run_stores_nothing(void **state)
{
	reply r = call(
	    "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", NULL,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"dry\"}}", NULL);
	assert_int_equal(r.status, 201);
	done(&r);
	r = call("GET", "/api/v1/namespaces/default/configmaps/dry", NULL, NULL, NULL);
	assert_int_equal(r.status, 404);
	done(&r);
}

static void list_pages_with_continue(void **state)
{
	for (int i = 0; i < 5; i++) {
		char body[256];
		snprintf(
		    body, sizeof(body),
		    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"p%d\"}}",
		    i);
		reply r = call("POST", "/api/v1/namespaces/default/secrets", NULL, body, NULL);
		done(&r);
	}
	reply r = call("GET", "/api/v1/namespaces/default/secrets?limit=3", NULL, NULL, NULL);
	assert_int_equal(cap_value_array_len(cap_value_object_get(r.body, "items")), 3);
	const char *cont = s(&r, "metadata", "continue");
	assert_non_null(cont);
	assert_int_equal(
	    cap_value_get_int(cap_value_dig(r.body, "metadata", "remainingItemCount", NULL)), 2);
	char path[512];
	snprintf(path, sizeof(path), "/api/v1/namespaces/default/secrets?limit=3&continue=%s",
		 cont);
	reply r2 = call("GET", path, NULL, NULL, NULL);
	assert_int_equal(cap_value_array_len(cap_value_object_get(r2.body, "items")), 2);
	assert_null(s(&r2, "metadata", "continue"));
	done(&r);
	done(&r2);
}

static void discovery_answers_the_asked_version(void **state)
{
	reply r = call("GET", "/apis", NULL, NULL,
		       "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
		       "application/json");
	assert_string_equal(
	    r.content_type,
	    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
	assert_string_equal(s(&r, "apiVersion", NULL), "apidiscovery.k8s.io/v2beta1");
	done(&r);
	r = call("GET", "/apis/apps/v1", NULL, NULL, NULL);
	assert_non_null(strstr(r.text, "\"name\":\"deployments/scale\""));
	done(&r);
	r = call("GET", "/version", NULL, NULL, NULL);
	assert_string_equal(s(&r, "minor", NULL), "32");
	done(&r);
}

static void crds_serve_prune_default_and_clean_up(void **state)
{
	const char *crd =
	    "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
	    "\"metadata\":{\"name\":\"gizmos.example.com\"},\"spec\":{\"group\":\"example.com\","
	    "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"gizmos\",\"kind\":\"Gizmo\"},"
	    "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{"
	    "\"openAPIV3Schema\":{\"type\":\"object\",\"properties\":{\"spec\":{\"type\":"
	    "\"object\","
	    "\"properties\":{\"size\":{\"type\":\"integer\",\"default\":3}}}}}}}]}}";
	reply r = call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", NULL, crd,
		       NULL);
	assert_int_equal(r.status, 201);
	done(&r);
	r = call(
	    "POST", "/apis/example.com/v1/namespaces/default/gizmos", NULL,
	    "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Gizmo\",\"metadata\":{\"name\":\"g\"},"
	    "\"spec\":{\"extra\":true}}",
	    NULL);
	assert_int_equal(r.status, 201);
	assert_int_equal(cap_value_get_int(cap_value_dig(r.body, "spec", "size", NULL)), 3);
	assert_null(cap_value_dig(r.body, "spec", "extra", NULL));
	done(&r);
	r = call("DELETE",
		 "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.example.com", NULL,
		 NULL, NULL);
	assert_int_equal(r.status, 200);
	done(&r);
	r = call("GET", "/apis/example.com/v1/namespaces/default/gizmos/g", NULL, NULL, NULL);
	assert_int_equal(r.status, 404);
	done(&r);
}

static void services_get_cluster_ips(void **state)
{
	reply r =
	    call("POST", "/api/v1/namespaces/default/services", NULL,
		 "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc\"},"
		 "\"spec\":{\"ports\":[{\"port\":8080}]}}",
		 NULL);
	assert_int_equal(r.status, 201);
	assert_non_null(strstr(s(&r, "spec", "clusterIP"), "10.96."));
	cap_value *p = cap_value_array_get(cap_value_dig(r.body, "spec", "ports", NULL), 0);
	assert_int_equal(cap_value_get_int(cap_value_object_get(p, "targetPort")), 8080);
	assert_string_equal(cap_value_dig_string(p, "protocol", NULL), "TCP");
	done(&r);
}

static void workload_selectors_must_match_templates(void **state)
{
	reply r = call("POST", "/apis/apps/v1/namespaces/default/deployments", NULL,
		       "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
		       "\"bad\"},\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"x\"}},"
		       "\"template\":{\"metadata\":{\"labels\":{\"app\":\"y\"}},\"spec\":{"
		       "\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}",
		       NULL);
	assert_int_equal(r.status, 422);
	assert_string_equal(
	    s(&r, "message", NULL),
	    "Deployment.apps \"bad\" is invalid: spec.template.metadata.labels: Invalid "
	    "value: map[string]string{\"app\":\"y\"}: `selector` does not match "
	    "template `labels`");
	done(&r);
	r = create_deploy("immutable", 1);
	done(&r);
	r = call("PATCH", "/apis/apps/v1/namespaces/default/deployments/immutable",
		 "application/merge-patch+json",
		 "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"z\"}},\"template\":{"
		 "\"metadata\":{\"labels\":{\"app\":\"z\"}}}}}",
		 NULL);
	assert_int_equal(r.status, 422);
	assert_non_null(strstr(s(&r, "message", NULL), "spec.selector: Invalid value"));
	assert_non_null(strstr(s(&r, "message", NULL), "field is immutable"));
	done(&r);
}

static void old_events_expire(void **state)
{
	reply r = call("POST", "/api/v1/namespaces/default/events", NULL,
		       "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"old\"},"
		       "\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"p\"},\"reason\":\"R\","
		       "\"lastTimestamp\":\"2020-01-01T00:00:00Z\"}",
		       NULL);
	assert_int_equal(r.status, 201);
	done(&r);
	dd_store_lock(&cluster.store);
	dd_gc_expire_events(&cluster, 3600);
	dd_store_unlock(&cluster.store);
	r = call("GET", "/api/v1/namespaces/default/events/old", NULL, NULL, NULL);
	assert_int_equal(r.status, 404);
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(create_sets_server_metadata_and_defaults),
	    cmocka_unit_test(create_twice_is_already_exists),
	    cmocka_unit_test(get_missing_is_not_found),
	    cmocka_unit_test(stale_update_is_a_conflict),
	    cmocka_unit_test(generation_moves_with_spec_only),
	    cmocka_unit_test(finalizers_hold_deletion),
	    cmocka_unit_test(namespaces_and_names_are_checked),
	    cmocka_unit_test(strict_field_validation_refuses_unknown_fields),
	    cmocka_unit_test(dry_run_stores_nothing),
	    cmocka_unit_test(list_pages_with_continue),
	    cmocka_unit_test(discovery_answers_the_asked_version),
	    cmocka_unit_test(crds_serve_prune_default_and_clean_up),
	    cmocka_unit_test(services_get_cluster_ips),
	    cmocka_unit_test(workload_selectors_must_match_templates),
	    cmocka_unit_test(old_events_expire),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
