/* The repository cache: its directories and repository entries, counters, and fetching commits. */
#include "git/cache_internal.h"

#include "base/alloc.h"
#include "base/error.h"
#include "git/tree_fs.h"
#include "git/url.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 90000

long long cap_git_cache__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cap_git_cache__timeout(const cap_git_cache *c)
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

void cap_git_cache__repo_free(void *p)
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

void cap_git_cache__repo_key(char out[17], const char *url)
{
	cap_buf n = CAP_BUF_INIT;
	cap_git_url_normalize(&n, url);
	snprintf(out, 17, "%016llx", (unsigned long long)cap_hash_bytes(n.ptr, n.len));
	cap_buf_release(&n);
}

/* Takes a use of url's repository entry (made on first use); give it back with repo_put. */
repo *cap_git_cache__repo_get(cap_git_cache *c, const char *url)
{
	char key[17];
	cap_git_cache__repo_key(key, url);
	pthread_mutex_lock(&c->mu);
	repo *r = cap_hashmap_get(&c->repos, key);
	if (!r)
		r = repo_new(c, key);
	r->busy++;
	r->last_used = ++c->tick;
	pthread_mutex_unlock(&c->mu);
	return r;
}

void cap_git_cache__repo_put(cap_git_cache *c, repo *r)
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

/*
 * Work space of this cache under <root>/tmp: run-XXXXXX, held by an flock on run-XXXXXX.lock
 * for as long as the cache is open. Another process sharing the root (several repo-servers on
 * one volume) keeps its own, and whatever nobody holds any more was left by a crash.
 */
static int make_run_dir(cap_git_cache *c)
{
	cap_buf dir = CAP_BUF_INIT, lock = CAP_BUF_INIT, p = CAP_BUF_INIT;
	cap_buf_printf(&dir, "%s/tmp", c->root);
	DIR *d = opendir(dir.ptr);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		bool is_lock = n > 5 && !strcmp(e->d_name + n - 5, ".lock");
		cap_buf_clear(&p);
		cap_buf_printf(&p, "%s/%s", dir.ptr, e->d_name);
		if (strncmp(e->d_name, "run-", 4) != 0) {
			cap_git_fs_remove(p.ptr); /* not a run's: nobody owns it */
			continue;
		}
		if (!is_lock)
			continue;
		int fd = open(p.ptr, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			cap_git_fs_remove(p.ptr);
			cap_buf_truncate(&p, p.len - 5);
			cap_git_fs_remove(p.ptr);
		}
		if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	cap_buf_puts(&dir, "/run-XXXXXX");
	int rc = 0;
	if (!mkdtemp(dir.ptr)) {
		rc = cap_error_set(CAP_EIO, "cannot make a work directory in '%s/tmp': %s", c->root,
				   strerror(errno));
		goto out;
	}
	cap_buf_printf(&lock, "%s.lock", dir.ptr);
	c->run_lock = open(lock.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->run_lock < 0 || flock(c->run_lock, LOCK_EX) != 0) {
		rc = cap_error_set(CAP_EIO, "cannot lock '%s': %s", lock.ptr, strerror(errno));
		cap_git_fs_remove(dir.ptr);
		goto out;
	}
	c->tmp = cap_buf_detach(&dir, NULL);
out:
	cap_buf_release(&dir);
	cap_buf_release(&lock);
	cap_buf_release(&p);
	return rc;
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
			int rc =
			    cap_error_set(CAP_EIO, "cannot make the git cache directory '%s': %s",
					  p.ptr, strerror(errno));
			cap_buf_release(&p);
			return rc;
		}
	}
	cap_buf_release(&p);
	cap_git_cache *c = cap_calloc(1, sizeof(*c));
	c->root = cap_strdup(opts->root);
	c->run_lock = -1;
	int rc = make_run_dir(c);
	if (rc) {
		if (c->run_lock >= 0)
			close(c->run_lock);
		free(c->root);
		free(c);
		return rc;
	}
	c->opts = *opts;
	c->opts.root = c->root;
	c->known_hosts = opts->known_hosts ? cap_strdup(opts->known_hosts) : NULL;
	c->opts.known_hosts = c->known_hosts;
	c->tls_certs_dir = opts->tls_certs_dir ? cap_strdup(opts->tls_certs_dir) : NULL;
	c->opts.tls_certs_dir = c->tls_certs_dir;
	c->transport =
	    (cap_git_transport){.known_hosts = c->known_hosts, .tls_certs_dir = c->tls_certs_dir};
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cond, NULL);
	pthread_cond_init(&c->slot_cond, NULL);
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
	cap_hashmap_release(&c->repos, cap_git_cache__repo_free);
	cap_hashmap_release(&c->trees, free);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cond);
	pthread_cond_destroy(&c->slot_cond);
	free(c->known_hosts);
	free(c->tls_certs_dir);
	cap_git_fs_remove(c->tmp);
	cap_buf lock = CAP_BUF_INIT;
	cap_buf_printf(&lock, "%s.lock", c->tmp);
	unlink(lock.ptr);
	cap_buf_release(&lock);
	close(c->run_lock);
	free(c->tmp);
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

void cap_git_cache__remote_begin(cap_git_cache *c)
{
	pthread_mutex_lock(&c->mu);
	while (c->opts.max_remote_ops && c->remote_ops >= c->opts.max_remote_ops)
		pthread_cond_wait(&c->slot_cond, &c->mu);
	c->remote_ops++;
	if (c->remote_ops > c->stats.remote_ops_peak)
		c->stats.remote_ops_peak = c->remote_ops;
	pthread_mutex_unlock(&c->mu);
}

