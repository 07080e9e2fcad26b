/* cap_proc: fork/exec with a clean environment, pipes drained by poll, a deadline and rlimits. */
#include "git/proc.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/strvec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_OUTPUT (64u << 20)

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Finds argv0 on PATH in the parent, so the child only has to execve. */
static int find_program(cap_buf *out, const char *argv0)
{
	if (strchr(argv0, '/')) {
		cap_buf_sets(out, argv0);
		return access(argv0, X_OK) == 0 ? 0 : -1;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	cap_strvec dirs = CAP_STRVEC_INIT;
	cap_strvec_split(&dirs, path, ':', true);
	int rc = -1;
	for (size_t i = 0; i < dirs.len && rc; i++) {
		cap_buf_clear(out);
		cap_buf_printf(out, "%s/%s", dirs.items[i], argv0);
		if (access(out->ptr, X_OK) == 0)
			rc = 0;
	}
	cap_strvec_release(&dirs);
	return rc;
}

/* Sets NAME=value in env, replacing an earlier entry of the same name. */
static void env_set(cap_strvec *env, const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t n = eq ? (size_t)(eq - entry) + 1 : strlen(entry);
	for (size_t i = 0; i < env->len; i++) {
		if (strncmp(env->items[i], entry, n) == 0) {
			free(env->items[i]);
			env->items[i] = cap_strdup(entry);
			return;
		}
	}
	cap_strvec_push(env, entry);
}

static void build_env(cap_strvec *env, const cap_proc_opts *o)
{
	const char *path = getenv("PATH");
	const char *home = o->home ? o->home : getenv("HOME");
	const char *tmp = getenv("TMPDIR");
	cap_strvec_pushf(env, "PATH=%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	cap_strvec_pushf(env, "HOME=%s", home && *home ? home : "/");
	if (tmp && *tmp)
		cap_strvec_pushf(env, "TMPDIR=%s", tmp);
	cap_strvec_push(env, "LC_ALL=C");
	for (const char *const *e = o->env; e && *e; e++)
		env_set(env, *e);
}

/* Only async-signal-safe calls between fork and exec: the parent may have other threads. */
static void __attribute__((noreturn)) child(const cap_proc_opts *o, const char *prog, char **env,
					    int in_fd, int out_fd, int err_fd, int status_fd)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL); /* an ignored SIGCHLD would survive exec and break wait() */
	setpgid(0, 0);
	/*
	 * Lift every descriptor above 10 first: when the parent runs with stdio closed, a pipe may
	 * sit on 0, 1 or 2 and be overwritten (or keep close-on-exec) if moved directly.
	 */
	int fds[4] = {in_fd, out_fd, err_fd, status_fd};
	for (int i = 0; i < 4; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD, 10)) < 0)
			goto fail;
	status_fd = fds[3];
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			goto fail;
	/* The status pipe goes to 3 (close-on-exec); every other descriptor is closed, including
	 * ones other threads opened without O_CLOEXEC. */
	if (dup3(status_fd, 3, O_CLOEXEC) < 0)
		goto fail;
	status_fd = 3;
	if (syscall(SYS_close_range, 4, ~0u, 0) != 0)
		for (int fd = 4; fd < 1024; fd++)
			close(fd);
	if (o->cwd && chdir(o->cwd) != 0)
		goto fail;
	if (o->max_memory) {
		struct rlimit rl = {o->max_memory, o->max_memory};
		setrlimit(RLIMIT_AS, &rl);
	}
	if (o->max_cpu_seconds) {
		struct rlimit rl = {o->max_cpu_seconds, o->max_cpu_seconds + 1};
		setrlimit(RLIMIT_CPU, &rl);
	}
	execve(prog, (char *const *)o->argv, env);
fail:
	if (status_fd >= 0) {
		int e = errno;
		ssize_t w = write(status_fd, &e, sizeof(e));
		(void)w;
	}
	_exit(127);
}

