/* Tests for sync retries: the retry block, Argo CD's backoff schedule, Go durations. */
#include "cap_test.h"

#include <string.h>

#include "base/error.h"
#include "sync/retry.h"
#include "value/json.h"

static int parse_retry(cap_sync_retry *out, const char *text)
{
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, text, strlen(text), "test", NULL), 0);
	int rc = cap_sync_retry_parse(out, v);
	cap_value_free(v);
	return rc;
}

static void absent_block_means_no_retry_with_default_backoff(void **state)
{
	cap_sync_retry r;
	assert_int_equal(cap_sync_retry_parse(&r, NULL), 0);
	assert_int_equal(r.limit, 0);
	assert_int_equal(r.duration_ms, 5000);
	assert_int_equal(r.factor, 2);
	assert_int_equal(r.max_duration_ms, 180000);
	assert_false(cap_sync_retry_allowed(&r, 0));
	assert_int_equal(parse_retry(&r, "{}"), 0);
	assert_int_equal(r.limit, 0);
}

static void backoff_doubles_up_to_max_duration(void **state)
{
	cap_sync_retry r;
	assert_int_equal(parse_retry(&r, "{\"limit\":5}"), 0);
	static const uint64_t want[] = {5000, 10000, 20000, 40000, 80000, 160000, 180000, 180000};
	for (int i = 0; i < 8; i++)
		assert_int_equal(cap_sync_retry_delay_ms(&r, i), want[i]);
	assert_int_equal(cap_sync_retry_delay_ms(&r, 1000000), 180000);
	assert_true(cap_sync_retry_allowed(&r, 4));
	assert_false(cap_sync_retry_allowed(&r, 5));
}

static void backoff_fields_take_go_durations_or_seconds(void **state)
{
	cap_sync_retry r;
	assert_int_equal(parse_retry(&r, "{\"limit\":-1,\"backoff\":{\"duration\":\"30\","
					 "\"factor\":3,\"maxDuration\":\"2m\"}}"),
			 0);
	assert_int_equal(r.duration_ms, 30000);
	assert_int_equal(r.max_duration_ms, 120000);
	assert_int_equal(cap_sync_retry_delay_ms(&r, 0), 30000);
	assert_int_equal(cap_sync_retry_delay_ms(&r, 1), 90000);
	assert_int_equal(cap_sync_retry_delay_ms(&r, 2), 120000);
	assert_true(cap_sync_retry_allowed(&r, 1000000)); /* negative limit: without end */
	assert_int_equal(parse_retry(&r, "{\"backoff\":{\"duration\":10,\"factor\":1}}"), 0);
	assert_int_equal(cap_sync_retry_delay_ms(&r, 50), 10000);
}

static void bad_retry_blocks_name_the_field(void **state)
{
	cap_sync_retry r = {.limit = 42};
	assert_int_equal(parse_retry(&r, "{\"backoff\":{\"duration\":\"soon\"}}"), CAP_EINVALID);
	assert_string_equal(cap_error_last(),
			    "invalid retry backoff.duration 'soon': invalid duration 'soon'");
	assert_int_equal(r.limit, 42);
	assert_int_equal(parse_retry(&r, "{\"limit\":\"5\"}"), CAP_EINVALID);
	assert_int_equal(parse_retry(&r, "{\"backoff\":{\"factor\":\"2\"}}"), CAP_EINVALID);
	assert_int_equal(parse_retry(&r, "{\"backoff\":{\"maxDuration\":\"-1m\"}}"), CAP_EINVALID);
	assert_int_equal(r.limit, 42);
}

static void go_durations_parse(void **state)
{
	static const struct {
		const char *text;
		uint64_t ms;
	} ok[] = {
	    {"5s", 5000},	{"2m", 120000},	   {"1h30m", 5400000}, {"1.5h", 5400000},
	    {"500ms", 500},	{"0", 0},	   {"30", 30000},      {"+10s", 10000},
	    {"1m30.5s", 90500}, {"1500us", 1},	   {"2000000ns", 2},   {"1h0m0s", 3600000},
	    {".5s", 500},	{"3\xc2\xb5s", 0},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t ms = 12345;
		assert_int_equal(cap_sync_duration_parse(&ms, ok[i].text), 0);
		assert_int_equal(ms, ok[i].ms);
	}
	static const char *const bad[] = {"", "s", "5x", "1..5s", "-5s", "5 s", "h1", "."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ms = 7;
		assert_int_equal(cap_sync_duration_parse(&ms, bad[i]), CAP_EINVALID);
		assert_int_equal(ms, 7);
	}
}

static void go_durations_format(void **state)
{
	static const struct {
		uint64_t ms;
		const char *text;
	} cases[] = {
	    {0, "0s"},	      {500, "500ms"},	    {5000, "5s"},	 {1500, "1.5s"},
	    {120000, "2m0s"}, {5400000, "1h30m0s"}, {3600000, "1h0m0s"}, {61001, "1m1.001s"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cap_buf b = CAP_BUF_INIT;
		cap_sync_duration_format(&b, cases[i].ms);
		assert_string_equal(b.ptr, cases[i].text);
		cap_buf_release(&b);
	}
}

/* Found by fuzz_sync_rules: fractions read exactly, seconds bounded as Go's Duration is. */
static void go_durations_round_trip_at_the_edges(void **state)
{
	(void)state;
	uint64_t ms = 0;
	assert_int_equal(cap_sync_duration_parse(&ms, "8.4s"), 0);
	assert_int_equal(ms, 8400);
	assert_int_equal(cap_sync_duration_parse(&ms, "18888888888"), CAP_EINVALID);
	assert_int_equal(cap_sync_duration_parse(&ms, "6186188889"), 0);
	cap_buf b = CAP_BUF_INIT;
	cap_sync_duration_format(&b, ms);
	uint64_t again = 0;
	assert_int_equal(cap_sync_duration_parse(&again, b.ptr), 0);
	assert_int_equal(again, ms);
	cap_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(absent_block_means_no_retry_with_default_backoff),
	    cmocka_unit_test(backoff_doubles_up_to_max_duration),
	    cmocka_unit_test(backoff_fields_take_go_durations_or_seconds),
	    cmocka_unit_test(bad_retry_blocks_name_the_field),
	    cmocka_unit_test(go_durations_parse),
	    cmocka_unit_test(go_durations_format),
	    cmocka_unit_test(go_durations_round_trip_at_the_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
