/* Apply against drydock: client-side apply matches kubectl's result, server-side conflicts,
 * replace. */
#include "cap_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "drydock_fixture.h"
#include "kube/apply.h"
#include "kube/client.h"
#include "kube/config.h"
#include "value/json.h"
#include "value/yaml.h"

typedef struct fixture {
	cap_drydock dd;
	cap_kube_client *client;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	if (cap_drydock_start(&f->dd, NULL) != 0)
		return -1;
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cap_kube_config_options lo = {.kubeconfig = f->dd.kubeconfig.ptr};
	if (cap_kube_config_load(&cfg, &lo) != 0)
		return -1;
	cap_kube_client_options o = {.qps = -1};
	if (cap_kube_client_new(&f->client, &cfg, &o) != 0)
		return -1;
	cap_kube_config_release(&cfg);
	const char *namespaces[] = {"kc", "cap", "ssa", "rep"};
	for (size_t i = 0; i < 4; i++)
		if (cap_drydock_kubectl(&f->dd, NULL, "create namespace %s >/dev/null",
					namespaces[i]) != 0)
			return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	cap_kube_client_free(f->client);
	cap_drydock_stop(&f->dd);
	free(f);
	return 0;
}

static void fixture_file(cap_buf *out, const char *name)
{
	cap_test_fixture_path(out, "kube/apply/");
	cap_buf_puts(out, name);
}

static cap_value *load(const char *name)
{
	cap_buf path = CAP_BUF_INIT;
	fixture_file(&path, name);
	cap_value *docs = NULL;
	if (cap_yaml_parse_file(&docs, path.ptr, NULL) != 0)
		fail_msg("%s", cap_error_last());
	cap_value *doc = cap_value_ref(cap_value_array_get(docs, 0));
	cap_value_free(docs);
	cap_buf_release(&path);
	return doc;
}

static cap_value *kubectl_json(fixture *f, const char *what, const char *ns)
{
	cap_buf out = CAP_BUF_INIT;
	assert_int_equal(cap_drydock_kubectl(&f->dd, &out, "get %s -n %s -o json", what, ns), 0);
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, out.ptr, out.len, NULL, NULL), 0);
	cap_buf_release(&out);
	return v;
}

/* Drops what differs between two objects of different namespaces and creation. */
static void normalise(cap_value *o, const char *ns)
{
	cap_value *meta = cap_value_object_get(o, "metadata");
	const char *drop[] = {"uid",	       "resourceVersion", "creationTimestamp",
			      "managedFields", "namespace",	  "selfLink"};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(drop); i++)
		cap_value_object_del(meta, drop[i]);
	cap_value_object_del(o, "status");
	cap_value *ann = cap_value_object_get(meta, "annotations");
	const char *last =
	    cap_value_get_string(cap_value_object_get(ann, CAP_KUBE_LAST_APPLIED_ANNOTATION));
	if (last) {
		char needle[64];
		snprintf(needle, sizeof(needle), "\"namespace\":\"%s\"", ns);
		cap_buf b = CAP_BUF_INIT;
		const char *at = strstr(last, needle);
		if (at) {
			cap_buf_put(&b, last, (size_t)(at - last));
			cap_buf_puts(&b, "\"namespace\":\"NS\"");
			cap_buf_puts(&b, at + strlen(needle));
		} else {
			cap_buf_puts(&b, last);
		}
		cap_value_object_set(ann, CAP_KUBE_LAST_APPLIED_ANNOTATION,
				     cap_value_stringn(b.ptr, b.len));
		cap_buf_release(&b);
	}
}

static void assert_same_as_kubectl(fixture *f, const char *what)
{
	cap_value *kc = kubectl_json(f, what, "kc");
	cap_value *cap = kubectl_json(f, what, "cap");
	normalise(kc, "kc");
	normalise(cap, "cap");
	if (!cap_value_equal(kc, cap)) {
		char *a = cap_json_to_string(kc, CAP_JSON_INDENT | CAP_JSON_SORT_KEYS);
		char *b = cap_json_to_string(cap, CAP_JSON_INDENT | CAP_JSON_SORT_KEYS);
		fail_msg("kubectl left:\n%s\ncapstan left:\n%s", a, b);
	}
	cap_value_free(kc);
	cap_value_free(cap);
}

