/* Plain directory sources: YAML and JSON files, recurse, include/exclude globs, Jsonnet. */
#include "render/internal.h"

#include "base/error.h"
#include "render/glob.h"
#include "value/json.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct walk_state {
	cap_value *objs;
	cap_render_ctx *ctx;
	size_t total_bytes;
} walk_state;

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Argo CD's manifestFile pattern: ^.*\.(yaml|yml|json|jsonnet)$ */
static bool is_manifest_file(const char *name)
{
	return has_suffix(name, ".yaml") || has_suffix(name, ".yml") || has_suffix(name, ".json") ||
	       has_suffix(name, ".jsonnet");
}

static bool is_object_with_kind(const cap_value *v)
{
	const char *kind = cap_value_dig_string(v, "kind", NULL);
	return cap_value_is_object(v) && kind && *kind;
}

/*
 * YAML that is not a Kubernetes object is skipped when it does not look like one (a values file,
 * a config file), as Argo CD does; a document without a kind in a file that does look like
 * manifests is an error naming the file.
 */
static int add_yaml_file(walk_state *st, const cap_buf *text, const char *rel)
{
	cap_value *docs = cap_value_array();
	bool looks = strstr(text->ptr, "apiVersion:") && strstr(text->ptr, "kind:") &&
		     strstr(text->ptr, "metadata:");
	int rc = cap_render__append_yaml(docs, text->ptr, text->len, rel, st->ctx);
	if (rc) {
		if (!looks && cap_error_last_code() == CAP_EINVALID)
			rc = 0;
		goto done;
	}
	for (size_t i = 0; i < cap_value_array_len(docs); i++) {
		cap_value *d = cap_value_array_get(docs, i);
		if (is_object_with_kind(d))
			continue;
		if (i == 0 && !looks)
			goto done; /* not manifests at all: ignored */
		rc = cap_error_set(CAP_EINVALID,
				   "cannot parse '%s': document %zu is not a Kubernetes object "
				   "(no kind)",
				   rel, i + 1);
		goto done;
	}
	for (size_t i = 0; i < cap_value_array_len(docs); i++)
		cap_value_array_append(st->objs, cap_value_ref(cap_value_array_get(docs, i)));
done:
	cap_value_free(docs);
	return rc;
}

static int add_json_file(walk_state *st, const cap_buf *text, const char *rel)
{
	cap_value *v = NULL;
	cap_parse_limits limits = cap_parse_limits_default;
	limits.max_bytes = st->ctx->opts.max_manifest_bytes;
	int rc = cap_json_parse(&v, text->ptr, text->len, rel, &limits);
	if (rc)
		return rc;
	if (!is_object_with_kind(v)) {
		cap_value_free(v);
		return cap_error_set(CAP_EINVALID,
				     "cannot parse '%s': not a Kubernetes object (no kind)", rel);
	}
	cap_value_array_append(st->objs, v);
	return 0;
}

static int add_file(walk_state *st, const char *path, const char *rel, const struct stat *sb)
{
	const cap_render_source *src = st->ctx->req->source;
	const char *name = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	if (!is_manifest_file(name))
		return 0;
	if (src->directory.exclude && cap_render_glob_match(src->directory.exclude, rel))
		return 0;
	if (src->directory.include && !cap_render_glob_match(src->directory.include, rel))
		return 0;
	if (has_suffix(name, ".jsonnet"))
		return cap_render__jsonnet(st->objs, path, rel, st->ctx);

	st->total_bytes += (size_t)sb->st_size;
	if (st->total_bytes > st->ctx->opts.max_manifest_bytes)
		return cap_error_set(
		    CAP_ELIMIT, "the manifests of '%s' exceed the limit of %zu bytes (at '%s')",
		    st->ctx->app_rel, st->ctx->opts.max_manifest_bytes, rel);
	cap_buf text = CAP_BUF_INIT;
	int rc = cap_buf_read_file(&text, path);
	if (!rc)
		rc = has_suffix(name, ".json") ? add_json_file(st, &text, rel)
					       : add_yaml_file(st, &text, rel);
	cap_buf_release(&text);
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Walks in byte order of names, like Go's filepath.Walk, so output order is stable. */
static int walk(walk_state *st, cap_buf *path, cap_buf *rel, int depth)
{
	struct dirent **names;
	int n = scandir(path->ptr, &names, NULL, by_name);
	int rc = 0;
	if (n < 0)
		return cap_error_set(CAP_ENOTFOUND, "app path '%s' does not exist or is unreadable",
				     st->ctx->app_rel);
	size_t pbase = path->len, rbase = rel->len;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (rc || !strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		cap_buf_truncate(path, pbase);
		cap_buf_truncate(rel, rbase);
		cap_buf_printf(path, "/%s", name);
		cap_buf_printf(rel, "%s%s", rbase ? "/" : "", name);
		struct stat sb, lsb;
		if (lstat(path->ptr, &lsb) != 0 || stat(path->ptr, &sb) != 0)
			continue; /* a dangling link: Argo CD skips what it cannot stat */
		if (S_ISLNK(lsb.st_mode) && S_ISDIR(sb.st_mode))
			continue; /* like Go's filepath.Walk, links to folders are not followed */
		if (S_ISDIR(sb.st_mode)) {
			if (!st->ctx->req->source->directory.recurse || !strcmp(name, ".git"))
				continue;
			if (depth >= 64)
				rc = cap_error_set(CAP_ELIMIT,
						   "directory '%s' is nested too deeply", rel->ptr);
			else
				rc = walk(st, path, rel, depth + 1);
		} else if (S_ISREG(sb.st_mode)) {
			rc = add_file(st, path->ptr, rel->ptr, &sb);
		}
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	cap_buf_truncate(path, pbase);
	cap_buf_truncate(rel, rbase);
	return rc;
}

int cap_render__directory(cap_value *objs, cap_render_ctx *ctx)
{
	walk_state st = {objs, ctx, 0};
	cap_buf path = CAP_BUF_INIT, rel = CAP_BUF_INIT;
	cap_buf_sets(&path, ctx->app_dir);
	int rc = walk(&st, &path, &rel, 0);
	cap_buf_release(&path);
	cap_buf_release(&rel);
	return rc;
}
