/* A drydock API server started per test: spawn, wait for its kubeconfig, stop on teardown. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "base/buf.h"

typedef struct cap_drydock_options {
	bool tls;	    /* --tls: HTTPS with a generated CA in the kubeconfig */
	const char *token;  /* --token: require this bearer token (written to the kubeconfig) */
	const char *faults; /* --faults SPEC (see src/drydock/faults.h) */
	bool controllers;   /* run the simulated workload controllers (off by default: faster) */
	const char *extra_args; /* more arguments, split at spaces */
} cap_drydock_options;

typedef struct cap_drydock {
	pid_t pid;
	cap_buf dir;	    /* a temporary directory owned by the fixture */
	cap_buf kubeconfig; /* path of the kubeconfig drydock wrote */
	cap_buf server;	    /* the server URL read back from the kubeconfig */
	cap_buf log;	    /* path of drydock's stderr */
} cap_drydock;

/*
 * Starts $CAP_BIN_DIR/drydock (or build/bin/drydock) listening on a free loopback port and waits
 * up to 10 s for its kubeconfig. opts may be NULL. Returns 0, or -1 after printing why (callers
 * usually wrap it in assert_int_equal). *d must be stopped with cap_drydock_stop.
 */
int cap_drydock_start(cap_drydock *d, const cap_drydock_options *opts);
/* Kills drydock, waits for it and removes its directory. Safe on a fixture that failed to start. */
void cap_drydock_stop(cap_drydock *d);
/*
 * Runs kubectl against this drydock with the given arguments (a printf format), capturing
 * stdout into out (may be NULL); returns the exit status. Uses a per-fixture cache directory.
 */
int cap_drydock_kubectl(cap_drydock *d, cap_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
