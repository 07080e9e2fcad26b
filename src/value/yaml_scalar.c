/* YAML 1.1 scalar resolution with go-yaml v2's exact spellings, number rules and key strings. */
#include "value/yaml_scalar.h"

#include "base/alloc.h"
#include "base/base64.h"
#include "base/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_PREFIX "tag:yaml.org,2002:"

struct word {
	const char *text;
	cap_value_kind kind;
	int sign; /* bool value, or the sign of an infinity; 0 for NaN */
};

/* The only spellings go-yaml v2 resolves by table lookup. */
static const struct word words[] = {
    {"y", CAP_VALUE_BOOL, 1},	   {"Y", CAP_VALUE_BOOL, 1},	  {"yes", CAP_VALUE_BOOL, 1},
    {"Yes", CAP_VALUE_BOOL, 1},	   {"YES", CAP_VALUE_BOOL, 1},	  {"true", CAP_VALUE_BOOL, 1},
    {"True", CAP_VALUE_BOOL, 1},   {"TRUE", CAP_VALUE_BOOL, 1},	  {"on", CAP_VALUE_BOOL, 1},
    {"On", CAP_VALUE_BOOL, 1},	   {"ON", CAP_VALUE_BOOL, 1},	  {"n", CAP_VALUE_BOOL, 0},
    {"N", CAP_VALUE_BOOL, 0},	   {"no", CAP_VALUE_BOOL, 0},	  {"No", CAP_VALUE_BOOL, 0},
    {"NO", CAP_VALUE_BOOL, 0},	   {"false", CAP_VALUE_BOOL, 0},  {"False", CAP_VALUE_BOOL, 0},
    {"FALSE", CAP_VALUE_BOOL, 0},  {"off", CAP_VALUE_BOOL, 0},	  {"Off", CAP_VALUE_BOOL, 0},
    {"OFF", CAP_VALUE_BOOL, 0},	   {"~", CAP_VALUE_NULL, 0},	  {"null", CAP_VALUE_NULL, 0},
    {"Null", CAP_VALUE_NULL, 0},   {"NULL", CAP_VALUE_NULL, 0},	  {".nan", CAP_VALUE_REAL, 0},
    {".NaN", CAP_VALUE_REAL, 0},   {".NAN", CAP_VALUE_REAL, 0},	  {".inf", CAP_VALUE_REAL, 1},
    {".Inf", CAP_VALUE_REAL, 1},   {".INF", CAP_VALUE_REAL, 1},	  {"+.inf", CAP_VALUE_REAL, 1},
    {"+.Inf", CAP_VALUE_REAL, 1},  {"+.INF", CAP_VALUE_REAL, 1},  {"-.inf", CAP_VALUE_REAL, -1},
    {"-.Inf", CAP_VALUE_REAL, -1}, {"-.INF", CAP_VALUE_REAL, -1},
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool lookup_word(cap_yaml_scalar *out, const char *s, size_t len)
{
	if (len > 5)
		return false;
	for (size_t i = 0; i < CAP_ARRAY_SIZE(words); i++) {
		const struct word *w = &words[i];
		if (w->text[0] != s[0] || strlen(w->text) != len || memcmp(w->text, s, len) != 0)
			continue;
		out->kind = w->kind;
		if (w->kind == CAP_VALUE_BOOL)
			out->b = w->sign;
		else if (w->kind == CAP_VALUE_REAL)
			out->d = w->sign ? w->sign * INFINITY : NAN;
		return true;
	}
	return false;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/*
 * Go's strconv.ParseUint(s, 0, 64) on text without sign or underscores: 0x/0o/0b prefixes in
 * either case, a leading 0 for octal. False on bad digits, empty digits or overflow.
 */
static bool parse_unsigned(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0;
	if (len >= 2 && s[0] == '0') {
		char p = s[1] | 0x20;
		if (p == 'x' || p == 'o' || p == 'b') {
			base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
			i = 2;
		} else {
			base = 8;
			i = 1;
		}
	}
	if (i == len)
		return false;
	uint64_t v = 0;
	for (; i < len; i++) {
		unsigned d = (unsigned)digit_value(s[i]);
		if (d >= base)
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/* The float shape go-yaml v2 accepts after ints fail:
 * [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool yaml_float_shape(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i < len && s[i] == '.') {
		i++;
		size_t start = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == start)
			return false;
	} else {
		size_t start = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == start)
			return false;
		if (i < len && s[i] == '.') {
			i++;
			while (i < len && is_digit(s[i]))
				i++;
		}
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		size_t start = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == start)
			return false;
	}
	return i == len;
}

/* strtod on a shape already checked; false when the value overflows, as Go's ParseFloat fails. */
static bool parse_double(const char *s, size_t len, double *out)
{
	char tmp[128];
	char *heap = NULL, *text = tmp;
	if (len >= sizeof(tmp))
		text = heap = malloc(len + 1);
	if (!text)
		abort();
	memcpy(text, s, len);
	text[len] = '\0';
	double d = strtod(text, NULL);
	free(heap);
	if (isinf(d))
		return false;
	*out = d;
	return true;
}

/* Numbers for text starting with a digit or sign, underscores already removed. */
static bool resolve_number(cap_yaml_scalar *out, const char *s, size_t len)
{
	bool neg = len > 0 && s[0] == '-';
	size_t skip = len > 0 && (s[0] == '-' || s[0] == '+');
	uint64_t u;
	if (parse_unsigned(s + skip, len - skip, &u)) {
		if (neg ? u <= (uint64_t)INT64_MAX + 1 : u <= (uint64_t)INT64_MAX) {
			out->kind = CAP_VALUE_INT;
			out->i = neg ? (int64_t)(0 - u) : (int64_t)u;
			return true;
		}
		if (!skip) { /* Go's ParseUint takes no sign: only unsigned text reaches uint64 */
			out->kind = CAP_VALUE_REAL;
			out->d = (double)u;
			return true;
		}
	}
	if (yaml_float_shape(s, len) && parse_double(s, len, &out->d)) {
		out->kind = CAP_VALUE_REAL;
		return true;
	}
	return false;
}

/* Go's rule for '_' in a float literal: only between digits. */
static bool underscores_between_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '_' &&
		    (i == 0 || i + 1 == len || !is_digit(s[i - 1]) || !is_digit(s[i + 1])))
			return false;
	return true;
}

static size_t strip_underscores(char *dst, const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '_')
			dst[n++] = s[i];
	return n;
}

/* The resolution itself; timestamps matter only to an explicit !!timestamp tag. */
static void resolve(cap_yaml_scalar *out, const char *s, size_t len)
{
	memset(out, 0, sizeof(*out));
	out->kind = CAP_VALUE_STRING;
	if (len == 0) {
		out->kind = CAP_VALUE_NULL;
		return;
	}
	if (!strchr("+-0123456789.yYnNtTfFoO~", s[0]))
		return;
	if (lookup_word(out, s, len))
		return;
	if (s[0] == '.') {
		if (underscores_between_digits(s, len)) {
			char tmp[len];
			size_t n = strip_underscores(tmp, s, len);
			if (yaml_float_shape(tmp, n) && parse_double(tmp, n, &out->d))
				out->kind = CAP_VALUE_REAL;
		}
		return;
	}
	if (s[0] == '+' || s[0] == '-' || is_digit(s[0])) {
		char tmp[len];
		size_t n = strip_underscores(tmp, s, len);
		cap_yaml_scalar r = {0};
		if (resolve_number(&r, tmp, n))
			*out = r;
	}
}

void cap_yaml_scalar_resolve(cap_yaml_scalar *out, const char *s, size_t len)
{
	resolve(out, s, len);
}

bool cap_yaml_scalar_is_special(const char *s, size_t len)
{
	cap_yaml_scalar r;
	resolve(&r, s, len);
	return r.kind != CAP_VALUE_STRING;
}

/* Reads 1 or 2 digits (exactly 2 when two is set) at *i into *out; false when there are none. */
static bool read_num(const char *s, size_t len, size_t *i, bool two, int *out)
{
	if (*i >= len || !is_digit(s[*i]))
		return false;
	int v = s[(*i)++] - '0';
	if (*i < len && is_digit(s[*i]))
		v = v * 10 + (s[(*i)++] - '0');
	else if (two)
		return false;
	*out = v;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/*
 * go-yaml v2's timestamps: Go's time.Parse with "2006-1-2T15:4:5.999999999Z07:00" (or 't'),
 * "2006-1-2 15:4:5.999999999" or "2006-1-2".
 */
bool cap_yaml_scalar_is_timestamp(const char *s, size_t len)
{
	if (len < 8 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) ||
	    s[4] != '-')
		return false;
	int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int month, day, hour, minute, second;
	size_t i = 5;
	if (!read_num(s, len, &i, false, &month) || i >= len || s[i++] != '-' ||
	    !read_num(s, len, &i, false, &day))
		return false;
	if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return false;
	if (i == len)
		return true;
	char sep = s[i++];
	if (sep != 'T' && sep != 't' && sep != ' ')
		return false;
	if (!read_num(s, len, &i, false, &hour) || i >= len || s[i++] != ':' ||
	    !read_num(s, len, &i, false, &minute) || i >= len || s[i++] != ':' ||
	    !read_num(s, len, &i, false, &second))
		return false;
	if (hour > 23 || minute > 59 || second > 59)
		return false;
	if (i + 1 < len && s[i] == '.' && is_digit(s[i + 1]))
		for (i++; i < len && is_digit(s[i]); i++)
			;
	if (i == len)
		return true;
	if (sep == ' ')
		return false;
	if (s[i] == 'Z')
		return i + 1 == len;
	int zh, zm;
	if (s[i] != '+' && s[i] != '-')
		return false;
	i++;
	if (!read_num(s, len, &i, true, &zh) || i >= len || s[i++] != ':' ||
	    !read_num(s, len, &i, true, &zm))
		return false;
	return i == len && zh <= 24 && zm <= 60;
}

static const char *short_kind(cap_value_kind k)
{
	switch (k) {
	case CAP_VALUE_NULL:
		return "!!null";
	case CAP_VALUE_BOOL:
		return "!!bool";
	case CAP_VALUE_INT:
		return "!!int";
	case CAP_VALUE_REAL:
		return "!!float";
	default:
		return "!!str";
	}
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes are not one. */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Replaces each byte that is not part of valid UTF-8 with U+FFFD, as Go's JSON encoder does. */
static void utf8_sanitize(cap_buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence((const unsigned char *)s + i, len - i);
		if (n) {
			cap_buf_put(out, s + i, n);
			i += n;
		} else {
			cap_buf_puts(out, "\xef\xbf\xbd");
			i++;
		}
	}
}

int cap_yaml_scalar_resolve_tagged(cap_yaml_scalar *out, cap_buf *decoded, const char *tag,
				   const char *s, size_t len)
{
	cap_yaml_scalar r;
	memset(&r, 0, sizeof(r));
	r.kind = CAP_VALUE_STRING;
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0) {
		*out = r; /* local and unknown tags: the text as it is */
		return 0;
	}
	const char *name = tag + strlen(TAG_PREFIX);
	if (!strcmp(name, "binary")) {
		cap_buf raw = CAP_BUF_INIT;
		if (cap_base64_decode(&raw, s, len, CAP_BASE64_STRICT) != 0) {
			cap_buf_release(&raw);
			return cap_error_set(CAP_EINVALID,
					     "!!binary value contains invalid base64 data");
		}
		cap_buf_clear(decoded);
		utf8_sanitize(decoded, raw.ptr, raw.len);
		cap_buf_release(&raw);
		*out = r;
		return 0;
	}
	cap_value_kind want;
	if (!strcmp(name, "null"))
		want = CAP_VALUE_NULL;
	else if (!strcmp(name, "bool"))
		want = CAP_VALUE_BOOL;
	else if (!strcmp(name, "int"))
		want = CAP_VALUE_INT;
	else if (!strcmp(name, "float"))
		want = CAP_VALUE_REAL;
	else if (!strcmp(name, "timestamp"))
		want = CAP_VALUE_STRING;
	else {
		*out = r; /* !!str and the tags resolution does not know */
		return 0;
	}
	resolve(&r, s, len);
	if (!strcmp(name, "timestamp")) {
		if (cap_yaml_scalar_is_timestamp(s, len)) {
			r.kind = CAP_VALUE_STRING;
			*out = r;
			return 0;
		}
	} else if (r.kind == want) {
		*out = r;
		return 0;
	} else if (want == CAP_VALUE_REAL && r.kind == CAP_VALUE_INT) {
		r.kind = CAP_VALUE_REAL;
		r.d = (double)r.i;
		*out = r;
		return 0;
	}
	return cap_error_set(CAP_EINVALID, "cannot decode %s `%.*s` as a !!%s", short_kind(r.kind),
			     (int)(len > 64 ? 64 : len), s, name);
}

