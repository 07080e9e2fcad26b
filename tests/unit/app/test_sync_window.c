/* Tests for sync windows: cron schedules, durations, time zones, matching and Argo CD's verdicts.
 */
#include "cap_test.h"

#include <string.h>
#include <time.h>

#include "app/sync_window.h"
#include "base/error.h"
#include "value/json.h"

/* Unix time of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm);
}

static int compile(cap_sync_windows *out, const char *json)
{
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, json, strlen(json), "test", NULL), 0);
	int rc = cap_sync_windows_compile(out, v);
	cap_value_free(v);
	return rc;
}

/* One window of schedule and duration in zone (NULL: UTC), applying to every app. */
static void one(cap_sync_windows *out, const char *schedule, const char *duration, const char *zone)
{
	cap_buf j = CAP_BUF_INIT;
	cap_buf_printf(&j,
		       "[{\"kind\":\"allow\",\"schedule\":\"%s\",\"duration\":\"%s\","
		       "\"applications\":[\"*\"]%s%s%s}]",
		       schedule, duration, zone ? ",\"timeZone\":\"" : "", zone ? zone : "",
		       zone ? "\"" : "");
	assert_int_equal(compile(out, j.ptr), 0);
	cap_buf_release(&j);
}

static bool active(const char *schedule, const char *duration, const char *zone, int64_t t)
{
	cap_sync_windows ws;
	one(&ws, schedule, duration, zone);
	bool a = cap_sync_window_active(&ws.items[0], t);
	cap_sync_windows_release(&ws);
	return a;
}

static void window_opens_after_its_firing_and_closes_at_its_end(void **state)
{
	assert_false(active("0 22 * * *", "1h", NULL, utc(2026, 1, 15, 21, 59, 59)));
	assert_false(active("0 22 * * *", "1h", NULL, utc(2026, 1, 15, 22, 0, 0)));
	assert_true(active("0 22 * * *", "1h", NULL, utc(2026, 1, 15, 22, 0, 1)));
	assert_true(active("0 22 * * *", "1h", NULL, utc(2026, 1, 15, 22, 59, 59)));
	assert_false(active("0 22 * * *", "1h", NULL, utc(2026, 1, 15, 23, 0, 0)));
	/* across midnight and across a year */
	assert_true(active("0 23 * * *", "2h", NULL, utc(2026, 1, 16, 0, 30, 0)));
	assert_true(active("30 23 31 12 *", "1h", NULL, utc(2027, 1, 1, 0, 15, 0)));
	/* a window longer than its period is always open */
	assert_true(active("0 * * * *", "2h", NULL, utc(2026, 1, 15, 3, 0, 0)));
}

static void cron_fields_lists_ranges_steps_and_names(void **state)
{
	/* 2026-01-15 is a Thursday, 2026-06-01 a Monday, 2026-03-01 a Sunday */
	assert_true(active("*/15 * * * *", "1m", NULL, utc(2026, 1, 15, 3, 45, 30)));
	assert_false(active("*/15 * * * *", "1m", NULL, utc(2026, 1, 15, 3, 46, 30)));
	assert_true(active("5/20 * * * *", "1m", NULL, utc(2026, 1, 15, 3, 45, 30)));
	assert_false(active("5/20 * * * *", "1m", NULL, utc(2026, 1, 15, 3, 40, 30)));
	assert_true(active("0 9-17/4 * * *", "1m", NULL, utc(2026, 1, 15, 13, 0, 30)));
	assert_false(active("0 9-17/4 * * *", "1m", NULL, utc(2026, 1, 15, 15, 0, 30)));
	assert_true(active("0 9 * * MON-FRI", "1h", NULL, utc(2026, 1, 15, 9, 30, 0)));
	assert_false(active("0 9 * * sat,sun", "1h", NULL, utc(2026, 1, 15, 9, 30, 0)));
	assert_true(active("0 9 * jan *", "1h", NULL, utc(2026, 1, 15, 9, 30, 0)));
	assert_false(active("0 9 * FEB-DEC *", "1h", NULL, utc(2026, 1, 15, 9, 30, 0)));
	assert_true(active("0 9 ? * 4", "1h", NULL, utc(2026, 1, 15, 9, 30, 0)));
	/* day of month and day of week both given: either matches, as in cron */
	assert_true(active("0 0 1 * MON", "1h", NULL, utc(2026, 6, 1, 0, 30, 0)));
	assert_true(active("0 0 1 * MON", "1h", NULL, utc(2026, 3, 1, 0, 30, 0)));
	assert_true(active("0 0 15 * MON", "1h", NULL, utc(2026, 1, 15, 0, 30, 0)));
	assert_false(active("0 0 14 * MON", "1h", NULL, utc(2026, 1, 15, 0, 30, 0)));
	/* a date that never comes */
	assert_false(active("0 0 30 2 *", "24h", NULL, utc(2026, 3, 1, 0, 30, 0)));
}