void cap_git_cache__remote_end(cap_git_cache *c)
{
	pthread_mutex_lock(&c->mu);
	c->remote_ops--;
	pthread_cond_signal(&c->slot_cond);
	pthread_mutex_unlock(&c->mu);
}

unsigned long cap_git_cache_requests(cap_git_cache *c)
{
	pthread_mutex_lock(&c->mu);
	unsigned long n = c->stats.ls_remotes + c->stats.fetches;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* Runs one local git command in the repository (no network, no credentials). */
int cap_git_cache__local_git(cap_git_cache *c, repo *r, cap_proc_result *res,
			     const char *const *args, const char *what)
{
	cap_git_session s;
	int rc = cap_git_session_init(&s, "", NULL, NULL);
	if (rc)
		return rc;
	cap_strvec_pushv(&s.argv, args);
	rc = cap_git_session_run(&s, res, what, r->key, NULL, r->dir, cap_git_cache__timeout(c));
	cap_git_session_release(&s);
	return rc;
}

bool cap_git_cache__has_commit(cap_git_cache *c, repo *r, const char *commit)
{
	cap_buf obj = CAP_BUF_INIT;
	cap_buf_printf(&obj, "%s^{commit}", commit);
	const char *args[] = {"cat-file", "-e", obj.ptr, NULL};
	int rc = cap_git_cache__local_git(c, r, NULL, args, "cannot look into repository");
	cap_buf_release(&obj);
	cap_error_clear();
	return rc == 0;
}

int cap_git_cache__repo_init(cap_git_cache *c, repo *r)
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
				 cap_git_cache__timeout(c));
	cap_git_session_release(&s);
	return rc;
}

/* One fetch round trip; a shallow fetch of commit, or every branch and tag when commit is NULL. */
int cap_git_cache__fetch(cap_git_cache *c, repo *r, const char *url, const cap_git_creds *creds,
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
	cap_git_cache__remote_begin(c);
	pthread_mutex_lock(&c->mu);
	c->stats.fetches++;
	pthread_mutex_unlock(&c->mu);
	rc = cap_git_session_run(&s, NULL, "cannot fetch", url, creds, r->dir,
				 cap_git_cache__timeout(c));
	cap_git_cache__remote_end(c);
	cap_git_session_release(&s);
	return rc;
}

void cap_git_cache__account_repo(cap_git_cache *c, repo *r)
{
	uint64_t bytes = cap_git_fs_usage(r->dir);
	pthread_mutex_lock(&c->mu);
	c->bytes = c->bytes - r->bytes + bytes;
	r->bytes = bytes;
	pthread_mutex_unlock(&c->mu);
}

/* Holds the repository for writing: the mutex in this process, flock against other processes. */
int cap_git_cache__repo_lock(cap_git_cache *c, repo *r)
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

void cap_git_cache__repo_unlock(repo *r, int fd)
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
int cap_git_cache__ensure_commit(cap_git_cache *c, repo *r, const char *url,
				 const cap_git_creds *creds, const char *commit)
{
	if (verified(c, r, commit))
		return 0;
	int fd = cap_git_cache__repo_lock(c, r);
	int rc = cap_git_cache__repo_init(c, r);
	bool fetched = false;
	if (rc == 0 && !cap_git_cache__has_commit(c, r, commit)) {
		fetched = true;
		rc = cap_git_cache__fetch(c, r, url, creds, commit);
		if (rc == CAP_ETIMEOUT || rc == CAP_EAUTH || rc == CAP_EUNAVAILABLE)
			goto out;
		if (rc == 0 && cap_git_cache__has_commit(c, r, commit))
			goto out;
		/* The server would not give the commit alone: take everything and look again. */
		rc = cap_git_cache__fetch(c, r, url, creds, NULL);
		if (rc == 0 && !cap_git_cache__has_commit(c, r, commit)) {
			cap_buf safe = CAP_BUF_INIT;
			cap_git_url_scrub(&safe, url);
			rc = cap_error_set(CAP_ENOTFOUND, "commit '%s' is not in '%s'", commit,
					   safe.ptr);
			cap_buf_release(&safe);
		}
	}
out:
	cap_git_cache__repo_unlock(r, fd);
	if (fetched)
		cap_git_cache__account_repo(c, r);
	if (rc == 0) {
		pthread_mutex_lock(&c->mu);
		cap_hashmap_put(&r->verified, commit, NULL);
		pthread_mutex_unlock(&c->mu);
	}
	return rc;
}

bool cap_git_cache__bad_url(const char *s)
{
	return !s || !*s || *s == '-';
}

void cap_git_cache__sha_lower(char out[41], const char *sha)
{
	for (int i = 0; i < 41; i++)
		out[i] = (char)tolower((unsigned char)sha[i]);
}

int cap_git_cache__commit_args(char sha[41], const char *url, const char *commit)
{
	if (cap_git_cache__bad_url(url))
		return cap_error_set(CAP_EINVALID, "'%s' is not a repository URL", url ? url : "");
	if (!cap_git_is_commit_sha(commit))
		return cap_error_set(CAP_EINVALID, "'%s' is not a commit SHA",
				     commit ? commit : "");
	cap_git_cache__sha_lower(sha, commit);
	return 0;
}
