/* Tests for cap_workqueue: de-duplication, no concurrent processing of a key, delays, shutdown. */
#include "cap_test.h"

#include "base/hashmap.h"
#include "base/time.h"
#include "base/workqueue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static void duplicate_adds_before_start_are_merged(void **state)
{
	cap_workqueue *q = cap_workqueue_new();
	cap_workqueue_add(q, "default/web");
	cap_workqueue_add(q, "default/db");
	cap_workqueue_add(q, "default/web");
	assert_int_equal(cap_workqueue_len(q), 2);
	const char *k;
	assert_true(cap_workqueue_get(q, &k));
	assert_string_equal(k, "default/web");
	cap_workqueue_done(q, k);
	assert_true(cap_workqueue_get(q, &k));
	assert_string_equal(k, "default/db");
	cap_workqueue_done(q, k);
	assert_int_equal(cap_workqueue_len(q), 0);
	cap_workqueue_free(q);
}

static void key_added_while_processing_is_held_until_done(void **state)
{
	cap_workqueue *q = cap_workqueue_new();
	const char *k;
	cap_workqueue_add(q, "a");
	assert_true(cap_workqueue_get(q, &k));
	cap_workqueue_add(q, "a");
	cap_workqueue_add(q, "a");
	/* Not handed to a second worker while the first holds it. */
	assert_int_equal(cap_workqueue_len(q), 0);
	cap_workqueue_done(q, k);
	assert_int_equal(cap_workqueue_len(q), 1);
	assert_true(cap_workqueue_get(q, &k));
	assert_string_equal(k, "a");
	cap_workqueue_done(q, k);
	assert_int_equal(cap_workqueue_len(q), 0);
	cap_workqueue_free(q);
}

static void delayed_add_arrives_after_its_delay(void **state)
{
	cap_workqueue *q = cap_workqueue_new();
	uint64_t start = cap_time_now_ms();
	cap_workqueue_add_after(q, "later", 30);
	cap_workqueue_add_after(q, "sooner", 10);
	assert_int_equal(cap_workqueue_len(q), 0);
	assert_int_equal(cap_workqueue_waiting(q), 2);
	const char *k;
	assert_true(cap_workqueue_get(q, &k));
	assert_string_equal(k, "sooner");
	assert_true(cap_time_now_ms() - start >= 10);
	cap_workqueue_done(q, k);
	assert_true(cap_workqueue_get(q, &k));
	assert_string_equal(k, "later");
	assert_true(cap_time_now_ms() - start >= 30);
	cap_workqueue_done(q, k);
	assert_int_equal(cap_workqueue_waiting(q), 0);
	cap_workqueue_free(q);
}

static void earlier_delay_replaces_later_one(void **state)
{
	cap_workqueue *q = cap_workqueue_new();
	uint64_t start = cap_time_now_ms();
	cap_workqueue_add_after(q, "k", 10000);
	cap_workqueue_add_after(q, "k", 10);
	cap_workqueue_add_after(q, "k", 5000);
	assert_int_equal(cap_workqueue_waiting(q), 1);
	const char *k;
	assert_true(cap_workqueue_get(q, &k));
	assert_true(cap_time_now_ms() - start < 1000);
	cap_workqueue_done(q, k);
	assert_int_equal(cap_workqueue_waiting(q), 0);
	cap_workqueue_free(q);
}

static void rate_limited_adds_back_off_until_forgotten(void **state)
{
	cap_workqueue *q = cap_workqueue_new();
	cap_workqueue_set_backoff(q, 4, 16);
	const char *k;
	uint64_t delays[5];
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = cap_time_now_ns();
		cap_workqueue_add_rate_limited(q, "flaky");
		assert_true(cap_workqueue_get(q, &k));
		delays[i] = (cap_time_now_ns() - t0) / 1000000ULL;
		cap_workqueue_done(q, k);
	}
	assert_int_equal(cap_workqueue_failures(q, "flaky"), 5);
	assert_true(delays[0] >= 4);
	assert_true(delays[1] >= 8);
	assert_true(delays[2] >= 16);
	assert_true(delays[4] >= 16 && delays[4] < 500); /* capped */
	cap_workqueue_forget(q, "flaky");
	assert_int_equal(cap_workqueue_failures(q, "flaky"), 0);
	cap_workqueue_free(q);
}

/* Shared state for the concurrency tests. */
struct stress {
	pthread_mutex_t lock;
	cap_hashmap active; /* keys being processed right now */
	atomic_int runs;
	atomic_int overlaps;
	cap_workqueue *q;
};

static void process(const char *key, void *ctx)
{
	struct stress *s = ctx;
	pthread_mutex_lock(&s->lock);
	if (cap_hashmap_contains(&s->active, key))
		atomic_fetch_add(&s->overlaps, 1);
	cap_hashmap_put(&s->active, key, NULL);
	pthread_mutex_unlock(&s->lock);
	atomic_fetch_add(&s->runs, 1);
	for (volatile int i = 0; i < 2000; i++)
		;
	pthread_mutex_lock(&s->lock);
	cap_hashmap_remove(&s->active, key, NULL);
	pthread_mutex_unlock(&s->lock);
}

