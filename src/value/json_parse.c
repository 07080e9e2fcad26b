/* Strict JSON parsing (RFC 8259) into the value model, with limits and positioned errors. */
#include "value/json.h"

#include "base/alloc.h"
#include "base/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct parser {
	const char *start, *p, *end;
	const char *source;
	unsigned depth, max_depth;
	cap_buf scratch; /* unescaped string bytes, and number text for strtod */
} parser;

/* Bytes a string may hold without a closer look: printable ASCII except '"' and '\\'. */
static const unsigned char plain_byte[256] = {
    [0x20 ... 0x21] = 1, /* '"' is 0x22 */
    [0x23 ... 0x5b] = 1, /* '\\' is 0x5c */
    [0x5d ... 0x7f] = 1,
};

/* Records "cannot parse 'src' line L column C: reason" for the position at, and returns code. */
__attribute__((format(printf, 4, 5))) static int fail_at(parser *ps, const char *at, int code,
							 const char *fmt, ...)
{
	unsigned long line = 1, column = 1;
	for (const char *c = ps->start; c < at; c++) {
		if (*c == '\n') {
			line++;
			column = 1;
		} else if (((unsigned char)*c & 0xc0) != 0x80) {
			column++; /* columns count characters, not UTF-8 continuation bytes */
		}
	}
	char reason[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return cap_error_set(code, "cannot parse '%s' line %lu column %lu: %s", ps->source, line,
			     column, reason);
}

/* "unexpected 'x'" for the byte at ps->p, or "unexpected end of input". */
static int fail_unexpected(parser *ps, const char *expected)
{
	if (ps->p >= ps->end)
		return fail_at(ps, ps->p, CAP_EINVALID, "unexpected end of input, expected %s",
			       expected);
	unsigned char c = (unsigned char)*ps->p;
	if (c >= 0x21 && c < 0x7f)
		return fail_at(ps, ps->p, CAP_EINVALID, "unexpected '%c', expected %s", c,
			       expected);
	return fail_at(ps, ps->p, CAP_EINVALID, "unexpected byte 0x%02x, expected %s", c, expected);
}

static void skip_space(parser *ps)
{
	const char *p = ps->p, *end = ps->end;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	ps->p = p;
}

/*
 * Length of the well-formed UTF-8 sequence starting at p (a byte >= 0x80), or 0 when it is
 * malformed: overlong forms, surrogates and code points above U+10FFFF are all refused.
 */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(cap_buf *b, unsigned cp)
{
	char s[4];
	size_t n;
	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		s[0] = (char)(0xf0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	cap_buf_put(b, s, n);
}

/* Decodes the \uXXXX escape at p (pointing at 'u'), pairing surrogates; advances *pp. */
static int parse_unicode_escape(parser *ps, const char **pp)
{
	const char *p = *pp, *esc = p - 1;
	unsigned cp;
	if (ps->end - p < 5 || hex4(p + 1, &cp))
		return fail_at(ps, esc, CAP_EINVALID, "invalid \\u escape");
	p += 5;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail_at(ps, esc, CAP_EINVALID, "unpaired low surrogate in \\u escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		unsigned lo;
		if (ps->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) ||
		    lo < 0xdc00 || lo > 0xdfff)
			return fail_at(ps, esc, CAP_EINVALID,
				       "unpaired high surrogate in \\u escape");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	}
	put_utf8(&ps->scratch, cp);
	*pp = p;
	return 0;
}

/*
 * Parses the string whose opening quote is at ps->p. On success out and out_len view either the
 * input itself (no escapes: the common case, no copy) or ps->scratch.
 */
static int parse_string(parser *ps, const char **out, size_t *out_len)
{
	const char *p = ps->p + 1, *end = ps->end, *run = p;
	bool escaped = false;
	for (;;) {
		while (p < end && plain_byte[(unsigned char)*p])
			p++;
		if (p >= end)
			return fail_at(ps, ps->p, CAP_EINVALID, "unterminated string");
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c >= 0x80) {
			size_t n =
			    utf8_sequence((const unsigned char *)p, (const unsigned char *)end);
			if (!n)
				return fail_at(ps, p, CAP_EINVALID, "invalid UTF-8 in string");
			p += n;
			continue;
		}
		if (c < 0x20)
			return fail_at(ps, p, CAP_EINVALID,
				       "control character 0x%02x in string must be escaped", c);
		/* a backslash: from here on the string is built in scratch */
		if (!escaped) {
			cap_buf_clear(&ps->scratch);
			escaped = true;
		}
		cap_buf_put(&ps->scratch, run, (size_t)(p - run));
		if (p + 1 >= end)
			return fail_at(ps, ps->p, CAP_EINVALID, "unterminated string");
		char e = p[1], decoded;
		switch (e) {
		case '"':
			decoded = '"';
			break;
		case '\\':
			decoded = '\\';
			break;
		case '/':
			decoded = '/';
			break;
		case 'b':
			decoded = '\b';
			break;
		case 'f':
			decoded = '\f';
			break;
		case 'n':
			decoded = '\n';
			break;
		case 'r':
			decoded = '\r';
			break;
		case 't':
			decoded = '\t';
			break;
		case 'u': {
			const char *q = p + 1;
			int err = parse_unicode_escape(ps, &q);
			if (err)
				return err;
			p = run = q;
			continue;
		}
		default:
			return fail_at(ps, p, CAP_EINVALID, "invalid escape in string");
		}
		cap_buf_putc(&ps->scratch, decoded);
		p = run = p + 2;
	}
	if (escaped) {
		cap_buf_put(&ps->scratch, run, (size_t)(p - run));
		*out = ps->scratch.ptr;
		*out_len = ps->scratch.len;
	} else {
		*out = run;
		*out_len = (size_t)(p - run);
	}
	ps->p = p + 1;
	return 0;
}