/* Applies file both ways: kubectl into "kc", the client into "cap". */
static cap_kube_apply_result apply_both(fixture *f, const char *file, cap_buf *message)
{
	cap_buf path = CAP_BUF_INIT;
	fixture_file(&path, file);
	assert_int_equal(
	    cap_drydock_kubectl(&f->dd, NULL, "apply -n kc -f '%s' >/dev/null", path.ptr), 0);
	cap_buf_release(&path);
	cap_value *obj = load(file);
	cap_kube_apply_options o = {.namespace = "cap"};
	cap_kube_apply_result result;
	cap_value *live = NULL;
	if (cap_kube_apply(f->client, &live, &result, obj, &o) != 0)
		fail_msg("%s", cap_error_last());
	assert_string_equal(cap_value_dig_string(live, "metadata", "namespace", NULL), "cap");
	if (message) {
		cap_buf_clear(message);
		cap_kube_apply_message(message, obj, result, false);
	}
	cap_value_free(live);
	cap_value_free(obj);
	return result;
}

static void test_client_side_apply_of_a_deployment_matches_kubectl(void **state)
{
	fixture *f = *state;
	cap_buf msg = CAP_BUF_INIT;
	assert_int_equal(apply_both(f, "deploy-1.yaml", &msg), CAP_KUBE_APPLY_CREATED);
	assert_string_equal(msg.ptr, "deployment.apps/web created");
	assert_same_as_kubectl(f, "deployment web");
	/* another actor labels both live objects: apply must keep what it never managed */
	assert_int_equal(cap_drydock_kubectl(&f->dd, NULL,
					     "label deploy web -n kc other=x "
					     ">/dev/null"),
			 0);
	assert_int_equal(cap_drydock_kubectl(&f->dd, NULL,
					     "label deploy web -n cap other=x "
					     ">/dev/null"),
			 0);
	assert_int_equal(apply_both(f, "deploy-2.yaml", &msg), CAP_KUBE_APPLY_CONFIGURED);
	assert_string_equal(msg.ptr, "deployment.apps/web configured");
	assert_same_as_kubectl(f, "deployment web");
	assert_int_equal(apply_both(f, "deploy-3.yaml", NULL), CAP_KUBE_APPLY_CONFIGURED);
	assert_same_as_kubectl(f, "deployment web");
	assert_int_equal(apply_both(f, "deploy-3.yaml", &msg), CAP_KUBE_APPLY_UNCHANGED);
	assert_string_equal(msg.ptr, "deployment.apps/web unchanged");
	assert_same_as_kubectl(f, "deployment web");
	cap_buf_release(&msg);
}

static void test_client_side_apply_of_a_custom_resource_matches_kubectl(void **state)
{
	fixture *f = *state;
	cap_buf path = CAP_BUF_INIT;
	fixture_file(&path, "crd.yaml");
	assert_int_equal(cap_drydock_kubectl(&f->dd, NULL, "apply -f '%s' >/dev/null", path.ptr),
			 0);
	assert_int_equal(cap_drydock_kubectl(&f->dd, NULL,
					     "wait --for condition=established "
					     "crd/gadgets.example.com >/dev/null"),
			 0);
	cap_buf_release(&path);
	assert_int_equal(apply_both(f, "gadget-1.yaml", NULL), CAP_KUBE_APPLY_CREATED);
	assert_same_as_kubectl(f, "gadget g");
	assert_int_equal(cap_drydock_kubectl(&f->dd, NULL,
					     "patch gadget g -n kc --type merge -p "
					     "'{\"spec\":{\"extra\":1}}' >/dev/null"),
			 0);
	assert_int_equal(cap_drydock_kubectl(&f->dd, NULL,
					     "patch gadget g -n cap --type merge -p "
					     "'{\"spec\":{\"extra\":1}}' >/dev/null"),
			 0);
	assert_int_equal(apply_both(f, "gadget-2.yaml", NULL), CAP_KUBE_APPLY_CONFIGURED);
	assert_same_as_kubectl(f, "gadget g");
	assert_int_equal(apply_both(f, "gadget-3.yaml", NULL), CAP_KUBE_APPLY_CONFIGURED);
	assert_same_as_kubectl(f, "gadget g");
}

