/* The REST client against drydock: CRUD, typed errors, messages, paging, rate limits, close. */
#include "cap_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/error.h"
#include "base/time.h"
#include "drydock_fixture.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/discovery.h"
#include "value/json.h"

typedef struct fixture {
	cap_drydock dd;
	cap_kube_client *client;
} fixture;

static cap_kube_client *client_for(const char *kubeconfig, const cap_kube_client_options *o)
{
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cap_kube_config_options lo = {.kubeconfig = kubeconfig};
	if (cap_kube_config_load(&cfg, &lo) != 0)
		fail_msg("%s", cap_error_last());
	cap_kube_client *c = NULL;
	assert_int_equal(cap_kube_client_new(&c, &cfg, o), 0);
	cap_kube_config_release(&cfg);
	return c;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	if (cap_drydock_start(&f->dd, NULL) != 0)
		return -1;
	cap_kube_client_options o = {.qps = -1};
	f->client = client_for(f->dd.kubeconfig.ptr, &o);
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

static cap_value *parse(const char *json)
{
	cap_value *v = NULL;
	if (cap_json_parse(&v, json, strlen(json), NULL, NULL) != 0)
		fail_msg("%s", cap_error_last());
	return v;
}

static cap_value *configmap(const char *ns, const char *name, const char *value)
{
	char json[512];
	snprintf(json, sizeof(json),
		 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
		 "\"namespace\":\"%s\",\"labels\":{\"app\":\"web\"}},\"data\":{\"k\":\"%s\"}}",
		 name, ns, value);
	return parse(json);
}

static void test_create_get_update_delete(void **state)
{
	fixture *f = *state;
	cap_value *cm = configmap("default", "settings", "one");
	cap_value *created = NULL;
	assert_int_equal(cap_kube_create(f->client, &created, cm, NULL), 0);
	assert_non_null(cap_value_dig_string(created, "metadata", "uid", NULL));

	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, "v1", "ConfigMap", "default", "settings");
	cap_value *got = NULL;
	assert_int_equal(cap_kube_get(f->client, &got, &key), 0);
	assert_string_equal(cap_value_dig_string(got, "data", "k", NULL), "one");

	cap_value_object_set(cap_value_object_get(got, "data"), "k", cap_value_string("two"));
	cap_value *updated = NULL;
	assert_int_equal(cap_kube_update(f->client, &updated, got, NULL), 0);
	assert_string_equal(cap_value_dig_string(updated, "data", "k", NULL), "two");

	/* the stale resourceVersion of the first read now conflicts, with the server's words */
	assert_int_equal(cap_kube_update(f->client, NULL, got, NULL), CAP_ECONFLICT);
	assert_non_null(strstr(cap_error_last(), "the object has been modified"));
	cap_kube_status st;
	cap_kube_last_status(&st);
	assert_int_equal(st.code, 409);
	assert_string_equal(st.reason, "Conflict");

	assert_int_equal(cap_kube_delete(f->client, &key, NULL), 0);
	assert_int_equal(cap_kube_get(f->client, &got, &key), CAP_ENOTFOUND);
	assert_string_equal(cap_error_last(), "configmaps \"settings\" not found");
	cap_value_free(cm);
	cap_value_free(created);
	cap_value_free(got);
	cap_value_free(updated);
	cap_kube_key_release(&key);
}

static void test_create_twice_is_already_exists(void **state)
{
	fixture *f = *state;
	cap_value *cm = configmap("default", "twice", "x");
	assert_int_equal(cap_kube_create(f->client, NULL, cm, NULL), 0);
	assert_int_equal(cap_kube_create(f->client, NULL, cm, NULL), CAP_EEXISTS);
	assert_string_equal(cap_error_last(), "configmaps \"twice\" already exists");
	cap_value_free(cm);
}