static void bad_windows_are_refused_naming_them(void **state)
{
	static const char *const bad[] = {
	    "[{\"kind\":\"maybe\",\"schedule\":\"* * * * *\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"* * * *\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"* * * * * *\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"60 * * * *\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"* * * * 7\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"* * 0 * *\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"1, * * * *\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"*/0 * * * *\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"5-1 * * * *\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"@daily\",\"duration\":\"1h\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"* * * * *\",\"duration\":\"60\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"* * * * *\",\"duration\":\"an hour\"}]",
	    "[{\"kind\":\"allow\",\"schedule\":\"* * * * *\"}]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cap_sync_windows ws = {(cap_sync_window *)1, 99};
		assert_int_equal(compile(&ws, bad[i]), CAP_EINVALID);
		assert_int_equal(ws.len, 99);
	}
	cap_sync_windows ws;
	assert_int_equal(compile(&ws, "[{\"kind\":\"deny\",\"schedule\":\"* * * * *\",\"duration\":"
				      "\"1h\"},{\"kind\":\"allow\",\"schedule\":\"0 25 * * *\","
				      "\"duration\":\"1h\"}]"),
			 CAP_EINVALID);
	assert_string_equal(cap_error_last(),
			    "invalid sync window 1: cannot parse schedule '0 25 * * *'");
	assert_int_equal(compile(&ws,
				 "[{\"kind\":\"allow\",\"schedule\":\"* * * * *\",\"duration\":"
				 "\"1h\",\"timeZone\":\"Mars/Olympus\"}]"),
			 CAP_ENOTFOUND);
	assert_string_equal(cap_error_last(),
			    "invalid sync window 0: unknown time zone 'Mars/Olympus'");
	assert_int_equal(compile(&ws,
				 "[{\"kind\":\"allow\",\"schedule\":\"* * * * *\",\"duration\":"
				 "\"1h\",\"timeZone\":\"../../etc/passwd\"}]"),
			 CAP_EINVALID);
	assert_int_equal(compile(&ws, "[]"), 0);
	assert_int_equal(ws.len, 0);
	cap_sync_windows_release(&ws);
}

static void time_zones_follow_daylight_saving_and_the_zone_rule(void **state)
{
	/* 09:00 in Berlin: 08:00 UTC in winter, 07:00 UTC in summer */
	assert_true(active("0 9 * * *", "1h", "Europe/Berlin", utc(2026, 1, 15, 8, 30, 0)));
	assert_false(active("0 9 * * *", "1h", "Europe/Berlin", utc(2026, 1, 15, 9, 30, 0)));
	assert_true(active("0 9 * * *", "1h", "Europe/Berlin", utc(2026, 7, 15, 7, 30, 0)));
	assert_false(active("0 9 * * *", "1h", "Europe/Berlin", utc(2026, 7, 15, 8, 30, 0)));
	/* past the file's last transition the zone's POSIX rule decides */
	assert_true(active("0 9 * * *", "1h", "Europe/Berlin", utc(2040, 7, 15, 7, 30, 0)));
	assert_true(active("0 9 * * *", "1h", "Europe/Berlin", utc(2040, 1, 15, 8, 30, 0)));
	assert_true(active("0 9 * * *", "1h", "America/New_York", utc(2026, 1, 15, 14, 30, 0)));
	assert_true(active("0 9 * * *", "1h", "America/New_York", utc(2026, 7, 15, 13, 30, 0)));
	assert_true(active("0 9 * * *", "1h", "America/New_York", utc(2045, 7, 15, 13, 30, 0)));
	/* half-hour offsets and the southern hemisphere */
	assert_true(active("0 9 * * *", "1h", "Asia/Kolkata", utc(2026, 1, 15, 3, 45, 0)));
	assert_true(active("0 9 * * *", "1h", "Australia/Sydney", utc(2026, 1, 14, 22, 30, 0)));
	assert_true(active("0 9 * * *", "1h", "Australia/Sydney", utc(2026, 7, 14, 23, 30, 0)));
	assert_true(active("0 9 * * *", "1h", "Australia/Sydney", utc(2045, 1, 14, 22, 30, 0)));
	assert_true(active("0 9 * * *", "1h", "UTC", utc(2026, 1, 15, 9, 30, 0)));

	cap_time_zone *z;
	assert_int_equal(cap_time_zone_load(&z, "Europe/Berlin"), 0);
	assert_int_equal(cap_time_zone_offset(z, utc(2026, 3, 29, 0, 59, 59)), 3600);
	assert_int_equal(cap_time_zone_offset(z, utc(2026, 3, 29, 1, 0, 0)), 7200);
	assert_int_equal(cap_time_zone_offset(z, utc(2050, 10, 30, 0, 59, 59)), 7200);
	assert_int_equal(cap_time_zone_offset(z, utc(2050, 10, 30, 1, 0, 0)), 3600);
	cap_time_zone_free(z);
}

