/* Sync retries: parsing Argo CD's retry block, the backoff schedule, and Go durations. */
#include "sync/retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

void cap_sync_retry_init(cap_sync_retry *r)
{
	r->limit = 0;
	r->duration_ms = CAP_SYNC_RETRY_DURATION_MS;
	r->factor = CAP_SYNC_RETRY_FACTOR;
	r->max_duration_ms = CAP_SYNC_RETRY_MAX_DURATION_MS;
}

/* Nanoseconds per unit, longest names first where one is a prefix of another. */
static const struct {
	const char *unit;
	double ns;
} units[] = {
    {"ns", 1},	 {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
    {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},	  {"h", 3600e9},
};

static int bad_duration(const char *text)
{
	return cap_error_set(CAP_EINVALID, "invalid duration '%s'", text);
}

int cap_sync_duration_parse(uint64_t *out_ms, const char *text)
{
	if (!text || !*text)
		return bad_duration(text ? text : "");
	const char *p = text;
	bool digits_only = true;
	for (const char *q = (*p == '+') ? p + 1 : p; *q; q++)
		if (*q < '0' || *q > '9')
			digits_only = false;
	if (digits_only && p[*p == '+'] != '\0') {
		unsigned long long s = strtoull(p, NULL, 10);
		/* the same bound as with units: Go's Duration is int64 nanoseconds */
		if (strlen(p) > 11 || s > 9200000000ULL)
			return bad_duration(text);
		*out_ms = s * 1000;
		return 0;
	}
	if (*p == '-')
		return cap_error_set(CAP_EINVALID, "invalid duration '%s': negative", text);
	if (*p == '+')
		p++;
	if (!strcmp(p, "0")) {
		*out_ms = 0;
		return 0;
	}
	long double total_ns = 0; /* 64 bits of mantissa: exact across Go's whole range */
	while (*p) {
		const char *start = p;
		while ((*p >= '0' && *p <= '9') || *p == '.')
			p++;
		if (p == start || (p - start == 1 && *start == '.'))
			return bad_duration(text);
		char num[64];
		if ((size_t)(p - start) >= sizeof(num))
			return bad_duration(text);
		memcpy(num, start, (size_t)(p - start));
		num[p - start] = '\0';
		if (strchr(num, '.') != strrchr(num, '.'))
			return bad_duration(text);
		long double v = strtold(num, NULL);
		size_t best = 0;
		double mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);
			if (n > best && !strncmp(p, units[i].unit, n)) {
				best = n;
				mult = units[i].ns;
			}
		}
		if (!best)
			return bad_duration(text);
		p += best;
		total_ns += v * (long double)mult;
		if (total_ns > 9.2e18L) /* Go's Duration is int64 nanoseconds */
			return bad_duration(text);
	}
	/* to the nearest nanosecond first, as Go reads "8.4s" as exactly 8.4e9 ns */
	*out_ms = (uint64_t)(total_ns + 0.5L) / 1000000u;
	return 0;
}

void cap_sync_duration_format(cap_buf *out, uint64_t ms)
{
	if (!ms) {
		cap_buf_puts(out, "0s");
		return;
	}
	if (ms < 1000) {
		cap_buf_printf(out, "%llums", (unsigned long long)ms);
		return;
	}
	uint64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
	if (h)
		cap_buf_printf(out, "%lluh", (unsigned long long)h);
	if (h || m)
		cap_buf_printf(out, "%llum", (unsigned long long)m);
	cap_buf_printf(out, "%llu", (unsigned long long)s);
	if (frac) {
		char f[8];
		snprintf(f, sizeof(f), ".%03llu", (unsigned long long)frac);
		size_t n = strlen(f);
		while (f[n - 1] == '0')
			f[--n] = '\0';
		cap_buf_puts(out, f);
	}
	cap_buf_putc(out, 's');
}

static int duration_field(uint64_t *out, const cap_value *v, const char *field)
{
	if (!v || cap_value_is_null(v))
		return 0;
	if (cap_value_is_int(v)) {
		if (cap_value_get_int(v) < 0)
			return cap_error_set(CAP_EINVALID, "invalid retry %s '%lld'", field,
					     (long long)cap_value_get_int(v));
		*out = (uint64_t)cap_value_get_int(v) * 1000;
		return 0;
	}
	const char *s = cap_value_get_string(v);
	if (!s)
		return cap_error_set(CAP_EINVALID, "invalid retry %s: not a string", field);
	if (cap_sync_duration_parse(out, s))
		return cap_error_prefix("invalid retry %s '%s': ", field, s);
	return 0;
}

int cap_sync_retry_parse(cap_sync_retry *out, const cap_value *retry)
{
	cap_sync_retry r;
	cap_sync_retry_init(&r);
	if (retry && !cap_value_is_null(retry)) {
		if (!cap_value_is_object(retry))
			return cap_error_set(CAP_EINVALID, "invalid retry: not an object");
		const cap_value *limit = cap_value_object_get(retry, "limit");
		if (limit && !cap_value_is_null(limit)) {
			if (!cap_value_is_int(limit))
				return cap_error_set(CAP_EINVALID,
						     "invalid retry limit: not an integer");
			r.limit = cap_value_get_int(limit);
		}
		const cap_value *b = cap_value_object_get(retry, "backoff");
		if (b && !cap_value_is_null(b)) {
			if (!cap_value_is_object(b))
				return cap_error_set(CAP_EINVALID,
						     "invalid retry backoff: not an object");
			int rc;
			if ((rc =
				 duration_field(&r.duration_ms, cap_value_object_get(b, "duration"),
						"backoff.duration")) ||
			    (rc = duration_field(&r.max_duration_ms,
						 cap_value_object_get(b, "maxDuration"),
						 "backoff.maxDuration")))
				return rc;
			const cap_value *f = cap_value_object_get(b, "factor");
			if (f && !cap_value_is_null(f)) {
				if (!cap_value_is_int(f))
					return cap_error_set(CAP_EINVALID,
							     "invalid retry backoff.factor: not an "
							     "integer");
				r.factor = cap_value_get_int(f);
			}
		}
	}
	*out = r;
	return 0;
}

bool cap_sync_retry_allowed(const cap_sync_retry *r, int64_t retries)
{
	return r->limit < 0 || retries < r->limit;
}

uint64_t cap_sync_retry_delay_ms(const cap_sync_retry *r, int64_t attempt)
{
	uint64_t d = r->duration_ms;
	uint64_t cap = r->max_duration_ms ? r->max_duration_ms : UINT64_MAX;
	if (r->factor == 1)
		return d < cap ? d : cap;
	for (int64_t i = 0; i < attempt && d < cap; i++) {
		if (r->factor <= 0)
			return 0;
		if (d > UINT64_MAX / (uint64_t)r->factor)
			d = UINT64_MAX;
		else
			d *= (uint64_t)r->factor;
	}
	return d < cap ? d : cap;
}
