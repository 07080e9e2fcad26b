/* The per-test drydock: a child process with its own kubeconfig in a temporary directory. */
#include "drydock_fixture.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strvec.h"
#include "base/time.h"
#include "cap_test.h"

static void drydock_path(cap_buf *out)
{
	const char *bin = getenv("CAP_BIN_DIR");
	if (bin && *bin)
		cap_buf_printf(out, "%s/drydock", bin);
	else
		cap_buf_printf(out, "%s/build/bin/drydock", CAP_SOURCE_DIR);
}

static void read_server(cap_drydock *d)
{
	cap_buf text = CAP_BUF_INIT;
	if (cap_buf_read_file(&text, d->kubeconfig.ptr) == 0) {
		const char *s = strstr(text.ptr, "server: ");
		if (s) {
			s += 8;
			cap_buf_put(&d->server, s, strcspn(s, "\r\n"));
		}
	}
	cap_buf_release(&text);
}

int cap_drydock_start(cap_drydock *d, const cap_drydock_options *opts)
{
	static const cap_drydock_options none;
	if (!opts)
		opts = &none;
	memset(d, 0, sizeof(*d));
	cap_buf_init(&d->dir);
	cap_buf_init(&d->kubeconfig);
	cap_buf_init(&d->server);
	cap_buf_init(&d->log);
	cap_test_mkdtemp(&d->dir);
	cap_buf_printf(&d->kubeconfig, "%s/kubeconfig", d->dir.ptr);
	cap_buf_printf(&d->log, "%s/drydock.log", d->dir.ptr);

	cap_strvec argv = CAP_STRVEC_INIT;
	cap_buf exe = CAP_BUF_INIT;
	drydock_path(&exe);
	cap_strvec_push(&argv, exe.ptr);
	cap_strvec_push(&argv, "--listen");
	cap_strvec_push(&argv, "127.0.0.1:0");
	cap_strvec_push(&argv, "--kubeconfig");
	cap_strvec_push(&argv, d->kubeconfig.ptr);
	cap_strvec_push(&argv, "--controllers");
	cap_strvec_push(&argv, opts->controllers ? "on" : "off");
	if (opts->tls)
		cap_strvec_push(&argv, "--tls");
	if (opts->token) {
		cap_strvec_push(&argv, "--token");
		cap_strvec_push(&argv, opts->token);
	}
	if (opts->faults) {
		cap_strvec_push(&argv, "--faults");
		cap_strvec_push(&argv, opts->faults);
	}
	if (opts->extra_args)
		cap_strvec_split(&argv, opts->extra_args, ' ', true);

	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cannot fork drydock\n");
		cap_strvec_release(&argv);
		cap_buf_release(&exe);
		return -1;
	}
	if (pid == 0) {
		FILE *log = fopen(d->log.ptr, "w");
		if (log)
			dup2(fileno(log), 2);
		execv(argv.items[0], argv.items);
		fprintf(stderr, "cannot run %s\n", argv.items[0]);
		_exit(127);
	}
	d->pid = pid;
	cap_strvec_release(&argv);
	cap_buf_release(&exe);

	cap_deadline dl = cap_deadline_in_ms(10000);
	while (!cap_deadline_expired(dl)) {
		if (access(d->kubeconfig.ptr, R_OK) == 0) {
			read_server(d);
			if (d->server.len)
				return 0;
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			d->pid = 0;
			fprintf(stderr, "drydock exited before listening (see %s)\n", d->log.ptr);
			return -1;
		}
		cap_time_sleep_ms(10);
	}
	fprintf(stderr, "drydock wrote no kubeconfig within 10 s\n");
	return -1;
}

void cap_drydock_stop(cap_drydock *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		cap_deadline dl = cap_deadline_in_ms(3000);
		int status;
		while (waitpid(d->pid, &status, WNOHANG) == 0) {
			if (cap_deadline_expired(dl)) {
				kill(d->pid, SIGKILL);
				waitpid(d->pid, &status, 0);
				break;
			}
			cap_time_sleep_ms(5);
		}
		d->pid = 0;
	}
	if (d->dir.len)
		cap_test_rmtree(d->dir.ptr);
	cap_buf_release(&d->dir);
	cap_buf_release(&d->kubeconfig);
	cap_buf_release(&d->server);
	cap_buf_release(&d->log);
}

int cap_drydock_kubectl(cap_drydock *d, cap_buf *out, const char *fmt, ...)
{
	cap_buf args = CAP_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cap_buf_vprintf(&args, fmt, ap);
	va_end(ap);
	int rc = cap_test_run(out, "kubectl --kubeconfig '%s' --cache-dir '%s/kcache' %s",
			      d->kubeconfig.ptr, d->dir.ptr, args.ptr);
	cap_buf_release(&args);
	return rc;
}
