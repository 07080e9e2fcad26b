/* Resolving repository paths safely, finding out-of-bounds symlinks, and temporary trees. */
#include "render/paths.h"

#include "base/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cap_render_path_is_within(const char *root, const char *path)
{
	size_t n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	if (strncmp(root, path, n) != 0)
		return 0;
	return path[n] == '\0' || path[n] == '/' || (n == 1 && root[0] == '/');
}

/* Collapses "." and ".." and repeated slashes of an absolute path, without touching the disk. */
static void clean_lexically(cap_buf *out, const char *path)
{
	cap_buf res = CAP_BUF_INIT;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 1 && p[0] == '.') {
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(res.ptr, '/');
			cap_buf_truncate(&res, slash ? (size_t)(slash - res.ptr) : 0);
		} else {
			cap_buf_putc(&res, '/');
			cap_buf_put(&res, p, n);
		}
		p += n;
	}
	if (!res.len)
		cap_buf_putc(&res, '/');
	cap_buf_sets(out, res.ptr);
	cap_buf_release(&res);
}

int cap_render_path_resolve(cap_buf *out, const char *root, const char *base_dir, const char *name)
{
	cap_buf joined = CAP_BUF_INIT, clean = CAP_BUF_INIT;
	char real[PATH_MAX];
	int rc = 0;
	if (name[0] == '/')
		cap_buf_printf(&joined, "%s/%s", root, name);
	else
		cap_buf_printf(&joined, "%s/%s", base_dir, name);
	clean_lexically(&clean, joined.ptr);
	if (!cap_render_path_is_within(root, clean.ptr)) {
		rc =
		    cap_error_set(CAP_EPERM, "file '%s' resolved to outside repository root", name);
	} else if (!realpath(clean.ptr, real)) {
		rc = cap_error_set(errno == ENOENT ? CAP_ENOTFOUND : CAP_EIO, "file '%s' %s", name,
				   errno == ENOENT ? "not found" : strerror(errno));
	} else if (!cap_render_path_is_within(root, real)) {
		rc =
		    cap_error_set(CAP_EPERM, "file '%s' resolved to outside repository root", name);
	} else {
		cap_buf_sets(out, real);
	}
	cap_buf_release(&joined);
	cap_buf_release(&clean);
	return rc;
}

/* One level of the symlink walk; depth-limited so a pathological tree cannot recurse forever. */
static int walk_links(const char *root, cap_buf *dir, int depth)
{
	DIR *d = opendir(dir->ptr);
	struct dirent *e;
	int rc = 0;
	if (!d)
		return 0;
	size_t base = dir->len;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, ".git"))
			continue;
		cap_buf_truncate(dir, base);
		cap_buf_printf(dir, "/%s", e->d_name);
		struct stat st;
		if (lstat(dir->ptr, &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char real[PATH_MAX];
			cap_buf target = CAP_BUF_INIT, clean = CAP_BUF_INIT;
			ssize_t n = readlink(dir->ptr, real, sizeof(real) - 1);
			if (n >= 0) {
				real[n] = '\0';
				if (real[0] == '/')
					cap_buf_sets(&target, real);
				else
					cap_buf_printf(&target, "%.*s/%s", (int)base, dir->ptr,
						       real);
				clean_lexically(&clean, target.ptr);
			}
			int outside =
			    n < 0 || !cap_render_path_is_within(root, clean.ptr) ||
			    (realpath(dir->ptr, real) && !cap_render_path_is_within(root, real));
			if (outside) {
				const char *rel = dir->ptr + strlen(root);
				rc = cap_error_set(
				    CAP_EPERM,
				    "repository contains out-of-bounds symlinks: file '%s'",
				    *rel == '/' ? rel + 1 : rel);
			}
			cap_buf_release(&target);
			cap_buf_release(&clean);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth > 64)
				rc =
				    cap_error_set(CAP_ELIMIT, "directory '%s' is nested too deeply",
						  dir->ptr + strlen(root));
			else
				rc = walk_links(root, dir, depth + 1);
		}
	}
	closedir(d);
	cap_buf_truncate(dir, base);
	return rc;
}

int cap_render_check_symlinks(const char *root, const char *dir)
{
	cap_buf path = CAP_BUF_INIT;
	cap_buf_sets(&path, dir);
	int rc = walk_links(root, &path, 0);
	cap_buf_release(&path);
	return rc;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	cap_buf data = CAP_BUF_INIT;
	int rc = cap_buf_read_file(&data, src);
	if (!rc) {
		int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode & 0777) | 0200);
		if (fd < 0 || write(fd, data.ptr, data.len) != (ssize_t)data.len)
			rc = cap_error_set(CAP_EIO, "cannot write '%s': %s", dst, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	cap_buf_release(&data);
	return rc;
}