static void *producer(void *arg)
{
	struct stress *s = arg;
	char key[16];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "app-%d", i % 16);
		cap_workqueue_add(s->q, key);
	}
	return NULL;
}

static void many_producers_never_process_one_key_concurrently(void **state)
{
	struct stress s = {.lock = PTHREAD_MUTEX_INITIALIZER};
	cap_hashmap_init(&s.active);
	s.q = cap_workqueue_new();
	assert_int_equal(cap_workqueue_start(s.q, 4, process, &s), 0);
	assert_int_not_equal(cap_workqueue_start(s.q, 4, process, &s), 0);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, producer, &s);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cap_workqueue_wait_idle(s.q);
	assert_int_equal(atomic_load(&s.overlaps), 0);
	int runs = atomic_load(&s.runs);
	/* Every key ran at least once after its last add, and dedup merged most of the 20000. */
	assert_true(runs >= 16);
	assert_true(runs < 20000);
	/* Two adds per key after idling run each once or twice more (twice when a worker took the
	 * first add before the second arrived), never zero times. */
	for (int i = 0; i < 16; i++) {
		char key[16];
		snprintf(key, sizeof(key), "app-%d", i);
		cap_workqueue_add(s.q, key);
		cap_workqueue_add(s.q, key);
	}
	cap_workqueue_shutdown(s.q, CAP_WORKQUEUE_DRAIN);
	assert_true(atomic_load(&s.runs) >= runs + 16);
	assert_true(atomic_load(&s.runs) <= runs + 32);
	assert_int_equal(atomic_load(&s.overlaps), 0);
	cap_workqueue_free(s.q);
	cap_hashmap_release(&s.active, NULL);
}

static atomic_int slow_runs;

static void slow_process(const char *key, void *ctx)
{
	atomic_fetch_add(&slow_runs, 1);
	cap_time_sleep_ms(20);
}

static void cancel_drops_queued_keys_and_waits_for_running(void **state)
{
	atomic_store(&slow_runs, 0);
	cap_workqueue *q = cap_workqueue_new();
	assert_int_equal(cap_workqueue_start(q, 1, slow_process, NULL), 0);
	cap_workqueue_add(q, "first");
	while (cap_workqueue_len(q) != 0)
		cap_time_sleep_ms(1);
	for (int i = 0; i < 50; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		cap_workqueue_add(q, key);
	}
	cap_workqueue_add_after(q, "delayed", 5);
	cap_workqueue_shutdown(q, CAP_WORKQUEUE_CANCEL);
	assert_true(atomic_load(&slow_runs) <= 2);
	assert_true(cap_workqueue_shutting_down(q));
	cap_workqueue_add(q, "after-shutdown");
	assert_int_equal(cap_workqueue_len(q), 0);
	const char *k;
	assert_false(cap_workqueue_get(q, &k));
	cap_workqueue_free(q);
}

static void drain_processes_everything_queued(void **state)
{
	atomic_store(&slow_runs, 0);
	cap_workqueue *q = cap_workqueue_new();
	for (int i = 0; i < 5; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		cap_workqueue_add(q, key);
	}
	cap_workqueue_add_after(q, "delayed", 100000);
	assert_int_equal(cap_workqueue_start(q, 2, slow_process, NULL), 0);
	cap_workqueue_shutdown(q, CAP_WORKQUEUE_DRAIN);
	assert_int_equal(atomic_load(&slow_runs), 5);
	assert_int_equal(cap_workqueue_waiting(q), 0);
	cap_workqueue_free(q);
}

static void *blocked_getter(void *arg)
{
	const char *k;
	return (void *)(long)cap_workqueue_get(arg, &k);
}

static void shutdown_wakes_blocked_getters(void **state)
{
	cap_workqueue *q = cap_workqueue_new();
	pthread_t t;
	pthread_create(&t, NULL, blocked_getter, q);
	cap_time_sleep_ms(10);
	cap_workqueue_shutdown(q, CAP_WORKQUEUE_DRAIN);
	void *got;
	pthread_join(t, &got);
	assert_int_equal((long)got, 0);
	cap_workqueue_free(q);
	cap_workqueue_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(duplicate_adds_before_start_are_merged),
	    cmocka_unit_test(key_added_while_processing_is_held_until_done),
	    cmocka_unit_test(delayed_add_arrives_after_its_delay),
	    cmocka_unit_test(earlier_delay_replaces_later_one),
	    cmocka_unit_test(rate_limited_adds_back_off_until_forgotten),
	    cmocka_unit_test(many_producers_never_process_one_key_concurrently),
	    cmocka_unit_test(cancel_drops_queued_keys_and_waits_for_running),
	    cmocka_unit_test(drain_processes_everything_queued),
	    cmocka_unit_test(shutdown_wakes_blocked_getters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
