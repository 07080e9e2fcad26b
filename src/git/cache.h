/* The repository cache: a bare clone per URL, shared ls-remotes, read-only trees per commit. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/strvec.h"
#include "git/creds.h"
#include "git/remote.h"

/*
 * Layout under root:
 *   repos/<hash of the normalised URL>/   a bare repository, fetched into under a per-repository
 *                                         lock (a mutex in the process, flock across processes)
 *   trees/<commit>/                       the commit's files, extracted once, read-only, shared
 *                                         by every reader without a lock
 *   tmp/run-XXXXXX/                       each open cache's work space, held by an flock
 * Different repositories are fetched in parallel (up to max_remote_ops at once); one repository is
 * fetched by one thread at a time, and callers asking for the same commit wait for the one
 * extraction in flight.
 *
 * Every function is thread-safe. Errors never show credentials (URLs are scrubbed).
 */
typedef struct cap_git_cache cap_git_cache;

typedef struct cap_git_cache_options {
	const char *root;	 /* required; created when missing */
	uint64_t max_bytes;	 /* disk budget for repos and trees; 0: unlimited */
	int timeout_ms;		 /* per git process; 0: 90 s (Argo CD's exec timeout) */
	int refs_ttl_ms;	 /* how long one ls-remote answers every caller (the poll
				    interval); 0: ask every time, only concurrent callers share;
				    negative: until cap_git_cache_refresh. A remote that is down or
				    hung answers with its error for this long too (30 s at most) */
	const char *known_hosts; /* ssh known_hosts file for non-insecure SSH; NULL: ssh default */
	const char *tls_certs_dir; /* extra CA certificates per host name (argocd-tls-certs-cm) */
	unsigned max_remote_ops;   /* git processes talking to remotes at once; 0: unlimited */
	bool skip_submodules;	   /* leave submodules empty (ARGOCD_GIT_MODULES_ENABLED=false) */
	bool allow_oob_symlinks;   /* keep trees whose symlinks point outside them (Argo CD's
				      reposerver.allow.oob.symlinks); refused by default */
} cap_git_cache_options;

/* Opens (or creates) the cache at opts->root and accounts the trees and repos already there. */
int cap_git_cache_open(cap_git_cache **out, const cap_git_cache_options *opts);
/* Frees the in-memory state; the directories stay for the next open. Accepts NULL. */
void cap_git_cache_free(cap_git_cache *c);

/*
 * Resolves revision (see cap_git_refs_resolve: HEAD, branch, tag, full or short SHA, semver
 * constraint) of url to a 40-hex commit SHA in out. The remote's refs come from one ls-remote
 * shared by all callers for refs_ttl_ms; concurrent callers for one URL wait for the one in
 * flight. A full SHA needs no network; a short SHA fetches the repository and asks it.
 * creds may be NULL.
 */
int cap_git_cache_resolve(char out[41], cap_git_cache *c, const char *url, const char *revision,
			  const cap_git_creds *creds);

/*
 * A copy of url's refs (release with cap_git_refs_release) from the same shared ls-remote
 * resolve uses: for generators and pollers that need the branch and tag list itself.
 */
int cap_git_cache_ls_remote(cap_git_refs *out, cap_git_cache *c, const char *url,
			    const cap_git_creds *creds);

/* Forgets the shared refs of url (a webhook said it changed), so the next resolve asks again. */
void cap_git_cache_refresh(cap_git_cache *c, const char *url);

/*
 * A lease on an extracted tree: while held, the directory is never evicted. Borrowed strings
 * stay valid until cap_git_tree_release.
 */
typedef struct cap_git_tree cap_git_tree;

/*
 * Makes sure commit (40 hex) of url is extracted and leases its read-only directory. A commit
 * with a symlink pointing outside the tree is refused with CAP_EPERM ("repository contains
 * out-of-bounds symlinks. file: …") unless allow_oob_symlinks. Submodules are filled in from
 * their own cached repositories at the commits the tree records, recursively, as Argo CD's
 * `git submodule update --init --recursive` does; a submodule gets the credentials only when it
 * lives on the same host as url. Fetches only when the repository does not have the commit
 * yet: first a shallow fetch of just that commit, then a full fetch when the server refuses. The
 * commit is verified to belong to url even when another repository extracted it first, so a SHA
 * alone never reveals another repository's files.
 */
int cap_git_cache_checkout(cap_git_tree **out, cap_git_cache *c, const char *url,
			   const char *commit, const cap_git_creds *creds);

/* resolve + checkout in one call. */
int cap_git_cache_get(cap_git_tree **out, cap_git_cache *c, const char *url, const char *revision,
		      const cap_git_creds *creds);

