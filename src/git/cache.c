/* The repository cache: bare clones per URL, shared refs, single-flight tree extraction, LRU trim. */
#include "git/cache.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "base/strvec.h"
#include "git/remote.h"
#include "git/tree_fs.h"
#include "git/url.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 90000

/* One ls-remote answer, immutable once published and freed by its last holder. */
typedef struct shared_refs {
	unsigned holders;
	cap_git_refs refs;
} shared_refs;

typedef struct repo {
	char *key;            /* hash of the normalised URL: the directory name */
	char *dir;            /* <root>/repos/<key> */
	pthread_mutex_t lock; /* one git writer per repository in this process */
	unsigned busy;        /* threads using it; never evicted while > 0 */
	unsigned long long last_used;
	uint64_t bytes;
	/* Shared ls-remote answer (guarded by the cache mutex). */
	bool refs_valid, refs_inflight;
	long long refs_at;
	unsigned long refs_gen;
	int refs_rc;
	char *refs_err;
	struct shared_refs *refs; /* NULL until the first ls-remote succeeds */
	cap_hashmap verified; /* commits known to be in this repository */
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
	char *known_hosts;
	char *tls_certs_dir;
	cap_git_transport transport;
	pthread_mutex_t mu;
	pthread_cond_t cond; /* tree extractions and ls-remotes finishing */
	cap_hashmap repos;   /* key -> repo */
	cap_hashmap trees;   /* commit -> tree_entry */
	unsigned long long tick;
	uint64_t bytes;
	cap_git_cache_stats stats;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int timeout_of(const cap_git_cache *c)
{
	return c->opts.timeout_ms > 0 ? c->opts.timeout_ms : DEFAULT_TIMEOUT_MS;
}

static repo *repo_new(cap_git_cache *c, const char *key)
{
	repo *r = cap_calloc(1, sizeof(*r));
	r->key = cap_strdup(key);
	cap_buf dir = CAP_BUF_INIT;
	cap_buf_printf(&dir, "%s/repos/%s", c->root, key);
	r->dir = cap_buf_detach(&dir, NULL);
	pthread_mutex_init(&r->lock, NULL);
	cap_hashmap_init(&r->verified);
	cap_hashmap_put(&c->repos, key, r);
	return r;
}

static void repo_free(void *p)
{
	repo *r = p;
	if (!r)
		return;
	free(r->key);
	free(r->dir);
	free(r->refs_err);
	if (r->refs && --r->refs->holders == 0) {
		cap_git_refs_release(&r->refs->refs);
		free(r->refs);
	}
	cap_hashmap_release(&r->verified, NULL);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void repo_key(char out[17], const char *url)
{
	cap_buf n = CAP_BUF_INIT;
	cap_git_url_normalize(&n, url);
	snprintf(out, 17, "%016llx", (unsigned long long)cap_hash_bytes(n.ptr, n.len));
	cap_buf_release(&n);
}

/* Takes a use of url's repository entry (made on first use); give it back with repo_put. */
static repo *repo_get(cap_git_cache *c, const char *url)
{
	char key[17];
	repo_key(key, url);
	pthread_mutex_lock(&c->mu);
	repo *r = cap_hashmap_get(&c->repos, key);
	if (!r)
		r = repo_new(c, key);
	r->busy++;
	r->last_used = ++c->tick;
	pthread_mutex_unlock(&c->mu);
	return r;
}

static void repo_put(cap_git_cache *c, repo *r)
{
	pthread_mutex_lock(&c->mu);
	r->busy--;
	r->last_used = ++c->tick;
	pthread_mutex_unlock(&c->mu);
}

static int mkdir_p(const char *path)
{
	cap_buf p = CAP_BUF_INIT;
	cap_buf_puts(&p, path);
	for (char *s = p.ptr + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p.ptr, 0755);
			*s = '/';
		}
	}
	int rc = mkdir(p.ptr, 0755) == 0 || errno == EEXIST ? 0 : -1;
	cap_buf_release(&p);
	return rc;
}

