/* Test fixtures for the git suites: real repositories made with git, and loopback git servers. */
#pragma once

#include "cap_test.h"

#include "base/buf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FIXTURE_UNUSED __attribute__((unused))

/*
 * A repository "src" in a temporary directory:
 *   c[1] app/config.yaml v1, tagged v1.0.0 (lightweight)
 *   c[2] v2, branch "feature", annotated tag v1.2.0
 *   c[3] v3, tag v1.2.5
 *   c[4] v4, tag v2.0.0-rc.1, branch main (HEAD)
 */
typedef struct git_fixture {
	cap_buf dir;
	cap_buf repo;
	cap_buf url;
	char c[5][41];
} git_fixture;

static FIXTURE_UNUSED void fixture_git(const git_fixture *f, const char *fmt, ...)
{
	cap_buf cmd = CAP_BUF_INIT;
	va_list ap;
	cap_buf_printf(&cmd, "cd '%s' && ", f->repo.ptr);
	va_start(ap, fmt);
	cap_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	cap_buf_puts(&cmd, " >/dev/null 2>&1");
	if (cap_test_run(NULL, "%s", cmd.ptr) != 0)
		fail_msg("fixture command failed: %s", cmd.ptr);
	cap_buf_release(&cmd);
}

static FIXTURE_UNUSED void fixture_sha(const git_fixture *f, const char *rev, char out[41])
{
	cap_buf o = CAP_BUF_INIT;
	if (cap_test_run(&o, "cd '%s' && git rev-parse '%s^{commit}'", f->repo.ptr, rev) != 0 ||
	    o.len < 40)
		fail_msg("cannot rev-parse %s", rev);
	memcpy(out, o.ptr, 40);
	out[40] = '\0';
	cap_buf_release(&o);
}

static FIXTURE_UNUSED void fixture_commit(const git_fixture *f, const char *content, char out[41])
{
	fixture_git(f,
		    "mkdir -p app && printf 'v: %s\\n' > app/config.yaml && git add -A && "
		    "git commit -q -m 'set %s'",
		    content, content);
	fixture_sha(f, "HEAD", out);
}

static FIXTURE_UNUSED void fixture_make(git_fixture *f)
{
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Capstan Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@capstan.invalid", 1);
	setenv("GIT_COMMITTER_NAME", "Capstan Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@capstan.invalid", 1);
	memset(f, 0, sizeof(*f));
	cap_buf_init(&f->dir);
	cap_buf_init(&f->repo);
	cap_buf_init(&f->url);
	cap_test_mkdtemp(&f->dir);
	cap_buf_printf(&f->repo, "%s/src", f->dir.ptr);
	cap_buf_printf(&f->url, "file://%s", f->repo.ptr);
	if (cap_test_run(NULL, "git init -q -b main '%s'", f->repo.ptr) != 0)
		fail_msg("git init failed");
	fixture_git(f, "printf 'readme\\n' > README.md && mkdir -p app/sub && "
		       "printf 'kind: List\\n' > app/sub/list.yaml && chmod +x README.md");
	fixture_commit(f, "1", f->c[1]);
	fixture_git(f, "git tag v1.0.0");
	fixture_commit(f, "2", f->c[2]);
	fixture_git(f, "git branch feature && git tag -a v1.2.0 -m 'release 1.2.0'");
	fixture_commit(f, "3", f->c[3]);
	fixture_git(f, "git tag v1.2.5");
	fixture_commit(f, "4", f->c[4]);
	fixture_git(f, "git tag v2.0.0-rc.1");
}

static FIXTURE_UNUSED void fixture_free(git_fixture *f)
{
	cap_test_rmtree(f->dir.ptr);
	cap_buf_release(&f->dir);
	cap_buf_release(&f->repo);
	cap_buf_release(&f->url);
}

/* A loopback port nobody listens on right now. */
static FIXTURE_UNUSED int fixture_free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0)
		fail_msg("cannot find a free port");
	close(s);
	return ntohs(a.sin_port);
}

static FIXTURE_UNUSED int fixture_connectable(int port)
{
	for (int i = 0; i < 500; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons((uint16_t)port),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int ok = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(s);
		if (ok)
			return 1;
		usleep(10000);
	}
	return 0;
}

/*
 * Starts `git daemon` serving the fixture directory; returns its port. Stop with fixture_kill;
 * a watcher stops it anyway once the test process is gone, so a failed test leaks nothing.
 */
