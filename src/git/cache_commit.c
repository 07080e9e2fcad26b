/* Commit metadata from the repository cache: author, date, message and tags, for the UI. */
#include "git/cache_internal.h"

#include "base/alloc.h"
#include "base/error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void cap_git_commit_info_release(cap_git_commit_info *info)
{
	if (!info)
		return;
	free(info->author);
	free(info->message);
	cap_strvec_release(&info->tags);
	memset(info, 0, sizeof(*info));
}

/* Splits git's "author NUL time NUL message" answer into info. */
static int parse_log(cap_git_commit_info *info, const cap_buf *out)
{
	const char *a = out->ptr, *end = out->ptr + out->len;
	const char *t = memchr(a, '\0', (size_t)(end - a));
	const char *m = t ? memchr(t + 1, '\0', (size_t)(end - t - 1)) : NULL;
	if (!m)
		return cap_error_set(CAP_EGENERIC, "cannot read the metadata of '%s'", info->sha);
	info->author = cap_strndup(a, (size_t)(t - a));
	info->date = strtoll(t + 1, NULL, 10);
	m++;
	size_t n = (size_t)(end - m);
	while (n && (m[n - 1] == '\n' || m[n - 1] == '\0'))
		n--;
	info->message = cap_strndup(m, n);
	return 0;
}

int cap_git_cache_commit_info(cap_git_commit_info *out, cap_git_cache *c, const char *url,
			      const char *commit, const cap_git_creds *creds)
{
	cap_git_commit_info info = {0};
	int rc = cap_git_cache__commit_args(info.sha, url, commit);
	if (rc)
		return rc;
	cap_strvec_init(&info.tags);

	repo *r = cap_git_cache__repo_get(c, url);
	rc = cap_git_cache__ensure_commit(c, r, url, creds, info.sha);
	cap_proc_result res = CAP_PROC_RESULT_INIT;
	if (rc == 0) {
		const char *args[] = {
		    "log",    "-1", "--no-show-signature", "--format=%an <%ae>%x00%at%x00%B",
		    info.sha, NULL};
		rc = cap_git_cache__local_git(c, r, &res, args, "cannot describe a commit of");
	}
	if (rc == 0)
		rc = parse_log(&info, &res.out);
	cap_proc_result_release(&res);
	cap_git_cache__repo_put(c, r);

	cap_git_refs refs = CAP_GIT_REFS_INIT;
	if (rc == 0 && (rc = cap_git_cache_ls_remote(&refs, c, url, creds)) == 0) {
		for (size_t i = 0; i < refs.len; i++) {
			const cap_git_ref *ref = &refs.items[i];
			const char *target = ref->peeled[0] ? ref->peeled : ref->sha;
			if (strncmp(ref->name, "refs/tags/", 10) == 0 &&
			    strcmp(target, info.sha) == 0)
				cap_strvec_push(&info.tags, ref->name + 10);
		}
		cap_strvec_sort(&info.tags);
	}
	cap_git_refs_release(&refs);
	if (rc) {
		cap_git_commit_info_release(&info);
		return rc;
	}
	*out = info;
	return 0;
}
