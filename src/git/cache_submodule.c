/* Submodules: each filled into the tree from its own cached repository at the recorded commit. */
#include "git/cache_internal.h"

#include "base/alloc.h"
#include "base/error.h"
#include "base/vec.h"
#include "git/url.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_DEPTH 8

typedef struct gitlink {
	char *path;
	char sha[41];
	char *url; /* from .gitmodules, as written */
} gitlink;

typedef CAP_VEC_OF(gitlink) gitlink_vec;

static void gitlinks_release(gitlink_vec *v)
{
	for (size_t i = 0; i < v->len; i++) {
		free(v->items[i].path);
		free(v->items[i].url);
	}
	CAP_VEC_RELEASE(v);
}

/* `git ls-tree -r -z` records: "<mode> <type> <sha>\t<path>\0"; keeps the 160000 ones. */
static void parse_gitlinks(gitlink_vec *out, const cap_buf *ls)
{
	const char *p = ls->ptr, *end = ls->ptr + ls->len;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		const char *tab = memchr(p, '\t', n);
		if (tab && strncmp(p, "160000 commit ", 14) == 0 && tab - (p + 14) == 40) {
			gitlink g = {0};
			memcpy(g.sha, p + 14, 40);
			g.path = cap_strndup(tab + 1, (size_t)(p + n - tab - 1));
			CAP_VEC_PUSH(out, g);
		}
		p += n + 1;
	}
}

/*
 * `git config -z --get-regexp` records: "submodule.<name>.<key>\n<value>\0", gathered per name
 * into aligned paths and urls.
 */
static void parse_gitmodules(cap_strvec *paths, cap_strvec *urls, const cap_buf *cfg)
{
	cap_strvec names = CAP_STRVEC_INIT;
	const char *p = cfg->ptr, *end = cfg->ptr + cfg->len;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		const char *nl = memchr(p, '\n', n);
		const char *dot = nl ? memrchr(p, '.', (size_t)(nl - p)) : NULL;
		if (nl && dot && dot > p + 10) {
			const char *name = p + 10; /* after "submodule." */
			size_t name_len = (size_t)(dot - name);
			long idx = -1;
			for (size_t i = 0; i < names.len; i++)
				if (strlen(names.items[i]) == name_len &&
				    memcmp(names.items[i], name, name_len) == 0)
					idx = (long)i;
			if (idx < 0) {
				cap_strvec_pushn(&names, name, name_len);
				cap_strvec_push(paths, "");
				cap_strvec_push(urls, "");
				idx = (long)names.len - 1;
			}
			char **slot = strncmp(dot, ".path\n", 6) == 0 ? &paths->items[idx]
								      : &urls->items[idx];
			free(*slot);
			*slot = cap_strndup(nl + 1, (size_t)(p + n - nl - 1));
		}
		p += n + 1;
	}
	cap_strvec_release(&names);
}

/* git's rule for "./x" and "../x" submodule URLs: relative to the superproject's URL. */
static void resolve_url(cap_buf *out, const char *base, const char *rel)
{
	if (strncmp(rel, "./", 2) != 0 && strncmp(rel, "../", 3) != 0) {
		cap_buf_puts(out, rel);
		return;
	}
	cap_buf b = CAP_BUF_INIT;
	cap_buf_puts(&b, base);
	while (b.len && b.ptr[b.len - 1] == '/')
		cap_buf_truncate(&b, b.len - 1);
	for (;;) {
		if (strncmp(rel, "./", 2) == 0) {
			rel += 2;
		} else if (strncmp(rel, "../", 3) == 0) {
			rel += 3;
			char *cut = strrchr(b.ptr, '/');
			char *colon = strrchr(b.ptr, ':');
			if (colon && (!cut || colon > cut) && !strstr(b.ptr, "://"))
				cut = colon; /* scp-like host:path */
			if (cut)
				cap_buf_truncate(&b, (size_t)(cut - b.ptr) + (*cut == ':'));
		} else {
			break;
		}
	}
	cap_buf_put(out, b.ptr, b.len);
	if (b.len && b.ptr[b.len - 1] != ':')
		cap_buf_putc(out, '/');
	cap_buf_puts(out, rel);
	cap_buf_release(&b);
}

static bool is_local(const char *url)
{
	return strncasecmp(url, "file://", 7) == 0 || url[0] == '/' || url[0] == '.';
}

/* "scheme://host" or "user@host" of a URL, lower-cased, for deciding where credentials go. */
static void url_origin(cap_buf *out, const char *url)
{
	cap_buf n = CAP_BUF_INIT;
	cap_git_url_normalize(&n, url);
	const char *p = strstr(n.ptr, "://");
	size_t len = p ? (size_t)(p - n.ptr) + 3 + strcspn(p + 3, "/") : n.len;
	for (size_t i = 0; i < len; i++)
		cap_buf_putc(out, (char)(n.ptr[i] | (n.ptr[i] >= 'A' && n.ptr[i] <= 'Z' ? 32 : 0)));
	cap_buf_release(&n);
}

static bool same_origin(const char *a, const char *b)
{
	cap_buf x = CAP_BUF_INIT, y = CAP_BUF_INIT;
	url_origin(&x, a);
	url_origin(&y, b);
	bool same = strcmp(x.ptr, y.ptr) == 0;
	cap_buf_release(&x);
	cap_buf_release(&y);
	return same;
}