static bool is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static int parse_number(parser *ps, cap_value **out)
{
	const char *start = ps->p, *p = start, *end = ps->end;
	bool negative = false, real = false;
	if (*p == '-') {
		negative = true;
		p++;
	}
	if (!is_digit(p, end)) {
		ps->p = p;
		return fail_unexpected(ps, "a digit");
	}
	const char *int_start = p;
	if (*p == '0')
		p++;
	else
		while (is_digit(p, end))
			p++;
	const char *int_end = p;
	if (p < end && *p == '.') {
		p++;
		real = true;
		if (!is_digit(p, end)) {
			ps->p = p;
			return fail_unexpected(ps, "a digit after '.'");
		}
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		real = true;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end)) {
			ps->p = p;
			return fail_unexpected(ps, "a digit in the exponent");
		}
		while (is_digit(p, end))
			p++;
	}
	if (!real) {
		/* accumulate as a negative number so INT64_MIN fits */
		int64_t v = 0;
		for (const char *d = int_start; d < int_end; d++) {
			int digit = *d - '0';
			if (v < (INT64_MIN + digit) / 10)
				return fail_at(
				    ps, start, CAP_EINVALID, "integer %.*s does not fit in 64 bits",
				    (int)(int_end - start > 40 ? 40 : int_end - start), start);
			v = v * 10 - digit;
		}
		if (!negative) {
			if (v == INT64_MIN)
				return fail_at(
				    ps, start, CAP_EINVALID, "integer %.*s does not fit in 64 bits",
				    (int)(int_end - start > 40 ? 40 : int_end - start), start);
			v = -v;
		}
		*out = cap_value_int(v);
		ps->p = p;
		return 0;
	}
	/* strtod needs a terminated copy: the input need not be NUL-terminated */
	cap_buf_clear(&ps->scratch);
	cap_buf_put(&ps->scratch, start, (size_t)(p - start));
	errno = 0;
	double d = strtod(ps->scratch.ptr, NULL);
	if (errno == ERANGE && (d > 1.0 || d < -1.0))
		return fail_at(ps, start, CAP_EINVALID, "number %.*s is out of range",
			       (int)(p - start > 40 ? 40 : p - start), start);
	*out = cap_value_real(d);
	ps->p = p;
	return 0;
}

static int parse_literal(parser *ps, const char *word, size_t len, cap_value *v, cap_value **out)
{
	if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0) {
		cap_value_free(v);
		return fail_unexpected(ps, "a value");
	}
	ps->p += len;
	*out = v;
	return 0;
}

static int parse_value(parser *ps, cap_value **out);

static int enter(parser *ps)
{
	if (++ps->depth > ps->max_depth)
		return fail_at(ps, ps->p, CAP_ELIMIT, "nesting deeper than the limit of %u",
			       ps->max_depth);
	ps->p++;
	skip_space(ps);
	return 0;
}

/* After an array item or an object member: steps over a ',' and the space after it, or finds
 * the closing bracket (*closed, left for leave()); anything else is an error naming expected. */
static int next_or_close(parser *ps, char close, const char *expected, bool *closed)
{
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		skip_space(ps);
		*closed = false;
		return 0;
	}
	if (ps->p < ps->end && *ps->p == close) {
		*closed = true;
		return 0;
	}
	return fail_unexpected(ps, expected);
}

/* Steps over the closing bracket of the container enter() opened; *out takes v. */
static int leave(parser *ps, cap_value **out, cap_value *v)
{
	ps->p++;
	ps->depth--;
	*out = v;
	return 0;
}

