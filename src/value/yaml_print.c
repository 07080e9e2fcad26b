/* Values out as block-style YAML in kubectl's layout, quoting exactly what would not read back. */
#include "value/yaml.h"

#include "base/alloc.h"
#include "value/number.h"
#include "value/yaml_scalar.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Keys longer than this are written as explicit `? key` entries: libyaml caps implicit keys at
 * 1024. */
#define IMPLICIT_KEY_MAX 1000

enum style { PLAIN, SINGLE, DOUBLE, LITERAL };

static void indent_to(cap_buf *out, unsigned n)
{
	cap_buf_grow(out, n);
	memset(out->ptr + out->len, ' ', n);
	out->len += n;
	out->ptr[out->len] = '\0';
}

/*
 * Length of the UTF-8 character at s when YAML can carry it raw in a quoted or plain scalar
 * (the printable set, without line breaks, tabs or a byte order mark); 0 when it must be escaped.
 */
static size_t printable_char(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return c >= 0x20 && c != 0x7f;
	if (c == 0xc2 && len >= 2)
		return s[1] >= 0xa0 ? 2 : 0; /* C1 controls and NEL (U+0085) are escaped */
	if (c == 0xe2 && len >= 3 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 0; /* line and paragraph separators */
	if (c == 0xef && len >= 3 &&
	    ((s[1] == 0xbb && s[2] == 0xbf) || (s[1] == 0xbf && s[2] >= 0xbe)))
		return 0; /* byte order mark, U+FFFE and U+FFFF */
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	return n <= len ? n : 0;
}

static bool is_indicator(char c)
{
	return strchr("-?:,[]{}#&*!|>'\"%@`", c) != NULL;
}

/* Whether s can be written as a literal block (|) and read back unchanged. */
static bool literal_ok(const char *s, size_t len)
{
	if (len == 0 || s[0] == ' ' || s[0] == '\n' || !memchr(s, '\n', len))
		return false;
	for (size_t i = 0; i < len;) {
		if (s[i] == '\n') {
			i++;
			continue;
		}
		if (s[i] == ' ' && (i + 1 == len || s[i + 1] == '\n'))
			return false; /* trailing spaces on a line */
		size_t n = printable_char((const unsigned char *)s + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* The style a string needs: plain when it reads back as the same string, else quoted or literal. */
static enum style choose_style(const char *s, size_t len, bool is_key)
{
	if (len == 0 || cap_yaml_scalar_is_special(s, len) || cap_yaml_scalar_is_timestamp(s, len))
		return DOUBLE;
	bool printable = true;
	for (size_t i = 0; i < len;) {
		size_t n = printable_char((const unsigned char *)s + i, len - i);
		if (!n) {
			printable = false;
			break;
		}
		i += n;
	}
	if (!printable)
		return !is_key && literal_ok(s, len) ? LITERAL : DOUBLE;
	if (is_key && len > IMPLICIT_KEY_MAX)
		return DOUBLE;
	/* a plain `<<` key would be a merge key; as a value it is just text */
	bool quote = s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':' ||
		     (is_key && len == 2 && s[0] == '<' && s[1] == '<');
	if (is_indicator(s[0])) {
		/* "-x", "?x" and ":x" read back as plain text; the rest start YAML syntax */
		bool dash_like =
		    (s[0] == '-' || s[0] == '?' || s[0] == ':') && len > 1 && s[1] != ' ';
		quote |= !dash_like;
	}
	if (len >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)))
		quote = true;
	for (size_t i = 0; !quote && i + 1 < len; i++)
		if ((s[i] == ':' && s[i + 1] == ' ') || (s[i] == ' ' && s[i + 1] == '#'))
			quote = true;
	return quote ? SINGLE : PLAIN;
}

static void put_double_quoted(cap_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	cap_buf_putc(out, '"');
	for (size_t i = 0; i < len;) {
		const unsigned char *u = (const unsigned char *)s + i;
		size_t n = printable_char(u, len - i);
		size_t left = len - i;
		if (!n && *u >= 0xc2 && left >= 2) {
			/* a character YAML cannot carry raw: its code point as an escape */
			size_t w = *u >= 0xf0 ? 4 : *u >= 0xe0 ? 3 : 2;
			uint32_t cp = *u & (w == 2 ? 0x1f : w == 3 ? 0x0f : 0x07);
			for (size_t k = 1; k < w && k < left; k++)
				cp = (cp << 6) | (u[k] & 0x3f);
			if (cp == 0x85)
				cap_buf_puts(out, "\\N");
			else if (cp == 0x2028 || cp == 0x2029)
				cap_buf_puts(out, cp == 0x2028 ? "\\L" : "\\P");
			else
				cap_buf_printf(out, "\\u%04X", (unsigned)cp);
			i += w < left ? w : left;
			continue;
		}
		if (n) {
			if (*u == '"' || *u == '\\')
				cap_buf_putc(out, '\\');
			cap_buf_put(out, s + i, n);
			i += n;
			continue;
		}
		switch (*u) {
		case '\0':
			cap_buf_puts(out, "\\0");
			break;
		case '\a':
			cap_buf_puts(out, "\\a");
			break;
		case '\b':
			cap_buf_puts(out, "\\b");
			break;
		case '\t':
			cap_buf_puts(out, "\\t");
			break;
		case '\n':
			cap_buf_puts(out, "\\n");
			break;
		case '\v':
			cap_buf_puts(out, "\\v");
			break;
		case '\f':
			cap_buf_puts(out, "\\f");
			break;
		case '\r':
			cap_buf_puts(out, "\\r");
			break;
		case 0x1b:
			cap_buf_puts(out, "\\e");
			break;
		default:
			cap_buf_printf(out, "\\x%c%c", hex[*u >> 4], hex[*u & 15]);
			break;
		}
		i++;
	}
	cap_buf_putc(out, '"');
}

static void put_single_quoted(cap_buf *out, const char *s, size_t len)
{
	cap_buf_putc(out, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'')
			cap_buf_putc(out, '\'');
		cap_buf_putc(out, s[i]);
	}
	cap_buf_putc(out, '\'');
}

/* "|" with the chomping that keeps the trailing line breaks, then each line at content_indent. */
static void put_literal(cap_buf *out, const char *s, size_t len, unsigned content_indent)
{
	size_t trailing = 0;
	while (trailing < len && s[len - 1 - trailing] == '\n')
		trailing++;
	cap_buf_puts(out, trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+");
	size_t body = len - (trailing ? 1 : 0); /* the last break ends the last line */
	size_t start = 0;
	while (start <= body) {
		const char *nl = memchr(s + start, '\n', body - start);
		size_t end = nl ? (size_t)(nl - s) : body;
		cap_buf_putc(out, '\n');
		if (end > start) {
			indent_to(out, content_indent);
			cap_buf_put(out, s + start, end - start);
		}
		if (!nl)
			break;
		start = end + 1;
	}
}

static void put_string(cap_buf *out, const char *s, size_t len, bool is_key,
		       unsigned content_indent)
{
	switch (choose_style(s, len, is_key)) {
	case PLAIN:
		cap_buf_put(out, s, len);
		break;
	case SINGLE:
		put_single_quoted(out, s, len);
		break;
	case DOUBLE:
		put_double_quoted(out, s, len);
		break;
	case LITERAL:
		put_literal(out, s, len, content_indent);
		break;
	}
}

/* Scalars and empty containers: everything that fits after "key: " or "- ". */
static void put_scalar(cap_buf *out, const cap_value *v, unsigned content_indent)
{
	switch (cap_value_kind_of(v)) {
	case CAP_VALUE_NULL:
		cap_buf_puts(out, "null");
		break;
	case CAP_VALUE_BOOL:
		cap_buf_puts(out, cap_value_get_bool(v) ? "true" : "false");
		break;
	case CAP_VALUE_INT:
		cap_buf_printf(out, "%lld", (long long)cap_value_get_int(v));
		break;
	case CAP_VALUE_REAL:
		cap_number_format_real(out, cap_value_get_real(v));
		break;
	case CAP_VALUE_STRING:
		put_string(out, cap_value_get_string(v), cap_value_string_len(v), false,
			   content_indent);
		break;
	case CAP_VALUE_ARRAY:
		cap_buf_puts(out, "[]");
		break;
	case CAP_VALUE_OBJECT:
		cap_buf_puts(out, "{}");
		break;
	}
}

static bool is_block(const cap_value *v)
{
	return (cap_value_is_array(v) && cap_value_array_len(v)) ||
	       (cap_value_is_object(v) && cap_value_object_len(v));
}

struct entry {
	const char *key;
	size_t len;
	cap_value *value;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void put_block(cap_buf *out, const cap_value *v, unsigned indent, unsigned flags);

/* What follows "key:" or "- ": a nested block on the next lines, or " scalar". */
static void put_value_after(cap_buf *out, const cap_value *v, unsigned indent, unsigned flags,
			    bool after_dash)
{
	if (!is_block(v)) {
		cap_buf_putc(out, ' ');
		put_scalar(out, v, indent + 2);
		cap_buf_putc(out, '\n');
	} else if (after_dash) {
		cap_buf_putc(out, ' ');
		put_block(out, v, indent + 2, flags);
	} else if (cap_value_is_array(v)) {
		/* kubectl's layout: a sequence under a key sits at the key's indentation */
		cap_buf_putc(out, '\n');
		indent_to(out, indent);
		put_block(out, v, indent, flags);
	} else {
		cap_buf_putc(out, '\n');
		indent_to(out, indent + 2);
		put_block(out, v, indent + 2, flags);
	}
}

static void put_entry(cap_buf *out, const struct entry *e, unsigned indent, unsigned flags)
{
	if (e->len > IMPLICIT_KEY_MAX) {
		cap_buf_puts(out, "? ");
		put_double_quoted(out, e->key, e->len);
		cap_buf_putc(out, '\n');
		indent_to(out, indent);
	} else {
		put_string(out, e->key, e->len, true, 0);
	}
	cap_buf_putc(out, ':');
	put_value_after(out, e->value, indent, flags, false);
}

static void put_object(cap_buf *out, const cap_value *v, unsigned indent, unsigned flags)
{
	size_t n = cap_value_object_len(v), i = 0;
	struct entry *entries = cap_malloc(n * sizeof(*entries));
	const char *k;
	cap_value *e;
	CAP_VALUE_OBJECT_FOREACH(v, k, e)
	{
		entries[i].key = k;
		entries[i].len = cap_value_object_iter_key_len(cap__it);
		entries[i].value = e;
		i++;
	}
	if (flags & CAP_YAML_SORT_KEYS)
		qsort(entries, n, sizeof(*entries), entry_cmp);
	for (i = 0; i < n; i++) {
		if (i)
			indent_to(out, indent);
		put_entry(out, &entries[i], indent, flags);
	}
	free(entries);
}

/* A non-empty array or object whose first line starts at the cursor, already at indent. */
static void put_block(cap_buf *out, const cap_value *v, unsigned indent, unsigned flags)
{
	if (cap_value_is_object(v)) {
		put_object(out, v, indent, flags);
		return;
	}
	size_t i;
	cap_value *e;
	CAP_VALUE_ARRAY_FOREACH(v, i, e)
	{
		if (i)
			indent_to(out, indent);
		cap_buf_putc(out, '-');
		put_value_after(out, e, indent, flags, true);
	}
}

void cap_yaml_print(cap_buf *out, const cap_value *v, unsigned flags)
{
	if (is_block(v)) {
		put_block(out, v, 0, flags);
		return;
	}
	put_scalar(out, v, 2);
	cap_buf_putc(out, '\n');
}

void cap_yaml_print_stream(cap_buf *out, const cap_value *docs, unsigned flags)
{
	size_t i;
	cap_value *doc;
	CAP_VALUE_ARRAY_FOREACH(docs, i, doc)
	{
		if (i)
			cap_buf_puts(out, "---\n");
		cap_yaml_print(out, doc, flags);
	}
}
