/* Helpers shared by the render tests: render a source given as JSON, find objects, write files. */
#pragma once

#include "cap_test.h"

#include "base/buf.h"
#include "base/error.h"
#include "render/render.h"
#include "render/source.h"
#include "value/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Renders the spec.source JSON against root; returns the code, objects in *out on success. */
static inline int fx_render_full(cap_value **out, const char *root, const char *source_json,
				 const char *app, const char *ns, cap_render_tracking tracking,
				 const cap_render_options *opts)
{
	cap_value *raw = NULL;
	cap_render_source src;
	if (cap_json_parse(&raw, source_json, strlen(source_json), "test source", NULL) != 0)
		fail_msg("bad test source: %s", cap_error_last());
	int rc = cap_render_source_parse(&src, raw);
	cap_value_free(raw);
	if (rc)
		return rc;
	cap_render_request req = {0};
	req.source = &src;
	req.repo_root = root;
	req.revision = "0123456789abcdef0123456789abcdef01234567";
	req.app_name = app;
	req.dest_namespace = ns;
	req.tracking = tracking;
	req.opts = opts;
	rc = cap_render_manifests(out, &req);
	cap_render_source_release(&src);
	return rc;
}

static inline int fx_render(cap_value **out, const char *root, const char *source_json)
{
	return fx_render_full(out, root, source_json, "app", "ns", CAP_TRACK_ANNOTATION, NULL);
}

/* The fixture folder tests/fixtures/render as a path, built once and kept for the process. */
static inline const char *fx_fixture_root(void)
{
	static cap_buf root = CAP_BUF_INIT;
	if (!root.len)
		cap_test_fixture_path(&root, "render");
	return root.ptr;
}

/* Renders the spec.source JSON against the fixture folder, as fx_render does. */
static inline int fx_render_fixture(cap_value **out, const char *source_json)
{
	return fx_render(out, fx_fixture_root(), source_json);
}

/* The object of that kind and name, borrowed, or NULL. */
static inline cap_value *fx_find(const cap_value *objs, const char *kind, const char *name)
{
	for (size_t i = 0; i < cap_value_array_len(objs); i++) {
		cap_value *o = cap_value_array_get(objs, i);
		const char *k = cap_value_dig_string(o, "kind", NULL);
		const char *n = cap_value_dig_string(o, "metadata", "name", NULL);
		if (k && n && !strcmp(k, kind) && !strcmp(n, name))
			return o;
	}
	return NULL;
}

static inline void fx_write(const char *dir, const char *name, const char *text)
{
	cap_buf path = CAP_BUF_INIT, data = CAP_BUF_INIT;
	cap_buf_printf(&path, "%s/%s", dir, name);
	char *slash = strrchr(path.ptr, '/');
	*slash = '\0';
	cap_test_run(NULL, "mkdir -p '%s'", path.ptr);
	*slash = '/';
	cap_buf_puts(&data, text);
	if (cap_buf_write_file_atomic(&data, path.ptr) != 0)
		fail_msg("cannot write %s", path.ptr);
	cap_buf_release(&path);
	cap_buf_release(&data);
}

/* Writes an executable script at dir/name, a stand-in for helm or kustomize; *out (replaced)
 * receives its path. */
static inline void fx_write_script(cap_buf *out, const char *dir, const char *name,
				   const char *text)
{
	fx_write(dir, name, text);
	cap_buf_clear(out);
	cap_buf_printf(out, "%s/%s", dir, name);
	cap_test_run(NULL, "chmod +x '%s'", out->ptr);
}

/* Asserts that the last error mentions every given fragment. */
#define FX_ERROR_HAS(fragment)                                                                     \
	do {                                                                                       \
		if (!strstr(cap_error_last(), (fragment)))                                         \
			fail_msg("error '%s' lacks '%s'", cap_error_last(), (fragment));           \
	} while (0)