static int parse_array(parser *ps, cap_value **out)
{
	int err = enter(ps);
	if (err)
		return err;
	cap_value *a = cap_value_array();
	bool closed = ps->p < ps->end && *ps->p == ']';
	while (!closed) {
		cap_value *item;
		if ((err = parse_value(ps, &item)))
			goto fail;
		cap_value_array_append(a, item);
		if ((err = next_or_close(ps, ']', "',' or ']'", &closed)))
			goto fail;
	}
	return leave(ps, out, a);
fail:
	cap_value_free(a);
	return err;
}

static int parse_object(parser *ps, cap_value **out)
{
	int err = enter(ps);
	if (err)
		return err;
	cap_value *o = cap_value_object();
	bool closed = ps->p < ps->end && *ps->p == '}';
	while (!closed) {
		if (ps->p >= ps->end || *ps->p != '"') {
			err = fail_unexpected(ps, "a string key");
			goto fail;
		}
		const char *key_at = ps->p, *key;
		size_t key_len;
		if ((err = parse_string(ps, &key, &key_len)))
			goto fail;
		if (memchr(key, '\0', key_len)) {
			err = fail_at(ps, key_at, CAP_EINVALID,
				      "object key contains a NUL character");
			goto fail;
		}
		if (cap_value_object_getn(o, key, key_len)) {
			err = fail_at(ps, key_at, CAP_EINVALID, "duplicate key '%.*s'",
				      (int)(key_len > 60 ? 60 : key_len), key);
			goto fail;
		}
		/* a key unescaped into scratch would be overwritten by the value: copy it out */
		char small[64];
		char *key_copy = NULL;
		if (key == ps->scratch.ptr && key_len) {
			key_copy = key_len < sizeof(small) ? small : cap_malloc(key_len);
			memcpy(key_copy, key, key_len);
			key = key_copy;
		}
		skip_space(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			err = fail_unexpected(ps, "':'");
		} else {
			ps->p++;
			skip_space(ps);
			cap_value *member;
			if (!(err = parse_value(ps, &member)))
				cap_value_object_setn(o, key, key_len, member);
		}
		if (key_copy != small)
			free(key_copy);
		if (err || (err = next_or_close(ps, '}', "',' or '}'", &closed)))
			goto fail;
	}
	return leave(ps, out, o);
fail:
	cap_value_free(o);
	return err;
}

/* Parses the value at ps->p (whitespace already skipped). */
static int parse_value(parser *ps, cap_value **out)
{
	if (ps->p >= ps->end)
		return fail_unexpected(ps, "a value");
	switch (*ps->p) {
	case '{':
		return parse_object(ps, out);
	case '[':
		return parse_array(ps, out);
	case '"': {
		const char *s;
		size_t len;
		int err = parse_string(ps, &s, &len);
		if (err)
			return err;
		*out = cap_value_stringn(s, len);
		return 0;
	}
	case 't':
		return parse_literal(ps, "true", 4, cap_value_bool(true), out);
	case 'f':
		return parse_literal(ps, "false", 5, cap_value_bool(false), out);
	case 'n':
		return parse_literal(ps, "null", 4, cap_value_null(), out);
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps, out);
		return fail_unexpected(ps, "a value");
	}
}

int cap_json_parse(cap_value **out, const char *text, size_t len, const char *source,
		   const cap_parse_limits *limits)
{
	if (!limits)
		limits = &cap_parse_limits_default;
	if (!source)
		source = "<input>";
	if (len > limits->max_bytes)
		return cap_error_set(CAP_ELIMIT,
				     "cannot parse '%s': %zu bytes is more than the limit of %zu",
				     source, len, limits->max_bytes);
	parser ps = {
	    .start = text,
	    .p = text,
	    .end = text + len,
	    .source = source,
	    .max_depth = limits->max_depth,
	    .scratch = CAP_BUF_INIT,
	};
	cap_value *v = NULL;
	skip_space(&ps);
	int err = parse_value(&ps, &v);
	if (!err) {
		skip_space(&ps);
		if (ps.p < ps.end) {
			err = fail_unexpected(&ps, "the end of input after the document");
			cap_value_free(v);
		}
	}
	cap_buf_release(&ps.scratch);
	if (err)
		return err;
	*out = v;
	return 0;
}

int cap_json_parse_file(cap_value **out, const char *path, const cap_parse_limits *limits)
{
	/* refuse an oversized file before reading it all into memory */
	struct stat st;
	size_t max = (limits ? limits : &cap_parse_limits_default)->max_bytes;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max)
		return cap_error_set(CAP_ELIMIT,
				     "cannot parse '%s': %jd bytes is more than the limit of %zu",
				     path, (intmax_t)st.st_size, max);
	cap_buf text = CAP_BUF_INIT;
	int err = cap_buf_read_file(&text, path);
	if (!err)
		err = cap_json_parse(out, text.ptr, text.len, path, limits);
	cap_buf_release(&text);
	return err;
}
