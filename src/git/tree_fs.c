/* Walks over extracted trees: measure, freeze read-only, and delete (thawing directories first). */
#define _XOPEN_SOURCE 700
#include "git/tree_fs.h"

#include "base/buf.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
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
