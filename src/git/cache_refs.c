/* The repository cache's refs: one ls-remote shared by every caller, and revision resolution. */
#include "git/cache_internal.h"

#include "base/alloc.h"
#include "base/error.h"
#include "git/url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool refs_fresh(const cap_git_cache *c, const repo *r)
{
	if (!r->refs_valid)
		return false;
	int ttl = c->opts.refs_ttl_ms;
	return ttl < 0 || (ttl > 0 && cap_git_cache__now_ms() - r->refs_at < ttl);
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
/* Failures of the remote itself, the same whoever asks: shared and briefly remembered. */
static bool remote_down(int rc)
{
	return rc == CAP_ETIMEOUT || rc == CAP_EUNAVAILABLE;
}

/*
 * While a remote is down, callers within this window get its error at once instead of each
 * waiting for a deadline of their own: a hung server then costs one timeout per window, and
 * workers stay free for other repositories.
 */
static bool failure_fresh(const cap_git_cache *c, const repo *r)
{
	int ttl = c->opts.refs_ttl_ms;
	long long window = ttl < 0 || ttl > 30000 ? 30000 : ttl;
	return r->refs_failed && remote_down(r->refs_rc) &&
	       cap_git_cache__now_ms() - r->refs_failed_at < window;
}

static int refs_get(shared_refs **out, cap_git_cache *c, repo *r, const char *url,
		    const cap_git_creds *creds)
{
	pthread_mutex_lock(&c->mu);
	for (;;) {
		if (!r->refs_inflight && failure_fresh(c, r)) {
			int rc = cap_error_set(r->refs_rc, "%s", r->refs_err);
			pthread_mutex_unlock(&c->mu);
			return rc;
		}
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
			} else if (remote_down(rc)) {
				rc = cap_error_set(rc, "%s", r->refs_err);
			} else {
				continue; /* maybe their credentials: ask with ours */
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
		cap_git_cache__remote_begin(c);
		rc = cap_git_session_ls_remote(&fresh->refs, &s, url, creds,
					       cap_git_cache__timeout(c));
		cap_git_cache__remote_end(c);
		cap_git_session_release(&s);
	}

	pthread_mutex_lock(&c->mu);
	r->refs_inflight = false;
	r->refs_gen++;
	r->refs_rc = rc;
	free(r->refs_err);
	r->refs_err = rc ? cap_strdup(cap_error_last()) : NULL;
	r->refs_failed = rc != 0;
	r->refs_failed_at = cap_git_cache__now_ms();
	if (rc == 0) {
		if (r->refs && --r->refs->holders == 0) {
			cap_git_refs_release(&r->refs->refs);
			free(r->refs);
		}
		fresh->holders = 1; /* the repository's own hold */
		r->refs = fresh;
		r->refs_valid = true;
		r->refs_at = cap_git_cache__now_ms();
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
	repo *r = cap_git_cache__repo_get(c, url);
	shared_refs *sr = NULL;
	int rc = refs_get(&sr, c, r, url, creds);
	if (rc == 0)
		cap_git_refs_copy(out, &sr->refs);
	refs_put(c, sr);
	cap_git_cache__repo_put(c, r);
	return rc;
}

void cap_git_cache_refresh(cap_git_cache *c, const char *url)
{
	char key[17];
	cap_git_cache__repo_key(key, url);
	pthread_mutex_lock(&c->mu);
	repo *r = cap_hashmap_get(&c->repos, key);
	if (r) {
		r->refs_valid = false;
		r->refs_failed = false;
	}
	pthread_mutex_unlock(&c->mu);
}

/* A short SHA: fetch the whole repository and let git expand it. */
static int resolve_short(char out[41], cap_git_cache *c, repo *r, const char *url,
			 const cap_git_creds *creds, const char *shortsha)
{
	int fd = cap_git_cache__repo_lock(c, r);
	int rc = cap_git_cache__repo_init(c, r);
	cap_buf obj = CAP_BUF_INIT;
	cap_buf_printf(&obj, "%s^{commit}", shortsha);
	const char *args[] = {"rev-parse", "-q", "--verify", obj.ptr, NULL};
	cap_proc_result res = CAP_PROC_RESULT_INIT;
	for (int attempt = 0; rc == 0 && attempt < 2; attempt++) {
		cap_proc_result_release(&res);
		res = (cap_proc_result)CAP_PROC_RESULT_INIT;
		if (attempt == 1)
			rc = cap_git_cache__fetch(c, r, url, creds, NULL);
		if (rc)
			break;
		if (cap_git_cache__local_git(c, r, &res, args, "cannot resolve") == 0 &&
		    res.out.len >= 40) {
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
	cap_git_cache__repo_unlock(r, fd);
	cap_git_cache__account_repo(c, r);
	if (rc == 0) {
		pthread_mutex_lock(&c->mu);
		cap_hashmap_put(&r->verified, out, NULL);
		pthread_mutex_unlock(&c->mu);
	}
	return rc;
}

int cap_git_cache_resolve(char out[41], cap_git_cache *c, const char *url, const char *revision,
			  const cap_git_creds *creds)
{
	if (cap_git_cache__bad_url(url))
		return cap_error_set(CAP_EINVALID, "'%s' is not a repository URL", url ? url : "");
	if (revision && *revision == '-')
		return cap_error_set(CAP_EINVALID, "'%s' is not a revision", revision);
	char sha[41];
	if (cap_git_is_commit_sha(revision)) {
		cap_git_cache__sha_lower(out, revision);
		return 0; /* no network: Argo CD takes a full SHA as it is */
	}
	repo *r = cap_git_cache__repo_get(c, url);
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
	cap_git_cache__repo_put(c, r);
	if (rc == 0)
		memcpy(out, sha, 41);
	return rc;
}