static void windows_match_apps_by_name_namespace_and_cluster(void **state)
{
	cap_sync_windows ws;
	assert_int_equal(
	    compile(&ws,
		    "[{\"kind\":\"deny\",\"schedule\":\"* * * * *\",\"duration\":\"1h\","
		    "\"applications\":[\"web-*\"]},"
		    "{\"kind\":\"deny\",\"schedule\":\"* * * * *\",\"duration\":\"1h\","
		    "\"namespaces\":[\"prod\"]},"
		    "{\"kind\":\"deny\",\"schedule\":\"* * * * *\",\"duration\":\"1h\","
		    "\"clusters\":[\"in-cluster\",\"https://prod.*\"]},"
		    "{\"kind\":\"deny\",\"schedule\":\"* * * * *\",\"duration\":\"1h\","
		    "\"applications\":[\"web-*\"],\"namespaces\":[\"prod\"],\"andOperator\":true},"
		    "{\"kind\":\"deny\",\"schedule\":\"* * * * *\",\"duration\":\"1h\"}]"),
	    0);
	cap_sync_window_app web_dev = {"web-1", "dev", "https://dev.example", "dev"};
	cap_sync_window_app web_prod = {"web-1", "prod", "https://dev.example", "dev"};
	cap_sync_window_app api_local = {"api", "dev", "https://kubernetes.default.svc",
					 "in-cluster"};
	cap_sync_window_app api_prod = {"api", "dev", "https://prod.example", NULL};
	cap_sync_window_app other = {"api", "dev", "https://dev.example", "dev"};
	bool want[][5] = {
	    {true, false, false, false, false},	 /* web_dev */
	    {true, true, false, true, false},	 /* web_prod */
	    {false, false, true, false, false},	 /* api_local */
	    {false, false, true, false, false},	 /* api_prod */
	    {false, false, false, false, false}, /* other */
	};
	const cap_sync_window_app *apps[] = {&web_dev, &web_prod, &api_local, &api_prod, &other};
	for (int a = 0; a < 5; a++)
		for (int w = 0; w < 5; w++)
			assert_int_equal(cap_sync_window_matches(&ws.items[w], apps[a]),
					 want[a][w]);
	cap_sync_windows_release(&ws);
}

/* The verdict for app "web" at 2026-01-15 10:30 UTC; windows open at 10:00 for 1h or at 20:00. */
static cap_sync_window_decision decide(const char *windows)
{
	cap_sync_windows ws;
	cap_sync_window_decision d;
	cap_sync_window_app app = {"web", "prod", "https://kubernetes.default.svc", "in-cluster"};
	assert_int_equal(compile(&ws, windows), 0);
	cap_sync_windows_decide(&d, &ws, &app, utc(2026, 1, 15, 10, 30, 0));
	cap_sync_windows_release(&ws);
	return d;
}

