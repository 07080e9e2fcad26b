/* Rendering one source: tool detection, the tools' environment, limits, and dispatch. */
#include "render/internal.h"

#include "base/alloc.h"
#include "base/error.h"
#include "git/proc.h"
#include "patch/merge_patch.h"
#include "render/paths.h"
#include "value/yaml.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 90000
#define DEFAULT_MAX_BYTES  (10u << 20)
#define DEFAULT_MAX_MEMORY (4ull << 30)

int cap_render_tracking_parse(cap_render_tracking *out, const char *text)
{
	if (!text || !*text || !strcmp(text, "annotation"))
		*out = CAP_TRACK_ANNOTATION;
	else if (!strcmp(text, "label"))
		*out = CAP_TRACK_LABEL;
	else if (!strcmp(text, "annotation+label"))
		*out = CAP_TRACK_ANNOTATION_AND_LABEL;
	else
		return cap_error_set(CAP_EINVALID, "unknown tracking method '%s'", text);
	return 0;
}

static bool is_file(const char *dir, const char *name)
{
	cap_buf p = CAP_BUF_INIT;
	struct stat st;
	cap_buf_printf(&p, "%s/%s", dir, name);
	bool ok = stat(p.ptr, &st) == 0 && S_ISREG(st.st_mode);
	cap_buf_release(&p);
	return ok;
}

cap_render_tool cap_render_detect_tool(const char *path)
{
	if (is_file(path, "Chart.yaml"))
		return CAP_RENDER_HELM;
	if (is_file(path, "kustomization.yaml") || is_file(path, "kustomization.yml") ||
	    is_file(path, "Kustomization"))
		return CAP_RENDER_KUSTOMIZE;
	return CAP_RENDER_DIRECTORY;
}

int cap_render__tmpdir(const char **out, cap_render_ctx *ctx)
{
	if (!ctx->tmp.len) {
		int rc = cap_render_mkdtemp(&ctx->tmp);
		if (rc)
			return rc;
	}
	*out = ctx->tmp.ptr;
	return 0;
}

static const char *env_get(const cap_strvec *env, const char *name, size_t len)
{
	for (size_t i = 0; i < env->len; i++)
		if (!strncmp(env->items[i], name, len) && env->items[i][len] == '=')
			return env->items[i] + len + 1;
	return "";
}

static bool is_name_char(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9');
}

void cap_render__envsubst(cap_buf *out, const char *text, const cap_strvec *env)
{
	cap_buf_clear(out);
	for (const char *p = text; *p;) {
		if (*p != '$') {
			cap_buf_putc(out, *p++);
			continue;
		}
		if (p[1] == '$') {
			cap_buf_putc(out, '$');
			p += 2;
		} else if (p[1] == '{' && strchr(p + 2, '}')) {
			const char *end = strchr(p + 2, '}');
			cap_buf_puts(out, env_get(env, p + 2, (size_t)(end - p - 2)));
			p = end + 1;
		} else if (is_name_char(p[1], true)) {
			size_t n = 1;
			while (is_name_char(p[1 + n], false))
				n++;
			cap_buf_puts(out, env_get(env, p + 1, n));
			p += 1 + n;
		} else {
			cap_buf_putc(out, *p++);
		}
	}
}

int cap_render__append_yaml(cap_value *objs, const char *text, size_t len, const char *source,
			    const cap_render_ctx *ctx)
{
	cap_parse_limits limits = cap_parse_limits_default;
	cap_value *docs = NULL, *d;
	size_t i;
	limits.max_bytes = ctx->opts.max_manifest_bytes;
	limits.max_alias_nodes = 100000;
	/* As Argo CD's repo-server reads manifests: a repeated key keeps its last value. */
	int rc = cap_yaml_parse_stream_ext(&docs, text, len, source, &limits,
					   CAP_YAML_DUPLICATE_KEYS_LAST_WINS);
	if (rc)
		return rc;
	CAP_VALUE_ARRAY_FOREACH(docs, i, d)
	{
		if (!cap_value_is_null(d))
			cap_value_array_append(objs, cap_value_ref(d));
	}
	cap_value_free(docs);
	return 0;
}

