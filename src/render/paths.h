/* Path rules for rendering: nothing a repository names may lead outside the repository root. */
#pragma once

#include "base/buf.h"

/*
 * Resolves name (relative to base_dir, or when absolute, to root, as Argo CD does for value
 * files and Jsonnet libraries) to a real path with symlinks followed, into out. CAP_EPERM when
 * the result leaves root ("file '../../etc/passwd' resolved to outside repository root"),
 * CAP_ENOTFOUND when it does not exist. root and base_dir must be real (symlink-free) paths.
 */
int cap_render_path_resolve(cap_buf *out, const char *root, const char *base_dir, const char *name);

/*
 * Walks dir (inside root) and fails with CAP_EPERM on the first symlink whose target lies
 * outside root, naming it relative to root ("repository contains out-of-bounds symlinks:
 * file 'apps/web/secret.yaml'"), as Argo CD refuses such repositories.
 */
int cap_render_check_symlinks(const char *root, const char *dir);

/* True when path equals root or lies below it (both clean absolute paths). */
int cap_render_path_is_within(const char *root, const char *path);

/*
 * Copies the directory tree src to dst (which must not exist), regular files and directories
 * only; symlinks are recreated as links pointing where they pointed. For the Kustomize edits.
 */
int cap_render_copy_tree(const char *src, const char *dst);

/*
 * Mirrors the repository root under tmp/tree so app_dir (inside root) can be changed: the
 * folders on the way down are real, their other entries symlinks to the checkout, and app_dir a
 * real copy; out is the copy's path. Relative references (../base, file://../lib) keep working
 * and the checkout stays untouched. Both paths must be real.
 */
int cap_render_mirror(cap_buf *out, const char *tmp, const char *root, const char *app_dir);

/* Removes a tree made by the renderer (rm -rf without following links). Accepts NULL. */
void cap_render_remove_tree(const char *path);

/* Makes a fresh private directory under $TMPDIR (or /tmp) named capstan-render-XXXXXX. */
int cap_render_mkdtemp(cap_buf *out);