static FIXTURE_UNUSED int fixture_daemon_start(git_fixture *f, pid_t *pid_out)
{
	int port = fixture_free_port();
	cap_buf out = CAP_BUF_INIT;
	if (cap_test_run(&out,
			 "git daemon --reuseaddr --export-all --base-path='%s' --listen=127.0.0.1 "
			 "--port=%d '%s' >/dev/null 2>&1 & d=$!; "
			 "(while kill -0 %d 2>/dev/null && kill -0 $d 2>/dev/null; do sleep 0.5; "
			 "done; kill $d 2>/dev/null) >/dev/null 2>&1 & echo $d",
			 f->dir.ptr, port, f->dir.ptr, (int)getpid()) != 0)
		fail_msg("cannot start git daemon");
	*pid_out = (pid_t)atoi(out.ptr);
	cap_buf_release(&out);
	if (!fixture_connectable(port))
		fail_msg("git daemon does not listen");
	return port;
}

/*
 * Starts tests/lib/git_http_server.py serving the fixture directory over smart HTTP, with basic
 * auth when user is not NULL; returns its port. Requests are logged to <dir>/http.log.
 */
static FIXTURE_UNUSED int fixture_http_start(git_fixture *f, const char *user, const char *password,
					     pid_t *pid_out)
{
	cap_buf out = CAP_BUF_INIT, auth = CAP_BUF_INIT, portfile = CAP_BUF_INIT;
	if (user)
		cap_buf_printf(&auth, "--user '%s' --password '%s' ", user, password);
	if (getenv("CAP_TEST_GIT_TOKEN"))
		cap_buf_printf(&auth, "--token '%s'", getenv("CAP_TEST_GIT_TOKEN"));
	cap_buf_printf(&portfile, "%s/http.port", f->dir.ptr);
	unlink(portfile.ptr);
	const char *src = getenv("CAP_SOURCE_DIR");
	if (cap_test_run(&out,
			 "python3 '%s/tests/lib/git_http_server.py' --root '%s' --port-file '%s' "
			 "--log '%s/http.log' --watch-pid %d %s >/dev/null 2>&1 & echo $!",
			 src && *src ? src : CAP_SOURCE_DIR, f->dir.ptr, portfile.ptr, f->dir.ptr,
			 (int)getpid(), auth.ptr) != 0)
		fail_msg("cannot start the http server");
	*pid_out = (pid_t)atoi(out.ptr);
	cap_buf port = CAP_BUF_INIT;
	for (int i = 0; i < 500 && access(portfile.ptr, F_OK) != 0; i++)
		usleep(10000);
	cap_test_read_file(&port, portfile.ptr);
	int p = atoi(port.ptr);
	cap_buf_release(&out);
	cap_buf_release(&auth);
	cap_buf_release(&portfile);
	cap_buf_release(&port);
	return p;
}

/* Starts the http server as fixture_http_start does; *url receives the address of the fixture's
 * "src" repository on it. Returns the port. */
static FIXTURE_UNUSED int fixture_http_src(git_fixture *f, const char *user, const char *password,
					   pid_t *pid_out, cap_buf *url)
{
	int port = fixture_http_start(f, user, password, pid_out);
	cap_buf_printf(url, "http://127.0.0.1:%d/src", port);
	return port;
}

/* A loopback listener that accepts connections (through the backlog) and never answers: a hung
 * remote. *url receives a git:// URL served by it; the caller closes the returned socket. */
static FIXTURE_UNUSED int fixture_silent_listener(cap_buf *url)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 16), 0);
	getsockname(s, (struct sockaddr *)&a, &len);
	cap_buf_printf(url, "git://127.0.0.1:%d/repo", ntohs(a.sin_port));
	return s;
}

static FIXTURE_UNUSED void fixture_kill(pid_t pid)
{
	if (pid > 0)
		kill(pid, SIGTERM);
}

/* Lines of the http server's request log (after the start of the test). */
static FIXTURE_UNUSED int fixture_http_requests(const git_fixture *f, const char *prefix)
{
	cap_buf out = CAP_BUF_INIT;
	cap_test_run(&out, "grep -c '^%s' '%s/http.log' || true", prefix, f->dir.ptr);
	int n = atoi(out.ptr);
	cap_buf_release(&out);
	return n;
}
