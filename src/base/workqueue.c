/* cap_workqueue: dirty/processing sets, a FIFO of ready keys, and a min-heap of delayed keys. */
#include "base/workqueue.h"

#include "base/alloc.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "base/threadpool.h"
#include "base/time.h"
#include "base/vec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	DIRTY = 1 << 0,	     /* queued, not yet handed out */
	PROCESSING = 1 << 1, /* handed out, done not yet called */
};

/* One per key known to the queue; freed once it is neither dirty, processing nor referenced. */
struct entry {
	const char *key; /* the map's copy */
	unsigned flags;
	uint64_t ready_at;  /* earliest pending delayed add (monotonic ns), 0 when none */
	unsigned heap_refs; /* delayed records pointing here (stale ones included) */
	unsigned failures;  /* rate-limited adds since the last forget */
};

struct delayed {
	uint64_t at;
	struct entry *e;
};

struct cap_workqueue {
	pthread_mutex_t lock;
	pthread_cond_t ready; /* a key became ready, a delay changed, or shutdown */
	pthread_cond_t idle;  /* nothing queued or processing */
	cap_hashmap entries;  /* key → struct entry */
	CAP_VEC_OF(struct entry *) fifo;
	size_t head;
	CAP_VEC_OF(struct delayed) heap;
	size_t processing;
	size_t waiting;
	bool shutdown;
	cap_workqueue_stop mode;
	uint64_t base_ms, max_ms;
	cap_threadpool *pool;
	unsigned workers;
	cap_workqueue_fn fn;
	void *ctx;
};

cap_workqueue *cap_workqueue_new(void)
{
	cap_workqueue *q = cap_calloc(1, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->ready, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&q->idle, NULL);
	cap_hashmap_init(&q->entries);
	q->base_ms = 5;
	q->max_ms = 1000 * 1000;
	return q;
}

static size_t fifo_len(const cap_workqueue *q)
{
	return q->fifo.len - q->head;
}

static struct entry *entry_get(cap_workqueue *q, const char *key)
{
	struct entry *e = cap_hashmap_get(&q->entries, key);
	if (e)
		return e;
	e = cap_calloc(1, sizeof(*e));
	cap_hashmap_putn(&q->entries, key, strlen(key), e, &e->key);
	return e;
}

static void entry_maybe_free(cap_workqueue *q, struct entry *e)
{
	if (e->flags || e->ready_at || e->heap_refs || e->failures)
		return;
	cap_hashmap_remove(&q->entries, e->key, NULL);
	free(e);
}

static void signal_idle(cap_workqueue *q)
{
	if (!fifo_len(q) && !q->processing)
		pthread_cond_broadcast(&q->idle);
}

static void add_locked(cap_workqueue *q, struct entry *e)
{
	if (e->flags & DIRTY)
		return;
	e->flags |= DIRTY;
	if (e->flags & PROCESSING)
		return; /* done() queues it again */
	CAP_VEC_PUSH(&q->fifo, e);
	pthread_cond_signal(&q->ready);
}

void cap_workqueue_add(cap_workqueue *q, const char *key)
{
	pthread_mutex_lock(&q->lock);
	if (!q->shutdown)
		add_locked(q, entry_get(q, key));
	pthread_mutex_unlock(&q->lock);
}

static void heap_push(cap_workqueue *q, struct delayed d)
{
	CAP_VEC_PUSH(&q->heap, d);
	size_t i = q->heap.len - 1;
	while (i) {
		size_t parent = (i - 1) / 2;
		if (q->heap.items[parent].at <= q->heap.items[i].at)
			break;
		struct delayed t = q->heap.items[parent];
		q->heap.items[parent] = q->heap.items[i];
		q->heap.items[i] = t;
		i = parent;
	}
}

static struct delayed heap_pop(cap_workqueue *q)
{
	struct delayed top = q->heap.items[0];
	q->heap.items[0] = q->heap.items[--q->heap.len];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->heap.len && q->heap.items[l].at < q->heap.items[m].at)
			m = l;
		if (r < q->heap.len && q->heap.items[r].at < q->heap.items[m].at)
			m = r;
		if (m == i)
			break;
		struct delayed t = q->heap.items[m];
		q->heap.items[m] = q->heap.items[i];
		q->heap.items[i] = t;
		i = m;
	}
	return top;
}

