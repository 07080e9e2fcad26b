/* Line diffs (Myers' shortest edit script) printed in diff(1)'s normal and unified formats. */
#include "diff/text.h"

#include "base/alloc.h"
#include "diff/mask.h"
#include "value/yaml.h"

#include <stdlib.h>
#include <string.h>

/* Edit distances past this give up on a shortest script for the rest (delete, then add). */
#define MAX_EDIT 4000

typedef struct line {
	const char *ptr;
	size_t len;
} line;

typedef struct lines {
	line *items;
	size_t len, cap;
} lines;

enum op { OP_EQ, OP_DEL, OP_ADD };

typedef struct edit {
	enum op op;
	size_t a, b; /* line index in a (EQ, DEL) and in b (EQ, ADD) */
} edit;

typedef struct script {
	edit *items;
	size_t len, cap;
} script;

static void split_lines(lines *out, const char *s)
{
	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		if (out->len == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 64;
			out->items = cap_realloc(out->items, out->cap * sizeof(*out->items));
		}
		out->items[out->len++] = (line){s, n};
		s += n + (nl ? 1 : 0);
	}
}

static bool same(const line *x, const line *y)
{
	return x->len == y->len && !memcmp(x->ptr, y->ptr, x->len);
}

static void push(script *s, enum op op, size_t a, size_t b)
{
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->items = cap_realloc(s->items, s->cap * sizeof(*s->items));
	}
	s->items[s->len++] = (edit){op, a, b};
}

/* The shortest edit script from a[0..n) to b[0..m), pushed in reverse order into rev. */
static void myers(script *rev, const line *a, long n, const line *b, long m)
{
	long max = n + m, off = max + 1;
	long *v = cap_calloc((size_t)(2 * max + 3), sizeof(long));
	long **trace = cap_calloc((size_t)(max + 1), sizeof(long *));
	long d, found = -1;

	for (d = 0; d <= max && d <= MAX_EDIT && found < 0; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x;
			if (d == 0)
				x = 0;
			else if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			long y = x - k;
			while (x < n && y < m && same(&a[x], &b[y])) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= n && y >= m)
				found = d;
		}
		trace[d] = cap_malloc((size_t)(2 * d + 1) * sizeof(long));
		memcpy(trace[d], v + off - d, (size_t)(2 * d + 1) * sizeof(long));
	}
	if (found < 0) {
		/* Too many edits: everything differs (a correct, if long, script). */
		for (long j = m - 1; j >= 0; j--)
			push(rev, OP_ADD, (size_t)n, (size_t)j);
		for (long i = n - 1; i >= 0; i--)
			push(rev, OP_DEL, (size_t)i, 0);
	} else {
		long x = n, y = m;
		for (d = found; d >= 0; d--) {
			long k = x - y, pk, px, py;
			if (d == 0) {
				pk = 0;
				px = 0;
			} else {
				long *pv = trace[d - 1]; /* k in [-(d-1), d-1] at pv[k + d - 1] */
				if (k == -d || (k != d && pv[k - 1 + d - 1] < pv[k + 1 + d - 1]))
					pk = k + 1;
				else
					pk = k - 1;
				px = pv[pk + d - 1];
			}
			py = px - pk;
			while (x > px && y > py) {
				x--;
				y--;
				push(rev, OP_EQ, (size_t)x, (size_t)y);
			}
			if (d > 0) {
				if (x == px)
					push(rev, OP_ADD, (size_t)x, (size_t)py);
				else
					push(rev, OP_DEL, (size_t)px, (size_t)y);
			}
			x = px;
			y = py;
		}
	}
	for (long i = 0; i <= max && trace[i]; i++)
		free(trace[i]);
	free(trace);
	free(v);
}

static void put_lines(cap_buf *out, const char *prefix, const lines *l, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		cap_buf_puts(out, prefix);
		cap_buf_put(out, l->items[i].ptr, l->items[i].len);
		cap_buf_putc(out, '\n');
	}
}

/* "5" or "5,7" for lines [from, to) counted from 1; an empty range names the line before. */
static void put_range(cap_buf *out, size_t from, size_t to)
{
	if (to <= from + 1)
		cap_buf_printf(out, "%zu", to <= from ? from : from + 1);
	else
		cap_buf_printf(out, "%zu,%zu", from + 1, to);
}

static void print_normal(cap_buf *out, const script *s, const lines *a, const lines *b)
{
	size_t i = 0;
	while (i < s->len) {
		if (s->items[i].op == OP_EQ) {
			i++;
			continue;
		}
		size_t a0 = s->items[i].a, b0 = s->items[i].b, a1 = a0, b1 = b0;
		for (; i < s->len && s->items[i].op != OP_EQ; i++) {
			if (s->items[i].op == OP_DEL)
				a1 = s->items[i].a + 1;
			else
				b1 = s->items[i].b + 1;
		}
		if (a1 > a0 && b1 > b0) {
			put_range(out, a0, a1);
			cap_buf_putc(out, 'c');
			put_range(out, b0, b1);
			cap_buf_putc(out, '\n');
			put_lines(out, "< ", a, a0, a1);
			cap_buf_puts(out, "---\n");
			put_lines(out, "> ", b, b0, b1);
		} else if (a1 > a0) {
			put_range(out, a0, a1);
			cap_buf_printf(out, "d%zu\n", b0);
			put_lines(out, "< ", a, a0, a1);
		} else {
			cap_buf_printf(out, "%zua", a0);
			put_range(out, b0, b1);
			cap_buf_putc(out, '\n');
			put_lines(out, "> ", b, b0, b1);
		}
	}
}

