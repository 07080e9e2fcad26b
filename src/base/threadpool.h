/* cap_threadpool: a fixed set of worker threads running submitted tasks in FIFO order. */
#pragma once

#include <stddef.h>

typedef struct cap_threadpool cap_threadpool;
typedef void (*cap_task_fn)(void *arg);

/*
 * Starts threads workers (0 means the number of online CPUs). *out is freed with
 * cap_threadpool_free. CAP_EGENERIC with a message when a thread cannot be created.
 */
int cap_threadpool_new(cap_threadpool **out, unsigned threads);

/*
 * Queues fn(arg) to run on some worker. The pool never owns arg. Returns CAP_ECANCELED (and
 * does not run fn) once cap_threadpool_free has begun.
 */
int cap_threadpool_submit(cap_threadpool *pool, cap_task_fn fn, void *arg);

/* Blocks until no task is queued or running. Tasks may submit more tasks meanwhile. */
void cap_threadpool_wait(cap_threadpool *pool);

unsigned cap_threadpool_size(const cap_threadpool *pool);

/* Runs every task already queued, joins the workers and frees the pool. Accepts NULL. */
void cap_threadpool_free(cap_threadpool *pool);