#define OPEN "0 10 * * *"
#define SHUT "0 20 * * *"
#define WIN(kind, sched, manual)                                                                   \
	"{\"kind\":\"" kind "\",\"schedule\":\"" sched "\",\"duration\":\"1h\","                   \
	"\"applications\":[\"*\"],\"manualSync\":" manual "}"

static void verdicts_follow_argo_cd_rules(void **state)
{
	cap_sync_window_decision d;
	d = decide("[]");
	assert_true(d.auto_sync && d.manual_sync);
	/* windows for other apps change nothing */
	d = decide("[{\"kind\":\"deny\",\"schedule\":\"" OPEN "\",\"duration\":\"1h\","
		   "\"applications\":[\"api\"]}]");
	assert_true(d.auto_sync && d.manual_sync);
	assert_int_equal(d.matching, 0);
	/* an open deny blocks everything; manualSync lets users through */
	d = decide("[" WIN("deny", OPEN, "false") "]");
	assert_false(d.auto_sync || d.manual_sync);
	d = decide("[" WIN("deny", OPEN, "true") "]");
	assert_false(d.auto_sync);
	assert_true(d.manual_sync);
	/* every open deny must permit manual syncs */
	d = decide("[" WIN("deny", OPEN, "true") "," WIN("deny", OPEN, "false") "]");
	assert_false(d.auto_sync || d.manual_sync);
	/* a closed deny changes nothing */
	d = decide("[" WIN("deny", SHUT, "false") "]");
	assert_true(d.auto_sync && d.manual_sync);
	/* deny wins over an open allow */
	d = decide("[" WIN("allow", OPEN, "false") "," WIN("deny", OPEN, "false") "]");
	assert_false(d.auto_sync || d.manual_sync);
	assert_int_equal(d.active, 2);
	/* with allow windows, syncs happen only inside one */
	d = decide("[" WIN("allow", OPEN, "false") "," WIN("allow", SHUT, "false") "]");
	assert_true(d.auto_sync && d.manual_sync);
	d = decide("[" WIN("allow", SHUT, "false") "]");
	assert_false(d.auto_sync || d.manual_sync);
	d = decide("[" WIN("allow", SHUT, "true") "," WIN("allow", SHUT, "false") "]");
	assert_false(d.auto_sync);
	assert_true(d.manual_sync);
	assert_int_equal(d.matching, 2);
	assert_int_equal(d.active, 0);
}

/* Whether a sync running at 2026-01-15 10:30 UTC may go on; windows as for decide(). */
static bool may_continue(const char *windows, bool manual)
{
	cap_sync_windows ws;
	cap_sync_window_app app = {"web", "prod", "https://kubernetes.default.svc", "in-cluster"};
	assert_int_equal(compile(&ws, windows), 0);
	bool ok = cap_sync_windows_may_continue(&ws, &app, manual, utc(2026, 1, 15, 10, 30, 0));
	cap_sync_windows_release(&ws);
	return ok;
}

#define OVERRUN(kind, sched, overrun)                                                              \
	"{\"kind\":\"" kind "\",\"schedule\":\"" sched "\",\"duration\":\"1h\","                   \
	"\"applications\":[\"*\"],\"syncOverrun\":" overrun "}"

static void running_syncs_overrun_only_where_every_blocking_window_permits(void **state)
{
	assert_true(may_continue("[]", false));
	/* a deny window opened while the sync ran */
	assert_true(may_continue("[" OVERRUN("deny", OPEN, "true") "]", false));
	assert_false(may_continue("[" OVERRUN("deny", OPEN, "false") "]", false));
	assert_false(may_continue(
	    "[" OVERRUN("deny", OPEN, "true") "," OVERRUN("deny", OPEN, "false") "]", false));
	/* the allow window the sync started in has closed */
	assert_true(may_continue("[" OVERRUN("allow", SHUT, "true") "]", false));
	assert_false(may_continue("[" OVERRUN("allow", SHUT, "false") "]", false));
	assert_false(may_continue(
	    "[" OVERRUN("allow", SHUT, "true") "," OVERRUN("allow", SHUT, "false") "]", false));
	/* a deny with overrun lets it go on even after its allow window closed without one */
	assert_true(may_continue(
	    "[" OVERRUN("allow", SHUT, "false") "," OVERRUN("deny", OPEN, "true") "]", false));
	/* manual syncs that the windows still permit go on */
	assert_true(may_continue("[" WIN("deny", OPEN, "true") "]", true));
	assert_false(may_continue("[" WIN("deny", OPEN, "true") "]", false));
}

