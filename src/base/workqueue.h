/* cap_workqueue: a de-duplicating keyed work queue with delayed adds (the controller's queue). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The semantics of client-go's workqueue:
 *  - adding a key that is already queued (and not yet started) does nothing;
 *  - a key being processed that is added again is queued once more after cap_workqueue_done,
 *    so one key is never processed by two workers at the same time;
 *  - keys come out in the order they were first queued.
 * Delayed adds put a key in the queue once its delay passes (the earliest pending delay wins).
 * Rate-limited adds delay a key exponentially with its failures until cap_workqueue_forget.
 * Keys are copied in. All functions are thread-safe.
 */
typedef struct cap_workqueue cap_workqueue;

/* Called by a worker for each key; the key string is valid during the call only. */
typedef void (*cap_workqueue_fn)(const char *key, void *ctx);

typedef enum cap_workqueue_stop {
	CAP_WORKQUEUE_DRAIN,  /* process what is queued, then stop; delayed keys are dropped */
	CAP_WORKQUEUE_CANCEL, /* drop what is queued; wait only for keys being processed */
} cap_workqueue_stop;

/* An empty queue without workers; freed with cap_workqueue_free. */
cap_workqueue *cap_workqueue_new(void);

/* Queues key unless it is already queued. Ignored once shutdown has begun. */
void cap_workqueue_add(cap_workqueue *q, const char *key);
/* Queues key after delay_ms milliseconds (0 means now). */
void cap_workqueue_add_after(cap_workqueue *q, const char *key, uint64_t delay_ms);
/*
 * Queues key after a delay that doubles with each call for that key since it was last
 * forgotten: base_ms, 2*base_ms, … capped at max_ms (client-go uses 5 ms and 1000 s).
 */
void cap_workqueue_add_rate_limited(cap_workqueue *q, const char *key);
/* Sets the backoff used by cap_workqueue_add_rate_limited (defaults 5 ms and 1000 s). */
void cap_workqueue_set_backoff(cap_workqueue *q, uint64_t base_ms, uint64_t max_ms);
/* Resets key's failure count (after a success). */
void cap_workqueue_forget(cap_workqueue *q, const char *key);
/* How many rate-limited adds key had since it was last forgotten. */
unsigned cap_workqueue_failures(cap_workqueue *q, const char *key);

/*
 * Blocks until a key is ready and hands it out: *key_out is owned by the queue and valid until
 * cap_workqueue_done for it. Returns false once the queue is shut down (and, when draining,
 * empty). Callers that use get/done directly must call done exactly once per get.
 */
bool cap_workqueue_get(cap_workqueue *q, const char **key_out);
/* Marks key as processed; it is queued again if it was added meanwhile. */
void cap_workqueue_done(cap_workqueue *q, const char *key);

/* Keys ready to be handed out (not processing, not waiting on a delay). */
size_t cap_workqueue_len(cap_workqueue *q);
/* Keys waiting for their delay to pass. */
size_t cap_workqueue_waiting(cap_workqueue *q);

/*
 * Starts workers threads that loop get → fn(key, ctx) → done until shutdown. Call once;
 * CAP_EINVALID when already started, CAP_EGENERIC when threads cannot be created.
 */
int cap_workqueue_start(cap_workqueue *q, unsigned workers, cap_workqueue_fn fn, void *ctx);

/* Blocks until nothing is queued or being processed (keys waiting on a delay do not count). */
void cap_workqueue_wait_idle(cap_workqueue *q);

/*
 * Stops the queue: new adds are ignored, blocked getters return false (after the queue drains,
 * for CAP_WORKQUEUE_DRAIN), and workers started by cap_workqueue_start are joined before this
 * returns. Calling it again does nothing.
 */
void cap_workqueue_shutdown(cap_workqueue *q, cap_workqueue_stop mode);
bool cap_workqueue_shutting_down(cap_workqueue *q);

/* Shuts down with CAP_WORKQUEUE_CANCEL if still running, then frees. Accepts NULL. */
void cap_workqueue_free(cap_workqueue *q);
