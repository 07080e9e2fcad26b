/* cap_threadpool: workers, a FIFO of tasks, and idle waiting. */
#include "base/threadpool.h"

#include "base/alloc.h"
#include "base/error.h"
#include "base/vec.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct task {
	cap_task_fn fn;
	void *arg;
};

struct cap_threadpool {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a task was queued, or stopping */
	pthread_cond_t idle; /* the pool became idle */
	CAP_VEC_OF(struct task) tasks;
	size_t head; /* tasks before head were taken */
	size_t running;
	bool stopping;
	unsigned nthreads;
	pthread_t *threads;
};

static void *worker(void *arg)
{
	cap_threadpool *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->head == p->tasks.len && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->head == p->tasks.len)
			break; /* stopping and nothing left */
		struct task t = p->tasks.items[p->head++];
		if (p->head == p->tasks.len)
			p->head = p->tasks.len = 0;
		p->running++;
		pthread_mutex_unlock(&p->lock);
		t.fn(t.arg);
		pthread_mutex_lock(&p->lock);
		p->running--;
		if (!p->running && p->head == p->tasks.len)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void stop_and_join(cap_threadpool *p, unsigned started)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(p->threads[i], NULL);
}

static void destroy(cap_threadpool *p)
{
	CAP_VEC_RELEASE(&p->tasks);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}

int cap_threadpool_new(cap_threadpool **out, unsigned threads)
{
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	cap_threadpool *p = cap_calloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->threads = cap_calloc(threads, sizeof(pthread_t));
	for (unsigned i = 0; i < threads; i++) {
		int rc = pthread_create(&p->threads[i], NULL, worker, p);
		if (rc) {
			stop_and_join(p, i);
			destroy(p);
			return cap_error_set(CAP_EGENERIC, "cannot start worker thread %u: %s", i,
					     strerror(rc));
		}
	}
	p->nthreads = threads;
	*out = p;
	return 0;
}

int cap_threadpool_submit(cap_threadpool *p, cap_task_fn fn, void *arg)
{
	pthread_mutex_lock(&p->lock);
	if (p->stopping) {
		pthread_mutex_unlock(&p->lock);
		return cap_error_set(CAP_ECANCELED, "thread pool is shutting down");
	}
	CAP_VEC_PUSH(&p->tasks, ((struct task){fn, arg}));
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void cap_threadpool_wait(cap_threadpool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->running || p->head != p->tasks.len)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

unsigned cap_threadpool_size(const cap_threadpool *p)
{
	return p->nthreads;
}

void cap_threadpool_free(cap_threadpool *p)
{
	if (!p)
		return;
	stop_and_join(p, p->nthreads);
	destroy(p);
}