static void test_invalid_object_is_invalid_with_message(void **state)
{
	fixture *f = *state;
	cap_value *cm = configmap("default", "Not_A_Name", "x");
	assert_int_equal(cap_kube_create(f->client, NULL, cm, NULL), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "Not_A_Name"));
	cap_value_free(cm);
}

static void test_unknown_kind_is_not_found(void **state)
{
	fixture *f = *state;
	cap_value *o = parse("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
			     "\"metadata\":{\"name\":\"w\"}}");
	assert_int_equal(cap_kube_create(f->client, NULL, o, NULL), CAP_ENOTFOUND);
	assert_string_equal(cap_error_last(),
			    "no matches for kind \"Widget\" in version \"example.com/v1\"");
	cap_value_free(o);
}

static void test_dry_run_stores_nothing(void **state)
{
	fixture *f = *state;
	cap_value *cm = configmap("default", "dry", "x");
	cap_kube_write_options wo = {.dry_run = true};
	cap_value *out = NULL;
	assert_int_equal(cap_kube_create(f->client, &out, cm, &wo), 0);
	assert_string_equal(cap_value_dig_string(out, "data", "k", NULL), "x");
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, "v1", "ConfigMap", "default", "dry");
	cap_value *got = NULL;
	assert_int_equal(cap_kube_get(f->client, &got, &key), CAP_ENOTFOUND);
	cap_value_free(out);
	cap_value_free(cm);
	cap_kube_key_release(&key);
}

static void test_patch_merge_and_strategic(void **state)
{
	fixture *f = *state;
	cap_value *cm = configmap("default", "patched", "x");
	assert_int_equal(cap_kube_create(f->client, NULL, cm, NULL), 0);
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, "v1", "ConfigMap", "default", "patched");
	cap_value *p = parse("{\"data\":{\"extra\":\"y\"}}");
	cap_value *out = NULL;
	assert_int_equal(cap_kube_patch(f->client, &out, &key, CAP_KUBE_PATCH_MERGE, p, NULL), 0);
	assert_string_equal(cap_value_dig_string(out, "data", "extra", NULL), "y");
	cap_value_free(out);
	cap_value *sp = parse("{\"data\":{\"k\":null}}");
	assert_int_equal(cap_kube_patch(f->client, &out, &key, CAP_KUBE_PATCH_STRATEGIC, sp, NULL),
			 0);
	assert_null(cap_value_dig(out, "data", "k", NULL));
	cap_value_free(out);
	cap_value *jp = parse("[{\"op\":\"test\",\"path\":\"/data/extra\",\"value\":\"nope\"}]");
	assert_int_not_equal(cap_kube_patch(f->client, NULL, &key, CAP_KUBE_PATCH_JSON, jp, NULL),
			     0);
	cap_value_free(jp);
	cap_value_free(sp);
	cap_value_free(p);
	cap_value_free(cm);
	cap_kube_key_release(&key);
}

static void test_delete_precondition_conflicts(void **state)
{
	fixture *f = *state;
	cap_value *cm = configmap("default", "guarded", "x");
	assert_int_equal(cap_kube_create(f->client, NULL, cm, NULL), 0);
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, "v1", "ConfigMap", "default", "guarded");
	cap_kube_delete_options d = {.precondition_uid = "00000000-0000-0000-0000-000000000000"};
	assert_int_equal(cap_kube_delete(f->client, &key, &d), CAP_ECONFLICT);
	cap_kube_delete_options bg = {.propagation_policy = "Background", .grace_period_set = true};
	assert_int_equal(cap_kube_delete(f->client, &key, &bg), 0);
	assert_int_equal(cap_kube_delete(f->client, &key, &bg), CAP_ENOTFOUND);
	cap_value_free(cm);
	cap_kube_key_release(&key);
}

