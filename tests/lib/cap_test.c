/* Fixture paths, temporary directories and command runs for the unit tests. */
#include "cap_test.h"

#include "base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

void cap_test_shared_path(cap_buf *out, const char *relative)
{
	cap_buf_clear(out);
	cap_buf_printf(out, "%s/%s", env_or("CAP_SHARED_DATA", CAP_SOURCE_DIR "/../shared/data"),
		       relative);
}

void cap_test_fixture_path(cap_buf *out, const char *relative)
{
	cap_buf_clear(out);
	cap_buf_printf(out, "%s/tests/fixtures/%s", env_or("CAP_SOURCE_DIR", CAP_SOURCE_DIR), relative);
}

void cap_test_read_file(cap_buf *out, const char *path)
{
	if (cap_buf_read_file(out, path) != 0)
		fail_msg("%s", cap_error_last());
}

void cap_test_mkdtemp(cap_buf *out)
{
	cap_buf_clear(out);
	cap_buf_printf(out, "%s/capstan-test-XXXXXX", env_or("TMPDIR", "/tmp"));
	if (!mkdtemp(out->ptr))
		fail_msg("cannot make a temporary directory");
}

void cap_test_rmtree(const char *path)
{
	cap_buf cmd = CAP_BUF_INIT;
	if (strstr(path, "capstan-test-")) {
		cap_buf_printf(&cmd, "rm -rf '%s'", path);
		if (system(cmd.ptr) != 0)
			fprintf(stderr, "warning: cannot remove %s\n", path);
	}
	cap_buf_release(&cmd);
}

int cap_test_run(cap_buf *out, const char *fmt, ...)
{
	cap_buf cmd = CAP_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cap_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd.ptr, "r");
	cap_buf_release(&cmd);
	if (!p)
		return -1;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		if (out)
			cap_buf_put(out, chunk, n);
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int cap_test_have_program(const char *name)
{
	cap_buf cmd = CAP_BUF_INIT;
	cap_buf_printf(&cmd, "command -v '%s' >/dev/null 2>&1", name);
	int ok = system(cmd.ptr) == 0;
	cap_buf_release(&cmd);
	return ok;
}
