/* Sync windows: when an AppProject's allow and deny windows let an application sync. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

/*
 * A time zone read from the TZ database (TZif files under $TZDIR, else /usr/share/zoneinfo),
 * including the POSIX rule at the end of the file for times past its last transition. Private;
 * immutable once loaded, so one zone may be read from many threads. Nothing here touches the
 * process's TZ variable or calls tzset: evaluating windows is thread-safe.
 */
typedef struct cap_time_zone cap_time_zone;

/*
 * Loads a zone by IANA name ("Europe/Berlin"); "", "UTC" and "Etc/UTC" are UTC, "Local" the
 * system zone (/etc/localtime). A name holding ".." or starting with '/' is refused, so a
 * project cannot make Capstan read arbitrary files. CAP_ENOTFOUND or CAP_EINVALID quoting the
 * name. Free with cap_time_zone_free.
 */
int cap_time_zone_load(cap_time_zone **out, const char *name);
void cap_time_zone_free(cap_time_zone *zone);
/* The zone's offset from UTC at Unix time t, in seconds (east positive). */
int32_t cap_time_zone_offset(const cap_time_zone *zone, int64_t t);

typedef enum cap_sync_window_kind {
	CAP_SYNC_WINDOW_ALLOW,
	CAP_SYNC_WINDOW_DENY,
} cap_sync_window_kind;

/*
 * One compiled window of spec.syncWindows[]: {kind, schedule, duration, applications,
 * namespaces, clusters, manualSync, timeZone, andOperator, syncOverrun}. Owns its zone and holds
 * references to the three lists (NULL when absent).
 */
typedef struct cap_sync_window {
	cap_sync_window_kind kind;
	uint64_t minutes; /* bit m: minute m matches */
	uint32_t hours;	  /* bit h */
	uint32_t days;	  /* bit d, 1..31 */
	uint16_t months;  /* bit m, 1..12 */
	uint8_t weekdays; /* bit d, 0 (Sunday)..6 */
	bool any_day;	  /* day of month was '*' or '?' */
	bool any_weekday; /* day of week was '*' or '?' */
	uint64_t duration_s;
	cap_value *applications;
	cap_value *namespaces;
	cap_value *clusters;
	bool manual_sync;
	bool and_operator;
	bool sync_overrun; /* syncs already running may outlast the window's verdict */
	cap_time_zone *zone;
} cap_sync_window;

typedef struct cap_sync_windows {
	cap_sync_window *items;
	size_t len;
} cap_sync_windows;

/*
 * Compiles an AppProject's spec.syncWindows array (NULL or empty: no windows). Each window is
 * checked as Argo CD validates a project: kind "allow" or "deny"; schedule a 5-field cron
 * expression (minute, hour, day of month, month, day of week; '*', '?', lists, ranges, steps,
 * "N/step" meaning N-max/step, JAN-DEC and SUN-SAT; Sunday is 0 only; no @descriptors, as Argo
 * CD's parser takes none); duration a Go duration ("1h", "90m"); timeZone an IANA name (absent:
 * UTC). CAP_EINVALID naming the window: "invalid sync window 2: cannot parse schedule '…'".
 * Release with cap_sync_windows_release. Compile once per project version and reuse it: the
 * compiled windows are read-only, so many threads may evaluate them at once.
 */
int cap_sync_windows_compile(cap_sync_windows *out, const cap_value *windows);
void cap_sync_windows_release(cap_sync_windows *ws);

/*
 * Whether w is open at Unix time t, as Argo CD decides: the window opens at each time its
 * schedule fires, read in its time zone, and stays open for its duration, ends excluded: open
 * when some firing f has t - duration < f < t (both measured in the zone's wall clock, using
 * the zone's offset at t, as Argo CD uses the offset of the present moment).
 */
bool cap_sync_window_active(const cap_sync_window *w, int64_t t);

/* The application a decision is for: its name and resolved destination (NULL: unknown). */
typedef struct cap_sync_window_app {
	const char *name;
	const char *namespace; /* spec.destination.namespace */
	const char *server;    /* spec.destination.server, resolved */
	const char *cluster;   /* spec.destination.name, resolved */
} cap_sync_window_app;

/*
 * Whether w applies to app: any glob of applications matches its name, or any glob of
 * namespaces its destination namespace, or any glob of clusters its destination name or server.
 * With andOperator every list the window gives must match instead. A window with no list
 * applies to nothing.
 */
bool cap_sync_window_matches(const cap_sync_window *w, const cap_sync_window_app *app);

/* The verdict for one application at one time. */
typedef struct cap_sync_window_decision {
	bool auto_sync;	  /* automated syncs may start */
	bool manual_sync; /* syncs a user asked for may start */
	size_t matching;  /* windows that apply to the app */
	size_t active;	  /* of those, open now */
} cap_sync_window_decision;

/*
 * Argo CD's rules over the windows that apply to app, at Unix time t: with none, everything is
 * allowed. An open deny window blocks every sync, except manual syncs when every open deny
 * window has manualSync. Otherwise an open allow window allows every sync. Otherwise, when
 * allow windows apply to the app but none is open, syncs are blocked, except manual syncs when
 * one of those allow windows has manualSync. Otherwise everything is allowed.
 */
void cap_sync_windows_decide(cap_sync_window_decision *out, const cap_sync_windows *ws,
			     const cap_sync_window_app *app, int64_t t);

/*
 * The first Unix time after t at which a window that applies to app may open or close, so the
 * verdict of cap_sync_windows_decide may change (INT64_MAX when no window applies). A window
 * opens just after each firing and an open one closes at its earliest firing's end, unless a
 * later firing keeps it open: the time returned is never late, and at worst early.
 */
int64_t cap_sync_windows_next_change(const cap_sync_windows *ws, const cap_sync_window_app *app,
				     int64_t t);

/*
 * Whether a sync of app that was allowed when it started (manual or automated) may keep running
 * at t, with Argo CD's syncOverrun rules: when the windows still allow such a sync, yes; when an
 * open deny window blocks it, only if every open deny window has syncOverrun; when it is
 * blocked because the allow windows that apply have all closed, only if every one of them has
 * syncOverrun.
 */
bool cap_sync_windows_may_continue(const cap_sync_windows *ws, const cap_sync_window_app *app,
				   bool manual, int64_t t);
