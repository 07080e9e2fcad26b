/* Remotes through the git command: credentials plumbing, ls-remote, revision resolution. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/strvec.h"
#include "git/creds.h"
#include "git/proc.h"

/* One advertised ref. name is the full name ("refs/heads/main", "HEAD"). Owned strings. */
typedef struct cap_git_ref {
	char *name;
	char sha[41];	 /* what the ref points at (for an annotated tag: the tag object) */
	char peeled[41]; /* for an annotated tag: the commit it points at; "" otherwise */
	char *symref;	 /* for a symbolic ref (HEAD): its target ("refs/heads/main"); else NULL */
} cap_git_ref;

/* A remote's refs, as `git ls-remote --symref` lists them. Release with cap_git_refs_release. */
typedef struct cap_git_refs {
	cap_git_ref *items;
	size_t len;
	size_t cap;
} cap_git_refs;

#define CAP_GIT_REFS_INIT                                                                          \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void cap_git_refs_release(cap_git_refs *r);
/* A deep copy of src into out (overwritten). */
void cap_git_refs_copy(cap_git_refs *out, const cap_git_refs *src);
/* Parses `git ls-remote --symref` output; peeled "^{}" lines are folded into their tag. */
int cap_git_refs_parse(cap_git_refs *out, const char *text, size_t len);
/* The ref of that full name, or NULL. Borrowed. */
const cap_git_ref *cap_git_refs_find(const cap_git_refs *r, const char *name);

/* True for 40 lowercase or uppercase hex digits. */
bool cap_git_is_commit_sha(const char *s);
/* True for 7 to 39 hex digits: a commit SHA abbreviation Argo CD accepts. */
bool cap_git_is_short_sha(const char *s);

/*
 * Resolves revision against a remote's refs as Argo CD does, writing a 40-hex commit SHA to
 * out (41 bytes):
 *  - "" and "HEAD": where HEAD points;
 *  - a full SHA: itself;
 *  - a full ref name or its short form ("main", "v1.2.0", "heads/main"): its commit, following
 *    annotated tags to the commit (^{});
 *  - a semver constraint ("1.2.*", ">=1.0.0 <2.0.0", "^1.2", "~1.2.3"): the highest tag
 *    (tags under refs/tags, parsed as a version, "v" prefix allowed) that satisfies it, prereleases
 *    only when the constraint names one.
 * A short SHA cannot be resolved from refs: CAP_ENOTFOUND is returned and out_is_short is set
 * to true (may be NULL), so the caller fetches and asks the repository. CAP_ENOTFOUND with a
 * message quoting the revision when nothing matches.
 */
int cap_git_refs_resolve(char out[41], const cap_git_refs *refs, const char *revision,
			 bool *out_is_short);

/*
 * The common set-up of a git process against a remote: argv prefix with `-c` settings (protocol
 * v2, no automatic gc) and the environment (no system or global git config, no terminal
 * prompts, only the file, git, http, https and ssh transports, GIT_CONFIG_* with an inline
 * credential helper answering from the environment and the TLS and header settings,
 * GIT_SSH_COMMAND with a private key in a 0600 file and the known-hosts policy). Made by
 * cap_git_session_init, used for any number of git commands, and released with
 * cap_git_session_release, which deletes the private files.
 */
typedef struct cap_git_session {
	cap_strvec argv;   /* "git", "-c", … : append the sub-command and its arguments */
	cap_strvec env;	   /* NAME=value entries for cap_proc_opts.env */
	char *private_dir; /* 0700 directory for the ssh key and TLS client certificate; or NULL */
	size_t argv_base;  /* argv length after the common prefix, to reuse the session */
} cap_git_session;

/* Where a session finds host trust and writes its private files; any field may be NULL. */
typedef struct cap_git_transport {
	const char *known_hosts;   /* ssh known_hosts file when not insecure; NULL: ssh's default */
	const char *tls_certs_dir; /* extra CA certificates, one file per host name, as Argo CD
				      mounts argocd-tls-certs-cm; NULL: the system's only */
	const char *tmp_root;	   /* where the 0700 private directory goes; NULL: $TMPDIR, /tmp */
} cap_git_transport;

/*
 * Prepares a session for url. creds and transport may be NULL. Secrets reach git only through
 * the child's environment (read by the credential helper; GIT_CONFIG_* for headers, proxies) and
 * 0600 files in the private directory (ssh key, TLS client certificate). CAP_EIO when the
 * private files cannot be made.
 */
int cap_git_session_init(cap_git_session *s, const char *url, const cap_git_creds *creds,
			 const cap_git_transport *transport);
/* Drops the sub-command arguments appended since init, keeping the common prefix. */
void cap_git_session_reset(cap_git_session *s);
void cap_git_session_release(cap_git_session *s);

/*
 * Runs the session's argv (prefix plus what the caller appended) with the session environment
 * and timeout. 0 when git exited 0; otherwise an error whose message starts with what,
 * quotes the URL scrubbed of credentials, and carries git's last stderr line with any secret
 * of creds masked: CAP_ETIMEOUT, CAP_EAUTH (authentication failed), CAP_ENOTFOUND (repository
 * or object not found), CAP_EUNAVAILABLE (cannot connect) or CAP_EGENERIC. res may be NULL when
 * the output is not needed; otherwise it is filled as by cap_proc_run.
 */
int cap_git_session_run(cap_git_session *s, cap_proc_result *res, const char *what, const char *url,
			const cap_git_creds *creds, const char *git_dir, int timeout_ms);

/*
 * Lists the refs of url with `git ls-remote --symref` (one network round trip), into out.
 * Errors as cap_git_session_run.
 */
int cap_git_ls_remote(cap_git_refs *out, const char *url, const cap_git_creds *creds,
		      int timeout_ms);

/* The same through a prepared session (for its transport settings and private files). */
int cap_git_session_ls_remote(cap_git_refs *out, cap_git_session *s, const char *url,
			      const cap_git_creds *creds, int timeout_ms);

/* Number of git processes started by this library since the process began (all threads). */
unsigned long cap_git_process_count(void);
