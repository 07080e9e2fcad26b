/* Tests for cap_proc: argv without a shell, clean environment, stdin, capture, deadline, limits. */
#include "cap_test.h"

#include "base/error.h"
#include "git/proc.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static long long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void captures_stdout_stderr_and_exit_code(void **state)
{
	const char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
	cap_proc_opts o = {.argv = argv};
	cap_proc_result r = CAP_PROC_RESULT_INIT;
	assert_int_equal(cap_proc_run(&r, &o), 0);
	assert_int_equal(r.exit_code, 3);
	assert_string_equal(r.out.ptr, "out\n");
	assert_string_equal(r.err.ptr, "err\n");
	assert_false(r.timed_out);
	cap_proc_result_release(&r);
}

static void arguments_reach_the_program_unexpanded(void **state)
{
	const char *argv[] = {"printf", "%s|", "$HOME", "a b", "*", ";rm", NULL};
	cap_proc_opts o = {.argv = argv};
	cap_proc_result r = CAP_PROC_RESULT_INIT;
	assert_int_equal(cap_proc_run(&r, &o), 0);
	assert_string_equal(r.out.ptr, "$HOME|a b|*|;rm|");
	cap_proc_result_release(&r);
}

static void environment_is_clean_plus_extras(void **state)
{
	setenv("CAP_TEST_SECRET", "hunter2", 1);
	const char *argv[] = {"env", NULL};
	const char *env[] = {"EXTRA=1", "LC_ALL=C.UTF-8", NULL};
	cap_proc_opts o = {.argv = argv, .env = env, .home = "/nonexistent-home"};
	cap_proc_result r = CAP_PROC_RESULT_INIT;
	assert_int_equal(cap_proc_run(&r, &o), 0);
	assert_null(strstr(r.out.ptr, "hunter2"));
	assert_non_null(strstr(r.out.ptr, "EXTRA=1\n"));
	assert_non_null(strstr(r.out.ptr, "HOME=/nonexistent-home\n"));
	assert_non_null(strstr(r.out.ptr, "PATH="));
	assert_non_null(strstr(r.out.ptr, "LC_ALL=C.UTF-8\n"));
	assert_null(strstr(r.out.ptr, "LC_ALL=C\n"));
	unsetenv("CAP_TEST_SECRET");
	cap_proc_result_release(&r);
}

static void feeds_stdin_and_honours_cwd(void **state)
{
	const char *argv[] = {"sh", "-c", "pwd; cat", NULL};
	static char big[200000];
	memset(big, 'x', sizeof(big));
	cap_proc_opts o = {.argv = argv, .cwd = "/", .input = big, .input_len = sizeof(big)};
	cap_proc_result r = CAP_PROC_RESULT_INIT;
	assert_int_equal(cap_proc_run(&r, &o), 0);
	assert_int_equal(r.out.len, 2 + sizeof(big));
	assert_memory_equal(r.out.ptr, "/\n", 2);
	cap_proc_result_release(&r);
}

static void deadline_kills_the_whole_process_group(void **state)
{
	cap_buf dir = CAP_BUF_INIT, cmd = CAP_BUF_INIT;
	cap_test_mkdtemp(&dir);
	/* A grandchild that would write a file after the deadline if it survived. */
	cap_buf_printf(&cmd, "(sleep 1; touch '%s/survived') & sleep 30", dir.ptr);
	const char *argv[] = {"sh", "-c", cmd.ptr, NULL};
	cap_proc_opts o = {.argv = argv, .timeout_ms = 300};
	cap_proc_result r = CAP_PROC_RESULT_INIT;
	long long t0 = ms_now();
	assert_int_equal(cap_proc_run(&r, &o), CAP_ETIMEOUT);
	long long took = ms_now() - t0;
	assert_true(took >= 250 && took < 3000);
	assert_true(r.timed_out);
	assert_int_equal(r.term_signal, SIGKILL);
	assert_non_null(strstr(cap_error_last(), "'sh' did not finish"));
	usleep(1300 * 1000);
	cap_buf_clear(&cmd);
	cap_buf_printf(&cmd, "%s/survived", dir.ptr);
	assert_int_not_equal(access(cmd.ptr, F_OK), 0);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&cmd);
	cap_proc_result_release(&r);
}

static void missing_program_is_not_found(void **state)
{
	const char *argv[] = {"capstan-no-such-program", "secret-arg", NULL};
	cap_proc_opts o = {.argv = argv};
	cap_proc_result r = CAP_PROC_RESULT_INIT;
	assert_int_equal(cap_proc_run(&r, &o), CAP_ENOTFOUND);
	assert_non_null(strstr(cap_error_last(), "'capstan-no-such-program'"));
	assert_null(strstr(cap_error_last(), "secret-arg"));
	const char *argv2[] = {"/etc/hostname", NULL};
	o.argv = argv2;
	assert_int_equal(cap_proc_run(&r, &o), CAP_ENOTFOUND);
	cap_proc_result_release(&r);
}

static void output_is_cut_at_the_limit(void **state)
{
	const char *argv[] = {"sh", "-c", "head -c 100000 /dev/zero", NULL};
	cap_proc_opts o = {.argv = argv, .max_output = 1000};
	cap_proc_result r = CAP_PROC_RESULT_INIT;
	assert_int_equal(cap_proc_run(&r, &o), 0);
	assert_int_equal(r.out.len, 1000);
	assert_true(r.truncated);
	cap_proc_result_release(&r);
}

static void memory_limit_applies(void **state)
{
	/* 64 MiB of address space is too little for a 200 MB allocation. */
	const char *argv[] = {"python3", "-c", "x = bytearray(200 * 1024 * 1024)", NULL};
	if (!cap_test_have_program("python3"))
		skip();
	cap_proc_opts o = {.argv = argv, .max_memory = 64u << 20};
	cap_proc_result r = CAP_PROC_RESULT_INIT;
	assert_int_equal(cap_proc_run(&r, &o), 0);
	assert_int_not_equal(r.exit_code, 0);
	cap_proc_result_release(&r);
}

static void works_when_the_caller_has_no_stdio(void **state)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(0);
		close(1);
		close(2);
		const char *argv[] = {"sh", "-c", "read x; echo \"$x\"; echo err >&2", NULL};
		cap_proc_opts o = {.argv = argv, .input = "in\n", .input_len = 3};
		cap_proc_result r = CAP_PROC_RESULT_INIT;
		int ok = cap_proc_run(&r, &o) == 0 && r.exit_code == 0 &&
			 strcmp(r.out.ptr, "in\n") == 0 && strcmp(r.err.ptr, "err\n") == 0;
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(captures_stdout_stderr_and_exit_code),
	    cmocka_unit_test(arguments_reach_the_program_unexpanded),
	    cmocka_unit_test(environment_is_clean_plus_extras),
	    cmocka_unit_test(feeds_stdin_and_honours_cwd),
	    cmocka_unit_test(deadline_kills_the_whole_process_group),
	    cmocka_unit_test(missing_program_is_not_found),
	    cmocka_unit_test(output_is_cut_at_the_limit),
	    cmocka_unit_test(memory_limit_applies),
	    cmocka_unit_test(works_when_the_caller_has_no_stdio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
