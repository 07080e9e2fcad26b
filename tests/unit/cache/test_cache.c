/* Tests for the cluster cache store: tracking, the app index, owner walks and change notices. */
#include "cap_test.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/strvec.h"
#include "cache/cache.h"
#include "value/json.h"

static cap_value *obj(const char *json)
{
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, json, strlen(json), "test", NULL), 0);
	return v;
}

static void record(void *ctx, const char *app)
{
	cap_strvec_push(ctx, app);
}

static void feed(cap_cache *c, cap_kube_event_type type, const char *json)
{
	cap_value *v = obj(json);
	cap_cache_apply_event(c, type, v);
	cap_value_free(v);
}

#define DEPLOY                                                                                     \
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","      \
	"\"namespace\":\"demo\",\"uid\":\"d1\",\"annotations\":{\"argocd.argoproj.io/"             \
	"tracking-id\":"                                                                           \
	"\"guestbook:apps/Deployment:demo/web\"}}}"
#define RS                                                                                         \
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web-1\","    \
	"\"namespace\":\"demo\",\"uid\":\"r1\",\"ownerReferences\":[{\"uid\":\"d1\"}]}}"
#define POD                                                                                        \
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1-x\","              \
	"\"namespace\":\"demo\",\"uid\":\"p1\",\"ownerReferences\":[{\"uid\":\"r1\"}]}}"

static void tracking_id_must_name_the_object_itself(void **state)
{
	cap_value *own = obj(DEPLOY);
	assert_string_equal(cap_cache_tracking_app(own, NULL), "guestbook");
	/* a copy of another object's annotation (kubectl get -o yaml | edit | apply) is not tracked
	 */
	cap_value *copy = obj("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
			      "\"name\":\"web-copy\",\"namespace\":\"demo\",\"annotations\":{"
			      "\"argocd.argoproj.io/tracking-id\":\"guestbook:apps/Deployment:demo/"
			      "web\"}}}");
	assert_null(cap_cache_tracking_app(copy, NULL));
	cap_value *labelled = obj("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
				  "\"name\":\"c\",\"labels\":{\"app.kubernetes.io/instance\":"
				  "\"legacy\"}}}");
	assert_string_equal(cap_cache_tracking_app(labelled, NULL), "legacy");
	assert_null(cap_cache_tracking_app(labelled, "team/instance"));
	cap_value_free(own);
	cap_value_free(copy);
	cap_value_free(labelled);
}

static void app_index_holds_tracked_objects_only(void **state)
{
	cap_cache *c = NULL;
	assert_int_equal(cap_cache_new(&c, NULL, NULL), 0);
	feed(c, CAP_KUBE_EVENT_ADDED, DEPLOY);
	feed(c, CAP_KUBE_EVENT_ADDED, RS);
	feed(c, CAP_KUBE_EVENT_ADDED,
	     "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"other\","
	     "\"namespace\":\"demo\",\"labels\":{\"app.kubernetes.io/instance\":\"shop\"}}}");
	cap_value *objs = NULL;
	assert_int_equal(cap_cache_app_objects(&objs, c, "guestbook"), 0);
	assert_int_equal(cap_value_array_len(objs), 1);
	assert_string_equal(
	    cap_value_dig_string(cap_value_array_get(objs, 0), "metadata", "name", NULL), "web");
	cap_value_free(objs);
	assert_int_equal(cap_cache_app_objects(&objs, c, "shop"), 0);
	assert_int_equal(cap_value_array_len(objs), 1);
	cap_value_free(objs);
	assert_int_equal(cap_cache_app_objects(&objs, c, "nobody"), 0);
	assert_int_equal(cap_value_array_len(objs), 0);
	cap_value_free(objs);

	feed(c, CAP_KUBE_EVENT_DELETED, DEPLOY);
	assert_int_equal(cap_cache_app_objects(&objs, c, "guestbook"), 0);
	assert_int_equal(cap_value_array_len(objs), 0);
	cap_value_free(objs);
	cap_cache_stats st;
	cap_cache_stats_get(c, &st);
	assert_int_equal(st.objects, 2);
	assert_int_equal(st.apps, 1);
	cap_cache_free(c);
}

