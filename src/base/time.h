/* Time helpers: monotonic clocks, sleeps, deadlines, and RFC 3339 wall-clock text. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Monotonic time (CLOCK_MONOTONIC) since an arbitrary start: for durations and deadlines. */
uint64_t cap_time_now_ns(void);
uint64_t cap_time_now_ms(void);
/* Wall-clock time as Unix seconds (CLOCK_REALTIME): for timestamps only, never durations. */
int64_t cap_time_wall_s(void);
/* Sleeps at least ms milliseconds, resuming after signals. */
void cap_time_sleep_ms(uint64_t ms);

/* A point on the monotonic clock; CAP_DEADLINE_NEVER never expires. */
typedef struct cap_deadline {
	uint64_t at_ns;
} cap_deadline;

#define CAP_DEADLINE_NEVER ((cap_deadline){UINT64_MAX})

/* The deadline ms milliseconds from now. */
cap_deadline cap_deadline_in_ms(uint64_t ms);
bool cap_deadline_expired(cap_deadline d);
/* Milliseconds left (rounded up), 0 once expired, UINT64_MAX for never. */
uint64_t cap_deadline_remaining_ms(cap_deadline d);

/* "2026-11-24T17:01:11Z" plus the NUL. */
#define CAP_RFC3339_LEN 21

/*
 * Formats Unix seconds as Kubernetes writes metav1.Time: UTC, second precision, 'Z'. out must
 * hold CAP_RFC3339_LEN bytes. Returns out.
 */
char *cap_time_format_rfc3339(char *out, int64_t unix_s);

/*
 * Parses RFC 3339 ("2026-11-24T17:01:11Z", "…T17:01:11.123456+02:00", lowercase t/z accepted)
 * into Unix seconds (fractions dropped). CAP_EINVALID with a message quoting the text otherwise.
 */
int cap_time_parse_rfc3339(int64_t *out, const char *text);
