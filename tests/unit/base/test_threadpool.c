/* Tests for cap_threadpool: every task runs once, waiting, and draining on free. */
#include "cap_test.h"

#include "base/error.h"
#include "base/threadpool.h"
#include "base/time.h"

#include <stdatomic.h>

static atomic_int counter;

static void bump(void *arg)
{
	atomic_fetch_add(&counter, 1);
}

static void every_submitted_task_runs_once(void **state)
{
	cap_threadpool *p;
	atomic_store(&counter, 0);
	assert_int_equal(cap_threadpool_new(&p, 4), 0);
	assert_int_equal(cap_threadpool_size(p), 4);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(cap_threadpool_submit(p, bump, NULL), 0);
	cap_threadpool_wait(p);
	assert_int_equal(atomic_load(&counter), 10000);
	cap_threadpool_free(p);
}

static void slow(void *arg)
{
	cap_time_sleep_ms(2);
	atomic_fetch_add(&counter, 1);
}

static void free_runs_queued_tasks_first(void **state)
{
	cap_threadpool *p;
	atomic_store(&counter, 0);
	assert_int_equal(cap_threadpool_new(&p, 2), 0);
	for (int i = 0; i < 20; i++)
		cap_threadpool_submit(p, slow, NULL);
	cap_threadpool_free(p);
	assert_int_equal(atomic_load(&counter), 20);
	cap_threadpool_free(NULL);
}

static cap_threadpool *shared_pool;

static void spawn_children(void *arg)
{
	long depth = (long)arg;
	atomic_fetch_add(&counter, 1);
	if (depth < 6) {
		cap_threadpool_submit(shared_pool, spawn_children, (void *)(depth + 1));
		cap_threadpool_submit(shared_pool, spawn_children, (void *)(depth + 1));
	}
}

static void wait_covers_tasks_submitted_by_tasks(void **state)
{
	atomic_store(&counter, 0);
	assert_int_equal(cap_threadpool_new(&shared_pool, 3), 0);
	cap_threadpool_submit(shared_pool, spawn_children, (void *)0L);
	cap_threadpool_wait(shared_pool);
	assert_int_equal(atomic_load(&counter), 127); /* 2^7 - 1 */
	cap_threadpool_free(shared_pool);
}

static void zero_threads_means_one_per_cpu(void **state)
{
	cap_threadpool *p;
	assert_int_equal(cap_threadpool_new(&p, 0), 0);
	assert_true(cap_threadpool_size(p) >= 1);
	cap_threadpool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_submitted_task_runs_once),
	    cmocka_unit_test(free_runs_queued_tasks_first),
	    cmocka_unit_test(wait_covers_tasks_submitted_by_tasks),
	    cmocka_unit_test(zero_threads_means_one_per_cpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