static void test_list_pages_over_a_thousand_objects(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < 1100; i++) {
		char name[32];
		snprintf(name, sizeof(name), "page-%04d", i);
		cap_value *cm = configmap("paging", name, "v");
		cap_value_object_set(cap_value_dig(cm, "metadata", "labels", NULL), "app",
				     cap_value_string(i % 2 ? "odd" : "even"));
		if (i == 0) {
			cap_value *ns = parse("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
					      "\"metadata\":{\"name\":\"paging\"}}");
			assert_int_equal(cap_kube_create(f->client, NULL, ns, NULL), 0);
			cap_value_free(ns);
		}
		assert_int_equal(cap_kube_create(f->client, NULL, cm, NULL), 0);
		cap_value_free(cm);
	}
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, "v1", "ConfigMap", "paging", NULL);
	cap_kube_object_list l = {0};
	cap_kube_list_options lo = {.limit = 250, .label_selector = "app"};
	cap_kube_client_stats before, after;
	cap_kube_client_stats_get(f->client, &before);
	assert_int_equal(cap_kube_list(f->client, &l, &key, &lo), 0);
	cap_kube_client_stats_get(f->client, &after);
	assert_int_equal(cap_value_array_len(l.items), 1100);
	assert_int_equal(after.requests - before.requests, 5);
	assert_non_null(l.resource_version);
	assert_null(l.continue_token);
	cap_value *first = cap_value_array_get(l.items, 0);
	assert_string_equal(cap_value_dig_string(first, "kind", NULL), "ConfigMap");
	assert_string_equal(cap_value_dig_string(first, "apiVersion", NULL), "v1");

	cap_kube_list_options one = {.limit = 100, .single_page = true, .label_selector = "app"};
	assert_int_equal(cap_kube_list(f->client, &l, &key, &one), 0);
	assert_int_equal(cap_value_array_len(l.items), 100);
	assert_non_null(l.continue_token);

	cap_kube_list_options sel = {.label_selector = "app=odd"};
	assert_int_equal(cap_kube_list(f->client, &l, &key, &sel), 0);
	assert_int_equal(cap_value_array_len(l.items), 550);
	cap_kube_list_options fs = {.field_selector = "metadata.name=page-0007"};
	assert_int_equal(cap_kube_list(f->client, &l, &key, &fs), 0);
	assert_int_equal(cap_value_array_len(l.items), 1);

	/* every namespace */
	cap_kube_key_set_member(&key.namespace, "");
	assert_int_equal(cap_kube_list(f->client, &l, &key, &sel), 0);
	assert_true(cap_value_array_len(l.items) >= 550);
	cap_kube_object_list_release(&l);
	cap_kube_key_release(&key);
}

static void test_rate_limit_spaces_requests(void **state)
{
	fixture *f = *state;
	cap_kube_client_options o = {.qps = 50, .burst = 5};
	cap_kube_client *c = client_for(f->dd.kubeconfig.ptr, &o);
	uint64_t start = cap_time_now_ms();
	for (int i = 0; i < 30; i++) {
		cap_value *v = NULL;
		assert_int_equal(cap_kube_get_path(c, &v, "/version"), 0);
		cap_value_free(v);
	}
	uint64_t took = cap_time_now_ms() - start;
	/* 5 from the bucket, 25 more at 50 per second: at least 500 ms */
	assert_true(took >= 480);
	cap_kube_client_stats st;
	cap_kube_client_stats_get(c, &st);
	assert_true(st.throttled_ns > 0);
	cap_kube_client_free(c);
}

