/* JSON output of values: compact, indented or canonical (sorted keys), with shortest reals. */
#include "value/json.h"

#include "base/alloc.h"
#include "value/number.h"

#include <stdlib.h>
#include <string.h>

/* Appends without re-terminating: cap_json_print terminates once at the end. */
static inline void put(cap_buf *out, const char *s, size_t n)
{
	cap_buf_grow(out, n);
	memcpy(out->ptr + out->len, s, n);
	out->len += n;
}

static inline void putc1(cap_buf *out, char c)
{
	cap_buf_grow(out, 1);
	out->ptr[out->len++] = c;
}

/* 0: copy as is; 1: escape; 2: 0xE2, which starts U+2028 and U+2029. */
static const unsigned char byte_class[256] = {
    [0x00 ... 0x1f] = 1,
    ['"'] = 1,
    ['\\'] = 1,
    [0xe2] = 2,
};

static void put_string(cap_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	cap_buf_grow(out, len + 2);
	out->ptr[out->len++] = '"';
	size_t run = 0, i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		unsigned char cls = byte_class[c];
		if (!cls) {
			i++;
			continue;
		}
		if (cls == 2) {
			/* JavaScript reads U+2028/U+2029 as line ends: escape them */
			if (i + 2 < len && s[i + 1] == '\x80' &&
			    (s[i + 2] == '\xa8' || s[i + 2] == '\xa9')) {
				put(out, s + run, i - run);
				put(out, s[i + 2] == '\xa8' ? "\\u2028" : "\\u2029", 6);
				i += 3;
				run = i;
			} else {
				i++;
			}
			continue;
		}
		put(out, s + run, i - run);
		/* the two-character escapes JSON has, else \u00XX */
		static const char named[] = "\"\\\b\f\n\r\t", letter[] = "\"\\bfnrt";
		const char *k = memchr(named, c, sizeof(named) - 1);
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		if (k)
			esc[1] = letter[k - named];
		size_t n = k ? 2 : 6;
		put(out, esc, n);
		run = ++i;
	}
	put(out, s + run, len - run);
	putc1(out, '"');
}

static void put_int(cap_buf *out, int64_t v)
{
	char digits[24];
	char *p = digits + sizeof(digits);
	/* work on the magnitude as unsigned so INT64_MIN negates without overflow */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	put(out, p, (size_t)(digits + sizeof(digits) - p));
}

static void put_newline(cap_buf *out, unsigned depth)
{
	static const char spaces[] =
	    "                                                                ";
	size_t n = (size_t)depth * 2;
	putc1(out, '\n');
	while (n > 0) {
		size_t chunk = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		put(out, spaces, chunk);
		n -= chunk;
	}
}

typedef struct member {
	const char *key;
	size_t key_len;
	const cap_value *value;
} member;

/* Byte order of keys, a shorter key first when one is a prefix of the other. */
static int member_cmp(const void *pa, const void *pb)
{
	const member *a = pa, *b = pb;
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);
	if (c)
		return c;
	return (a->key_len > b->key_len) - (a->key_len < b->key_len);
}

static void print_value(cap_buf *out, const cap_value *v, unsigned flags, unsigned depth);

static void print_member(cap_buf *out, const member *m, unsigned flags, unsigned depth, bool first)
{
	if (!first)
		putc1(out, ',');
	if (flags & CAP_JSON_INDENT)
		put_newline(out, depth + 1);
	put_string(out, m->key, m->key_len);
	if (flags & CAP_JSON_INDENT)
		put(out, ": ", 2);
	else
		putc1(out, ':');
	print_value(out, m->value, flags, depth + 1);
}

static void print_object(cap_buf *out, const cap_value *o, unsigned flags, unsigned depth)
{
	size_t n = cap_value_object_len(o);
	if (!n) {
		put(out, "{}", 2);
		return;
	}
	putc1(out, '{');
	if (flags & CAP_JSON_SORT_KEYS) {
		member stack[32];
		member *members =
		    n <= CAP_ARRAY_SIZE(stack) ? stack : cap_malloc(n * sizeof(*members));
		size_t i = 0;
		for (void *it = cap_value_object_iter(o); it;
		     it = cap_value_object_iter_next(o, it))
			members[i++] = (member){cap_value_object_iter_key(it),
						cap_value_object_iter_key_len(it),
						cap_value_object_iter_value(it)};
		qsort(members, n, sizeof(*members), member_cmp);
		for (i = 0; i < n; i++)
			print_member(out, &members[i], flags, depth, i == 0);
		if (members != stack)
			free(members);
	} else {
		bool first = true;
		for (void *it = cap_value_object_iter(o); it;
		     it = cap_value_object_iter_next(o, it)) {
			member m = {cap_value_object_iter_key(it),
				    cap_value_object_iter_key_len(it),
				    cap_value_object_iter_value(it)};
			print_member(out, &m, flags, depth, first);
			first = false;
		}
	}
	if (flags & CAP_JSON_INDENT)
		put_newline(out, depth);
	putc1(out, '}');
}

static void print_array(cap_buf *out, const cap_value *a, unsigned flags, unsigned depth)
{
	size_t n = cap_value_array_len(a);
	if (!n) {
		put(out, "[]", 2);
		return;
	}
	putc1(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc1(out, ',');
		if (flags & CAP_JSON_INDENT)
			put_newline(out, depth + 1);
		print_value(out, cap_value_array_get(a, i), flags, depth + 1);
	}
	if (flags & CAP_JSON_INDENT)
		put_newline(out, depth);
	putc1(out, ']');
}

static void print_value(cap_buf *out, const cap_value *v, unsigned flags, unsigned depth)
{
	switch (cap_value_kind_of(v)) {
	case CAP_VALUE_NULL:
		put(out, "null", 4);
		break;
	case CAP_VALUE_BOOL:
		if (cap_value_get_bool(v))
			put(out, "true", 4);
		else
			put(out, "false", 5);
		break;
	case CAP_VALUE_INT:
		put_int(out, cap_value_get_int(v));
		break;
	case CAP_VALUE_REAL:
		cap_number_format_real(out, cap_value_get_real(v));
		break;
	case CAP_VALUE_STRING:
		put_string(out, cap_value_get_string(v), cap_value_string_len(v));
		break;
	case CAP_VALUE_ARRAY:
		print_array(out, v, flags, depth);
		break;
	case CAP_VALUE_OBJECT:
		print_object(out, v, flags, depth);
		break;
	}
}

void cap_json_print(cap_buf *out, const cap_value *v, unsigned flags)
{
	print_value(out, v, flags, 0);
	cap_buf_grow(out, 0);
	out->ptr[out->len] = '\0';
}

char *cap_json_to_string(const cap_value *v, unsigned flags)
{
	cap_buf b = CAP_BUF_INIT;
	cap_json_print(&b, v, flags);
	return cap_buf_detach(&b, NULL);
}
