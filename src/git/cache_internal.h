/* Internals shared by the repository cache's files: its state and the repository-side helpers. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/hashmap.h"
#include "base/strvec.h"
#include "git/cache.h"
#include "git/proc.h"
#include "git/remote.h"

/* One ls-remote answer, immutable once published and freed by its last holder. */
typedef struct shared_refs {
	unsigned holders;
	cap_git_refs refs;
} shared_refs;

typedef struct repo {
	char *key;	      /* hash of the normalised URL: the directory name */
	char *dir;	      /* <root>/repos/<key> */
	pthread_mutex_t lock; /* one git writer per repository in this process */
	unsigned busy;	      /* threads using it; never evicted while > 0 */
	unsigned long long last_used;
	uint64_t bytes;
	/* Shared ls-remote answer (guarded by the cache mutex). */
	bool refs_valid, refs_inflight, refs_failed;
	long long refs_failed_at;
	long long refs_at;
	unsigned long refs_gen;
	int refs_rc;
	char *refs_err;
	struct shared_refs *refs; /* NULL until the first ls-remote succeeds */
	cap_hashmap verified;	  /* commits known to be in this repository */
} repo;

typedef struct tree_entry {
	char commit[41];
	bool ready, extracting;
	unsigned leases;
	unsigned long long last_used;
	uint64_t bytes;
} tree_entry;

struct cap_git_tree {
	cap_git_cache *cache;
	tree_entry *entry;
	char *path;
};

struct cap_git_cache {
	char *root;
	cap_git_cache_options opts;
	char *tmp;    /* this cache's private work directory under <root>/tmp */
	int run_lock; /* flock held on <tmp>.lock while open */
	char *known_hosts;
	char *tls_certs_dir;
	cap_git_transport transport;
	pthread_mutex_t mu;
	pthread_cond_t cond;	  /* tree extractions and ls-remotes finishing */
	pthread_cond_t slot_cond; /* a remote operation finishing, when they are limited */
	unsigned remote_ops;	  /* git processes talking to remotes now */
	cap_hashmap repos;	  /* key -> repo */
	cap_hashmap trees;	  /* commit -> tree_entry */
	unsigned long long tick;
	uint64_t bytes;
	cap_git_cache_stats stats;
};

/* Monotonic milliseconds. */
long long cap_git_cache__now_ms(void);
/* The per-process deadline for git commands. */
int cap_git_cache__timeout(const cap_git_cache *c);
/* True when url is empty or could be read as an option by git. */
bool cap_git_cache__bad_url(const char *s);
/* Copies a full commit SHA (40 hex digits, already checked) into out in lower case. */
void cap_git_cache__sha_lower(char out[41], const char *sha);
/* Checks url (see bad_url) and that commit is a full commit SHA, which goes to sha in lower
 * case; otherwise a CAP_EINVALID error quoting the bad argument, sha untouched. */
int cap_git_cache__commit_args(char sha[41], const char *url, const char *commit);

/* Takes a use of url's repository entry (made on first use); give it back with repo_put. */
repo *cap_git_cache__repo_get(cap_git_cache *c, const char *url);
void cap_git_cache__repo_put(cap_git_cache *c, repo *r);
/* Frees an entry nobody uses (the cache mutex held or the cache going away). */
void cap_git_cache__repo_free(void *p);
/* The directory name of url's repository: a hash of its normalised form, 16 hex digits. */
void cap_git_cache__repo_key(char out[17], const char *url);

/* Holds the repository for writing: its mutex, and flock against other processes. */
int cap_git_cache__repo_lock(cap_git_cache *c, repo *r);
void cap_git_cache__repo_unlock(repo *r, int fd);
/* Makes the bare repository when missing. Call with the repository locked. */
int cap_git_cache__repo_init(cap_git_cache *c, repo *r);
/* Runs one local git command (no network, no credentials) in the repository. */
int cap_git_cache__local_git(cap_git_cache *c, repo *r, cap_proc_result *res,
			     const char *const *args, const char *what);
/* True when the repository holds commit. */
bool cap_git_cache__has_commit(cap_git_cache *c, repo *r, const char *commit);
/* One fetch round trip: a shallow fetch of commit, or all branches and tags when NULL. */
int cap_git_cache__fetch(cap_git_cache *c, repo *r, const char *url, const cap_git_creds *creds,
			 const char *commit);
/* Re-measures the repository's disk use after a fetch. */
void cap_git_cache__account_repo(cap_git_cache *c, repo *r);
/* Makes sure the repository holds commit (fetching when needed) and remembers it did. */
int cap_git_cache__ensure_commit(cap_git_cache *c, repo *r, const char *url,
				 const cap_git_creds *creds, const char *commit);

/* Writes commit's files from the repository at git_dir into the directory dest. */
int cap_git_cache__write_tree(cap_git_cache *c, const char *git_dir, const char *commit,
			      const char *dest);
/*
 * Fills the submodules of commit (a commit of r, already written to dest) from their own
 * repositories, recursively; depth counts the nesting so far.
 */
int cap_git_cache__write_submodules(cap_git_cache *c, repo *r, const char *url,
				    const cap_git_creds *creds, const char *commit,
				    const char *dest, int depth);

/* Takes (waiting while max_remote_ops are busy) and gives back a slot for a remote operation. */
void cap_git_cache__remote_begin(cap_git_cache *c);
void cap_git_cache__remote_end(cap_git_cache *c);