static cap_value *parse(const char *json)
{
	cap_value *v = NULL;
	if (cap_json_parse(&v, json, strlen(json), NULL, NULL) != 0)
		fail_msg("%s", cap_error_last());
	return v;
}

static void test_three_way_merge_patch_keeps_fields_only_live_has(void **state)
{
	cap_value *original = parse("{\"a\":1,\"b\":{\"c\":1,\"d\":2},\"l\":[1]}");
	cap_value *modified = parse("{\"a\":2,\"b\":{\"c\":1},\"l\":[1],\"n\":{}}");
	cap_value *current = parse("{\"a\":1,\"b\":{\"c\":1,\"d\":2,\"e\":3},\"l\":[1,9],\"x\":1}");
	cap_value *patch = NULL;
	assert_int_equal(cap_kube_three_way_merge_patch(&patch, original, modified, current), 0);
	cap_value *want = parse("{\"a\":2,\"b\":{\"d\":null},\"l\":[1],\"n\":{}}");
	assert_true(cap_value_equal(patch, want));
	cap_value_free(patch);
	assert_int_equal(cap_kube_three_way_merge_patch(&patch, modified, modified, modified), 0);
	assert_int_equal(cap_value_object_len(patch), 0);
	cap_value_free(patch);
	cap_value_free(want);
	cap_value_free(original);
	cap_value_free(modified);
	cap_value_free(current);
}

static void test_last_applied_is_what_kubectl_writes(void **state)
{
	cap_value *o = parse("{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
			     "\"x\",\"annotations\":{\"kubectl.kubernetes.io/last-applied-"
			     "configuration\":\"old\"}},\"data\":{\"html\":\"<b>&</b>\"}}");
	cap_buf b = CAP_BUF_INIT;
	cap_kube_last_applied(&b, o);
	assert_string_equal(b.ptr, "{\"apiVersion\":\"v1\",\"data\":{\"html\":\"\\u003cb\\u003e"
				   "\\u0026\\u003c/b\\u003e\"},\"kind\":\"ConfigMap\",\"metadata\":"
				   "{\"annotations\":{},\"name\":\"x\"}}\n");
	cap_buf_release(&b);
	cap_value_free(o);
}

static void test_server_side_apply_conflict_and_force(void **state)
{
	fixture *f = *state;
	cap_value *cm =
	    parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
		  "\"shared\",\"namespace\":\"ssa\"},\"data\":{\"k\":\"mine\"}}");
	cap_kube_apply_options o = {.mode = CAP_KUBE_APPLY_SERVER};
	cap_kube_apply_result result;
	cap_value *live = NULL;
	assert_int_equal(cap_kube_apply(f->client, &live, &result, cm, &o), 0);
	assert_int_equal(result, CAP_KUBE_APPLY_SERVERSIDE);
	const char *mgr = cap_value_get_string(cap_value_object_get(
	    cap_value_array_get(cap_value_dig(live, "metadata", "managedFields", NULL), 0),
	    "manager"));
	assert_string_equal(mgr, "argocd-controller");
	cap_value_free(live);

	/* another manager takes the field; ours then conflicts unless forced */
	cap_value_object_set(cap_value_object_get(cm, "data"), "k", cap_value_string("theirs"));
	cap_kube_apply_options other = {
	    .mode = CAP_KUBE_APPLY_SERVER, .field_manager = "someone-else", .force = true};
	assert_int_equal(cap_kube_apply(f->client, NULL, NULL, cm, &other), 0);
	cap_value_object_set(cap_value_object_get(cm, "data"), "k", cap_value_string("mine"));
	assert_int_equal(cap_kube_apply(f->client, NULL, NULL, cm, &o), CAP_ECONFLICT);
	assert_non_null(strstr(cap_error_last(), "conflict"));
	assert_non_null(strstr(cap_error_last(), "someone-else"));
	o.force = true;
	assert_int_equal(cap_kube_apply(f->client, &live, NULL, cm, &o), 0);
	assert_string_equal(cap_value_dig_string(live, "data", "k", NULL), "mine");
	cap_buf msg = CAP_BUF_INIT;
	cap_kube_apply_message(&msg, cm, CAP_KUBE_APPLY_SERVERSIDE, true);
	assert_string_equal(msg.ptr, "configmap/shared serverside-applied (server dry run)");
	cap_buf_release(&msg);
	cap_value_free(live);
	cap_value_free(cm);
}