int cap_render__tool_objects(cap_value *objs, int rc, const cap_buf *out, const char *tool,
			     const cap_render_ctx *ctx)
{
	if (rc) {
		cap_error_prefix("%s failed: ", tool);
		return rc;
	}
	cap_buf source = CAP_BUF_INIT;
	cap_buf_printf(&source, "%s output", tool);
	rc = cap_render__append_yaml(objs, out->ptr, out->len, source.ptr, ctx);
	cap_buf_release(&source);
	return rc;
}

int cap_render__run(cap_buf *out, const char *const *argv, const char *cwd,
		    const cap_render_ctx *ctx)
{
	cap_proc_result res = CAP_PROC_RESULT_INIT;
	cap_proc_opts po = {0};
	const char *home = NULL;
	po.argv = argv;
	po.env = (const char *const *)ctx->env.items;
	po.cwd = cwd;
	if (ctx->tmp.len)
		home = ctx->tmp.ptr;
	po.home = home ? home : "/nonexistent";
	po.timeout_ms = (int)ctx->opts.timeout_ms;
	po.max_output = ctx->opts.max_manifest_bytes;
	po.max_memory = ctx->opts.max_tool_memory;
	int rc = cap_proc_run(&res, &po);
	if ((rc == CAP_ETIMEOUT || !rc) && res.truncated) {
		/* the runner keeps draining a chatty child until the deadline: report the cause */
		rc = cap_error_set(CAP_ELIMIT, "output exceeds the limit of %zu bytes",
				   ctx->opts.max_manifest_bytes);
	} else if (rc == CAP_ETIMEOUT) {
		rc = cap_error_set(CAP_ETIMEOUT, "timed out after %llu ms",
				   (unsigned long long)ctx->opts.timeout_ms);
	} else if (!rc && res.exit_code != 0) {
		cap_buf *e = &res.err;
		while (e->len && (e->ptr[e->len - 1] == '\n' || e->ptr[e->len - 1] == ' '))
			cap_buf_truncate(e, e->len - 1);
		const char *msg = e->ptr;
		if (e->len > 2048)
			msg = e->ptr + e->len - 2048;
		if (res.term_signal)
			rc = cap_error_set(CAP_EGENERIC, "killed by signal %d%s%s", res.term_signal,
					   *msg ? ": " : "", msg);
		else
			rc = cap_error_set(CAP_EGENERIC, "exit status %d%s%s", res.exit_code,
					   *msg ? ": " : "", msg);
	} else if (!rc) {
		cap_buf_put(out, res.out.ptr, res.out.len);
	}
	cap_proc_result_release(&res);
	return rc;
}

/* Argo CD's build environment (newEnv): what Jsonnet, Kustomize and Helm may substitute. */
static void build_env(cap_strvec *env, const cap_render_request *req, const char *app_rel)
{
	const cap_render_source *s = req->source;
	const char *rev = req->revision ? req->revision : "";
	cap_strvec_pushf(env, "ARGOCD_APP_NAME=%s", req->app_name ? req->app_name : "");
	cap_strvec_pushf(env, "ARGOCD_APP_NAMESPACE=%s",
			 req->dest_namespace ? req->dest_namespace : "");
	cap_strvec_pushf(env, "ARGOCD_APP_PROJECT_NAME=%s", req->project ? req->project : "");
	cap_strvec_pushf(env, "ARGOCD_APP_REVISION=%s", rev);
	cap_strvec_pushf(env, "ARGOCD_APP_REVISION_SHORT=%.7s", rev);
	cap_strvec_pushf(env, "ARGOCD_APP_REVISION_SHORT_8=%.8s", rev);
	cap_strvec_pushf(env, "ARGOCD_APP_SOURCE_REPO_URL=%s", s->repo_url ? s->repo_url : "");
	cap_strvec_pushf(env, "ARGOCD_APP_SOURCE_PATH=%s", app_rel);
	cap_strvec_pushf(env, "ARGOCD_APP_SOURCE_TARGET_REVISION=%s",
			 s->target_revision ? s->target_revision : "");
	if (req->opts && req->opts->kube_version)
		cap_strvec_pushf(env, "KUBE_VERSION=%s", req->opts->kube_version);
	if (req->opts && req->opts->api_versions) {
		cap_buf v = CAP_BUF_INIT;
		for (const char *const *a = req->opts->api_versions; *a; a++)
			cap_buf_printf(&v, "%s%s", v.len ? "," : "", *a);
		cap_strvec_pushf(env, "KUBE_API_VERSIONS=%s", v.ptr);
		cap_buf_release(&v);
	}
}