static bool safe_path(const char *path)
{
	if (!*path || path[0] == '/')
		return false;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if ((n == 2 && p[0] == '.' && p[1] == '.') ||
		    (n == 4 && !strncasecmp(p, ".git", 4)))
			return false;
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

static int fill_one(cap_git_cache *c, const char *url, const cap_git_creds *creds, const gitlink *g,
		    const char *dest, int depth)
{
	cap_buf sub_url = CAP_BUF_INIT, shown = CAP_BUF_INIT, dir = CAP_BUF_INIT;
	int rc = 0;
	if (!g->url || !*g->url) {
		rc = cap_error_set(CAP_EINVALID, "submodule '%s' has no url in .gitmodules",
				   g->path);
		goto out;
	}
	resolve_url(&sub_url, url, g->url);
	cap_git_url_scrub(&shown, sub_url.ptr);
	/* A repository may not make the server read its own disk, unless it lives there itself. */
	if ((is_local(sub_url.ptr) && !is_local(url)) || sub_url.ptr[0] == '-' ||
	    !safe_path(g->path)) {
		rc = cap_error_set(CAP_EPERM, "submodule '%s' with url '%s' is not allowed",
				   g->path, shown.ptr);
		goto out;
	}
	const cap_git_creds *sub_creds = same_origin(url, sub_url.ptr) ? creds : NULL;
	repo *sub = cap_git_cache__repo_get(c, sub_url.ptr);
	rc = cap_git_cache__ensure_commit(c, sub, sub_url.ptr, sub_creds, g->sha);
	cap_buf_printf(&dir, "%s/%s", dest, g->path);
	if (rc == 0)
		rc = cap_git_cache__write_tree(c, sub->dir, g->sha, dir.ptr);
	if (rc == 0)
		rc = cap_git_cache__write_submodules(c, sub, sub_url.ptr, sub_creds, g->sha,
						     dir.ptr, depth + 1);
	cap_git_cache__repo_put(c, sub);
	if (rc)
		cap_error_prefix("submodule '%s': ", g->path);
out:
	cap_buf_release(&sub_url);
	cap_buf_release(&shown);
	cap_buf_release(&dir);
	return rc;
}

int cap_git_cache__write_submodules(cap_git_cache *c, repo *r, const char *url,
				    const cap_git_creds *creds, const char *commit,
				    const char *dest, int depth)
{
	/* The tree is written already: without a .gitmodules there is nothing to fill. */
	cap_buf blob = CAP_BUF_INIT;
	cap_buf_printf(&blob, "%s/.gitmodules", dest);
	bool any = access(blob.ptr, F_OK) == 0;
	cap_buf_clear(&blob);
	if (!any) {
		cap_buf_release(&blob);
		return 0;
	}
	cap_proc_result ls = CAP_PROC_RESULT_INIT, cfg = CAP_PROC_RESULT_INIT;
	cap_strvec paths = CAP_STRVEC_INIT, urls = CAP_STRVEC_INIT;
	cap_strvec ls_args = CAP_STRVEC_INIT;
	gitlink_vec links = {0};
	int rc = 0;
	cap_buf_printf(&blob, "%s:.gitmodules", commit);
	const char *cfg_args[] = {"config", "--blob",	    blob.ptr,
				  "-z",	    "--get-regexp", "^submodule\\..*\\.(path|url)$",
				  NULL};
	if (cap_git_cache__local_git(c, r, &cfg, cfg_args, "cannot read .gitmodules of") == 0)
		parse_gitmodules(&paths, &urls, &cfg.out);
	cap_error_clear();
	if (paths.len == 0)
		goto out;
	/* Only the paths .gitmodules names: listing a whole monorepo would cost more. */
	const char *ls_head[] = {"ls-tree", "-z", "--full-tree", commit, "--", NULL};
	cap_strvec_pushv(&ls_args, ls_head);
	for (size_t i = 0; i < paths.len; i++)
		if (*paths.items[i])
			cap_strvec_push(&ls_args, paths.items[i]);
	rc = cap_git_cache__local_git(c, r, &ls, (const char *const *)ls_args.items,
				      "cannot list the tree of");
	if (rc == 0)
		parse_gitlinks(&links, &ls.out);
	if (rc || links.len == 0)
		goto out;
	if (depth >= MAX_DEPTH) {
		rc = cap_error_set(CAP_ELIMIT, "submodules nest deeper than %d levels", MAX_DEPTH);
		goto out;
	}
	for (size_t i = 0; i < links.len; i++)
		for (size_t j = 0; j < paths.len && !links.items[i].url; j++)
			if (strcmp(paths.items[j], links.items[i].path) == 0 && *urls.items[j])
				links.items[i].url = cap_strdup(urls.items[j]);
	for (size_t i = 0; i < links.len && rc == 0; i++)
		rc = fill_one(c, url, creds, &links.items[i], dest, depth);
out:
	gitlinks_release(&links);
	cap_strvec_release(&paths);
	cap_strvec_release(&urls);
	cap_strvec_release(&ls_args);
	cap_buf_release(&blob);
	cap_proc_result_release(&ls);
	cap_proc_result_release(&cfg);
	return rc;
}
