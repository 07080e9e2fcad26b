/* cap_strvec: owning string vectors kept NULL-terminated for argv use. */
#include "base/strvec.h"

#include "base/alloc.h"
#include "base/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cap_strvec__empty[] = {NULL};

void cap_strvec_init(cap_strvec *v)
{
	v->items = cap_strvec__empty;
	v->len = v->cap = 0;
}

void cap_strvec_release(cap_strvec *v)
{
	if (!v)
		return;
	if (v->items != cap_strvec__empty) {
		for (size_t i = 0; i < v->len; i++)
			free(v->items[i]);
		free(v->items);
	}
	cap_strvec_init(v);
}

void cap_strvec_push_owned(cap_strvec *v, char *s)
{
	if (v->items == cap_strvec__empty)
		v->items = NULL;
	cap_vec__grow((void **)&v->items, &v->cap, v->len + 2, sizeof(char *));
	v->items[v->len++] = s;
	v->items[v->len] = NULL;
}

const char *cap_strvec_pushn(cap_strvec *v, const char *s, size_t len)
{
	char *copy = cap_strndup(s, len);
	cap_strvec_push_owned(v, copy);
	return copy;
}

const char *cap_strvec_push(cap_strvec *v, const char *s)
{
	return cap_strvec_pushn(v, s, strlen(s));
}

const char *cap_strvec_pushf(cap_strvec *v, const char *fmt, ...)
{
	cap_buf b = CAP_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cap_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	char *s = cap_buf_detach(&b, NULL);
	cap_strvec_push_owned(v, s);
	return s;
}

void cap_strvec_pushv(cap_strvec *v, const char *const *items)
{
	for (; items && *items; items++)
		cap_strvec_push(v, *items);
}

void cap_strvec_pop(cap_strvec *v)
{
	if (!v->len)
		return;
	free(v->items[--v->len]);
	v->items[v->len] = NULL;
}

long cap_strvec_find(const cap_strvec *v, const char *s)
{
	for (size_t i = 0; i < v->len; i++)
		if (strcmp(v->items[i], s) == 0)
			return (long)i;
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cap_strvec_sort(cap_strvec *v)
{
	if (v->len > 1)
		qsort(v->items, v->len, sizeof(char *), cmp_str);
}

void cap_strvec_uniq(cap_strvec *v)
{
	if (v->len < 2)
		return;
	size_t w = 1;
	for (size_t r = 1; r < v->len; r++) {
		if (strcmp(v->items[r], v->items[w - 1]) == 0)
			free(v->items[r]);
		else
			v->items[w++] = v->items[r];
	}
	v->len = w;
	v->items[w] = NULL;
}

void cap_strvec_join(const cap_strvec *v, const char *sep, cap_buf *out)
{
	for (size_t i = 0; i < v->len; i++) {
		if (i)
			cap_buf_puts(out, sep);
		cap_buf_puts(out, v->items[i]);
	}
}

void cap_strvec_split(cap_strvec *v, const char *s, char sep, bool skip_empty)
{
	const char *start = s;
	for (;;) {
		const char *end = strchr(start, sep);
		size_t n = end ? (size_t)(end - start) : strlen(start);
		if (n || !skip_empty)
			cap_strvec_pushn(v, start, n);
		if (!end)
			break;
		start = end + 1;
	}
}