static void ctx_release(cap_render_ctx *ctx)
{
	if (ctx->tmp.len)
		cap_render_remove_tree(ctx->tmp.ptr);
	cap_buf_release(&ctx->tmp);
	cap_strvec_release(&ctx->env);
}

static int render_tool(cap_value *objs, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	cap_render_tool tool;
	int rc = cap_render_source_explicit_tool(&tool, s);
	if (rc)
		return rc;
	if (tool == CAP_RENDER_AUTO)
		tool = cap_render_detect_tool(ctx->app_dir);
	if (tool != CAP_RENDER_HELM || !s->chart) {
		if ((rc = cap_render_check_symlinks(ctx->root, ctx->app_dir)))
			return rc;
	}
	switch (tool) {
	case CAP_RENDER_HELM:
		return cap_render__helm(objs, ctx);
	case CAP_RENDER_KUSTOMIZE:
		return cap_render__kustomize(objs, ctx);
	default:
		return cap_render__directory(objs, ctx);
	}
}

/*
 * Argo CD's parameter overrides: .argocd-source.yaml, then .argocd-source-<app>.yaml, merged into
 * the source as JSON merge patches; only tool settings may change (path, chart, repoURL and
 * targetRevision are kept). *out is NULL when there is no override file.
 */
static int source_overrides(cap_value **out, const cap_render_ctx *ctx)
{
	const cap_render_request *req = ctx->req;
	cap_value *merged = NULL;
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT;
	int rc = 0;
	*out = NULL;
	for (int i = 0; i < 2 && !rc; i++) {
		cap_value *patch = NULL, *next = NULL;
		struct stat st;
		if (i == 1 && (!req->app_name || !*req->app_name))
			break;
		cap_buf_clear(&path);
		if (i == 0)
			cap_buf_printf(&path, "%s/.argocd-source.yaml", ctx->app_dir);
		else
			cap_buf_printf(&path, "%s/.argocd-source-%s.yaml", ctx->app_dir,
				       req->app_name);
		if (stat(path.ptr, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		cap_buf_clear(&text);
		const char *name = strrchr(path.ptr, '/') + 1;
		if ((rc = cap_buf_read_file(&text, path.ptr)) ||
		    (rc = cap_yaml_parse(&patch, text.ptr, text.len, name, NULL)))
			break;
		rc = cap_merge_patch_apply(&next, merged ? merged : req->source->raw, patch);
		cap_value_free(patch);
		if (rc)
			break;
		cap_value_free(merged);
		merged = next;
	}
	if (!rc && merged) {
		static const char *const kept[] = {"chart", "path", "repoURL", "targetRevision"};
		for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++) {
			cap_value *v = cap_value_object_get(req->source->raw, kept[i]);
			if (v)
				cap_value_object_set(merged, kept[i], cap_value_ref(v));
			else if (cap_value_object_get(merged, kept[i]))
				cap_value_object_del(merged, kept[i]);
		}
		*out = merged;
		merged = NULL;
	}
	cap_value_free(merged);
	cap_buf_release(&path);
	cap_buf_release(&text);
	return rc;
}

/* Finds the real application folder inside the real repository root. */
static int locate_app(cap_buf *root, cap_buf *app, const cap_render_request *req,
		      const char *app_rel)
{
	char real[PATH_MAX];
	if (!req->repo_root || !realpath(req->repo_root, real))
		return cap_error_set(CAP_ENOTFOUND, "repository checkout '%s' not found",
				     req->repo_root ? req->repo_root : "");
	cap_buf_sets(root, real);
	int rc = cap_render_path_resolve(app, root->ptr, root->ptr, app_rel);
	if (rc == CAP_ENOTFOUND)
		return cap_error_set(CAP_ENOTFOUND, "app path does not exist");
	if (rc == CAP_EPERM)
		return cap_error_set(CAP_EPERM, "app path '%s' resolved to outside repository root",
				     app_rel);
	if (rc)
		return rc;
	struct stat st;
	if (stat(app->ptr, &st) != 0 || !S_ISDIR(st.st_mode))
		return cap_error_set(CAP_ENOTFOUND, "app path is not a directory");
	return 0;
}

int cap_render_manifests(cap_value **out, const cap_render_request *req)
{
	static const cap_render_options no_opts = {0};
	const cap_render_source *s = req->source;
	cap_render_ctx ctx = {0};
	cap_buf root = CAP_BUF_INIT, app = CAP_BUF_INIT;
	cap_render_source overridden = {0};
	cap_render_request local;
	const char *app_rel = s->path ? s->path : ".";
	cap_value *objs = cap_value_array();
	int rc = 0;

	ctx.req = req;
	ctx.opts = req->opts ? *req->opts : no_opts;
	if (!ctx.opts.timeout_ms)
		ctx.opts.timeout_ms = DEFAULT_TIMEOUT_MS;
	if (!ctx.opts.max_manifest_bytes)
		ctx.opts.max_manifest_bytes = DEFAULT_MAX_BYTES;
	if (!ctx.opts.max_tool_memory)
		ctx.opts.max_tool_memory = DEFAULT_MAX_MEMORY;
	if (!ctx.opts.helm_path)
		ctx.opts.helm_path = "helm";
	if (!ctx.opts.kubectl_path)
		ctx.opts.kubectl_path = "kubectl";
	cap_strvec_init(&ctx.env);
	cap_buf_init(&ctx.tmp);
	ctx.app_rel = s->chart ? s->chart : app_rel;
	build_env(&ctx.env, req, s->chart ? "" : app_rel);

	if (s->chart) {
		ctx.root = "";
		ctx.app_dir = "";
	} else {
		if ((rc = locate_app(&root, &app, req, app_rel)))
			goto done;
		ctx.root = root.ptr;
		ctx.app_dir = app.ptr;
	}
	if (!s->chart) {
		cap_value *merged = NULL;
		if ((rc = source_overrides(&merged, &ctx)))
			goto done;
		if (merged) {
			rc = cap_render_source_parse(&overridden, merged);
			cap_value_free(merged);
			if (rc)
				goto done;
			local = *req;
			local.source = &overridden;
			ctx.req = &local;
		}
	}
	if ((rc = render_tool(objs, &ctx)))
		goto done;
	rc = cap_render_finish(objs, req);
done:
	if (rc) {
		cap_error_prefix("cannot render '%s': ", ctx.app_rel);
		cap_value_free(objs);
	} else {
		*out = objs;
	}
	ctx_release(&ctx);
	cap_render_source_release(&overridden);
	cap_buf_release(&root);
	cap_buf_release(&app);
	return rc;
}

int cap_render_multi(cap_value **out, const cap_render_input *inputs, size_t n,
		     const cap_render_request *common)
{
	cap_render_ref *refs = cap_calloc(n ? n : 1, sizeof(*refs));
	cap_value *all = cap_value_array();
	size_t n_refs = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		const cap_render_source *s = inputs[i].source;
		if (s->ref && inputs[i].repo_root)
			refs[n_refs++] = (cap_render_ref){s->ref, inputs[i].repo_root};
	}
	for (size_t i = 0; i < n && !rc; i++) {
		const cap_render_source *s = inputs[i].source;
		cap_render_request req = *common;
		cap_value *objs = NULL, *o;
		size_t j;
		if (s->ref && !s->path && !s->chart)
			continue;
		req.source = s;
		req.repo_root = inputs[i].repo_root;
		req.revision = inputs[i].revision;
		req.refs = refs;
		req.n_refs = n_refs;
		if ((rc = cap_render_manifests(&objs, &req))) {
			cap_error_prefix("source %zu: ", i + 1);
			break;
		}
		CAP_VALUE_ARRAY_FOREACH(objs, j, o)
		cap_value_array_append(all, cap_value_ref(o));
		cap_value_free(objs);
	}
	free(refs);
	if (rc)
		cap_value_free(all);
	else
		*out = all;
	return rc;
}