/* Accounts what an earlier run left: trees by commit, repositories by key. */
static void scan_existing(cap_git_cache *c)
{
	cap_buf path = CAP_BUF_INIT;
	cap_buf_printf(&path, "%s/trees", c->root);
	DIR *d = opendir(path.ptr);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!cap_git_is_commit_sha(e->d_name))
			continue;
		tree_entry *t = cap_calloc(1, sizeof(*t));
		memcpy(t->commit, e->d_name, 41);
		t->ready = true;
		cap_buf_clear(&path);
		cap_buf_printf(&path, "%s/trees/%s", c->root, e->d_name);
		t->bytes = cap_git_fs_usage(path.ptr);
		c->bytes += t->bytes;
		cap_hashmap_put(&c->trees, t->commit, t);
	}
	if (d)
		closedir(d);
	cap_buf_clear(&path);
	cap_buf_printf(&path, "%s/repos", c->root);
	d = opendir(path.ptr);
	while (d && (e = readdir(d))) {
		if (strlen(e->d_name) != 16 || strspn(e->d_name, "0123456789abcdef") != 16)
			continue;
		repo *r = repo_new(c, e->d_name);
		r->bytes = cap_git_fs_usage(r->dir);
		c->bytes += r->bytes;
	}
	if (d)
		closedir(d);
	cap_buf_release(&path);
}

int cap_git_cache_open(cap_git_cache **out, const cap_git_cache_options *opts)
{
	if (!opts || !opts->root || !*opts->root)
		return cap_error_set(CAP_EINVALID, "the git cache needs a root directory");
	static const char *const subdirs[] = {"", "/repos", "/trees", "/tmp"};
	cap_buf p = CAP_BUF_INIT;
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		cap_buf_clear(&p);
		cap_buf_printf(&p, "%s%s", opts->root, subdirs[i]);
		if (mkdir_p(p.ptr) != 0) {
			int rc = cap_error_set(CAP_EIO, "cannot make the git cache directory '%s': %s",
					       p.ptr, strerror(errno));
			cap_buf_release(&p);
			return rc;
		}
	}
	/* Half-made extractions of a crashed run. */
	cap_git_fs_remove_children(p.ptr);
	cap_buf_release(&p);
	cap_git_cache *c = cap_calloc(1, sizeof(*c));
	c->root = cap_strdup(opts->root);
	c->opts = *opts;
	c->opts.root = c->root;
	c->known_hosts = opts->known_hosts ? cap_strdup(opts->known_hosts) : NULL;
	c->opts.known_hosts = c->known_hosts;
	c->tls_certs_dir = opts->tls_certs_dir ? cap_strdup(opts->tls_certs_dir) : NULL;
	c->opts.tls_certs_dir = c->tls_certs_dir;
	c->transport = (cap_git_transport){.known_hosts = c->known_hosts,
					   .tls_certs_dir = c->tls_certs_dir};
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cond, NULL);
	cap_hashmap_init(&c->repos);
	cap_hashmap_init(&c->trees);
	scan_existing(c);
	*out = c;
	return 0;
}

void cap_git_cache_free(cap_git_cache *c)
{
	if (!c)
		return;
	cap_hashmap_release(&c->repos, repo_free);
	cap_hashmap_release(&c->trees, free);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cond);
	free(c->known_hosts);
	free(c->tls_certs_dir);
	free(c->root);
	free(c);
}

void cap_git_cache_stats_get(cap_git_cache *c, cap_git_cache_stats *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->stats;
	out->bytes = c->bytes;
	pthread_mutex_unlock(&c->mu);
}

