/* JSON Pointer (RFC 6901): resolving, editing and building pointers over values. */
#include "value/pointer.h"

#include "base/error.h"

#include <string.h>

/*
 * Decodes the reference token starting after the '/' at *p into tok and leaves *p at the next
 * '/' or the terminator.
 */
static int next_token(cap_buf *tok, const char **p, const char *pointer)
{
	const char *s = *p + 1;
	cap_buf_clear(tok);
	for (;;) {
		size_t n = strcspn(s, "/~");
		cap_buf_put(tok, s, n);
		s += n;
		if (*s != '~')
			break;
		if (s[1] == '0')
			cap_buf_putc(tok, '~');
		else if (s[1] == '1')
			cap_buf_putc(tok, '/');
		else
			return cap_error_set(
			    CAP_EINVALID,
			    "invalid JSON pointer '%s': '~' must be followed by 0 or 1", pointer);
		s += 2;
	}
	*p = s;
	return 0;
}

static int check_start(const char *pointer)
{
	if (*pointer != '/')
		return cap_error_set(CAP_EINVALID, "invalid JSON pointer '%s': must start with '/'",
				     pointer);
	return 0;
}

/*
 * Reads tok as an index into an array of len elements: decimal without leading zeros, below
 * len, or at most len when at_end_ok (where "-" means len too).
 */
static int array_index(size_t *out, const cap_buf *tok, size_t len, bool at_end_ok,
		       const char *pointer)
{
	if (tok->len == 1 && tok->ptr[0] == '-') {
		if (!at_end_ok)
			return cap_error_set(CAP_ENOTFOUND,
					     "no value at '%s': '-' is past the end of the array",
					     pointer);
		*out = len;
		return 0;
	}
	size_t i = 0;
	bool ok = tok->len > 0 && (tok->len == 1 || tok->ptr[0] != '0');
	for (size_t k = 0; ok && k < tok->len; k++) {
		char c = tok->ptr[k];
		if (c < '0' || c > '9' || i > (SIZE_MAX - 9) / 10)
			ok = false;
		else
			i = i * 10 + (size_t)(c - '0');
	}
	if (!ok)
		return cap_error_set(CAP_EINVALID,
				     "invalid JSON pointer '%s': '%s' is not an array index",
				     pointer, tok->ptr);
	if (i > len || (i == len && !at_end_ok))
		return cap_error_set(CAP_ENOTFOUND, "no value at '%s': index %zu is out of range",
				     pointer, i);
	*out = i;
	return 0;
}

/* The child of v named by tok: a borrowed reference. */
static int child(cap_value **out, const cap_value *v, const cap_buf *tok, const char *pointer)
{
	if (cap_value_is_object(v)) {
		cap_value *c = cap_value_object_getn(v, tok->ptr, tok->len);
		if (!c)
			return cap_error_set(CAP_ENOTFOUND, "no value at '%s': no key '%s'",
					     pointer, tok->ptr);
		*out = c;
		return 0;
	}
	if (cap_value_is_array(v)) {
		size_t i;
		int err = array_index(&i, tok, cap_value_array_len(v), false, pointer);
		if (err)
			return err;
		*out = cap_value_array_get(v, i);
		return 0;
	}
	return cap_error_set(CAP_ENOTFOUND, "no value at '%s': '%s' is inside a %s", pointer,
			     tok->ptr, cap_value_kind_name(cap_value_kind_of(v)));
}

/* Walks every token but the last: *parent is its container and last holds the final token. */
static int resolve_parent(cap_value **parent, cap_buf *last, cap_value *root, const char *pointer)
{
	int err = check_start(pointer);
	if (err)
		return err;
	const char *p = pointer;
	cap_value *v = root;
	for (;;) {
		if ((err = next_token(last, &p, pointer)))
			return err;
		if (!*p)
			break;
		if ((err = child(&v, v, last, pointer)))
			return err;
	}
	*parent = v;
	return 0;
}

