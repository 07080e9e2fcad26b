/* Reflectors against drydock: events in order, resumption after dropped streams, re-list on 410. */
#include "cap_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/strvec.h"
#include "base/time.h"
#include "drydock_fixture.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/watch.h"
#include "value/json.h"

/* Everything the callback saw, as "TYPE name" lines, and a gate that can hold the callback. */
typedef struct recorder {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	cap_strvec seen;
	const char *hold_on; /* name whose ADDED blocks until released */
	bool held, released;
	bool deleted_had_uid;
} recorder;

static void on_event(void *ctx, const cap_kube_event *ev)
{
	recorder *r = ctx;
	const char *name =
	    ev->object ? cap_value_dig_string(ev->object, "metadata", "name", NULL) : "";
	pthread_mutex_lock(&r->lock);
	if (ev->type == CAP_KUBE_EVENT_DELETED)
		r->deleted_had_uid = cap_value_dig_string(ev->object, "metadata", "uid", NULL) &&
				     cap_value_dig_string(ev->object, "kind", NULL);
	cap_strvec_pushf(&r->seen, "%s %s", cap_kube_event_type_name(ev->type), name ? name : "");
	pthread_cond_broadcast(&r->changed);
	if (r->hold_on && ev->type == CAP_KUBE_EVENT_ADDED && strcmp(name, r->hold_on) == 0) {
		r->held = true;
		pthread_cond_broadcast(&r->changed);
		while (!r->released)
			pthread_cond_wait(&r->changed, &r->lock);
	}
	pthread_mutex_unlock(&r->lock);
}

static void recorder_init(recorder *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->changed, NULL);
	cap_strvec_init(&r->seen);
}

static void recorder_release(recorder *r)
{
	cap_strvec_release(&r->seen);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->changed);
}

/* Waits up to 10 s until line has been seen count times. */
static bool wait_for(recorder *r, const char *line, size_t count)
{
	cap_deadline dl = cap_deadline_in_ms(10000);
	pthread_mutex_lock(&r->lock);
	for (;;) {
		size_t n = 0;
		for (size_t i = 0; i < r->seen.len; i++)
			n += strcmp(r->seen.items[i], line) == 0;
		if (n >= count || cap_deadline_expired(dl)) {
			pthread_mutex_unlock(&r->lock);
			return n >= count;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&r->changed, &r->lock, &ts);
	}
}

static size_t count_of(recorder *r, const char *line)
{
	pthread_mutex_lock(&r->lock);
	size_t n = 0;
	for (size_t i = 0; i < r->seen.len; i++)
		n += strcmp(r->seen.items[i], line) == 0;
	pthread_mutex_unlock(&r->lock);
	return n;
}

static cap_kube_client *client_for(cap_drydock *dd)
{
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cap_kube_config_options lo = {.kubeconfig = dd->kubeconfig.ptr};
	assert_int_equal(cap_kube_config_load(&cfg, &lo), 0);
	cap_kube_client_options o = {.qps = -1};
	cap_kube_client *c = NULL;
	assert_int_equal(cap_kube_client_new(&c, &cfg, &o), 0);
	cap_kube_config_release(&cfg);
	return c;
}

static void put_cm(cap_kube_client *c, const char *name, const char *value)
{
	char json[512];
	snprintf(json, sizeof(json),
		 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
		 "\"namespace\":\"w\"},\"data\":{\"k\":\"%s\"}}",
		 name, value);
	cap_value *o = NULL;
	assert_int_equal(cap_json_parse(&o, json, strlen(json), NULL, NULL), 0);
	int rc = cap_kube_create(c, NULL, o, NULL);
	if (rc == CAP_EEXISTS) {
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		cap_kube_key_set(&k, "v1", "ConfigMap", "w", name);
		cap_value *p = NULL;
		snprintf(json, sizeof(json), "{\"data\":{\"k\":\"%s\"}}", value);
		assert_int_equal(cap_json_parse(&p, json, strlen(json), NULL, NULL), 0);
		rc = cap_kube_patch(c, NULL, &k, CAP_KUBE_PATCH_MERGE, p, NULL);
		cap_value_free(p);
		cap_kube_key_release(&k);
	}
	if (rc)
		fail_msg("%s", cap_error_last());
	cap_value_free(o);
}