int cap_render_copy_tree(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	struct dirent *e;
	int rc = 0;
	if (!d)
		return cap_error_set(CAP_EIO, "cannot read directory '%s': %s", src,
				     strerror(errno));
	if (mkdir(dst, 0700) != 0) {
		closedir(d);
		return cap_error_set(CAP_EIO, "cannot make directory '%s': %s", dst,
				     strerror(errno));
	}
	cap_buf s = CAP_BUF_INIT, t = CAP_BUF_INIT;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cap_buf_clear(&s);
		cap_buf_clear(&t);
		cap_buf_printf(&s, "%s/%s", src, e->d_name);
		cap_buf_printf(&t, "%s/%s", dst, e->d_name);
		struct stat st;
		if (lstat(s.ptr, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = cap_render_copy_tree(s.ptr, t.ptr);
		} else if (S_ISREG(st.st_mode)) {
			rc = copy_file(s.ptr, t.ptr, st.st_mode);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(s.ptr, target, sizeof(target) - 1);
			if (n >= 0) {
				target[n] = '\0';
				/* Relative links would dangle in the copy: point them at the
				 * original. */
				if (target[0] != '/') {
					char real[PATH_MAX];
					if (realpath(s.ptr, real))
						snprintf(target, sizeof(target), "%s", real);
				}
				if (symlink(target, t.ptr) != 0)
					rc = cap_error_set(CAP_EIO, "cannot link '%s'", t.ptr);
			}
		}
	}
	closedir(d);
	cap_buf_release(&s);
	cap_buf_release(&t);
	return rc;
}

int cap_render_mirror(cap_buf *out_dir, const char *tmp, const char *root, const char *app_dir)
{
	cap_buf src = CAP_BUF_INIT, dst = CAP_BUF_INIT, child = CAP_BUF_INIT, link = CAP_BUF_INIT;
	const char *rel = app_dir + strlen(root);
	int rc = 0;
	cap_buf_sets(&src, root);
	cap_buf_printf(&dst, "%s/tree", tmp);
	if (mkdir(dst.ptr, 0700) != 0)
		rc = cap_error_set(CAP_EIO, "cannot make '%s'", dst.ptr);
	while (!rc && *rel) {
		while (*rel == '/')
			rel++;
		size_t n = strcspn(rel, "/");
		if (!n)
			break;
		cap_buf_clear(&child);
		cap_buf_put(&child, rel, n);
		DIR *d = opendir(src.ptr);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
			    !strcmp(e->d_name, child.ptr))
				continue;
			cap_buf_clear(&link);
			cap_buf_printf(&link, "%s/%s", dst.ptr, e->d_name);
			cap_buf_printf(&src, "/%s", e->d_name);
			if (symlink(src.ptr, link.ptr) != 0)
				rc = cap_error_set(CAP_EIO, "cannot link '%s'", link.ptr);
			cap_buf_truncate(&src, src.len - strlen(e->d_name) - 1);
		}
		if (d)
			closedir(d);
		cap_buf_printf(&src, "/%s", child.ptr);
		cap_buf_printf(&dst, "/%s", child.ptr);
		rel += n;
		if (*rel == '\0' || strspn(rel, "/") == strlen(rel))
			break;
		if (!rc && mkdir(dst.ptr, 0700) != 0)
			rc = cap_error_set(CAP_EIO, "cannot make '%s'", dst.ptr);
	}
	if (!rc) {
		if (!strcmp(src.ptr, root)) {
			/* the application is the repository root: copy everything */
			cap_render_remove_tree(dst.ptr);
		}
		rc = cap_render_copy_tree(app_dir, dst.ptr);
	}
	if (!rc)
		cap_buf_sets(out_dir, dst.ptr);
	cap_buf_release(&src);
	cap_buf_release(&dst);
	cap_buf_release(&child);
	cap_buf_release(&link);
	return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void cap_render_remove_tree(const char *path)
{
	if (path && *path)
		nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int cap_render_mkdtemp(cap_buf *out)
{
	const char *tmp = getenv("TMPDIR");
	cap_buf dir = CAP_BUF_INIT;
	cap_buf_printf(&dir, "%s/capstan-render-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir.ptr)) {
		int rc = cap_error_set(CAP_EIO, "cannot make a temporary directory: %s",
				       strerror(errno));
		cap_buf_release(&dir);
		return rc;
	}
	cap_buf_sets(out, dir.ptr);
	cap_buf_release(&dir);
	return 0;
}
