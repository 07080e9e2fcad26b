/* File-tree chores for the repository cache: disk usage, making trees read-only, removing them. */
#pragma once

#include <stdint.h>

/* Bytes of disk the tree at path occupies (allocated blocks, symlinks not followed); 0 if none. */
uint64_t cap_git_fs_usage(const char *path);
/* Removes write permission from every file and directory under path (and path itself). */
void cap_git_fs_make_readonly(const char *path);
/* Deletes the tree at path, read-only parts included; missing paths are fine. */
void cap_git_fs_remove(const char *path);
/* Deletes everything inside the directory path, keeping the directory. */
void cap_git_fs_remove_children(const char *path);