static void del_cm(cap_kube_client *c, const char *name)
{
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&k, "v1", "ConfigMap", "w", name);
	assert_int_equal(cap_kube_delete(c, &k, NULL), 0);
	cap_kube_key_release(&k);
}

static void make_namespace(cap_kube_client *c)
{
	const char *json = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":"
			   "\"w\"}}";
	cap_value *o = NULL;
	assert_int_equal(cap_json_parse(&o, json, strlen(json), NULL, NULL), 0);
	assert_int_equal(cap_kube_create(c, NULL, o, NULL), 0);
	cap_value_free(o);
}

static cap_kube_reflector *start(cap_kube_client *c, recorder *rec, const char *label_selector)
{
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&k, "v1", "ConfigMap", "w", NULL);
	cap_kube_reflector_options o = {.fn = on_event,
					.ctx = rec,
					.label_selector = label_selector,
					.backoff_initial_ms = 20,
					.backoff_max_ms = 200};
	cap_kube_reflector *r = NULL;
	assert_int_equal(cap_kube_reflector_start(&r, c, &k, &o), 0);
	cap_kube_key_release(&k);
	return r;
}

static void test_list_then_added_modified_deleted(void **state)
{
	cap_drydock dd;
	assert_int_equal(cap_drydock_start(&dd, NULL), 0);
	cap_kube_client *c = client_for(&dd);
	make_namespace(c);
	put_cm(c, "before", "1");
	recorder rec;
	recorder_init(&rec);
	cap_kube_reflector *r = start(c, &rec, NULL);
	assert_true(wait_for(&rec, "SYNCED ", 1));
	assert_true(cap_kube_reflector_synced(r));
	assert_int_equal(count_of(&rec, "ADDED before"), 1);
	put_cm(c, "live", "1");
	put_cm(c, "live", "2");
	del_cm(c, "live");
	assert_true(wait_for(&rec, "DELETED live", 1));
	pthread_mutex_lock(&rec.lock);
	long a = cap_strvec_find(&rec.seen, "ADDED live");
	long m = cap_strvec_find(&rec.seen, "MODIFIED live");
	long d = cap_strvec_find(&rec.seen, "DELETED live");
	pthread_mutex_unlock(&rec.lock);
	assert_true(a >= 0 && a < m && m < d);
	uint64_t t0 = cap_time_now_ms();
	cap_kube_reflector_stop(r);
	assert_true(cap_time_now_ms() - t0 < 1000); /* an open watch is abandoned promptly */
	recorder_release(&rec);
	cap_kube_client_free(c);
	cap_drydock_stop(&dd);
}

static void test_resumes_after_dropped_streams_without_loss_or_repeats(void **state)
{
	cap_drydock dd;
	cap_drydock_options o = {.faults = "watch:drop=0.5,seed=7"};
	assert_int_equal(cap_drydock_start(&dd, &o), 0);
	cap_kube_client *c = client_for(&dd);
	make_namespace(c);
	recorder rec;
	recorder_init(&rec);
	cap_kube_reflector *r = start(c, &rec, NULL);
	assert_true(wait_for(&rec, "SYNCED ", 1));
	char name[32];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "cm-%02d", i);
		put_cm(c, name, "1");
		put_cm(c, name, "2");
		if (i % 4 == 0)
			del_cm(c, name);
		cap_time_sleep_ms(2);
	}
	put_cm(c, "last", "1");
	assert_true(wait_for(&rec, "ADDED last", 1));
	for (int i = 0; i < 40; i++) {
		char line[64];
		snprintf(line, sizeof(line), "ADDED cm-%02d", i);
		assert_int_equal(count_of(&rec, line), 1);
		snprintf(line, sizeof(line), "MODIFIED cm-%02d", i);
		assert_int_equal(count_of(&rec, line), 1);
		snprintf(line, sizeof(line), "DELETED cm-%02d", i);
		assert_int_equal(count_of(&rec, line), i % 4 == 0);
	}
	cap_kube_reflector_stats st;
	cap_kube_reflector_stats_get(r, &st);
	assert_true(st.watches > 2);   /* streams were dropped and resumed */
	assert_int_equal(st.lists, 1); /* …from the last version, never by listing again */
	cap_kube_reflector_stop(r);
	recorder_release(&rec);
	cap_kube_client_free(c);
	cap_drydock_stop(&dd);
}