static void test_discovery_sees_crd_created_at_run_time(void **state)
{
	fixture *f = *state;
	cap_kube_discovery *d = cap_kube_client_discovery(f->client);
	cap_kube_api_resource r;
	cap_kube_api_resource_init(&r);
	assert_int_equal(cap_kube_discovery_find_kind(d, &r, "apps", NULL, "Deployment"), 0);
	assert_string_equal(r.resource, "deployments");
	assert_string_equal(r.version, "v1");
	assert_true(r.namespaced);
	assert_true(r.verbs & CAP_KUBE_VERB_WATCH);
	assert_int_equal(cap_kube_discovery_find_resource(d, &r, NULL, "ns"), 0);
	assert_string_equal(r.kind, "Namespace");
	assert_false(r.namespaced);
	uint64_t gen = cap_kube_discovery_generation(d);

	cap_value *crd = parse(
	    "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
	    "\"metadata\":{\"name\":\"widgets.example.com\"},\"spec\":{\"group\":\"example.com\","
	    "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\",\"singular\":\"widget\","
	    "\"kind\":\"Widget\",\"shortNames\":[\"wd\"]},\"versions\":[{\"name\":\"v1\","
	    "\"served\":true,\"storage\":true,\"schema\":{\"openAPIV3Schema\":{\"type\":"
	    "\"object\",\"x-kubernetes-preserve-unknown-fields\":true}}}]}}");
	assert_int_equal(cap_kube_create(f->client, NULL, crd, NULL), 0);
	cap_value *w = parse("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
			     "\"metadata\":{\"name\":\"w1\"},\"spec\":{\"size\":3}}");
	/* the miss refreshes discovery, and the new namespace defaults from the kubeconfig */
	cap_value *out = NULL;
	for (int i = 0; i < 50; i++) {
		cap_value_free(out);
		out = NULL;
		if (cap_kube_create(f->client, &out, w, NULL) == 0)
			break;
		cap_time_sleep_ms(20);
	}
	assert_non_null(out);
	assert_string_equal(cap_value_dig_string(out, "metadata", "namespace", NULL), "default");
	assert_true(cap_kube_discovery_generation(d) > gen);
	assert_int_equal(cap_kube_discovery_find_resource(d, &r, NULL, "wd"), 0);
	assert_string_equal(r.resource, "widgets");

	cap_kube_api_resource_list all = {0};
	assert_int_equal(
	    cap_kube_discovery_list(d, &all, CAP_KUBE_VERB_LIST | CAP_KUBE_VERB_WATCH, true), 0);
	bool seen = false;
	for (size_t i = 0; i < all.len; i++)
		seen |= strcmp(all.items[i].resource, "widgets") == 0;
	assert_true(seen);
	assert_true(all.len > 20);
	cap_kube_api_resource_list_release(&all);
	cap_kube_api_resource_release(&r);
	cap_value_free(out);
	cap_value_free(w);
	cap_value_free(crd);
}

typedef struct worker {
	cap_kube_client *client;
	int id;
	int failures;
} worker;

static void *create_and_read(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < 60; i++) {
		char name[32];
		snprintf(name, sizeof(name), "t%d-%d", w->id, i);
		cap_value *cm = configmap("default", name, name);
		cap_kube_key key = CAP_KUBE_KEY_INIT;
		cap_kube_key_set(&key, "v1", "ConfigMap", "default", name);
		cap_value *got = NULL;
		if (cap_kube_create(w->client, NULL, cm, NULL) != 0 ||
		    cap_kube_get(w->client, &got, &key) != 0 ||
		    strcmp(cap_value_dig_string(got, "data", "k", NULL), name) != 0)
			w->failures++;
		cap_value_free(got);
		cap_value_free(cm);
		cap_kube_key_release(&key);
	}
	return NULL;
}

