/* Sync retries: Argo CD's retry policy, its backoff schedule, and Go durations. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "value/value.h"

/* Argo CD's defaults for a retry block's backoff. */
#define CAP_SYNC_RETRY_DURATION_MS     5000u
#define CAP_SYNC_RETRY_FACTOR	       2
#define CAP_SYNC_RETRY_MAX_DURATION_MS 180000u

/*
 * A retry policy (spec.syncPolicy.retry, operation.retry). limit is how many retries follow a
 * failed attempt: 0 none, negative without end. Argo CD has no implicit retry: an application
 * without a retry block, automated or not, is not retried (auto-sync just does not try the same
 * revision again), and a retry block without limit means limit 0.
 */
typedef struct cap_sync_retry {
	int64_t limit;
	uint64_t duration_ms;	  /* backoff.duration, default 5s */
	int64_t factor;		  /* backoff.factor, default 2 */
	uint64_t max_duration_ms; /* backoff.maxDuration, default 3m; 0 means no cap */
} cap_sync_retry;

/* The policy of an absent retry block: limit 0 and the default backoff. */
void cap_sync_retry_init(cap_sync_retry *r);

/*
 * Reads a retry block ({limit, backoff: {duration, factor, maxDuration}}); NULL or null is the
 * absent block. Durations go through cap_sync_duration_parse, and a number is seconds too. A
 * field of the wrong type or an unreadable duration is CAP_EINVALID naming the field:
 * "invalid retry backoff.duration 'soon': …". *out is untouched on failure.
 */
int cap_sync_retry_parse(cap_sync_retry *out, const cap_value *retry);

/* Whether another attempt may follow after `retries` retries were made already. */
bool cap_sync_retry_allowed(const cap_sync_retry *r, int64_t retries);

/*
 * The wait before retry number `attempt` (0 for the first retry): duration * factor^attempt,
 * capped at max_duration when that is set, and saturating rather than overflowing. With Argo
 * CD's defaults: 5s, 10s, 20s, 40s, 80s, 160s, 180s, 180s, …
 */
uint64_t cap_sync_retry_delay_ms(const cap_sync_retry *r, int64_t attempt);

/*
 * Parses a duration as Argo CD reads retry and sync-window durations: a bare integer is seconds
 * ("30"); otherwise Go's time.ParseDuration syntax, a sequence of decimal numbers with units ns,
 * us (or µs), ms, s, m, h ("5s", "2m", "1h30m", "1.5h", "500ms"), optionally signed; "0" alone is
 * zero. Negative durations are refused here. Sub-millisecond remainders are dropped.
 * CAP_EINVALID quoting the text otherwise.
 */
int cap_sync_duration_parse(uint64_t *out_ms, const char *text);

/*
 * Appends ms as Go's Duration.String writes it: "0s", "500ms", "5s", "1.5s", "2m0s", "1h30m0s".
 */
void cap_sync_duration_format(cap_buf *out, uint64_t ms);