static void test_relists_after_expired_and_delivers_the_difference(void **state)
{
	cap_drydock dd;
	cap_drydock_options o = {.extra_args = "--watch-history 20"};
	assert_int_equal(cap_drydock_start(&dd, &o), 0);
	cap_kube_client *c = client_for(&dd);
	make_namespace(c);
	put_cm(c, "doomed", "1");
	put_cm(c, "kept", "1");
	recorder rec;
	recorder_init(&rec);
	rec.hold_on = "kept";
	cap_kube_reflector *r = start(c, &rec, NULL);
	/* the callback holds the reflector inside its first list while the server's history
	 * moves far past the list's version, so the watch that follows is told 410 Expired */
	pthread_mutex_lock(&rec.lock);
	while (!rec.held)
		pthread_cond_wait(&rec.changed, &rec.lock);
	pthread_mutex_unlock(&rec.lock);
	del_cm(c, "doomed");
	put_cm(c, "kept", "2");
	char name[32];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "bulk-%02d", i);
		put_cm(c, name, "1");
	}
	pthread_mutex_lock(&rec.lock);
	rec.released = true;
	rec.hold_on = NULL;
	pthread_cond_broadcast(&rec.changed);
	pthread_mutex_unlock(&rec.lock);

	assert_true(wait_for(&rec, "SYNCED ", 2));
	assert_int_equal(count_of(&rec, "DELETED doomed"), 1);
	assert_true(rec.deleted_had_uid);
	assert_int_equal(count_of(&rec, "MODIFIED kept"), 1);
	assert_int_equal(count_of(&rec, "ADDED bulk-39"), 1);
	assert_int_equal(count_of(&rec, "ADDED kept"), 1);
	cap_kube_reflector_stats st;
	cap_kube_reflector_stats_get(r, &st);
	assert_int_equal(st.lists, 2);
	/* and it watches again from the new list: later changes still arrive */
	put_cm(c, "after", "1");
	assert_true(wait_for(&rec, "ADDED after", 1));
	cap_kube_reflector_stop(r);
	recorder_release(&rec);
	cap_kube_client_free(c);
	cap_drydock_stop(&dd);
}

static void test_dead_server_is_retried_until_stopped(void **state)
{
	/* a reflector against a dead address keeps retrying with backoff and still stops at once */
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cfg.server = strdup("http://127.0.0.1:1");
	cap_kube_client *c = NULL;
	assert_int_equal(cap_kube_client_new(&c, &cfg, NULL), 0);
	recorder rec;
	recorder_init(&rec);
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&k, "v1", "ConfigMap", "", NULL);
	cap_kube_key_set_member(&k.resource, "configmaps");
	cap_kube_reflector_options o = {.fn = on_event, .ctx = &rec, .backoff_initial_ms = 10};
	cap_kube_reflector *r = NULL;
	assert_int_equal(cap_kube_reflector_start(&r, c, &k, &o), 0);
	cap_time_sleep_ms(100);
	assert_false(cap_kube_reflector_synced(r));
	cap_kube_reflector_stop(r);
	cap_kube_key_release(&k);
	recorder_release(&rec);
	cap_kube_client_free(c);
	cap_kube_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_then_added_modified_deleted),
	    cmocka_unit_test(test_resumes_after_dropped_streams_without_loss_or_repeats),
	    cmocka_unit_test(test_relists_after_expired_and_delivers_the_difference),
	    cmocka_unit_test(test_dead_server_is_retried_until_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