static void test_dry_run_apply_stores_nothing(void **state)
{
	fixture *f = *state;
	cap_value *cm =
	    parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
		  "\"dry\",\"namespace\":\"rep\"},\"data\":{\"k\":\"v\"}}");
	cap_kube_apply_options o = {.dry_run = true};
	cap_kube_apply_result result;
	cap_value *live = NULL;
	assert_int_equal(cap_kube_apply(f->client, &live, &result, cm, &o), 0);
	assert_int_equal(result, CAP_KUBE_APPLY_CREATED);
	assert_non_null(
	    cap_value_dig(live, "metadata", "annotations", CAP_KUBE_LAST_APPLIED_ANNOTATION, NULL));
	cap_value_free(live);
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&k, "v1", "ConfigMap", "rep", "dry");
	assert_int_equal(cap_kube_get(f->client, &live, &k), CAP_ENOTFOUND);
	cap_kube_key_release(&k);
	cap_value_free(cm);
}

static void test_replace_and_forced_recreate(void **state)
{
	fixture *f = *state;
	cap_value *cm =
	    parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
		  "\"swap\",\"namespace\":\"rep\",\"labels\":{\"a\":\"1\"}},"
		  "\"data\":{\"k\":\"1\"}}");
	cap_kube_apply_options o = {.mode = CAP_KUBE_APPLY_REPLACE};
	cap_kube_apply_result result;
	cap_value *first = NULL, *second = NULL, *third = NULL;
	assert_int_equal(cap_kube_apply(f->client, &first, &result, cm, &o), 0);
	assert_int_equal(result, CAP_KUBE_APPLY_CREATED);
	/* a live label not in the desired object goes: replace is not a merge */
	assert_int_equal(cap_drydock_kubectl(&f->dd, NULL,
					     "label cm swap -n rep extra=x "
					     ">/dev/null"),
			 0);
	cap_value_object_set(cap_value_object_get(cm, "data"), "k", cap_value_string("2"));
	assert_int_equal(cap_kube_apply(f->client, &second, &result, cm, &o), 0);
	assert_int_equal(result, CAP_KUBE_APPLY_REPLACED);
	assert_null(cap_value_dig(second, "metadata", "labels", "extra", NULL));
	assert_string_equal(cap_value_dig_string(second, "data", "k", NULL), "2");
	assert_string_equal(cap_value_dig_string(first, "metadata", "uid", NULL),
			    cap_value_dig_string(second, "metadata", "uid", NULL));
	o.force = true;
	assert_int_equal(cap_kube_apply(f->client, &third, &result, cm, &o), 0);
	assert_string_not_equal(cap_value_dig_string(first, "metadata", "uid", NULL),
				cap_value_dig_string(third, "metadata", "uid", NULL));
	cap_value_free(first);
	cap_value_free(second);
	cap_value_free(third);
	cap_value_free(cm);
}

int main(void)
{
	if (!cap_test_have_program("kubectl")) {
		printf("kubectl missing; skipping\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_client_side_apply_of_a_deployment_matches_kubectl),
	    cmocka_unit_test(test_client_side_apply_of_a_custom_resource_matches_kubectl),
	    cmocka_unit_test(test_three_way_merge_patch_keeps_fields_only_live_has),
	    cmocka_unit_test(test_last_applied_is_what_kubectl_writes),
	    cmocka_unit_test(test_server_side_apply_conflict_and_force),
	    cmocka_unit_test(test_dry_run_apply_stores_nothing),
	    cmocka_unit_test(test_replace_and_forced_recreate),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