static void test_one_client_serves_many_threads(void **state)
{
	fixture *f = *state;
	pthread_t th[8];
	worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (worker){f->client, i, 0};
		pthread_create(&th[i], NULL, create_and_read, &w[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
}

static void test_unreachable_server_is_unavailable(void **state)
{
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cfg.server = strdup("http://127.0.0.1:1");
	cap_kube_client *c = NULL;
	assert_int_equal(cap_kube_client_new(&c, &cfg, NULL), 0);
	cap_value *v = NULL;
	assert_int_equal(cap_kube_get_path(c, &v, "/version"), CAP_EUNAVAILABLE);
	assert_non_null(strstr(cap_error_last(), "cannot reach 'http://127.0.0.1:1'"));
	cap_kube_client_free(c);
	cap_kube_config_release(&cfg);
}

static void test_close_cuts_rate_limited_waits_short(void **state)
{
	fixture *f = *state;
	cap_kube_client_options o = {.qps = 0.5, .burst = 1};
	cap_kube_client *c = client_for(f->dd.kubeconfig.ptr, &o);
	cap_value *v = NULL;
	assert_int_equal(cap_kube_get_path(c, &v, "/version"), 0);
	cap_value_free(v);
	assert_false(cap_kube_client_closing(c));
	cap_kube_client_close(c, 300);
	assert_true(cap_kube_client_closing(c));
	uint64_t start = cap_time_now_ms();
	/* the next token is 2 s away: the wait ends with the grace, and the call is refused */
	assert_int_equal(cap_kube_get_path(c, &v, "/version"), CAP_ECANCELED);
	assert_non_null(strstr(cap_error_last(), "was stopped"));
	assert_int_equal(cap_kube_get_path(c, &v, "/version"), CAP_ECANCELED);
	assert_true(cap_time_now_ms() - start < 1000);
	cap_kube_client_free(c);
}

/* A server that takes connections (the kernel's backlog) and never answers. */
static int silent_server(char url[64])
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	snprintf(url, 64, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
	return fd;
}

typedef struct hanging_call {
	cap_kube_client *c;
	int rc;
	uint64_t ended_ms;
} hanging_call;

static void *call_silent_server(void *arg)
{
	hanging_call *h = arg;
	cap_value *v = NULL;
	h->rc = cap_kube_get_path(h->c, &v, "/version");
	h->ended_ms = cap_time_now_ms();
	cap_value_free(v);
	return NULL;
}

static void test_close_aborts_a_hanging_request(void **state)
{
	(void)state;
	char url[64];
	int fd = silent_server(url);
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cfg.server = strdup(url);
	cap_kube_client *c = NULL;
	assert_int_equal(cap_kube_client_new(&c, &cfg, NULL), 0);
	hanging_call h = {c, 0, 0};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, call_silent_server, &h), 0);
	cap_time_sleep_ms(300);
	uint64_t closed = cap_time_now_ms();
	cap_kube_client_close(c, 0);
	pthread_join(t, NULL);
	assert_int_equal(h.rc, CAP_ECANCELED);
	/* the transfer notices within about a second (libcurl's progress callback) */
	assert_true(h.ended_ms - closed < 2500);
	cap_kube_client_free(c);
	/* a call made during the grace may last only until the grace ends */
	assert_int_equal(cap_kube_client_new(&c, &cfg, NULL), 0);
	cap_kube_client_close(c, 300);
	uint64_t start = cap_time_now_ms();
	cap_value *v = NULL;
	assert_int_equal(cap_kube_get_path(c, &v, "/version"), CAP_ECANCELED);
	assert_true(cap_time_now_ms() - start < 1500);
	cap_kube_client_free(c);
	cap_kube_config_release(&cfg);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_get_update_delete),
	    cmocka_unit_test(test_create_twice_is_already_exists),
	    cmocka_unit_test(test_invalid_object_is_invalid_with_message),
	    cmocka_unit_test(test_unknown_kind_is_not_found),
	    cmocka_unit_test(test_dry_run_stores_nothing),
	    cmocka_unit_test(test_patch_merge_and_strategic),
	    cmocka_unit_test(test_delete_precondition_conflicts),
	    cmocka_unit_test(test_list_pages_over_a_thousand_objects),
	    cmocka_unit_test(test_rate_limit_spaces_requests),
	    cmocka_unit_test(test_discovery_sees_crd_created_at_run_time),
	    cmocka_unit_test(test_one_client_serves_many_threads),
	    cmocka_unit_test(test_unreachable_server_is_unavailable),
	    cmocka_unit_test(test_close_cuts_rate_limited_waits_short),
	    cmocka_unit_test(test_close_aborts_a_hanging_request),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