static int make_input(const cap_proc_opts *o)
{
	if (!o->input)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* A memory file instead of a pipe: no writer to block and no SIGPIPE in the parent. */
	int fd = memfd_create("cap-proc-stdin", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (cap_write_all(fd, o->input, o->input_len) < 0) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void drain(int *fd, cap_buf *b, size_t max, bool *truncated)
{
	char chunk[16384];
	ssize_t n = read(*fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	size_t keep = (size_t)n;
	if (b->len + keep > max) {
		keep = b->len < max ? max - b->len : 0;
		*truncated = true;
	}
	cap_buf_put(b, chunk, keep);
}

static void record_status(cap_proc_result *res, int status)
{
	if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
		res->term_signal = 0;
	} else {
		res->exit_code = -1;
		res->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
}

int cap_proc_run(cap_proc_result *res, const cap_proc_opts *o)
{
	if (!o || !o->argv || !o->argv[0])
		return cap_error_set(CAP_EINVALID, "cannot run a process without argv");
	const char *name = o->argv[0];
	res->exit_code = -1;
	res->term_signal = 0;
	res->timed_out = false;
	res->truncated = false;

	cap_buf prog = CAP_BUF_INIT;
	if (find_program(&prog, name) != 0) {
		cap_buf_release(&prog);
		return cap_error_set(CAP_ENOTFOUND, "cannot run '%s': program not found", name);
	}
	cap_strvec env = CAP_STRVEC_INIT;
	build_env(&env, o);

	int in_fd = make_input(o);
	int out_p[2] = {-1, -1}, err_p[2] = {-1, -1}, st_p[2] = {-1, -1};
	int rc = 0;
	if (in_fd < 0 || pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC) ||
	    pipe2(st_p, O_CLOEXEC)) {
		rc = cap_error_set(CAP_EIO, "cannot run '%s': %s", name, strerror(errno));
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		rc = cap_error_set(CAP_EIO, "cannot run '%s': fork: %s", name, strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(o, prog.ptr, env.items, in_fd, out_p[1], err_p[1], st_p[1]);
	setpgid(pid, pid); /* also in the parent, so the kill below never misses the group */
	close(out_p[1]);
	close(err_p[1]);
	close(st_p[1]);
	out_p[1] = err_p[1] = st_p[1] = -1;

	/* The status pipe closes on exec (CLOEXEC) or carries errno when exec failed. */
	int exec_errno = 0;
	ssize_t sn;
	do
		sn = read(st_p[0], &exec_errno, sizeof(exec_errno));
	while (sn < 0 && errno == EINTR);
	if (sn != (ssize_t)sizeof(exec_errno))
		exec_errno = 0;

	size_t max = o->max_output ? o->max_output : DEFAULT_MAX_OUTPUT;
	long long deadline = o->timeout_ms > 0 ? now_ms() + o->timeout_ms : 0;
	int fds[2] = {out_p[0], err_p[0]};
	out_p[0] = err_p[0] = -1;
	int status = 0;
	bool reaped = false;
	while (fds[0] >= 0 || fds[1] >= 0 || !reaped) {
		int wait_ms = -1;
		if (deadline) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				res->timed_out = true;
				break;
			}
			wait_ms = (int)left;
		}
		if (fds[0] < 0 && fds[1] < 0) {
			/* Output closed: poll for exit, in short steps so the deadline still holds.
			 */
			pid_t w = waitpid(pid, &status, WNOHANG);
			if (w == pid) {
				reaped = true;
				break;
			}
			if (w < 0 && errno != EINTR)
				break;
			usleep(2000);
			continue;
		}
		struct pollfd pfd[2];
		nfds_t n = 0;
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				pfd[n++] = (struct pollfd){fds[i], POLLIN, 0};
		int pr = poll(pfd, n, wait_ms);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue;
		for (nfds_t i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			int which = pfd[i].fd == fds[0] ? 0 : 1;
			drain(&fds[which], which ? &res->err : &res->out, max, &res->truncated);
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (!reaped) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	record_status(res, status);
	if (exec_errno) {
		rc =
		    cap_error_set(CAP_ENOTFOUND, "cannot run '%s': %s", name, strerror(exec_errno));
	} else if (res->timed_out) {
		rc = cap_error_set(CAP_ETIMEOUT, "'%s' did not finish within %d ms", name,
				   o->timeout_ms);
	}
out:
	if (in_fd >= 0)
		close(in_fd);
	for (int i = 0; i < 2; i++) {
		if (out_p[i] >= 0)
			close(out_p[i]);
		if (err_p[i] >= 0)
			close(err_p[i]);
		if (st_p[i] >= 0)
			close(st_p[i]);
	}
	cap_strvec_release(&env);
	cap_buf_release(&prog);
	return rc;
}

void cap_proc_result_release(cap_proc_result *res)
{
	if (!res)
		return;
	cap_buf_release(&res->out);
	cap_buf_release(&res->err);
}
