/* cap_proc: run a program by argv (no shell) with a clean environment, capture and deadline. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/*
 * What to run. Only argv is required; everything else may be left zero. The child gets a clean
 * environment: PATH, HOME, TMPDIR (taken from the parent, or home when given), LC_ALL=C, then
 * every "NAME=value" of env in order (a later entry overrides an earlier one). Nothing else is
 * inherited, so no secret of the parent leaks into helm, kustomize or git.
 *
 * The child runs in its own process group; at the deadline the whole group is killed with
 * SIGKILL, so helpers the program started (git-remote-http, ssh) die with it.
 */
typedef struct cap_proc_opts {
	const char *const *argv; /* argv[0] is looked up on PATH unless it contains a '/' */
	const char *const *env;	 /* extra "NAME=value" entries, NULL-terminated; may be NULL */
	const char *cwd;	 /* working directory; NULL keeps the parent's */
	const char *home;	 /* HOME for the child; NULL keeps the parent's */
	const void *input;	 /* bytes fed on stdin (stdin is /dev/null when NULL) */
	size_t input_len;
	int timeout_ms;		  /* 0: no deadline */
	size_t max_output;	  /* stdout and stderr are each cut at this size; 0: 64 MiB */
	uint64_t max_memory;	  /* RLIMIT_AS in bytes; 0: unlimited */
	unsigned max_cpu_seconds; /* RLIMIT_CPU; 0: unlimited */
} cap_proc_opts;

typedef struct cap_proc_result {
	int exit_code;	 /* the exit status, or -1 when killed by a signal */
	int term_signal; /* the signal that ended it, or 0 */
	bool timed_out;	 /* killed at the deadline */
	bool truncated;	 /* stdout or stderr was longer than max_output */
	cap_buf out;	 /* everything the program wrote on stdout */
	cap_buf err;	 /* everything it wrote on stderr */
} cap_proc_result;

#define CAP_PROC_RESULT_INIT                                                                       \
	{                                                                                          \
		0, 0, false, false, CAP_BUF_INIT, CAP_BUF_INIT                                     \
	}

/*
 * Runs the program and waits for it. Returns 0 when it ran to completion, whatever its exit
 * status (check res->exit_code); CAP_ETIMEOUT when it was killed at the deadline;
 * CAP_ENOTFOUND when the program cannot be found or executed; CAP_EIO when pipes or fork fail.
 * res must be initialised (CAP_PROC_RESULT_INIT) and is filled in every case, partially on
 * failure, so the caller can show stderr; release it with cap_proc_result_release.
 * Thread-safe; error messages name argv[0] only, never the arguments or environment.
 */
int cap_proc_run(cap_proc_result *res, const cap_proc_opts *opts);

/* Frees the captured output. Accepts NULL. */
void cap_proc_result_release(cap_proc_result *res);
