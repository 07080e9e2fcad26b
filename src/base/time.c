/* Monotonic and wall clocks, deadlines, and RFC 3339 formatting and parsing. */
#include "base/time.h"

#include "base/error.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t cap_time_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t cap_time_now_ms(void)
{
	return cap_time_now_ns() / 1000000ULL;
}

int64_t cap_time_wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

void cap_time_sleep_ms(uint64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

cap_deadline cap_deadline_in_ms(uint64_t ms)
{
	uint64_t now = cap_time_now_ns();
	if (ms > (UINT64_MAX - now) / 1000000ULL)
		return CAP_DEADLINE_NEVER;
	return (cap_deadline){now + ms * 1000000ULL};
}

bool cap_deadline_expired(cap_deadline d)
{
	return d.at_ns != UINT64_MAX && cap_time_now_ns() >= d.at_ns;
}

uint64_t cap_deadline_remaining_ms(cap_deadline d)
{
	if (d.at_ns == UINT64_MAX)
		return UINT64_MAX;
	uint64_t now = cap_time_now_ns();
	if (now >= d.at_ns)
		return 0;
	return (d.at_ns - now + 999999ULL) / 1000000ULL;
}

char *cap_time_format_rfc3339(char *out, int64_t unix_s)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, CAP_RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

/* Reads exactly n digits at *p. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

int cap_time_parse_rfc3339(int64_t *out, const char *text)
{
	const char *p = text;
	int year, mon, day, hour, min, sec, oh = 0, om = 0;
	int sign = 0;
	if (!digits(&p, 4, &year) || !expect(&p, '-') || !digits(&p, 2, &mon) || !expect(&p, '-') ||
	    !digits(&p, 2, &day))
		goto bad;
	if (*p != 'T' && *p != 't' && *p != ' ')
		goto bad;
	p++;
	if (!digits(&p, 2, &hour) || !expect(&p, ':') || !digits(&p, 2, &min) || !expect(&p, ':') ||
	    !digits(&p, 2, &sec))
		goto bad;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (!digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om))
			goto bad;
	} else {
		goto bad;
	}
	if (*p || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		goto bad;
	struct tm tm = {0};
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	int64_t t = (int64_t)timegm(&tm);
	*out = t - (int64_t)sign * (oh * 3600 + om * 60);
	return 0;
bad:
	return cap_error_set(CAP_EINVALID, "cannot parse time '%s': not RFC 3339", text);
}