static void get_by_identity_ignores_version(void **state)
{
	cap_cache *c = NULL;
	assert_int_equal(cap_cache_new(&c, NULL, NULL), 0);
	feed(c, CAP_KUBE_EVENT_ADDED, DEPLOY);
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&k, "apps/v1beta2", "Deployment", "demo", "web");
	cap_value *v = NULL;
	assert_int_equal(cap_cache_get(&v, c, &k), 0);
	assert_string_equal(cap_value_dig_string(v, "metadata", "uid", NULL), "d1");
	cap_value_free(v);
	cap_kube_key_set(&k, "apps/v1", "Deployment", "other", "web");
	assert_int_equal(cap_cache_get(&v, c, &k), CAP_ENOTFOUND);
	cap_kube_key_release(&k);
	cap_cache_free(c);
}

static void changes_of_children_reach_the_owning_app(void **state)
{
	cap_strvec seen = CAP_STRVEC_INIT;
	cap_cache_options o = {0};
	o.on_change = record;
	o.ctx = &seen;
	cap_cache *c = NULL;
	assert_int_equal(cap_cache_new(&c, NULL, &o), 0);
	feed(c, CAP_KUBE_EVENT_ADDED, DEPLOY);
	feed(c, CAP_KUBE_EVENT_ADDED, RS);
	feed(c, CAP_KUBE_EVENT_ADDED, POD);
	feed(c, CAP_KUBE_EVENT_MODIFIED, POD);
	feed(c, CAP_KUBE_EVENT_ADDED,
	     "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"orphan\","
	     "\"namespace\":\"demo\",\"uid\":\"p2\"}}");
	assert_int_equal(seen.len, 4);
	for (size_t i = 0; i < seen.len; i++)
		assert_string_equal(seen.items[i], "guestbook");
	char *app = cap_cache_owning_app(c, "p1");
	assert_string_equal(app, "guestbook");
	free(app);
	assert_null(cap_cache_owning_app(c, "p2"));

	cap_value *kids = NULL;
	assert_int_equal(cap_cache_children(&kids, c, "r1"), 0);
	assert_int_equal(cap_value_array_len(kids), 1);
	assert_string_equal(
	    cap_value_dig_string(cap_value_array_get(kids, 0), "metadata", "name", NULL),
	    "web-1-x");
	cap_value_free(kids);
	feed(c, CAP_KUBE_EVENT_DELETED, POD);
	assert_int_equal(cap_cache_children(&kids, c, "r1"), 0);
	assert_int_equal(cap_value_array_len(kids), 0);
	cap_value_free(kids);
	assert_int_equal(seen.len, 5);
	cap_cache_free(c);
	cap_strvec_release(&seen);
}

static void default_exclusions_follow_argo_cd(void **state)
{
	assert_true(cap_cache_default_excluded("", "Event"));
	assert_true(cap_cache_default_excluded("events.k8s.io", "Event"));
	assert_true(cap_cache_default_excluded("coordination.k8s.io", "Lease"));
	assert_true(cap_cache_default_excluded("discovery.k8s.io", "EndpointSlice"));
	assert_true(cap_cache_default_excluded("", "Endpoints"));
	assert_false(cap_cache_default_excluded("", "ConfigMap"));
	assert_false(cap_cache_default_excluded("apps", "Deployment"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tracking_id_must_name_the_object_itself),
	    cmocka_unit_test(app_index_holds_tracked_objects_only),
	    cmocka_unit_test(get_by_identity_ignores_version),
	    cmocka_unit_test(changes_of_children_reach_the_owning_app),
	    cmocka_unit_test(default_exclusions_follow_argo_cd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
