/* Tests for clocks, deadlines and RFC 3339 formatting and parsing. */
#include "cap_test.h"

#include "base/error.h"
#include "base/time.h"

#include <string.h>

static void monotonic_clock_advances_across_sleep(void **state)
{
	uint64_t a = cap_time_now_ns();
	cap_time_sleep_ms(5);
	uint64_t b = cap_time_now_ns();
	assert_true(b - a >= 5000000ULL);
	assert_true(cap_time_now_ms() >= b / 1000000ULL);
}

static void deadline_expires_after_its_time(void **state)
{
	cap_deadline d = cap_deadline_in_ms(20);
	assert_false(cap_deadline_expired(d));
	uint64_t left = cap_deadline_remaining_ms(d);
	assert_true(left > 0 && left <= 20);
	cap_time_sleep_ms(25);
	assert_true(cap_deadline_expired(d));
	assert_int_equal(cap_deadline_remaining_ms(d), 0);
	assert_false(cap_deadline_expired(CAP_DEADLINE_NEVER));
	assert_true(cap_deadline_remaining_ms(CAP_DEADLINE_NEVER) == UINT64_MAX);
	assert_false(cap_deadline_expired(cap_deadline_in_ms(UINT64_MAX)));
}

static void formats_like_kubernetes(void **state)
{
	char buf[CAP_RFC3339_LEN];
	assert_string_equal(cap_time_format_rfc3339(buf, 0), "1970-01-01T00:00:00Z");
	assert_string_equal(cap_time_format_rfc3339(buf, 1795539671), "2026-11-24T17:01:11Z");
	assert_int_equal(strlen(cap_time_format_rfc3339(buf, cap_time_wall_s())), 20);
}

static void parses_utc_offsets_and_fractions(void **state)
{
	int64_t t = 0;
	assert_int_equal(cap_time_parse_rfc3339(&t, "2026-11-24T17:01:11Z"), 0);
	assert_int_equal(t, 1795539671);
	assert_int_equal(cap_time_parse_rfc3339(&t, "2026-11-24T19:01:11.123456+02:00"), 0);
	assert_int_equal(t, 1795539671);
	assert_int_equal(cap_time_parse_rfc3339(&t, "2026-11-24t16:31:11-00:30"), 0);
	assert_int_equal(t, 1795539671);
}

static void rejects_malformed_times(void **state)
{
	const char *bad[] = {"",
			     "2026-11-24",
			     "2026-11-24T17:01:11",
			     "2026-13-24T17:01:11Z",
			     "2026-11-24T17:01:11Zjunk",
			     "2026-11-24T17:01:11.Z",
			     "yesterday"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 42;
		assert_int_equal(cap_time_parse_rfc3339(&t, bad[i]), CAP_EINVALID);
		assert_int_equal(t, 42);
	}
	assert_non_null(strstr(cap_error_last(), "'yesterday'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(monotonic_clock_advances_across_sleep),
	    cmocka_unit_test(deadline_expires_after_its_time),
	    cmocka_unit_test(formats_like_kubernetes),
	    cmocka_unit_test(parses_utc_offsets_and_fractions),
	    cmocka_unit_test(rejects_malformed_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
