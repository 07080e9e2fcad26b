/* Jsonnet files of directory sources, evaluated with libjsonnet in a child under a deadline. */
#include "render/internal.h"

#include "base/error.h"
#include "base/time.h"
#include "render/paths.h"
#include "value/json.h"

#include <errno.h>
#include <fcntl.h>
#include <libjsonnet.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct import_ctx {
	struct JsonnetVm *vm;
	const char *root;
	cap_strvec jpaths;
} import_ctx;

static char *vm_strdup(struct JsonnetVm *vm, const char *s, size_t len)
{
	char *p = jsonnet_realloc(vm, NULL, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Imports resolve next to the importing file, then along the library paths, never outside root. */
static char *import_file(void *data, const char *base, const char *rel, char **found_here,
			 int *success)
{
	import_ctx *ic = data;
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT, msg = CAP_BUF_INIT;
	char *result = NULL;
	*success = 0;
	if (rel[0] == '/' && !cap_render_path_is_within(ic->root, rel))
		cap_buf_printf(&msg, "import '%s' resolved to outside repository root", rel);
	for (size_t i = 0; !msg.len && i <= ic->jpaths.len && !result; i++) {
		/* like go-jsonnet: the importing file's folder, then the paths last to first */
		const char *dir = i == 0 ? base : ic->jpaths.items[ic->jpaths.len - i];
		const char *name = rel;
		if (rel[0] == '/') /* absolute imports inside the checkout are fine */
			name = rel + strlen(ic->root);
		int rc = cap_render_path_resolve(&path, ic->root, dir, name);
		if (rc == CAP_ENOTFOUND)
			continue;
		if (rc) {
			cap_buf_printf(&msg, "%s", cap_error_last());
			break;
		}
		cap_buf_clear(&text);
		if (cap_buf_read_file(&text, path.ptr) != 0)
			continue;
		*found_here = vm_strdup(ic->vm, path.ptr, path.len);
		result = vm_strdup(ic->vm, text.ptr, text.len);
		*success = 1;
	}
	if (!result) {
		if (!msg.len)
			cap_buf_printf(&msg, "import '%s' not found", rel);
		result = vm_strdup(ic->vm, msg.ptr, msg.len);
	}
	cap_buf_release(&path);
	cap_buf_release(&text);
	cap_buf_release(&msg);
	return result;
}

/* Evaluates in the child and writes 'O' + JSON or 'E' + message to fd. */
static void evaluate_child(int fd, const char *file, cap_render_ctx *ctx)
{
	const cap_render_source *src = ctx->req->source;
	struct JsonnetVm *vm = jsonnet_make();
	import_ctx ic = {vm, ctx->root, CAP_STRVEC_INIT};
	cap_buf val = CAP_BUF_INIT, out = CAP_BUF_INIT, lib = CAP_BUF_INIT;

#if !defined(__SANITIZE_ADDRESS__)
	/* (AddressSanitizer reserves terabytes of address space: no limit under it) */
	if (ctx->opts.max_tool_memory) {
		struct rlimit rl = {ctx->opts.max_tool_memory, ctx->opts.max_tool_memory};
		setrlimit(RLIMIT_AS, &rl);
	}
#endif
	jsonnet_max_stack(vm, 500);
	cap_strvec_push(&ic.jpaths, ctx->app_dir);
	for (size_t i = 0; i < src->directory.libs.len; i++) {
		if (cap_render_path_resolve(&lib, ctx->root, ctx->root,
					    src->directory.libs.items[i]) != 0) {
			cap_buf_printf(&out, "E%s", cap_error_last());
			goto write;
		}
		cap_strvec_push(&ic.jpaths, lib.ptr);
	}
	jsonnet_import_callback(vm, import_file, &ic);
	for (size_t i = 0; i < src->directory.ext_vars.len; i++) {
		const cap_render_jsonnet_var *v = &src->directory.ext_vars.items[i];
		cap_render__envsubst(&val, v->value, &ctx->env);
		(v->code ? jsonnet_ext_code : jsonnet_ext_var)(vm, v->name, val.ptr);
	}
	for (size_t i = 0; i < src->directory.tlas.len; i++) {
		const cap_render_jsonnet_var *v = &src->directory.tlas.items[i];
		cap_render__envsubst(&val, v->value, &ctx->env);
		(v->code ? jsonnet_tla_code : jsonnet_tla_var)(vm, v->name, val.ptr);
	}
	int error = 0;
	char *json = jsonnet_evaluate_file(vm, file, &error);
	cap_buf_printf(&out, "%c%s", error ? 'E' : 'O', json ? json : "");
	jsonnet_realloc(vm, json, 0);
write:;
	size_t off = 0;
	while (off < out.len) {
		ssize_t n = write(fd, out.ptr + off, out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	_exit(0);
}

/* Reads the child's answer with the tool deadline and size limit. */
static int read_answer(cap_buf *out, int fd, pid_t pid, const char *display, cap_render_ctx *ctx)
{
	cap_deadline deadline = cap_deadline_in_ms(ctx->opts.timeout_ms);
	char chunk[65536];
	int rc = 0;
	for (;;) {
		uint64_t left = cap_deadline_remaining_ms(deadline);
		if (!left) {
			rc = cap_error_set(CAP_ETIMEOUT, "cannot evaluate jsonnet '%s': timed out",
					   display);
			break;
		}
		struct pollfd p = {fd, POLLIN, 0};
		int n = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		cap_buf_put(out, chunk, (size_t)got);
		if (out->len > ctx->opts.max_manifest_bytes + 1) {
			rc = cap_error_set(CAP_ELIMIT,
					   "cannot evaluate jsonnet '%s': output exceeds %zu bytes",
					   display, ctx->opts.max_manifest_bytes);
			break;
		}
	}
	if (rc)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!rc && (!out->len || !WIFEXITED(status)))
		rc = cap_error_set(CAP_EGENERIC, "cannot evaluate jsonnet '%s': evaluator %s",
				   display,
				   WIFSIGNALED(status) ? "was killed (memory limit?)" : "failed");
	return rc;
}

int cap_render__jsonnet(cap_value *objs, const char *file, const char *display, cap_render_ctx *ctx)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return cap_error_set(CAP_EIO, "cannot evaluate jsonnet '%s': %s", display,
				     strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return cap_error_set(CAP_EIO, "cannot evaluate jsonnet '%s': %s", display,
				     strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		evaluate_child(fds[1], file, ctx);
	}
	close(fds[1]);
	cap_buf answer = CAP_BUF_INIT;
	int rc = read_answer(&answer, fds[0], pid, display, ctx);
	close(fds[0]);
	if (rc)
		goto done;
	if (answer.ptr[0] == 'E') {
		rc = cap_error_set(CAP_EINVALID, "cannot evaluate jsonnet '%s': %s", display,
				   answer.ptr + 1);
		goto done;
	}
	cap_value *v = NULL;
	if ((rc = cap_json_parse(&v, answer.ptr + 1, answer.len - 1, display, NULL)))
		goto done;
	/* Argo CD accepts either one object or an array of objects. */
	if (cap_value_is_array(v)) {
		cap_value *item;
		size_t i;
		CAP_VALUE_ARRAY_FOREACH(v, i, item)
		{
			if (!cap_value_is_object(item))
				rc = cap_error_set(CAP_EINVALID,
						   "cannot use jsonnet '%s': element %zu is not an "
						   "object",
						   display, i);
		}
		if (!rc)
			CAP_VALUE_ARRAY_FOREACH(v, i, item)
		cap_value_array_append(objs, cap_value_ref(item));
	} else if (cap_value_is_object(v)) {
		cap_value_array_append(objs, cap_value_ref(v));
	} else {
		rc = cap_error_set(
		    CAP_EINVALID,
		    "cannot use jsonnet '%s': result is neither an object nor an array", display);
	}
	cap_value_free(v);
done:
	cap_buf_release(&answer);
	return rc;
}