static void put_unified_range(cap_buf *out, size_t start, size_t count)
{
	if (count == 1)
		cap_buf_printf(out, "%zu", start + 1);
	else
		cap_buf_printf(out, "%zu,%zu", count ? start + 1 : start, count);
}

static void print_unified(cap_buf *out, const script *s, const lines *a, const lines *b,
			  unsigned context)
{
	size_t i = 0;
	while (i < s->len) {
		while (i < s->len && s->items[i].op == OP_EQ)
			i++;
		if (i == s->len)
			break;
		/* A hunk: from context lines before this change to context after the last change
		 * whose gap to the next one is at most 2*context. */
		size_t start = i >= context ? i - context : 0, end = i;
		for (;;) {
			while (end < s->len && s->items[end].op != OP_EQ)
				end++;
			size_t eq = end;
			while (eq < s->len && s->items[eq].op == OP_EQ)
				eq++;
			if (eq < s->len && eq - end <= 2 * (size_t)context) {
				end = eq;
				continue;
			}
			end = end + context < s->len ? end + context : s->len;
			if (eq == s->len && end > eq)
				end = eq;
			break;
		}
		size_t a_start = SIZE_MAX, b_start = SIZE_MAX, a_n = 0, b_n = 0;
		for (size_t j = start; j < end; j++) {
			const edit *e = &s->items[j];
			if (e->op != OP_ADD) {
				if (a_start == SIZE_MAX)
					a_start = e->a;
				a_n++;
			}
			if (e->op != OP_DEL) {
				if (b_start == SIZE_MAX)
					b_start = e->b;
				b_n++;
			}
		}
		if (a_start == SIZE_MAX)
			a_start = s->items[start].a;
		if (b_start == SIZE_MAX)
			b_start = s->items[start].b;
		cap_buf_puts(out, "@@ -");
		put_unified_range(out, a_start, a_n);
		cap_buf_puts(out, " +");
		put_unified_range(out, b_start, b_n);
		cap_buf_puts(out, " @@\n");
		for (size_t j = start; j < end; j++) {
			const edit *e = &s->items[j];
			if (e->op == OP_EQ)
				put_lines(out, " ", a, e->a, e->a + 1);
			else if (e->op == OP_DEL)
				put_lines(out, "-", a, e->a, e->a + 1);
			else
				put_lines(out, "+", b, e->b, e->b + 1);
		}
		i = end;
	}
}

bool cap_diff_text(cap_buf *out, const char *ta, const char *tb, cap_diff_text_format format,
		   unsigned context, const char *label_a, const char *label_b)
{
	lines a = {0}, b = {0};
	script rev = {0}, s = {0};
	split_lines(&a, ta);
	split_lines(&b, tb);

	/* Common prefix and suffix need no search. */
	size_t pre = 0, suf = 0;
	while (pre < a.len && pre < b.len && same(&a.items[pre], &b.items[pre]))
		pre++;
	while (suf < a.len - pre && suf < b.len - pre &&
	       same(&a.items[a.len - 1 - suf], &b.items[b.len - 1 - suf]))
		suf++;
	bool differ = pre + suf < a.len || pre + suf < b.len;
	if (differ) {
		for (size_t i = 0; i < suf; i++)
			push(&rev, OP_EQ, a.len - 1 - i, b.len - 1 - i);
		script mid = {0};
		myers(&mid, a.items + pre, (long)(a.len - pre - suf), b.items + pre,
		      (long)(b.len - pre - suf));
		for (size_t i = 0; i < mid.len; i++)
			push(&rev, mid.items[i].op, mid.items[i].a + pre, mid.items[i].b + pre);
		free(mid.items);
		for (size_t i = pre; i > 0; i--)
			push(&rev, OP_EQ, i - 1, i - 1);
		for (size_t i = rev.len; i > 0; i--)
			push(&s, rev.items[i - 1].op, rev.items[i - 1].a, rev.items[i - 1].b);
		if (format == CAP_DIFF_TEXT_UNIFIED) {
			if (label_a && label_b)
				cap_buf_printf(out, "--- %s\n+++ %s\n", label_a, label_b);
			print_unified(out, &s, &a, &b, context);
		} else {
			print_normal(out, &s, &a, &b);
		}
	}
	free(a.items);
	free(b.items);
	free(rev.items);
	free(s.items);
	return differ;
}

bool cap_diff_text_objects(cap_buf *out, const cap_value *live, const cap_value *predicted,
			   cap_diff_text_format format)
{
	cap_buf a = CAP_BUF_INIT, b = CAP_BUF_INIT;
	if (live && !cap_value_is_null(live))
		cap_yaml_print(&a, live, CAP_YAML_SORT_KEYS);
	if (predicted && !cap_value_is_null(predicted))
		cap_yaml_print(&b, predicted, CAP_YAML_SORT_KEYS);
	bool differ = cap_diff_text(out, a.ptr, b.ptr, format, 3, "live", "target");
	cap_buf_release(&a);
	cap_buf_release(&b);
	return differ;
}

bool cap_diff_text_masked(cap_buf *out, const cap_value *live, const cap_value *predicted,
			  cap_diff_text_format format)
{
	cap_value *l = live ? cap_value_deep_copy(live) : NULL;
	cap_value *p = predicted ? cap_value_deep_copy(predicted) : NULL;
	cap_diff_hide_secret_data(p, l, NULL);
	bool differ = cap_diff_text_objects(out, l, p, format);
	cap_value_free(l);
	cap_value_free(p);
	return differ;
}