/* Go's strconv.FormatFloat(f, 'g', -1, 32): shortest float32 digits, %e beyond exponent 6. */
static void format_float32(cap_buf *out, double d)
{
	float f = (float)d;
	if (isnan(f)) {
		cap_buf_puts(out, ".nan");
		return;
	}
	if (isinf(f)) {
		cap_buf_puts(out, f > 0 ? ".inf" : "-.inf");
		return;
	}
	if (f == 0) {
		cap_buf_puts(out, signbit(f) ? "-0" : "0");
		return;
	}
	char e[48];
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, (double)f);
		if (strtof(e, NULL) == f)
			break;
	}
	/* e is "-d.ddde+XX": split digits and exponent */
	char digits[16];
	size_t nd = 0;
	const char *p = e;
	bool neg = *p == '-';
	if (neg)
		p++;
	for (; *p && *p != 'e'; p++)
		if (is_digit(*p))
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	int exp = atoi(p + 1);
	if (neg)
		cap_buf_putc(out, '-');
	if (exp < -4 || exp >= 6) {
		cap_buf_putc(out, digits[0]);
		if (nd > 1) {
			cap_buf_putc(out, '.');
			cap_buf_put(out, digits + 1, nd - 1);
		}
		cap_buf_printf(out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return;
	}
	if (exp < 0) {
		cap_buf_puts(out, "0.");
		for (int i = -1; i > exp; i--)
			cap_buf_putc(out, '0');
		cap_buf_put(out, digits, nd);
		return;
	}
	for (int i = 0; i <= exp || (size_t)i < nd; i++) {
		if (i == exp + 1)
			cap_buf_putc(out, '.');
		cap_buf_putc(out, (size_t)i < nd ? digits[i] : '0');
	}
}

int cap_yaml_scalar_key(cap_buf *out, const cap_yaml_scalar *scalar, const char *text, size_t len)
{
	switch (scalar->kind) {
	case CAP_VALUE_STRING:
		cap_buf_put(out, text, len);
		return 0;
	case CAP_VALUE_INT:
		cap_buf_printf(out, "%lld", (long long)scalar->i);
		return 0;
	case CAP_VALUE_REAL:
		format_float32(out, scalar->d);
		return 0;
	case CAP_VALUE_BOOL:
		cap_buf_puts(out, scalar->b ? "true" : "false");
		return 0;
	default:
		return cap_error_set(CAP_EINVALID, "unsupported map key of kind %s",
				     cap_value_kind_name(scalar->kind));
	}
}