static int64_t next_change(const char *schedule, const char *duration, const char *zone, int64_t t)
{
	cap_sync_windows ws;
	cap_sync_window_app app = {"web", "prod", NULL, NULL};
	one(&ws, schedule, duration, zone);
	int64_t next = cap_sync_windows_next_change(&ws, &app, t);
	cap_sync_windows_release(&ws);
	return next;
}

static void next_change_is_the_next_opening_or_closing(void **state)
{
	/* closed: opens just after its next firing */
	assert_int_equal(next_change("0 22 * * *", "1h", NULL, utc(2026, 1, 15, 21, 0, 0)),
			 utc(2026, 1, 15, 22, 0, 1));
	/* open: closes at its end */
	assert_int_equal(next_change("0 22 * * *", "1h", NULL, utc(2026, 1, 15, 22, 30, 0)),
			 utc(2026, 1, 15, 23, 0, 0));
	assert_int_equal(next_change("0 10 * * *", "90s", NULL, utc(2026, 1, 15, 10, 1, 0)),
			 utc(2026, 1, 15, 10, 1, 30));
	/* firing every minute: the earliest firing's end comes first, then the next firing */
	assert_int_equal(next_change("* * * * *", "1h", NULL, utc(2026, 1, 15, 10, 30, 20)),
			 utc(2026, 1, 15, 10, 31, 0));
	/* read in the window's zone: 22:00 in Berlin is 21:00 UTC in January */
	assert_int_equal(
	    next_change("0 22 * * *", "1h", "Europe/Berlin", utc(2026, 1, 15, 20, 0, 0)),
	    utc(2026, 1, 15, 21, 0, 1));
	/* no window that applies: never */
	cap_sync_windows ws;
	cap_sync_window_app other = {"api", "prod", NULL, NULL};
	assert_int_equal(compile(&ws, "[{\"kind\":\"deny\",\"schedule\":\"* * * * *\","
				      "\"duration\":\"1h\",\"applications\":[\"web\"]}]"),
			 0);
	assert_true(cap_sync_windows_next_change(&ws, &other, utc(2026, 1, 15, 0, 0, 0)) ==
		    INT64_MAX);
	cap_sync_windows_release(&ws);
	assert_true(cap_sync_windows_next_change(NULL, &other, 0) == INT64_MAX);
}

/* Between t and the next change the window's state holds, whatever t is. */
static void window_state_holds_until_the_next_change(void **state)
{
	static const char *const cases[][2] = {
	    {"*/7 * * * *", "90s"}, {"0 22 * * *", "1h"}, {"15,45 * * * *", "20m"}};
	for (size_t c = 0; c < 3; c++) {
		cap_sync_windows ws;
		one(&ws, cases[c][0], cases[c][1], NULL);
		cap_sync_window_app app = {"web", "prod", NULL, NULL};
		int64_t start = utc(2026, 1, 15, 21, 0, 0);
		for (int64_t t = start; t < start + 3 * 3600; t += 97) {
			int64_t next = cap_sync_windows_next_change(&ws, &app, t);
			assert_true(next > t);
			bool was = cap_sync_window_active(&ws.items[0], t);
			for (int64_t s = t + 1; s < next && s < t + 1200; s += 1)
				assert_int_equal(cap_sync_window_active(&ws.items[0], s), was);
		}
		cap_sync_windows_release(&ws);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(window_opens_after_its_firing_and_closes_at_its_end),
	    cmocka_unit_test(cron_fields_lists_ranges_steps_and_names),
	    cmocka_unit_test(bad_windows_are_refused_naming_them),
	    cmocka_unit_test(time_zones_follow_daylight_saving_and_the_zone_rule),
	    cmocka_unit_test(windows_match_apps_by_name_namespace_and_cluster),
	    cmocka_unit_test(verdicts_follow_argo_cd_rules),
	    cmocka_unit_test(running_syncs_overrun_only_where_every_blocking_window_permits),
	    cmocka_unit_test(next_change_is_the_next_opening_or_closing),
	    cmocka_unit_test(window_state_holds_until_the_next_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
