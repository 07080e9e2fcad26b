/* Sync windows: cron schedules, TZ database zones, and Argo CD's allow and deny rules. */
#include "app/sync_window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/project.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "sync/retry.h"

/* ---- time zones: TZif files and their POSIX TZ rule ---------------------------------------- */

/* A POSIX TZ rule date: Mm.w.d, Jn (1..365, Feb 29 never counted) or n (0..365). */
struct tz_date {
	char type; /* 'M', 'J' or 'n' */
	int month, week, wday, day;
	int32_t secs; /* local time of day of the change */
};

struct tz_rule {
	bool present;
	int32_t std_off; /* seconds east of UTC */
	int32_t dst_off;
	bool has_dst;
	struct tz_date start, end;
};

struct cap_time_zone {
	size_t n;	  /* transitions */
	int64_t *times;	  /* ascending Unix times */
	int32_t *offsets; /* offset in force from times[i] on */
	int32_t first;	  /* offset before the first transition */
	struct tz_rule rule;
};

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Parses "[+-]hh[:mm[:ss]]" into seconds; returns the end or NULL. */
static const char *tz_hms(const char *p, int32_t *out)
{
	int sign = 1, h = 0, m = 0, s = 0;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (*p < '0' || *p > '9')
		return NULL;
	h = (int)strtol(p, (char **)&p, 10);
	if (*p == ':') {
		m = (int)strtol(p + 1, (char **)&p, 10);
		if (*p == ':')
			s = (int)strtol(p + 1, (char **)&p, 10);
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *tz_name(const char *p)
{
	if (*p == '<') {
		const char *e = strchr(p, '>');
		return e ? e + 1 : NULL;
	}
	const char *s = p;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

static const char *tz_date(const char *p, struct tz_date *d)
{
	d->secs = 7200;
	if (*p == 'M') {
		d->type = 'M';
		if (sscanf(p + 1, "%d.%d.%d", &d->month, &d->week, &d->wday) != 3)
			return NULL;
		p++;
		while ((*p >= '0' && *p <= '9') || *p == '.')
			p++;
	} else {
		d->type = *p == 'J' ? 'J' : 'n';
		if (*p == 'J')
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		d->day = (int)strtol(p, (char **)&p, 10);
	}
	if (*p == '/' && !(p = tz_hms(p + 1, &d->secs)))
		return NULL;
	return p;
}

/* "CET-1CEST,M3.5.0,M10.5.0/3": offsets are west-positive in POSIX, east-positive here. */
static bool tz_rule_parse(struct tz_rule *r, const char *s)
{
	const char *p = tz_name(s);
	int32_t v;
	if (!p || !(p = tz_hms(p, &v)))
		return false;
	r->std_off = -v;
	r->dst_off = r->std_off + 3600;
	r->present = true;
	if (!*p)
		return true;
	if (!(p = tz_name(p)))
		return false;
	r->has_dst = true;
	if (*p && *p != ',') {
		if (!(p = tz_hms(p, &v)))
			return false;
		r->dst_off = -v;
	}
	if (!*p) /* POSIX's default rule, the United States' */
		p = ",M3.2.0,M11.1.0";
	if (*p != ',' || !(p = tz_date(p + 1, &r->start)) || *p != ',' ||
	    !(p = tz_date(p + 1, &r->end)))
		return false;
	return *p == '\0';
}

static int64_t civil(int year, int month, int day)
{
	struct tm tm = {0};
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	return (int64_t)timegm(&tm);
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The Unix time (as if local time were UTC) of a rule date in year. */
static int64_t tz_date_local(const struct tz_date *d, int year)
{
	int64_t day0;
	if (d->type == 'J')
		day0 = civil(year, 1, 1) +
		       (int64_t)(d->day - 1 + (leap(year) && d->day >= 60)) * 86400;
	else if (d->type == 'n')
		day0 = civil(year, 1, 1) + (int64_t)d->day * 86400;
	else {
		static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		int64_t first = civil(year, d->month, 1);
		int wday_first =
		    (int)(((first / 86400) % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
		int day = 1 + (d->wday - wday_first + 7) % 7 + (d->week - 1) * 7;
		int len = mdays[(d->month - 1) % 12] + (d->month == 2 && leap(year));
		while (day > len)
			day -= 7;
		day0 = first + (int64_t)(day - 1) * 86400;
	}
	return day0 + d->secs;
}

static int32_t tz_rule_offset(const struct tz_rule *r, int64_t t)
{
	if (!r->has_dst)
		return r->std_off;
	time_t lt = (time_t)(t + r->std_off);
	struct tm tm;
	gmtime_r(&lt, &tm);
	int year = tm.tm_year + 1900;
	int64_t start = tz_date_local(&r->start, year) - r->std_off;
	int64_t end = tz_date_local(&r->end, year) - r->dst_off;
	bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return dst ? r->dst_off : r->std_off;
}

static int tz_parse(cap_time_zone *z, const unsigned char *b, size_t len, const char *name)
{
	if (len < 44 || memcmp(b, "TZif", 4))
		goto bad;
	int version = b[4];
	size_t tsize = 4, off = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (off + 44 > len || memcmp(b + off, "TZif", 4))
			goto bad;
		uint64_t isut = be(b + off + 20, 4), isstd = be(b + off + 24, 4),
			 leapc = be(b + off + 28, 4), timec = be(b + off + 32, 4),
			 typec = be(b + off + 36, 4), charc = be(b + off + 40, 4);
		size_t body =
		    timec * tsize + timec + typec * 6 + charc + leapc * (tsize + 4) + isstd + isut;
		if (typec == 0 || off + 44 + body > len)
			goto bad;
		if (pass == 0 && version >= '2') {
			off += 44 + body;
			tsize = 8;
			continue;
		}
		const unsigned char *t = b + off + 44, *idx = t + timec * tsize,
				    *types = idx + timec;
		z->n = timec;
		z->times = cap_calloc(timec ? timec : 1, sizeof(*z->times));
		z->offsets = cap_calloc(timec ? timec : 1, sizeof(*z->offsets));
		for (size_t i = 0; i < timec; i++) {
			uint64_t raw = be(t + i * tsize, (int)tsize);
			z->times[i] = tsize == 8 ? (int64_t)raw : (int64_t)(int32_t)(uint32_t)raw;
			if (idx[i] >= typec)
				goto bad;
			z->offsets[i] = (int32_t)(uint32_t)be(types + idx[i] * 6, 4);
		}
		z->first = (int32_t)(uint32_t)be(types, 4);
		off += 44 + body;
		if (tsize == 8 && off < len && b[off] == '\n') {
			const char *s = (const char *)b + off + 1;
			const char *e = memchr(s, '\n', len - off - 1);
			if (e && e > s) {
				char *rule = cap_strndup(s, (size_t)(e - s));
				if (!tz_rule_parse(&z->rule, rule))
					z->rule.present = false;
				free(rule);
			}
		}
		return 0;
	}
bad:
	return cap_error_set(CAP_EINVALID, "cannot read time zone '%s': not a TZif file", name);
}

int cap_time_zone_load(cap_time_zone **out, const char *name)
{
	cap_time_zone *z = cap_calloc(1, sizeof(*z));
	if (!name || !*name || !strcmp(name, "UTC") || !strcmp(name, "Etc/UTC")) {
		*out = z;
		return 0;
	}
	if (name[0] == '/' || strstr(name, "..")) {
		free(z);
		return cap_error_set(CAP_EINVALID, "invalid time zone '%s'", name);
	}
	cap_buf path = CAP_BUF_INIT, data = CAP_BUF_INIT;
	if (!strcmp(name, "Local")) {
		cap_buf_puts(&path, "/etc/localtime");
	} else {
		const char *dir = getenv("TZDIR");
		cap_buf_printf(&path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	}
	int rc = cap_buf_read_file(&data, path.ptr);
	if (rc)
		rc = cap_error_set(CAP_ENOTFOUND, "unknown time zone '%s'", name);
	else
		rc = tz_parse(z, (const unsigned char *)data.ptr, data.len, name);
	cap_buf_release(&path);
	cap_buf_release(&data);
	if (rc) {
		cap_time_zone_free(z);
		return rc;
	}
	*out = z;
	return 0;
}

void cap_time_zone_free(cap_time_zone *zone)
{
	if (!zone)
		return;
	free(zone->times);
	free(zone->offsets);
	free(zone);
}

int32_t cap_time_zone_offset(const cap_time_zone *z, int64_t t)
{
	if (!z->n || t < z->times[0])
		return z->n ? z->first : (z->rule.present ? tz_rule_offset(&z->rule, t) : z->first);
	if (t >= z->times[z->n - 1] && z->rule.present)
		return tz_rule_offset(&z->rule, t);
	size_t lo = 0, hi = z->n; /* the last transition at or before t */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (z->times[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->offsets[lo];
}

/* ---- cron schedules ----------------------------------------------------------------------- */

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* Names a field accepts (case-insensitive), the first standing for base. */
struct cron_names {
	const char *const *names;
	int count, base;
};

static const struct cron_names months = {month_names, 12, 1}, weekdays = {day_names, 7, 0};

/* One value: a number, or one of names (may be NULL). */
static bool cron_value(const char *s, size_t len, const struct cron_names *names, int *out)
{
	if (!len)
		return false;
	for (int i = 0; names && len == 3 && i < names->count; i++) {
		if (!strncasecmp(s, names->names[i], 3)) {
			*out = names->base + i;
			return true;
		}
	}
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 1000)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* A field: comma list of *, ?, N, N-M, each with an optional /step. */
static bool cron_field(const char *s, int min, int max, const struct cron_names *names,
		       uint64_t *bits, bool *star)
{
	*bits = 0;
	*star = false;
	while (*s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		const char *slash = memchr(s, '/', len);
		size_t range_len = slash ? (size_t)(slash - s) : len;
		int lo, hi, step = 1;
		bool part_star = false;
		if (range_len == 1 && (*s == '*' || *s == '?')) {
			lo = min;
			hi = max;
			part_star = true;
		} else {
			const char *dash = memchr(s, '-', range_len);
			if (!cron_value(s, dash ? (size_t)(dash - s) : range_len, names, &lo))
				return false;
			hi = lo;
			if (dash &&
			    !cron_value(dash + 1, range_len - (size_t)(dash - s) - 1, names, &hi))
				return false;
			if (!dash && slash)
				hi = max; /* "N/step" is "N-max/step" */
		}
		if (slash && (!cron_value(slash + 1, len - range_len - 1, NULL, &step) || !step))
			return false;
		if (lo < min || hi > max || lo > hi)
			return false;
		if (part_star && step == 1)
			*star = true;
		for (int v = lo; v <= hi; v += step)
			*bits |= 1ull << v;
		if (!end)
			break;
		s = end + 1;
		if (!*s)
			return false;
	}
	return *bits != 0;
}

static int cron_parse(cap_sync_window *w, const char *spec)
{
	char buf[256], *fields[6], *save = NULL;
	int n = 0;
	if (!spec || strlen(spec) >= sizeof(buf))
		return -1;
	strcpy(buf, spec);
	for (char *f = strtok_r(buf, " \t", &save); f; f = strtok_r(NULL, " \t", &save)) {
		if (n == 5)
			return -1;
		fields[n++] = f;
	}
	if (n != 5)
		return -1;
	uint64_t b;
	bool star;
	if (!cron_field(fields[0], 0, 59, NULL, &b, &star))
		return -1;
	w->minutes = b;
	if (!cron_field(fields[1], 0, 23, NULL, &b, &star))
		return -1;
	w->hours = (uint32_t)b;
	if (!cron_field(fields[2], 1, 31, NULL, &b, &w->any_day))
		return -1;
	w->days = (uint32_t)b;
	if (!cron_field(fields[3], 1, 12, &months, &b, &star))
		return -1;
	w->months = (uint16_t)b;
	if (!cron_field(fields[4], 0, 6, &weekdays, &b, &w->any_weekday))
		return -1;
	w->weekdays = (uint8_t)b;
	return 0;
}

static bool day_matches(const cap_sync_window *w, const struct tm *tm)
{
	bool dom = w->days >> tm->tm_mday & 1, dow = w->weekdays >> tm->tm_wday & 1;
	/* as cron (and Argo CD's parser): both restricted means either may match */
	if (w->any_day || w->any_weekday)
		return dom && dow;
	return dom || dow;
}

/* The first firing strictly after x (wall-clock seconds read as UTC), or INT64_MAX. */
static int64_t cron_next(const cap_sync_window *w, int64_t x)
{
	int64_t t = (x >= 0 ? x / 60 : (x - 59) / 60) * 60 + 60;
	int64_t limit = x + (int64_t)5 * 366 * 86400;
	while (t < limit) {
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		if (!(w->months >> (tm.tm_mon + 1) & 1)) {
			t = civil(tm.tm_year + 1900 + (tm.tm_mon == 11),
				  tm.tm_mon == 11 ? 1 : tm.tm_mon + 2, 1);
			continue;
		}
		if (!day_matches(w, &tm)) {
			t += 86400 - (tm.tm_hour * 3600 + tm.tm_min * 60);
			continue;
		}
		if (!(w->hours >> tm.tm_hour & 1)) {
			t += 3600 - tm.tm_min * 60;
			continue;
		}
		if (!(w->minutes >> tm.tm_min & 1)) {
			t += 60;
			continue;
		}
		return t;
	}
	return INT64_MAX;
}

/* ---- windows ------------------------------------------------------------------------------ */

static cap_value *list_field(const cap_value *w, const char *key)
{
	cap_value *v = cap_value_object_get(w, key);
	return cap_value_is_array(v) && cap_value_array_len(v) ? cap_value_ref(v) : NULL;
}

static int window_compile(cap_sync_window *out, const cap_value *v, size_t i)
{
	cap_sync_window w = {0};
	const char *kind = cap_value_dig_string(v, "kind", NULL);
	const char *schedule = cap_value_dig_string(v, "schedule", NULL);
	const char *duration = cap_value_dig_string(v, "duration", NULL);
	const char *zone = cap_value_dig_string(v, "timeZone", NULL);
	if (!kind || (strcmp(kind, "allow") && strcmp(kind, "deny")))
		return cap_error_set(CAP_EINVALID,
				     "invalid sync window %zu: kind '%s' is not allow or deny", i,
				     kind ? kind : "");
	w.kind = !strcmp(kind, "allow") ? CAP_SYNC_WINDOW_ALLOW : CAP_SYNC_WINDOW_DENY;
	if (cron_parse(&w, schedule))
		return cap_error_set(CAP_EINVALID,
				     "invalid sync window %zu: cannot parse schedule '%s'", i,
				     schedule ? schedule : "");
	/* Go's time.ParseDuration, which wants a unit on every number but "0" */
	uint64_t ms;
	bool bare = duration && *duration && strspn(duration, "0123456789") == strlen(duration);
	if (!duration || (bare && strcmp(duration, "0")) || cap_sync_duration_parse(&ms, duration))
		return cap_error_set(CAP_EINVALID,
				     "invalid sync window %zu: cannot parse duration '%s'", i,
				     duration ? duration : "");
	w.duration_s = ms / 1000;
	if (cap_time_zone_load(&w.zone, zone))
		return cap_error_prefix("invalid sync window %zu: ", i);
	w.applications = list_field(v, "applications");
	w.namespaces = list_field(v, "namespaces");
	w.clusters = list_field(v, "clusters");
	w.manual_sync = cap_value_get_bool(cap_value_object_get(v, "manualSync"));
	w.and_operator = cap_value_get_bool(cap_value_object_get(v, "andOperator"));
	w.sync_overrun = cap_value_get_bool(cap_value_object_get(v, "syncOverrun"));
	*out = w;
	return 0;
}

static void window_release(cap_sync_window *w)
{
	cap_value_free(w->applications);
	cap_value_free(w->namespaces);
	cap_value_free(w->clusters);
	cap_time_zone_free(w->zone);
}

int cap_sync_windows_compile(cap_sync_windows *out, const cap_value *windows)
{
	cap_sync_windows ws = {0};
	size_t n = cap_value_is_array(windows) ? cap_value_array_len(windows) : 0;
	if (n)
		ws.items = cap_calloc(n, sizeof(*ws.items));
	for (size_t i = 0; i < n; i++) {
		int rc = window_compile(&ws.items[i], cap_value_array_get(windows, i), i);
		if (rc) {
			cap_sync_windows_release(&ws);
			return rc;
		}
		ws.len++;
	}
	*out = ws;
	return 0;
}

void cap_sync_windows_release(cap_sync_windows *ws)
{
	if (!ws)
		return;
	for (size_t i = 0; i < ws->len; i++)
		window_release(&ws->items[i]);
	free(ws->items);
	ws->items = NULL;
	ws->len = 0;
}

bool cap_sync_window_active(const cap_sync_window *w, int64_t t)
{
	int64_t wall = t + cap_time_zone_offset(w->zone, t);
	return cron_next(w, wall - (int64_t)w->duration_s) < wall;
}

/* Whether a glob of list matches a or b (either may be NULL). */
static bool list_matches(const cap_value *list, const char *a, const char *b)
{
	size_t i;
	cap_value *g;
	CAP_VALUE_ARRAY_FOREACH(list, i, g)
	{
		const char *pat = cap_value_get_string(g);
		if (!pat)
			continue;
		if ((a && *a && cap_project_glob(pat, a)) || (b && *b && cap_project_glob(pat, b)))
			return true;
	}
	return false;
}

bool cap_sync_window_matches(const cap_sync_window *w, const cap_sync_window_app *app)
{
	bool given[3] = {w->applications != NULL, w->namespaces != NULL, w->clusters != NULL};
	bool hit[3] = {
	    given[0] && list_matches(w->applications, app->name, NULL),
	    given[1] && list_matches(w->namespaces, app->namespace ? app->namespace : "", NULL),
	    given[2] && list_matches(w->clusters, app->cluster, app->server),
	};
	if (!given[0] && !given[1] && !given[2])
		return false;
	if (w->and_operator)
		return (!given[0] || hit[0]) && (!given[1] || hit[1]) && (!given[2] || hit[2]);
	return hit[0] || hit[1] || hit[2];
}

void cap_sync_windows_decide(cap_sync_window_decision *out, const cap_sync_windows *ws,
			     const cap_sync_window_app *app, int64_t t)
{
	cap_sync_window_decision d = {true, true, 0, 0};
	bool deny = false, deny_manual = true, allow_open = false;
	bool allow_closed = false, allow_closed_manual = false;
	for (size_t i = 0; ws && i < ws->len; i++) {
		const cap_sync_window *w = &ws->items[i];
		if (!cap_sync_window_matches(w, app))
			continue;
		d.matching++;
		bool open = cap_sync_window_active(w, t);
		d.active += open;
		if (w->kind == CAP_SYNC_WINDOW_DENY && open) {
			deny = true;
			deny_manual = deny_manual && w->manual_sync;
		} else if (w->kind == CAP_SYNC_WINDOW_ALLOW && open) {
			allow_open = true;
		} else if (w->kind == CAP_SYNC_WINDOW_ALLOW) {
			allow_closed = true;
			allow_closed_manual = allow_closed_manual || w->manual_sync;
		}
	}
	if (deny) {
		d.auto_sync = false;
		d.manual_sync = deny_manual;
	} else if (!allow_open && allow_closed) {
		d.auto_sync = false;
		d.manual_sync = allow_closed_manual;
	}
	*out = d;
}

int64_t cap_sync_windows_next_change(const cap_sync_windows *ws, const cap_sync_window_app *app,
				     int64_t t)
{
	int64_t next = INT64_MAX;
	for (size_t i = 0; ws && i < ws->len; i++) {
		const cap_sync_window *w = &ws->items[i];
		if (!cap_sync_window_matches(w, app))
			continue;
		int64_t offset = cap_time_zone_offset(w->zone, t), wall = t + offset;
		/* opens once its next firing (maybe now) has passed: active wants it before */
		int64_t fire = cron_next(w, wall - 1);
		if (fire != INT64_MAX && fire + 1 - offset < next)
			next = fire + 1 - offset;
		int64_t first = cron_next(w, wall - (int64_t)w->duration_s);
		if (first < wall && first + (int64_t)w->duration_s - offset < next)
			next = first + (int64_t)w->duration_s - offset;
	}
	return next;
}

bool cap_sync_windows_may_continue(const cap_sync_windows *ws, const cap_sync_window_app *app,
				   bool manual, int64_t t)
{
	cap_sync_window_decision d;
	cap_sync_windows_decide(&d, ws, app, t);
	if (manual ? d.manual_sync : d.auto_sync)
		return true;
	bool deny_open = false, deny_overrun = true, allow_open = false, allow_overrun = true;
	for (size_t i = 0; i < ws->len; i++) {
		const cap_sync_window *w = &ws->items[i];
		if (!cap_sync_window_matches(w, app))
			continue;
		bool open = cap_sync_window_active(w, t);
		if (w->kind == CAP_SYNC_WINDOW_DENY && open) {
			deny_open = true;
			deny_overrun = deny_overrun && w->sync_overrun;
		} else if (w->kind == CAP_SYNC_WINDOW_ALLOW && open) {
			allow_open = true;
		} else if (w->kind == CAP_SYNC_WINDOW_ALLOW) {
			allow_overrun = allow_overrun && w->sync_overrun;
		}
	}
	if (deny_open)
		return deny_overrun;
	return allow_open || allow_overrun;
}