/* The tree's directory (no trailing slash): join the application's path onto it. */
const char *cap_git_tree_path(const cap_git_tree *t);
/* The commit SHA the tree holds. */
const char *cap_git_tree_commit(const cap_git_tree *t);
/* Gives the lease back; the tree becomes evictable once no lease holds it. Accepts NULL. */
void cap_git_tree_release(cap_git_tree *t);

/* What the UI shows about a revision, as Argo CD's RevisionMetadata. Owned; release it. */
typedef struct cap_git_commit_info {
	char sha[41];
	char *author;	 /* "Name <email>" */
	int64_t date;	 /* author time, seconds since the epoch */
	char *message;	 /* the full message without its final newline */
	cap_strvec tags; /* short names of the remote's tags that point at the commit */
} cap_git_commit_info;

/*
 * Describes commit (40 hex) of url, fetching it when the cache lacks it; the tags come from the
 * shared ls-remote. Release out with cap_git_commit_info_release.
 */
int cap_git_cache_commit_info(cap_git_commit_info *out, cap_git_cache *c, const char *url,
			      const char *commit, const cap_git_creds *creds);
void cap_git_commit_info_release(cap_git_commit_info *info);

/*
 * Appends to out the paths (relative to the repository root, files only, submodules as their
 * directory) whose contents differ between commits from and to of url, fetching either when
 * needed. Trees are compared directly, so shallow fetches suffice. For skipping renders when a
 * commit leaves an application's paths alone (argocd.argoproj.io/manifest-generate-paths).
 */
int cap_git_cache_changed_files(cap_strvec *out, cap_git_cache *c, const char *url,
				const char *from, const char *to, const cap_git_creds *creds);

/*
 * True when any of changed (paths relative to the repository root) lies under or equals one of
 * paths, or matches one as a glob; paths are relative to the root too, with or without a
 * leading "/". Argo CD's rule for manifest-generate-paths: no changed files or no paths means
 * "assume changed".
 */
bool cap_git_paths_touched(const cap_strvec *changed, const cap_strvec *paths);

/* The verdict on a commit's GnuPG signature. */
typedef enum cap_git_sig_status {
	CAP_GIT_SIG_UNSIGNED,
	CAP_GIT_SIG_GOOD,
	CAP_GIT_SIG_BAD,	 /* the signature does not match the commit */
	CAP_GIT_SIG_UNKNOWN_KEY, /* signed by a key the keyring lacks */
	CAP_GIT_SIG_EXPIRED,	 /* good, but by an expired key or an expired signature */
	CAP_GIT_SIG_REVOKED,	 /* good, but by a revoked key */
} cap_git_sig_status;

typedef struct cap_git_signature {
	cap_git_sig_status status;
	char key_id[17]; /* long key ID (16 hex digits) of the signing key; "" when unsigned */
	char *signer;	 /* the signer's user ID for a good signature, else NULL; owned */
} cap_git_signature;

/*
 * Checks the GnuPG signature of commit (40 hex) of url against the public keys in the keyring
 * directory gnupg_home (where Argo CD's argocd-gpg-keys-cm keys are imported), fetching the
 * commit when needed. The caller decides whether key_id is among the AppProject's
 * signatureKeys. Needs the gpg program; release out with cap_git_signature_release.
 */
int cap_git_cache_verify_commit(cap_git_signature *out, cap_git_cache *c, const char *url,
				const char *commit, const char *gnupg_home,
				const cap_git_creds *creds);
void cap_git_signature_release(cap_git_signature *sig);

/* Counters since open, for benchmarks ("git requests per poll") and metrics. */
typedef struct cap_git_cache_stats {
	unsigned long ls_remotes;  /* ls-remote round trips */
	unsigned long fetches;	   /* fetch round trips (shallow and full) */
	unsigned long extractions; /* trees written */
	unsigned long refs_shared; /* resolves answered from shared refs without a round trip */
	unsigned long evicted_trees;
	unsigned long evicted_repos;
	unsigned remote_ops_peak; /* most remote operations running at once */
	uint64_t bytes;		  /* disk use accounted for repos and trees now */
} cap_git_cache_stats;

void cap_git_cache_stats_get(cap_git_cache *c, cap_git_cache_stats *out);
/* Git requests sent to remotes: ls-remotes plus fetches. */
unsigned long cap_git_cache_requests(cap_git_cache *c);

/*
 * Evicts least recently used trees, then repositories, that no lease or fetch holds, until the
 * accounted bytes fit max_bytes (done with the option's budget after every extraction). Returns how
 * many were evicted.
 */
unsigned cap_git_cache_trim(cap_git_cache *c, uint64_t max_bytes);
