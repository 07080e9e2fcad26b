/* JSON Patch (RFC 6902): applies add/remove/replace/move/copy/test to a private copy, atomically.
 */
#include "patch/json_patch.h"

#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "value/pointer.h"

/* One operation being applied: its index and fields, for error messages. */
typedef struct op_ctx {
	size_t index;
	const char *op;
	const char *path;
	const char *from;
} op_ctx;

static int op_fail(const op_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "cannot apply json patch operation 2 (replace '/spec/x'): <detail>" */
static int op_fail(const op_ctx *c, int code, const char *fmt, ...)
{
	cap_buf msg = CAP_BUF_INIT;
	va_list ap;

	cap_buf_printf(&msg, "cannot apply json patch operation %zu", c->index);
	if (c->op && c->path)
		cap_buf_printf(&msg, " (%s '%s')", c->op, c->path);
	cap_buf_puts(&msg, ": ");
	va_start(ap, fmt);
	cap_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	cap_error_set(code, "%s", msg.ptr);
	cap_buf_release(&msg);
	return code;
}

/* A borrowed string member of the operation object, or NULL when absent or not a string. */
static const char *member_string(const cap_value *op, const char *name, bool *present)
{
	cap_value *v = cap_value_object_get(op, name);

	*present = v != NULL;
	return cap_value_get_string(v);
}

/* True when the pointer prefix names an ancestor of path (prefix is a proper prefix token-wise). */
static bool is_proper_prefix(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	return strncmp(prefix, path, n) == 0 && path[n] == '/';
}

/* Inserts v at path (RFC 6902 "add"); path "" replaces the whole document. Steals v. */
static int do_add(const op_ctx *c, cap_value **doc, const char *path, cap_value *v)
{
	if (!*path) {
		cap_value_free(*doc);
		*doc = v;
		return 0;
	}
	int err = cap_pointer_add(*doc, path, v);
	if (err == CAP_ENOTFOUND)
		return op_fail(c, err,
			       "%s operation does not apply: doc is missing path: \"%s\": %s",
			       c->op, path, cap_error_last());
	if (err)
		return op_fail(c, err, "%s", cap_error_last());
	return 0;
}

/* The value at path (borrowed), or an error naming the operation. */
static int do_get(const op_ctx *c, cap_value **out, cap_value *doc, const char *path,
		  const char *what)
{
	if (!*path) {
		*out = doc;
		return 0;
	}
	int err = cap_pointer_get(out, doc, path);
	if (err)
		return op_fail(c, err, "%s operation does not apply: doc is missing %s: \"%s\": %s",
			       c->op, what, path, cap_error_last());
	return 0;
}

static int apply_one(cap_value **doc, const cap_value *op, size_t index)
{
	op_ctx c = {index, NULL, NULL, NULL};
	bool has_path, has_from, has_op;
	cap_value *target, *value = NULL;
	int err;

	if (!cap_value_is_object(op))
		return op_fail(&c, CAP_EINVALID, "an operation must be an object, not %s",
			       cap_value_kind_name(cap_value_kind_of(op)));
	c.op = member_string(op, "op", &has_op);
	c.path = member_string(op, "path", &has_path);
	c.from = member_string(op, "from", &has_from);
	if (!c.op)
		return op_fail(&c, CAP_EINVALID, "Unexpected kind: %s",
			       has_op ? "op is not a string" : "missing op");
	if (!c.path)
		return op_fail(&c, CAP_EINVALID, "%s operation is missing a string 'path'", c.op);

	bool is_add = !strcmp(c.op, "add"), is_replace = !strcmp(c.op, "replace");
	bool is_test = !strcmp(c.op, "test");
	bool is_move = !strcmp(c.op, "move"), is_copy = !strcmp(c.op, "copy");
	if (is_add || is_replace || is_test) {
		value = cap_value_object_get(op, "value");
		if (!value)
			return op_fail(&c, CAP_EINVALID, "%s operation is missing 'value'", c.op);
	}
	if ((is_move || is_copy) && !c.from)
		return op_fail(&c, CAP_EINVALID, "%s operation is missing a string 'from'%s", c.op,
			       has_from ? " (not a string)" : "");

	if (is_add)
		return do_add(&c, doc, c.path, cap_value_deep_copy(value));
	if (!strcmp(c.op, "remove")) {
		if (!*c.path)
			return op_fail(&c, CAP_EINVALID, "cannot remove the whole document");
		err = cap_pointer_remove(*doc, c.path);
		if (err)
			return op_fail(
			    &c, err,
			    "remove operation does not apply: doc is missing path: \"%s\": %s",
			    c.path, cap_error_last());
		return 0;
	}
	if (is_replace) {
		if ((err = do_get(&c, &target, *doc, c.path, "key")))
			return err;
		if (!*c.path)
			return do_add(&c, doc, c.path, cap_value_deep_copy(value));
		err = cap_pointer_set(*doc, c.path, cap_value_deep_copy(value));
		if (err)
			return op_fail(&c, err, "replace operation does not apply: %s",
				       cap_error_last());
		return 0;
	}
	if (is_test) {
		if ((err = do_get(&c, &target, *doc, c.path, "path")))
			return err;
		if (!cap_value_equal(target, value))
			return op_fail(&c, CAP_ECONFLICT, "testing value %s failed: test failed",
				       c.path);
		return 0;
	}
	if (is_copy) {
		if ((err = do_get(&c, &target, *doc, c.from, "from")))
			return err;
		return do_add(&c, doc, c.path, cap_value_deep_copy(target));
	}
	if (is_move) {
		if (!strcmp(c.from, c.path)) {
			/* Moving onto itself changes nothing, but the location must exist. */
			return do_get(&c, &target, *doc, c.from, "from");
		}
		if (!*c.from || is_proper_prefix(c.from, c.path))
			return op_fail(&c, CAP_EINVALID,
				       "move operation does not apply: '%s' is inside 'from' '%s'",
				       c.path, c.from);
		if ((err = do_get(&c, &target, *doc, c.from, "from")))
			return err;
		cap_value *moved = cap_value_ref(target);
		err = cap_pointer_remove(*doc, c.from);
		if (err) {
			cap_value_free(moved);
			return op_fail(&c, err, "move operation does not apply: %s",
				       cap_error_last());
		}
		return do_add(&c, doc, c.path, moved);
	}
	return op_fail(&c, CAP_EINVALID, "Unexpected kind: %s", c.op);
}

int cap_json_patch_apply(cap_value **out, const cap_value *doc, const cap_value *patch)
{
	cap_value *work, *op;
	size_t i;

	if (!cap_value_is_array(patch))
		return cap_error_set(CAP_EINVALID,
				     "cannot apply json patch: the patch must be an array of "
				     "operations, not %s",
				     cap_value_kind_name(cap_value_kind_of(patch)));
	work = doc ? cap_value_deep_copy(doc) : cap_value_null();
	CAP_VALUE_ARRAY_FOREACH(patch, i, op)
	{
		int err = apply_one(&work, op, i);
		if (err) {
			cap_value_free(work);
			return err;
		}
	}
	*out = work;
	return 0;
}
