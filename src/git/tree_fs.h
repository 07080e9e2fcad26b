/* File-tree chores for the repository cache: disk usage, making trees read-only, removing them. */
#pragma once

#include <stdint.h>

#include "base/buf.h"

/* Bytes of disk the tree at path occupies (allocated blocks, symlinks not followed); 0 if none. */
uint64_t cap_git_fs_usage(const char *path);
/* Removes write permission from every file and directory under path (and path itself). */
void cap_git_fs_make_readonly(const char *path);
/* Deletes the tree at path, read-only parts included; missing paths are fine. */
void cap_git_fs_remove(const char *path);
/* Deletes everything inside the directory path, keeping the directory. */
void cap_git_fs_remove_children(const char *path);

/*
 * Checks that no symbolic link under root points outside it, judged on the link text as Argo CD
 * does (absolute targets are outside; ".." may not climb above root at any step). Returns 0, or
 * CAP_EPERM with the first offending link (relative to root) appended to bad_out.
 */
int cap_git_fs_check_symlinks(const char *root, cap_buf *bad_out);