static void add_after_locked(cap_workqueue *q, struct entry *e, uint64_t delay_ms)
{
	if (!delay_ms) {
		add_locked(q, e);
		return;
	}
	uint64_t at = cap_time_now_ns() + delay_ms * 1000000ULL;
	if (e->ready_at && e->ready_at <= at)
		return;
	if (!e->ready_at)
		q->waiting++;
	e->ready_at = at;
	e->heap_refs++;
	heap_push(q, (struct delayed){at, e});
	pthread_cond_broadcast(&q->ready); /* a getter may need a shorter timeout */
}

void cap_workqueue_add_after(cap_workqueue *q, const char *key, uint64_t delay_ms)
{
	pthread_mutex_lock(&q->lock);
	if (!q->shutdown)
		add_after_locked(q, entry_get(q, key), delay_ms);
	pthread_mutex_unlock(&q->lock);
}

void cap_workqueue_set_backoff(cap_workqueue *q, uint64_t base_ms, uint64_t max_ms)
{
	pthread_mutex_lock(&q->lock);
	q->base_ms = base_ms;
	q->max_ms = max_ms;
	pthread_mutex_unlock(&q->lock);
}

void cap_workqueue_add_rate_limited(cap_workqueue *q, const char *key)
{
	pthread_mutex_lock(&q->lock);
	if (!q->shutdown) {
		struct entry *e = entry_get(q, key);
		uint64_t delay = q->base_ms;
		for (unsigned i = 0; i < e->failures && delay < q->max_ms; i++)
			delay *= 2;
		if (delay > q->max_ms)
			delay = q->max_ms;
		e->failures++;
		add_after_locked(q, e, delay);
	}
	pthread_mutex_unlock(&q->lock);
}

void cap_workqueue_forget(cap_workqueue *q, const char *key)
{
	pthread_mutex_lock(&q->lock);
	struct entry *e = cap_hashmap_get(&q->entries, key);
	if (e) {
		e->failures = 0;
		entry_maybe_free(q, e);
	}
	pthread_mutex_unlock(&q->lock);
}

unsigned cap_workqueue_failures(cap_workqueue *q, const char *key)
{
	pthread_mutex_lock(&q->lock);
	struct entry *e = cap_hashmap_get(&q->entries, key);
	unsigned n = e ? e->failures : 0;
	pthread_mutex_unlock(&q->lock);
	return n;
}

/* Moves keys whose delay passed into the FIFO; returns the next due time or 0. */
static uint64_t promote_due(cap_workqueue *q)
{
	uint64_t now = cap_time_now_ns();
	while (q->heap.len) {
		if (q->heap.items[0].at > now)
			return q->heap.items[0].at;
		struct delayed d = heap_pop(q);
		struct entry *e = d.e;
		e->heap_refs--;
		if (e->ready_at == d.at) {
			e->ready_at = 0;
			q->waiting--;
			add_locked(q, e);
		}
		entry_maybe_free(q, e);
	}
	return 0;
}

static void drop_delayed(cap_workqueue *q)
{
	while (q->heap.len) {
		struct entry *e = heap_pop(q).e;
		e->heap_refs--;
		e->ready_at = 0;
		entry_maybe_free(q, e);
	}
	q->waiting = 0;
}

bool cap_workqueue_get(cap_workqueue *q, const char **key_out)
{
	pthread_mutex_lock(&q->lock);
	for (;;) {
		uint64_t next = q->shutdown ? 0 : promote_due(q);
		if (fifo_len(q)) {
			struct entry *e = q->fifo.items[q->head++];
			if (q->head == q->fifo.len)
				q->head = q->fifo.len = 0;
			e->flags = (e->flags & ~DIRTY) | PROCESSING;
			q->processing++;
			*key_out = e->key;
			pthread_mutex_unlock(&q->lock);
			return true;
		}
		if (q->shutdown) {
			pthread_mutex_unlock(&q->lock);
			return false;
		}
		if (next) {
			struct timespec ts = {(time_t)(next / 1000000000ULL),
					      (long)(next % 1000000000ULL)};
			pthread_cond_timedwait(&q->ready, &q->lock, &ts);
		} else {
			pthread_cond_wait(&q->ready, &q->lock);
		}
	}
}

