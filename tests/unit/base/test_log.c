/* Tests for structured logging: levels, quoting, JSON form and whole-line writes. */
#include "cap_test.h"

#include "base/error.h"
#include "base/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int fds[2];

/* Logs into a pipe; returns what was written so far. */
static void drain(cap_buf *out)
{
	cap_log_set_fd(-1);
	close(fds[1]);
	cap_buf_clear(out);
	assert_int_equal(cap_buf_read_fd(out, fds[0]), 0);
	close(fds[0]);
}

static int setup(void **state)
{
	if (pipe(fds) != 0)
		return -1;
	cap_log_set_fd(fds[1]);
	cap_log_set_level(CAP_LOG_INFO);
	cap_log_set_format(CAP_LOG_TEXT);
	return 0;
}

/* Runs first, before anything in this process read the environment: a child reads it fresh. */
static void level_and_format_come_from_the_environment(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		setenv("CAPSTAN_LOG_LEVEL", "Warn", 1);
		setenv("CAPSTAN_LOG_FORMAT", "json", 1);
		cap_log_set_fd(p[1]);
		cap_log_info("dropped");
		cap_log_warn("kept", "k", "v");
		_exit(0);
	}
	close(p[1]);
	int status;
	waitpid(pid, &status, 0);
	cap_buf out = CAP_BUF_INIT;
	assert_int_equal(cap_buf_read_fd(&out, p[0]), 0);
	close(p[0]);
	assert_null(strstr(out.ptr, "dropped"));
	assert_non_null(strstr(out.ptr, "\"level\":\"warn\",\"msg\":\"kept\",\"k\":\"v\"}\n"));
	cap_buf_release(&out);
}

static void text_line_has_time_level_msg_and_pairs(void **state)
{
	cap_buf out = CAP_BUF_INIT;
	cap_log_info("sync started", "app", "guestbook", "revision", "abc123");
	drain(&out);
	assert_non_null(strstr(out.ptr, " level=info msg=\"sync started\" app=guestbook "
					"revision=abc123\n"));
	assert_memory_equal(out.ptr, "time=", 5);
	assert_int_equal(out.ptr[5 + 20], ' '); /* time=2026-11-24T17:01:11Z */
	assert_int_equal(out.ptr[5 + 19], 'Z');
	cap_buf_release(&out);
}

static void values_needing_quotes_are_escaped(void **state)
{
	cap_buf out = CAP_BUF_INIT;
	cap_log_warn("x", "err", "cannot parse \"a=b\"\nnext", "empty", "", "null", NULL);
	drain(&out);
	assert_non_null(strstr(out.ptr, "err=\"cannot parse \\\"a=b\\\"\\nnext\""));
	assert_non_null(strstr(out.ptr, "empty=\"\" null=\"\"\n"));
	assert_int_equal(strchr(out.ptr, '\n') - out.ptr, (long)out.len - 1);
	cap_buf_release(&out);
}

static void messages_below_level_are_dropped(void **state)
{
	cap_buf out = CAP_BUF_INIT;
	cap_log_set_level(CAP_LOG_WARN);
	assert_false(cap_log_enabled(CAP_LOG_INFO));
	cap_log_debug("hidden-debug");
	cap_log_info("hidden-info");
	cap_log_error("shown-error");
	drain(&out);
	assert_null(strstr(out.ptr, "hidden"));
	assert_non_null(strstr(out.ptr, "level=error msg=shown-error"));
	cap_buf_release(&out);
}

static void json_format_is_one_object_per_line(void **state)
{
	cap_buf out = CAP_BUF_INIT;
	cap_log_set_format(CAP_LOG_JSON);
	cap_log_error("failed", "app", "a\"b");
	drain(&out);
	assert_memory_equal(out.ptr, "{\"time\":\"", 9);
	assert_non_null(
	    strstr(out.ptr, "\",\"level\":\"error\",\"msg\":\"failed\",\"app\":\"a\\\"b\"}\n"));
	cap_buf_release(&out);
}

static void level_and_format_names_parse(void **state)
{
	cap_log_level l;
	assert_int_equal(cap_log_level_parse(&l, "DEBUG"), 0);
	assert_int_equal(l, CAP_LOG_DEBUG);
	assert_int_equal(cap_log_level_parse(&l, "warning"), 0);
	assert_int_equal(l, CAP_LOG_WARN);
	assert_int_equal(cap_log_level_parse(&l, "loud"), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'loud'"));
	cap_log_format f;
	assert_int_equal(cap_log_format_parse(&f, "json"), 0);
	assert_int_equal(f, CAP_LOG_JSON);
	assert_int_equal(cap_log_format_parse(&f, "xml"), CAP_EINVALID);
	assert_string_equal(cap_log_level_name(CAP_LOG_WARN), "warn");
	close(fds[0]);
	close(fds[1]);
	cap_log_set_fd(-1);
}

static void *log_many(void *arg)
{
	for (int i = 0; i < 200; i++)
		cap_log_info("concurrent line", "thread", (const char *)arg, "pad",
			     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	return NULL;
}

static void lines_from_threads_never_interleave(void **state)
{
	/* A file rather than a pipe, so writers never block on a full pipe. */
	cap_buf dir = CAP_BUF_INIT, path = CAP_BUF_INIT, out = CAP_BUF_INIT;
	cap_test_mkdtemp(&dir);
	cap_buf_printf(&path, "%s/log", dir.ptr);
	FILE *f = fopen(path.ptr, "w");
	assert_non_null(f);
	cap_log_set_fd(fileno(f));
	pthread_t t[4];
	const char *names[] = {"a", "b", "c", "d"};
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, log_many, (void *)names[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cap_log_set_fd(-1);
	fclose(f);
	cap_test_read_file(&out, path.ptr);
	int lines = 0;
	for (char *line = strtok(out.ptr, "\n"); line; line = strtok(NULL, "\n")) {
		assert_non_null(strstr(line, "level=info msg=\"concurrent line\" thread="));
		assert_non_null(strstr(line, " pad=xxxxxxxx"));
		assert_int_equal(strlen(strstr(line, " pad=")), 5 + 56);
		lines++;
	}
	assert_int_equal(lines, 800);
	close(fds[0]);
	close(fds[1]);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&path);
	cap_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(level_and_format_come_from_the_environment),
	    cmocka_unit_test_setup(text_line_has_time_level_msg_and_pairs, setup),
	    cmocka_unit_test_setup(values_needing_quotes_are_escaped, setup),
	    cmocka_unit_test_setup(messages_below_level_are_dropped, setup),
	    cmocka_unit_test_setup(json_format_is_one_object_per_line, setup),
	    cmocka_unit_test_setup(level_and_format_names_parse, setup),
	    cmocka_unit_test_setup(lines_from_threads_never_interleave, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