unsigned long cap_git_cache_requests(cap_git_cache *c)
{
	pthread_mutex_lock(&c->mu);
	unsigned long n = c->stats.ls_remotes + c->stats.fetches;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* --- shared refs ---------------------------------------------------------------------------- */

static bool refs_fresh(const cap_git_cache *c, const repo *r)
{
	if (!r->refs_valid)
		return false;
	int ttl = c->opts.refs_ttl_ms;
	return ttl < 0 || (ttl > 0 && now_ms() - r->refs_at < ttl);
}

/* Takes a hold on sr; the cache mutex is held. */
static shared_refs *refs_hold(shared_refs *sr)
{
	sr->holders++;
	return sr;
}

static void refs_put(cap_git_cache *c, shared_refs *sr)
{
	if (!sr)
		return;
	pthread_mutex_lock(&c->mu);
	bool last = --sr->holders == 0;
	pthread_mutex_unlock(&c->mu);
	if (last) {
		cap_git_refs_release(&sr->refs);
		free(sr);
	}
}

/*
 * url's refs without a copy: the shared answer while fresh, the one in flight, or a new
 * ls-remote. Give the hold back with refs_put.
 */
static int refs_get(shared_refs **out, cap_git_cache *c, repo *r, const char *url,
		    const cap_git_creds *creds)
{
	pthread_mutex_lock(&c->mu);
	for (;;) {
		if (r->refs && refs_fresh(c, r)) {
			*out = refs_hold(r->refs);
			c->stats.refs_shared++;
			pthread_mutex_unlock(&c->mu);
			return 0;
		}
		if (!r->refs_inflight)
			break;
		/* Someone is asking already: take their answer, whatever it is. */
		unsigned long gen = r->refs_gen;
		while (r->refs_inflight && r->refs_gen == gen)
			pthread_cond_wait(&c->cond, &c->mu);
		if (r->refs_gen != gen) {
			int rc = r->refs_rc;
			if (rc == 0 && r->refs) {
				*out = refs_hold(r->refs);
				c->stats.refs_shared++;
			} else {
				rc = cap_error_set(rc ? rc : CAP_EGENERIC, "%s",
						   r->refs_err ? r->refs_err : "ls-remote failed");
			}
			pthread_mutex_unlock(&c->mu);
			return rc;
		}
	}
	r->refs_inflight = true;
	c->stats.ls_remotes++;
	pthread_mutex_unlock(&c->mu);

	shared_refs *fresh = cap_calloc(1, sizeof(*fresh));
	cap_git_session s;
	int rc = cap_git_session_init(&s, url, creds, &c->transport);
	if (rc == 0) {
		rc = cap_git_session_ls_remote(&fresh->refs, &s, url, creds, timeout_of(c));
		cap_git_session_release(&s);
	}

	pthread_mutex_lock(&c->mu);
	r->refs_inflight = false;
	r->refs_gen++;
	r->refs_rc = rc;
	free(r->refs_err);
	r->refs_err = rc ? cap_strdup(cap_error_last()) : NULL;
	if (rc == 0) {
		if (r->refs && --r->refs->holders == 0) {
			cap_git_refs_release(&r->refs->refs);
			free(r->refs);
		}
		fresh->holders = 1; /* the repository's own hold */
		r->refs = fresh;
		r->refs_valid = true;
		r->refs_at = now_ms();
		*out = refs_hold(fresh);
		fresh = NULL;
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mu);
	free(fresh);
	return rc;
}

int cap_git_cache_ls_remote(cap_git_refs *out, cap_git_cache *c, const char *url,
			    const cap_git_creds *creds)
{
	if (!url || !*url || *url == '-')
		return cap_error_set(CAP_EINVALID, "'%s' is not a repository URL", url ? url : "");
	repo *r = repo_get(c, url);
	shared_refs *sr = NULL;
	int rc = refs_get(&sr, c, r, url, creds);
	if (rc == 0)
		cap_git_refs_copy(out, &sr->refs);
	refs_put(c, sr);
	repo_put(c, r);
	return rc;
}

void cap_git_cache_refresh(cap_git_cache *c, const char *url)
{
	char key[17];
	repo_key(key, url);
	pthread_mutex_lock(&c->mu);
	repo *r = cap_hashmap_get(&c->repos, key);
	if (r)
		r->refs_valid = false;
	pthread_mutex_unlock(&c->mu);
}

/* --- fetching --------------------------------------------------------------------------------- */

/* Runs one local git command in the repository (no network, no credentials). */
static int local_git(cap_git_cache *c, repo *r, cap_proc_result *res, const char *const *args,
		     const char *what)
{
	cap_git_session s;
	int rc = cap_git_session_init(&s, "", NULL, NULL);
	if (rc)
		return rc;
	cap_strvec_pushv(&s.argv, args);
	rc = cap_git_session_run(&s, res, what, r->key, NULL, r->dir, timeout_of(c));
	cap_git_session_release(&s);
	return rc;
}

static bool repo_has_commit(cap_git_cache *c, repo *r, const char *commit)
{
	cap_buf obj = CAP_BUF_INIT;
	cap_buf_printf(&obj, "%s^{commit}", commit);
	const char *args[] = {"cat-file", "-e", obj.ptr, NULL};
	int rc = local_git(c, r, NULL, args, "cannot look into repository");
	cap_buf_release(&obj);
	cap_error_clear();
	return rc == 0;
}

static int repo_init(cap_git_cache *c, repo *r)
{
	struct stat st;
	cap_buf head = CAP_BUF_INIT;
	cap_buf_printf(&head, "%s/HEAD", r->dir);
	bool exists = stat(head.ptr, &st) == 0;
	cap_buf_release(&head);
	if (exists)
		return 0;
	cap_git_session s;
	int rc = cap_git_session_init(&s, "", NULL, NULL);
	if (rc)
		return rc;
	const char *args[] = {"init", "--bare", "-q", r->dir, NULL};
	cap_strvec_pushv(&s.argv, args);
	rc = cap_git_session_run(&s, NULL, "cannot create repository cache", r->key, NULL, NULL,
				 timeout_of(c));
	cap_git_session_release(&s);
	return rc;
}

/* One fetch round trip; a shallow fetch of commit, or every branch and tag when commit is NULL. */
static int fetch_once(cap_git_cache *c, repo *r, const char *url, const cap_git_creds *creds,
		      const char *commit)
{
	cap_git_session s;
	int rc = cap_git_session_init(&s, url, creds, &c->transport);
	if (rc)
		return rc;
	cap_strvec_push(&s.argv, "fetch");
	cap_strvec_push(&s.argv, "-q");
	cap_strvec_push(&s.argv, "--no-tags");
	cap_strvec_push(&s.argv, "--no-write-fetch-head");
	if (commit) {
		cap_strvec_push(&s.argv, "--depth=1");
		cap_strvec_push(&s.argv, url);
		cap_strvec_push(&s.argv, commit);
	} else {
		cap_buf shallow = CAP_BUF_INIT;
		cap_buf_printf(&shallow, "%s/shallow", r->dir);
		if (access(shallow.ptr, F_OK) == 0)
			cap_strvec_push(&s.argv, "--unshallow");
		cap_buf_release(&shallow);
		cap_strvec_push(&s.argv, url);
		cap_strvec_push(&s.argv, "+refs/heads/*:refs/heads/*");
		cap_strvec_push(&s.argv, "+refs/tags/*:refs/tags/*");
	}
	pthread_mutex_lock(&c->mu);
	c->stats.fetches++;
	pthread_mutex_unlock(&c->mu);
	rc = cap_git_session_run(&s, NULL, "cannot fetch", url, creds, r->dir, timeout_of(c));
	cap_git_session_release(&s);
	return rc;
}

static void account_repo(cap_git_cache *c, repo *r)
{
	uint64_t bytes = cap_git_fs_usage(r->dir);
	pthread_mutex_lock(&c->mu);
	c->bytes = c->bytes - r->bytes + bytes;
	r->bytes = bytes;
	pthread_mutex_unlock(&c->mu);
}

/* Holds the repository for writing: the mutex in this process, flock against other processes. */
static int repo_lock(cap_git_cache *c, repo *r)
{
	pthread_mutex_lock(&r->lock);
	cap_buf p = CAP_BUF_INIT;
	cap_buf_printf(&p, "%s.lock", r->dir);
	int fd = open(p.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	cap_buf_release(&p);
	if (fd >= 0)
		while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
			;
	return fd;
}

static void repo_unlock(repo *r, int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
	pthread_mutex_unlock(&r->lock);
}

static bool verified(cap_git_cache *c, repo *r, const char *commit)
{
	pthread_mutex_lock(&c->mu);
	bool v = cap_hashmap_contains(&r->verified, commit);
	pthread_mutex_unlock(&c->mu);
	return v;
}

/* Makes sure the repository holds commit: shallow fetch of it, else a full fetch. */
static int ensure_commit(cap_git_cache *c, repo *r, const char *url, const cap_git_creds *creds,
			 const char *commit)
{
	if (verified(c, r, commit))
		return 0;
	int fd = repo_lock(c, r);
	int rc = repo_init(c, r);
	bool fetched = false;
	if (rc == 0 && !repo_has_commit(c, r, commit)) {
		fetched = true;
		rc = fetch_once(c, r, url, creds, commit);
		if (rc == CAP_ETIMEOUT || rc == CAP_EAUTH || rc == CAP_EUNAVAILABLE)
			goto out;
		if (rc == 0 && repo_has_commit(c, r, commit))
			goto out;
		/* The server would not give the commit alone: take everything and look again. */
		rc = fetch_once(c, r, url, creds, NULL);
		if (rc == 0 && !repo_has_commit(c, r, commit)) {
			cap_buf safe = CAP_BUF_INIT;
			cap_git_url_scrub(&safe, url);
			rc = cap_error_set(CAP_ENOTFOUND, "commit '%s' is not in '%s'", commit,
					   safe.ptr);
			cap_buf_release(&safe);
		}
	}
out:
	repo_unlock(r, fd);
	if (fetched)
		account_repo(c, r);
	if (rc == 0) {
		pthread_mutex_lock(&c->mu);
		cap_hashmap_put(&r->verified, commit, NULL);
		pthread_mutex_unlock(&c->mu);
	}
	return rc;
}

/* A short SHA: fetch the whole repository and let git expand it. */
static int resolve_short(char out[41], cap_git_cache *c, repo *r, const char *url,
			 const cap_git_creds *creds, const char *shortsha)
{
	int fd = repo_lock(c, r);
	int rc = repo_init(c, r);
	cap_buf obj = CAP_BUF_INIT;
	cap_buf_printf(&obj, "%s^{commit}", shortsha);
	const char *args[] = {"rev-parse", "-q", "--verify", obj.ptr, NULL};
	cap_proc_result res = CAP_PROC_RESULT_INIT;
	for (int attempt = 0; rc == 0 && attempt < 2; attempt++) {
		cap_proc_result_release(&res);
		res = (cap_proc_result)CAP_PROC_RESULT_INIT;
		if (attempt == 1)
			rc = fetch_once(c, r, url, creds, NULL);
		if (rc)
			break;
		if (local_git(c, r, &res, args, "cannot resolve") == 0 && res.out.len >= 40) {
			memcpy(out, res.out.ptr, 40);
			out[40] = '\0';
			break;
		}
		if (attempt == 1)
			rc = cap_error_set(CAP_ENOTFOUND, "unable to resolve '%s' to a commit SHA",
					   shortsha);
	}
	cap_proc_result_release(&res);
	cap_buf_release(&obj);
	repo_unlock(r, fd);
	account_repo(c, r);
	if (rc == 0) {
		pthread_mutex_lock(&c->mu);
		cap_hashmap_put(&r->verified, out, NULL);
		pthread_mutex_unlock(&c->mu);
	}
	return rc;
}

static bool bad_input(const char *s)
{
	return !s || !*s || *s == '-';
}

int cap_git_cache_resolve(char out[41], cap_git_cache *c, const char *url, const char *revision,
			  const cap_git_creds *creds)
{
	if (bad_input(url))
		return cap_error_set(CAP_EINVALID, "'%s' is not a repository URL", url ? url : "");
	if (revision && *revision == '-')
		return cap_error_set(CAP_EINVALID, "'%s' is not a revision", revision);
	char sha[41];
	if (cap_git_is_commit_sha(revision)) {
		for (int i = 0; i < 41; i++)
			out[i] = (char)tolower((unsigned char)revision[i]);
		return 0; /* no network: Argo CD takes a full SHA as it is */
	}
	repo *r = repo_get(c, url);
	shared_refs *sr = NULL;
	int rc = refs_get(&sr, c, r, url, creds);
	bool is_short = false;
	if (rc == 0)
		rc = cap_git_refs_resolve(sha, &sr->refs, revision, &is_short);
	refs_put(c, sr);
	if (rc && is_short)
		rc = resolve_short(sha, c, r, url, creds, revision);
	if (rc && rc != CAP_ETIMEOUT && rc != CAP_EAUTH && rc != CAP_EUNAVAILABLE &&
	    !strstr(cap_error_last(), "'")) {
		cap_buf safe = CAP_BUF_INIT;
		cap_git_url_scrub(&safe, url);
		cap_error_prefix("in '%s': ", safe.ptr);
		cap_buf_release(&safe);
	}
	repo_put(c, r);
	if (rc == 0)
		memcpy(out, sha, 41);
	return rc;
}

/* --- trees ---------------------------------------------------------------------------------- */

static void tree_path(cap_buf *out, const cap_git_cache *c, const char *commit)
{
	cap_buf_printf(out, "%s/trees/%s", c->root, commit);
}

/* Writes the commit's files to a private directory, then renames it into place. */
static int extract(cap_git_cache *c, repo *r, const char *commit, uint64_t *bytes_out)
{
	cap_buf tmp = CAP_BUF_INIT, index = CAP_BUF_INIT, dest = CAP_BUF_INIT, wt = CAP_BUF_INIT;
	cap_buf_printf(&tmp, "%s/tmp/%.12s-XXXXXX", c->root, commit);
	if (!mkdtemp(tmp.ptr)) {
		int rc = cap_error_set(CAP_EIO, "cannot make a directory in '%s/tmp': %s", c->root,
				       strerror(errno));
		cap_buf_release(&tmp);
		return rc;
	}
	cap_buf_printf(&index, "%s.index", tmp.ptr);
	cap_buf_printf(&wt, "--work-tree=%s", tmp.ptr);
	tree_path(&dest, c, commit);

	cap_git_session s;
	int rc = cap_git_session_init(&s, "", NULL, NULL);
	if (rc)
		goto out;
	cap_strvec_pushf(&s.env, "GIT_INDEX_FILE=%s", index.ptr);
	const char *read_tree[] = {"read-tree", commit, NULL};
	cap_strvec_pushv(&s.argv, read_tree);
	rc = cap_git_session_run(&s, NULL, "cannot read the tree of", commit, NULL, r->dir,
				 timeout_of(c));
	if (rc == 0) {
		cap_git_session_reset(&s);
		const char *checkout[] = {wt.ptr, "checkout-index", "-a", "-f", NULL};
		cap_strvec_pushv(&s.argv, checkout);
		rc = cap_git_session_run(&s, NULL, "cannot write the files of", commit, NULL,
					 r->dir, timeout_of(c));
	}
	cap_git_session_release(&s);
	unlink(index.ptr);
	if (rc)
		goto out;
	cap_buf bad = CAP_BUF_INIT;
	if (!c->opts.allow_oob_symlinks && cap_git_fs_check_symlinks(tmp.ptr, &bad) != 0) {
		rc = cap_error_set(CAP_EPERM,
				   "repository contains out-of-bounds symlinks. file: '%s' at '%s'",
				   bad.ptr, commit);
		cap_buf_release(&bad);
		goto out;
	}
	cap_buf_release(&bad);
	*bytes_out = cap_git_fs_usage(tmp.ptr);
	cap_git_fs_make_readonly(tmp.ptr);
	if (rename(tmp.ptr, dest.ptr) != 0) {
		/* Another process put the same commit there first: theirs is as good as ours. */
		if (errno != EEXIST && errno != ENOTEMPTY)
			rc = cap_error_set(CAP_EIO, "cannot move the tree of '%s' into place: %s",
					   commit, strerror(errno));
	}
out:
	cap_git_fs_remove(tmp.ptr);
	cap_buf_release(&tmp);
	cap_buf_release(&index);
	cap_buf_release(&dest);
	cap_buf_release(&wt);
	return rc;
}

static cap_git_tree *lease(cap_git_cache *c, tree_entry *t)
{
	t->leases++;
	t->last_used = ++c->tick;
	cap_git_tree *l = cap_calloc(1, sizeof(*l));
	l->cache = c;
	l->entry = t;
	cap_buf p = CAP_BUF_INIT;
	tree_path(&p, c, t->commit);
	l->path = cap_buf_detach(&p, NULL);
	return l;
}

static unsigned trim_locked(cap_git_cache *c, uint64_t max_bytes, cap_strvec *graves);
static void dig_up(cap_strvec *graves);

int cap_git_cache_checkout(cap_git_tree **out, cap_git_cache *c, const char *url,
			   const char *commit, const cap_git_creds *creds)
{
	if (bad_input(url))
		return cap_error_set(CAP_EINVALID, "'%s' is not a repository URL", url ? url : "");
	if (!cap_git_is_commit_sha(commit))
		return cap_error_set(CAP_EINVALID, "'%s' is not a commit SHA", commit ? commit : "");
	char sha[41];
	for (int i = 0; i < 41; i++)
		sha[i] = (char)tolower((unsigned char)commit[i]);
	repo *r = repo_get(c, url);
	int rc = ensure_commit(c, r, url, creds, sha);
	if (rc) {
		repo_put(c, r);
		return rc;
	}
	pthread_mutex_lock(&c->mu);
	tree_entry *t;
	for (;;) {
		t = cap_hashmap_get(&c->trees, sha);
		if (!t || !t->extracting)
			break;
		pthread_cond_wait(&c->cond, &c->mu);
	}
	if (t && t->ready) {
		*out = lease(c, t);
		pthread_mutex_unlock(&c->mu);
		repo_put(c, r);
		return 0;
	}
	t = cap_calloc(1, sizeof(*t));
	memcpy(t->commit, sha, 41);
	t->extracting = true;
	cap_hashmap_put(&c->trees, t->commit, t);
	pthread_mutex_unlock(&c->mu);

	uint64_t bytes = 0;
	rc = extract(c, r, sha, &bytes);

	pthread_mutex_lock(&c->mu);
	t->extracting = false;
	if (rc == 0) {
		t->ready = true;
		t->bytes = bytes;
		c->bytes += bytes;
		c->stats.extractions++;
		*out = lease(c, t);
	} else {
		cap_hashmap_remove(&c->trees, sha, NULL);
		free(t);
	}
	pthread_cond_broadcast(&c->cond);
	cap_strvec graves = CAP_STRVEC_INIT;
	if (c->opts.max_bytes)
		trim_locked(c, c->opts.max_bytes, &graves);
	pthread_mutex_unlock(&c->mu);
	dig_up(&graves);
	repo_put(c, r);
	return rc;
}

int cap_git_cache_get(cap_git_tree **out, cap_git_cache *c, const char *url, const char *revision,
		      const cap_git_creds *creds)
{
	char sha[41];
	int rc = cap_git_cache_resolve(sha, c, url, revision, creds);
	return rc ? rc : cap_git_cache_checkout(out, c, url, sha, creds);
}

const char *cap_git_tree_path(const cap_git_tree *t)
{
	return t->path;
}

const char *cap_git_tree_commit(const cap_git_tree *t)
{
	return t->entry->commit;
}

void cap_git_tree_release(cap_git_tree *t)
{
	if (!t)
		return;
	cap_git_cache *c = t->cache;
	pthread_mutex_lock(&c->mu);
	t->entry->leases--;
	t->entry->last_used = ++c->tick;
	pthread_mutex_unlock(&c->mu);
	free(t->path);
	free(t);
}

/* --- eviction ------------------------------------------------------------------------------- */

/*
 * Moves a directory out of sight at once (under the cache mutex) and records where it went, so
 * readers never see half a tree and the slow deletion happens after the mutex is released.
 */
static void bury_dir(cap_git_cache *c, const char *dir, cap_strvec *graves)
{
	cap_buf grave = CAP_BUF_INIT;
	cap_buf_printf(&grave, "%s/tmp/evicted-XXXXXX", c->root);
	if (mkdtemp(grave.ptr)) {
		cap_strvec_push(graves, grave.ptr);
		cap_buf_puts(&grave, "/d");
		if (rename(dir, grave.ptr) == 0) {
			cap_buf_release(&grave);
			return;
		}
	}
	cap_git_fs_remove(dir);
	cap_buf_release(&grave);
}

static void dig_up(cap_strvec *graves)
{
	for (size_t i = 0; i < graves->len; i++)
		cap_git_fs_remove(graves->items[i]);
	cap_strvec_release(graves);
}

static unsigned trim_locked(cap_git_cache *c, uint64_t max_bytes, cap_strvec *graves)
{
	unsigned evicted = 0;
	while (c->bytes > max_bytes) {
		tree_entry *old_t = NULL;
		const char *k;
		void *v;
		cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
		while (cap_hashmap_next(&c->trees, &it, &k, &v)) {
			tree_entry *t = v;
			if (t->ready && !t->leases && (!old_t || t->last_used < old_t->last_used))
				old_t = t;
		}
		if (old_t) {
			cap_buf p = CAP_BUF_INIT;
			tree_path(&p, c, old_t->commit);
			bury_dir(c, p.ptr, graves);
			cap_buf_release(&p);
			c->bytes -= old_t->bytes < c->bytes ? old_t->bytes : c->bytes;
			cap_hashmap_remove(&c->trees, old_t->commit, NULL);
			free(old_t);
			c->stats.evicted_trees++;
			evicted++;
			continue;
		}
		repo *old_r = NULL;
		it = (cap_hashmap_iter)CAP_HASHMAP_ITER_INIT;
		while (cap_hashmap_next(&c->repos, &it, &k, &v)) {
			repo *r = v;
			if (!r->busy && r->bytes && (!old_r || r->last_used < old_r->last_used))
				old_r = r;
		}
		if (!old_r)
			break;
		bury_dir(c, old_r->dir, graves);
		c->bytes -= old_r->bytes < c->bytes ? old_r->bytes : c->bytes;
		cap_hashmap_remove(&c->repos, old_r->key, NULL);
		repo_free(old_r);
		c->stats.evicted_repos++;
		evicted++;
	}
	return evicted;
}

unsigned cap_git_cache_trim(cap_git_cache *c, uint64_t max_bytes)
{
	cap_strvec graves = CAP_STRVEC_INIT;
	pthread_mutex_lock(&c->mu);
	unsigned n = trim_locked(c, max_bytes, &graves);
	pthread_mutex_unlock(&c->mu);
	dig_up(&graves);
	return n;
}
