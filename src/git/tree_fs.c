/* Walks over extracted trees: measure, freeze read-only, and delete (thawing directories first). */
#define _XOPEN_SOURCE 700
#include "git/tree_fs.h"

#include "base/buf.h"
#include "base/error.h"

#include <dirent.h>
#include <stdbool.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* nftw gives no user pointer; the walks below run one per thread. */
static _Thread_local uint64_t usage_total;

static int add_usage(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	usage_total += (uint64_t)st->st_blocks * 512;
	return 0;
}

uint64_t cap_git_fs_usage(const char *path)
{
	usage_total = 0;
	nftw(path, add_usage, 32, FTW_PHYS);
	return usage_total;
}

static int freeze(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_SL || type == FTW_SLN)
		return 0;
	chmod(path, st->st_mode & 07555);
	return 0;
}

void cap_git_fs_make_readonly(const char *path)
{
	/* Depth first, so a directory loses its write bit only after its children changed. */
	nftw(path, freeze, 32, FTW_PHYS | FTW_DEPTH);
}

static int thaw(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_D)
		chmod(path, 0700);
	return 0;
}

static int unlink_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void cap_git_fs_remove(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	nftw(path, thaw, 32, FTW_PHYS);
	nftw(path, unlink_one, 32, FTW_PHYS | FTW_DEPTH);
}

void cap_git_fs_remove_children(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	cap_buf p = CAP_BUF_INIT;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cap_buf_clear(&p);
		cap_buf_printf(&p, "%s/%s", path, e->d_name);
		cap_git_fs_remove(p.ptr);
	}
	if (d)
		closedir(d);
	cap_buf_release(&p);
}

static _Thread_local size_t check_root_len;
static _Thread_local cap_buf *check_bad;

/* Walks the link text part by part from the link's directory, tracking the depth below root. */
static bool link_escapes(int base_depth, const char *target)
{
	if (target[0] == '/')
		return true;
	int depth = base_depth;
	const char *p = target;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (n > 0 && !(n == 1 && p[0] == '.'))
			depth++;
		if (depth < 0)
			return true;
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

static int check_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type != FTW_SL && type != FTW_SLN)
		return 0;
	char target[4096];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	/* The link's directory sits ftw->level - 1 levels below root. */
	if (link_escapes(ftw->level - 1, target)) {
		const char *rel = path + check_root_len;
		while (*rel == '/')
			rel++;
		cap_buf_puts(check_bad, rel);
		return 1;
	}
	return 0;
}

int cap_git_fs_check_symlinks(const char *root, cap_buf *bad_out)
{
	check_root_len = strlen(root);
	check_bad = bad_out;
	int rc = nftw(root, check_one, 32, FTW_PHYS);
	check_bad = NULL;
	return rc == 1 ? CAP_EPERM : 0;
}