int cap_pointer_get(cap_value **out, const cap_value *root, const char *pointer)
{
	if (!*pointer) {
		*out = (cap_value *)root;
		return 0;
	}
	int err = check_start(pointer);
	if (err)
		return err;
	cap_buf tok = CAP_BUF_INIT;
	const char *p = pointer;
	cap_value *v = (cap_value *)root;
	while (*p && !(err = next_token(&tok, &p, pointer)) && !(err = child(&v, v, &tok, pointer)))
		;
	cap_buf_release(&tok);
	if (err)
		return err;
	*out = v;
	return 0;
}

/* set and add differ only in what an array index means: replace, or insert before. */
static int put_value(cap_value *root, const char *pointer, cap_value *v, bool insert)
{
	if (!*pointer) {
		cap_value_free(v);
		return cap_error_set(CAP_EINVALID, "cannot replace the whole document through ''");
	}
	cap_buf tok = CAP_BUF_INIT;
	cap_value *parent;
	int err = resolve_parent(&parent, &tok, root, pointer);
	if (!err) {
		if (cap_value_is_object(parent)) {
			cap_value_object_setn(parent, tok.ptr, tok.len, v);
			v = NULL;
		} else if (cap_value_is_array(parent)) {
			size_t len = cap_value_array_len(parent), i;
			if (!(err = array_index(&i, &tok, len, true, pointer))) {
				if (i == len || insert)
					cap_value_array_insert(parent, i, v);
				else
					cap_value_array_set(parent, i, v);
				v = NULL;
			}
		} else {
			err =
			    cap_error_set(CAP_ENOTFOUND, "no value at '%s': the parent is a %s",
					  pointer, cap_value_kind_name(cap_value_kind_of(parent)));
		}
	}
	cap_value_free(v);
	cap_buf_release(&tok);
	return err;
}

int cap_pointer_set(cap_value *root, const char *pointer, cap_value *v)
{
	return put_value(root, pointer, v, false);
}

int cap_pointer_add(cap_value *root, const char *pointer, cap_value *v)
{
	return put_value(root, pointer, v, true);
}

int cap_pointer_remove(cap_value *root, const char *pointer)
{
	if (!*pointer)
		return cap_error_set(CAP_EINVALID, "cannot remove the whole document through ''");
	cap_buf tok = CAP_BUF_INIT;
	cap_value *parent;
	int err = resolve_parent(&parent, &tok, root, pointer);
	if (!err) {
		if (cap_value_is_object(parent)) {
			if (!cap_value_object_getn(parent, tok.ptr, tok.len))
				err = cap_error_set(CAP_ENOTFOUND, "no value at '%s': no key '%s'",
						    pointer, tok.ptr);
			else
				cap_value_object_del(parent, tok.ptr);
		} else if (cap_value_is_array(parent)) {
			size_t i;
			err = array_index(&i, &tok, cap_value_array_len(parent), false, pointer);
			if (!err)
				cap_value_array_remove(parent, i);
		} else {
			err =
			    cap_error_set(CAP_ENOTFOUND, "no value at '%s': the parent is a %s",
					  pointer, cap_value_kind_name(cap_value_kind_of(parent)));
		}
	}
	cap_buf_release(&tok);
	return err;
}

void cap_pointer_append_token(cap_buf *out, const char *token, size_t len)
{
	cap_buf_putc(out, '/');
	const char *end = token + len;
	while (token < end) {
		const char *run = token;
		while (token < end && *token != '~' && *token != '/')
			token++;
		cap_buf_put(out, run, (size_t)(token - run));
		if (token < end) {
			cap_buf_put(out, *token == '~' ? "~0" : "~1", 2);
			token++;
		}
	}
}

int cap_pointer_parse(cap_value **out_tokens, const char *pointer)
{
	if (*pointer) {
		int err = check_start(pointer);
		if (err)
			return err;
	}
	cap_value *tokens = cap_value_array();
	cap_buf tok = CAP_BUF_INIT;
	const char *p = pointer;
	while (*p) {
		int err = next_token(&tok, &p, pointer);
		if (err) {
			cap_buf_release(&tok);
			cap_value_free(tokens);
			return err;
		}
		cap_value_array_append(tokens, cap_value_stringn(tok.ptr, tok.len));
	}
	cap_buf_release(&tok);
	*out_tokens = tokens;
	return 0;
}
