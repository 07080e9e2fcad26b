/* Plumbing shared by `capstan app …` and `admin install`: the cluster and Application I/O. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "kube/client.h"
#include "value/value.h"

/* Option codes shared by the app commands (beyond any command's own, which start at 256). */
enum {
	CAP_APP_OPT_KUBECONFIG = 1000,
	CAP_APP_OPT_CORE,
	CAP_APP_OPT_APP_NS,
};

/* The long options every app command accepts; -N is the short form of --app-namespace. */
#define CAP_APP_CLI_OPTIONS                                                                        \
	{"kubeconfig", required_argument, NULL, CAP_APP_OPT_KUBECONFIG},                           \
	    {"core", no_argument, NULL, CAP_APP_OPT_CORE},                                         \
	{                                                                                          \
		"app-namespace", required_argument, NULL, CAP_APP_OPT_APP_NS                       \
	}

/*
 * The connection of one CLI run: the kubeconfig chosen, the Applications' namespace (default
 * argocd) and, once connected, the client (owned). Release with cap_app_cli_release.
 */
typedef struct cap_app_cli {
	const char *kubeconfig;
	const char *app_namespace;
	cap_kube_client *client;
} cap_app_cli;

void cap_app_cli_init(cap_app_cli *c);
void cap_app_cli_release(cap_app_cli *c);

/* Handles a shared option code (and 'N'); returns true when opt was one of them. */
bool cap_app_cli_option(cap_app_cli *c, int opt, const char *arg);

/* Loads the kubeconfig and makes the client; prints the error and returns non-zero on failure. */
int cap_app_cli_connect(cap_app_cli *c);

/* Fills key for the Application (or, with name "", the type) in the app namespace. */
void cap_app_cli_key(cap_kube_key *key, const cap_app_cli *c, const char *name);

/*
 * GETs the Application name into *out (new). On failure prints the message and returns the
 * code; a missing Application reads as in Argo CD: `application.argoproj.io "x" not found`.
 */
int cap_app_cli_get(cap_app_cli *c, cap_value **out, const char *name);

/*
 * The tail every single-application command shares once its options are parsed: exactly one
 * NAME left at argv[optind] (else the usage text on stderr), connect, and GET it into *out (new).
 * Returns 0, or the exit code to return: 2 for a usage error, 1 when connecting or reading
 * failed (the error already printed). The caller releases c either way.
 */
int cap_app_cli_fetch_named(cap_app_cli *c, cap_value **out, int argc, char **argv,
			    const char *usage);

/*
 * Parses argv for a command whose only flags are the connection flags, -h and, when output is
 * not NULL, -o FORMAT (stored in *output). Returns -1 when the command goes on; otherwise the
 * exit code to return (0 after -h, 2 after a usage error, with the usage text printed).
 */
int cap_app_cli_parse_flags(cap_app_cli *c, const char **output, int argc, char **argv,
			    const char *usage);

/*
 * The whole argument handling of a command that takes NAME and the connection flags only:
 * parses argv (-h prints usage on stdout), then cap_app_cli_fetch_named. Returns -1 when the
 * command goes on (*out set, c connected, NAME at argv[optind]); otherwise the exit code to
 * return (0 after -h), with c already released.
 */
int cap_app_cli_parse_named(cap_app_cli *c, cap_value **out, int argc, char **argv,
			    const char *usage);

/* Merge-patches the Application with patch; prints the error on failure. *out may be NULL. */
int cap_app_cli_patch(cap_app_cli *c, cap_value **out, const char *name, const cap_value *patch);

/* Prints "capstan: <message>" for the thread's last error; returns 1 (an exit code). */
int cap_app_cli_error(void);

/* The user name written into initiatedBy: $USER, else "admin". */
const char *cap_app_cli_username(void);

/*
 * The checks Argo CD's API makes before it stores an Application: the project exists, the
 * destination resolves to a known cluster, and the project permits the sources and
 * destination. Prints the error and returns 1 when one fails.
 */
int cap_app_cli_validate(cap_app_cli *c, cap_value *app);
