/* The repository cache's trees: one read-only extraction per commit, leases, and LRU eviction. */
#include "git/cache_internal.h"

#include "base/alloc.h"
#include "base/error.h"
#include "git/tree_fs.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned trim_locked(cap_git_cache *c, uint64_t max_bytes, cap_strvec *graves);
static void dig_up(cap_strvec *graves);

static void tree_path(cap_buf *out, const cap_git_cache *c, const char *commit)
{
	cap_buf_printf(out, "%s/trees/%s", c->root, commit);
}

/* Writes the commit's files to a private directory, then renames it into place. */
int cap_git_cache__write_tree(cap_git_cache *c, const char *git_dir, const char *commit,
			      const char *dest)
{
	cap_buf index = CAP_BUF_INIT, wt = CAP_BUF_INIT;
	cap_buf_printf(&index, "%s/index-XXXXXX", c->tmp);
	int fd = mkstemp(index.ptr);
	if (fd < 0) {
		int rc = cap_error_set(CAP_EIO, "cannot make a file in '%s': %s", c->tmp,
				       strerror(errno));
		cap_buf_release(&index);
		return rc;
	}
	close(fd);
	unlink(index.ptr); /* git wants to create the index itself */
	cap_buf_printf(&wt, "--work-tree=%s", dest);
	cap_git_session s;
	int rc = cap_git_session_init(&s, "", NULL, NULL);
	if (rc)
		goto out;
	cap_strvec_pushf(&s.env, "GIT_INDEX_FILE=%s", index.ptr);
	const char *read_tree[] = {"read-tree", commit, NULL};
	cap_strvec_pushv(&s.argv, read_tree);
	rc = cap_git_session_run(&s, NULL, "cannot read the tree of", commit, NULL, git_dir,
				 cap_git_cache__timeout(c));
	if (rc == 0) {
		cap_git_session_reset(&s);
		const char *checkout[] = {wt.ptr, "checkout-index", "-a", "-f", NULL};
		cap_strvec_pushv(&s.argv, checkout);
		rc = cap_git_session_run(&s, NULL, "cannot write the files of", commit, NULL,
					 git_dir, cap_git_cache__timeout(c));
	}
	cap_git_session_release(&s);
out:
	unlink(index.ptr);
	cap_buf_release(&index);
	cap_buf_release(&wt);
	return rc;
}

/* Writes the commit's files (and its submodules') to a private directory, then renames it in. */
static int extract(cap_git_cache *c, repo *r, const char *url, const cap_git_creds *creds,
		   const char *commit, uint64_t *bytes_out)
{
	cap_buf tmp = CAP_BUF_INIT, dest = CAP_BUF_INIT;
	cap_buf_printf(&tmp, "%s/%.12s-XXXXXX", c->tmp, commit);
	if (!mkdtemp(tmp.ptr)) {
		int rc = cap_error_set(CAP_EIO, "cannot make a directory in '%s': %s", c->tmp,
				       strerror(errno));
		cap_buf_release(&tmp);
		return rc;
	}
	tree_path(&dest, c, commit);
	int rc = cap_git_cache__write_tree(c, r->dir, commit, tmp.ptr);
	if (rc == 0 && !c->opts.skip_submodules)
		rc = cap_git_cache__write_submodules(c, r, url, creds, commit, tmp.ptr, 0);
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
	cap_buf_release(&dest);
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

int cap_git_cache_checkout(cap_git_tree **out, cap_git_cache *c, const char *url,
			   const char *commit, const cap_git_creds *creds)
{
	char sha[41];
	int rc = cap_git_cache__commit_args(sha, url, commit);
	if (rc)
		return rc;
	repo *r = cap_git_cache__repo_get(c, url);
	rc = cap_git_cache__ensure_commit(c, r, url, creds, sha);
	if (rc) {
		cap_git_cache__repo_put(c, r);
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
		cap_git_cache__repo_put(c, r);
		return 0;
	}
	t = cap_calloc(1, sizeof(*t));
	memcpy(t->commit, sha, 41);
	t->extracting = true;
	cap_hashmap_put(&c->trees, t->commit, t);
	pthread_mutex_unlock(&c->mu);

	uint64_t bytes = 0;
	rc = extract(c, r, url, creds, sha, &bytes);

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
	cap_git_cache__repo_put(c, r);
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

/*
 * Moves a directory out of sight at once (under the cache mutex) and records where it went, so
 * readers never see half a tree and the slow deletion happens after the mutex is released.
 */
static void bury_dir(cap_git_cache *c, const char *dir, cap_strvec *graves)
{
	cap_buf grave = CAP_BUF_INIT;
	cap_buf_printf(&grave, "%s/evicted-XXXXXX", c->tmp);
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
		cap_git_cache__repo_free(old_r);
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