void cap_workqueue_done(cap_workqueue *q, const char *key)
{
	pthread_mutex_lock(&q->lock);
	struct entry *e = cap_hashmap_get(&q->entries, key);
	if (e && (e->flags & PROCESSING)) {
		e->flags &= ~PROCESSING;
		q->processing--;
		if (e->flags & DIRTY) {
			if (q->shutdown && q->mode == CAP_WORKQUEUE_CANCEL) {
				e->flags &= ~DIRTY;
			} else {
				CAP_VEC_PUSH(&q->fifo, e);
				pthread_cond_signal(&q->ready);
			}
		}
		entry_maybe_free(q, e);
		signal_idle(q);
	}
	pthread_mutex_unlock(&q->lock);
}

size_t cap_workqueue_len(cap_workqueue *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = fifo_len(q);
	pthread_mutex_unlock(&q->lock);
	return n;
}

size_t cap_workqueue_waiting(cap_workqueue *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->waiting;
	pthread_mutex_unlock(&q->lock);
	return n;
}

static void worker_loop(void *arg)
{
	cap_workqueue *q = arg;
	const char *key;
	while (cap_workqueue_get(q, &key)) {
		q->fn(key, q->ctx);
		cap_workqueue_done(q, key);
	}
}

int cap_workqueue_start(cap_workqueue *q, unsigned workers, cap_workqueue_fn fn, void *ctx)
{
	pthread_mutex_lock(&q->lock);
	if (q->pool || q->shutdown) {
		pthread_mutex_unlock(&q->lock);
		return cap_error_set(CAP_EINVALID, "work queue workers already started or stopped");
	}
	if (!workers)
		workers = 1;
	int rc = cap_threadpool_new(&q->pool, workers);
	if (rc) {
		pthread_mutex_unlock(&q->lock);
		return rc;
	}
	q->fn = fn;
	q->ctx = ctx;
	q->workers = workers;
	for (unsigned i = 0; i < workers; i++)
		cap_threadpool_submit(q->pool, worker_loop, q);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void cap_workqueue_wait_idle(cap_workqueue *q)
{
	pthread_mutex_lock(&q->lock);
	while (fifo_len(q) || q->processing)
		pthread_cond_wait(&q->idle, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

void cap_workqueue_shutdown(cap_workqueue *q, cap_workqueue_stop mode)
{
	pthread_mutex_lock(&q->lock);
	if (q->shutdown) {
		pthread_mutex_unlock(&q->lock);
		return;
	}
	q->shutdown = true;
	q->mode = mode;
	drop_delayed(q);
	if (mode == CAP_WORKQUEUE_CANCEL) {
		for (size_t i = q->head; i < q->fifo.len; i++) {
			struct entry *e = q->fifo.items[i];
			e->flags &= ~DIRTY;
			entry_maybe_free(q, e);
		}
		q->head = q->fifo.len = 0;
		signal_idle(q);
	}
	pthread_cond_broadcast(&q->ready);
	cap_threadpool *pool = q->pool;
	q->pool = NULL;
	pthread_mutex_unlock(&q->lock);
	cap_threadpool_free(pool);
}

bool cap_workqueue_shutting_down(cap_workqueue *q)
{
	pthread_mutex_lock(&q->lock);
	bool s = q->shutdown;
	pthread_mutex_unlock(&q->lock);
	return s;
}

static void free_entry(void *e)
{
	free(e);
}

void cap_workqueue_free(cap_workqueue *q)
{
	if (!q)
		return;
	cap_workqueue_shutdown(q, CAP_WORKQUEUE_CANCEL);
	cap_hashmap_release(&q->entries, free_entry);
	CAP_VEC_RELEASE(&q->fifo);
	CAP_VEC_RELEASE(&q->heap);
	pthread_cond_destroy(&q->ready);
	pthread_cond_destroy(&q->idle);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
