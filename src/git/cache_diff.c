/* Which files two cached commits differ in, and whether that touches given paths. */
#include "git/cache_internal.h"

#include "base/error.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

int cap_git_cache_changed_files(cap_strvec *out, cap_git_cache *c, const char *url,
				const char *from, const char *to, const cap_git_creds *creds)
{
	if (cap_git_cache__bad_url(url))
		return cap_error_set(CAP_EINVALID, "'%s' is not a repository URL", url ? url : "");
	if (!cap_git_is_commit_sha(from) || !cap_git_is_commit_sha(to))
		return cap_error_set(CAP_EINVALID, "'%s' and '%s' must both be commit SHAs",
				     from ? from : "", to ? to : "");
	char a[41], b[41];
	cap_git_cache__sha_lower(a, from);
	cap_git_cache__sha_lower(b, to);
	repo *r = cap_git_cache__repo_get(c, url);
	int rc = cap_git_cache__ensure_commit(c, r, url, creds, a);
	if (rc == 0)
		rc = cap_git_cache__ensure_commit(c, r, url, creds, b);
	cap_proc_result res = CAP_PROC_RESULT_INIT;
	if (rc == 0) {
		const char *args[] = {"diff-tree",    "-r", "-z", "--name-only",
				      "--no-renames", a,    b,	  NULL};
		rc = cap_git_cache__local_git(c, r, &res, args, "cannot compare commits of");
	}
	cap_git_cache__repo_put(c, r);
	if (rc == 0) {
		const char *p = res.out.ptr, *end = res.out.ptr + res.out.len;
		while (p < end) {
			size_t n = strnlen(p, (size_t)(end - p));
			if (n)
				cap_strvec_pushn(out, p, n);
			p += n + 1;
		}
	}
	cap_proc_result_release(&res);
	return rc;
}

/* path without leading "/" and "./", and without trailing "/" (a view into path). */
static void clean(const char **s, size_t *n)
{
	const char *p = *s;
	for (;;) {
		if (*p == '/')
			p++;
		else if (p[0] == '.' && p[1] == '/')
			p += 2;
		else
			break;
	}
	size_t len = strlen(p);
	while (len && p[len - 1] == '/')
		len--;
	if (len == 1 && p[0] == '.')
		len = 0; /* "." is the root */
	*s = p;
	*n = len;
}

static bool touched(const char *file, const char *path)
{
	const char *f, *p;
	size_t fn, pn;
	clean(&file, &fn);
	clean(&path, &pn);
	if (pn == 0)
		return true; /* the repository root holds everything */
	if (fn >= pn && memcmp(file, path, pn) == 0 && (fn == pn || file[pn] == '/'))
		return true;
	f = file;
	p = path;
	char fb[4096], pb[4096];
	if (fn >= sizeof(fb) || pn >= sizeof(pb))
		return false;
	memcpy(fb, f, fn);
	fb[fn] = '\0';
	memcpy(pb, p, pn);
	pb[pn] = '\0';
	return fnmatch(pb, fb, FNM_PATHNAME) == 0;
}

bool cap_git_paths_touched(const cap_strvec *changed, const cap_strvec *paths)
{
	if (!changed || !changed->len || !paths || !paths->len)
		return true;
	for (size_t i = 0; i < changed->len; i++)
		for (size_t j = 0; j < paths->len; j++)
			if (touched(changed->items[i], paths->items[j]))
				return true;
	return false;
}
