/* Helm sources: `helm template` with Argo CD's options, value file rules and precedence. */
#include "render/internal.h"

#include "base/error.h"
#include "render/paths.h"
#include "value/json.h"
#include "value/yaml.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Argo CD's release name: the app name without an "<namespace>_" or "<namespace>/" prefix. */
static const char *release_name(const cap_render_request *req)
{
	const char *src = req->source->helm.release_name;
	if (src)
		return src;
	const char *name = req->app_name ? req->app_name : "release";
	const char *cut = strpbrk(name, "_/");
	return cut ? cut + 1 : name;
}

/* Argo CD escapes commas in --set values unless the value is a {list}. */
static void set_arg(cap_strvec *args, const char *flag, const char *name, const char *value)
{
	cap_buf v = CAP_BUF_INIT;
	size_t n = strlen(value);
	cap_buf_printf(&v, "%s=", name);
	if (n >= 2 && value[0] == '{' && value[n - 1] == '}') {
		cap_buf_puts(&v, value);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (value[i] == ',' && (i == 0 || value[i - 1] != '\\'))
				cap_buf_putc(&v, '\\');
			cap_buf_putc(&v, value[i]);
		}
	}
	cap_strvec_push(args, flag);
	cap_strvec_push(args, v.ptr);
	cap_buf_release(&v);
}

static bool is_url(const char *s)
{
	const char *colon = strstr(s, "://");
	if (!colon || colon == s)
		return false;
	for (const char *p = s; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))
			return false;
	return true;
}

/* True when raw starts with "$name/" for a reference name of the request. */
static bool is_ref(const char *raw, const cap_render_ctx *ctx)
{
	size_t n = strcspn(raw, "/");
	if (raw[0] != '$' || n < 2)
		return false;
	for (size_t i = 0; i < ctx->req->n_refs; i++)
		if (strlen(ctx->req->refs[i].name) == n - 1 &&
		    !strncmp(ctx->req->refs[i].name, raw + 1, n - 1))
			return true;
	return false;
}

/* "$ref/path": a file of the multi-source reference named ref. */
static int resolve_ref(cap_buf *out, const char *vf, cap_render_ctx *ctx)
{
	const char *slash = strchr(vf, '/');
	size_t n = slash ? (size_t)(slash - vf - 1) : strlen(vf + 1);
	const cap_render_request *req = ctx->req;
	for (size_t i = 0; i < req->n_refs; i++) {
		const cap_render_ref *r = &req->refs[i];
		if (strlen(r->name) != n || strncmp(r->name, vf + 1, n) != 0)
			continue;
		char real[PATH_MAX];
		if (!realpath(r->root, real))
			return cap_error_set(CAP_ENOTFOUND, "source referenced by '%s' is missing",
					     vf);
		return cap_render_path_resolve(out, real, real, slash ? slash + 1 : ".");
	}
	return cap_error_set(CAP_ENOTFOUND, "source referenced as '$%.*s' not found in sources",
			     (int)n, vf + 1);
}

/*
 * Resolves one value file (after Envsubst) to a path or URL argument. Returns 1 to skip a missing
 * file when ignoreMissingValueFiles is set.
 */
static int value_file(cap_strvec *args, const char *raw, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	cap_buf vf = CAP_BUF_INIT, path = CAP_BUF_INIT;
	int rc = 0;
	if (is_ref(raw, ctx)) {
		/* as Argo CD: the reference is resolved first, then variables substituted */
		cap_render__envsubst(&vf, raw + strcspn(raw, "/"), &ctx->env);
		cap_buf_printf(&path, "%.*s", (int)strcspn(raw, "/"), raw);
		cap_buf_puts(&path, vf.ptr);
		cap_buf_sets(&vf, path.ptr);
		rc = resolve_ref(&path, vf.ptr, ctx);
		goto checked;
	}
	cap_render__envsubst(&vf, raw, &ctx->env);
	if (is_url(vf.ptr)) {
		if (ctx->opts.deny_remote_value_files ||
		    (strncmp(vf.ptr, "http://", 7) && strncmp(vf.ptr, "https://", 8)))
			rc = cap_error_set(CAP_EPERM,
					   "the URL scheme of value file '%.*s' is not "
					   "allowed",
					   (int)strcspn(vf.ptr, ":"), vf.ptr);
		else
			cap_buf_sets(&path, vf.ptr);
	} else {
		rc = cap_render_path_resolve(&path, ctx->root, ctx->app_dir, vf.ptr);
	}
checked:
	if (rc == CAP_ENOTFOUND && s->helm.ignore_missing_value_files) {
		rc = 1;
	} else if (rc == CAP_ENOTFOUND) {
		rc = cap_error_set(CAP_ENOTFOUND, "value file '%s' not found", raw);
	} else if (rc == CAP_EPERM && !is_url(vf.ptr)) {
		rc = cap_error_set(CAP_EPERM, "value file '%s' resolved to outside repository root",
				   raw);
	} else if (!rc) {
		cap_strvec_push(args, "--values");
		cap_strvec_push(args, path.ptr);
	}
	cap_buf_release(&vf);
	cap_buf_release(&path);
	return rc;
}

/* values / valuesObject go through a file, after the value files: they override them. */
static int inline_values(cap_strvec *args, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	const char *tmp;
	cap_buf text = CAP_BUF_INIT, path = CAP_BUF_INIT;
	int rc;
	if (!s->helm.values_object && !s->helm.values)
		return 0;
	if ((rc = cap_render__tmpdir(&tmp, ctx)))
		return rc;
	if (s->helm.values_object)
		cap_json_print(&text, s->helm.values_object, CAP_JSON_COMPACT);
	else
		cap_buf_puts(&text, s->helm.values);
	cap_buf_printf(&path, "%s/inline-values.yaml", tmp);
	rc = cap_buf_write_file_atomic(&text, path.ptr);
	if (!rc) {
		cap_strvec_push(args, "--values");
		cap_strvec_push(args, path.ptr);
	}
	cap_buf_release(&text);
	cap_buf_release(&path);
	return rc;
}

static int build_args(cap_strvec *args, const char *chart_dir, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	const cap_render_request *req = ctx->req;
	const char *ns = s->helm.namespace ? s->helm.namespace : req->dest_namespace;
	const char *kube = s->helm.kube_version ? s->helm.kube_version : ctx->opts.kube_version;
	cap_buf path = CAP_BUF_INIT;
	int rc = 0;

	cap_strvec_push(args, ctx->opts.helm_path);
	cap_strvec_push(args, "template");
	cap_strvec_push(args, chart_dir);
	cap_strvec_push(args, "--name-template");
	cap_strvec_push(args, release_name(req));
	if (ns && *ns) {
		cap_strvec_push(args, "--namespace");
		cap_strvec_push(args, ns);
	}
	if (kube && *kube) {
		cap_strvec_push(args, "--kube-version");
		cap_strvec_push(args, kube);
	}
	for (size_t i = 0; i < s->helm.value_files.len; i++) {
		rc = value_file(args, s->helm.value_files.items[i], ctx);
		if (rc < 0)
			goto done;
	}
	if ((rc = inline_values(args, ctx)))
		goto done;
	for (size_t i = 0; i < s->helm.parameters.len; i++) {
		const cap_render_helm_param *p = &s->helm.parameters.items[i];
		cap_buf v = CAP_BUF_INIT;
		cap_render__envsubst(&v, p->value, &ctx->env);
		set_arg(args, p->force_string ? "--set-string" : "--set", p->name, v.ptr);
		cap_buf_release(&v);
	}
	for (size_t i = 0; i < s->helm.file_parameters.len; i++) {
		const cap_render_helm_file_param *p = &s->helm.file_parameters.items[i];
		cap_buf v = CAP_BUF_INIT;
		cap_render__envsubst(&v, p->path, &ctx->env);
		rc = cap_render_path_resolve(&path, ctx->root, ctx->app_dir, v.ptr);
		cap_buf_release(&v);
		if (rc) {
			cap_error_prefix("file parameter '%s': ", p->name);
			goto done;
		}
		set_arg(args, "--set-file", p->name, path.ptr);
	}
	if (s->helm.api_versions.len) {
		for (size_t i = 0; i < s->helm.api_versions.len; i++) {
			cap_strvec_push(args, "--api-versions");
			cap_strvec_push(args, s->helm.api_versions.items[i]);
		}
	} else if (ctx->opts.api_versions) {
		for (const char *const *a = ctx->opts.api_versions; *a; a++) {
			cap_strvec_push(args, "--api-versions");
			cap_strvec_push(args, *a);
		}
	}
	if (!s->helm.skip_crds)
		cap_strvec_push(args, "--include-crds");
	if (s->helm.skip_schema_validation)
		cap_strvec_push(args, "--skip-schema-validation");
	if (s->helm.skip_tests)
		cap_strvec_push(args, "--skip-tests");
done:
	cap_buf_release(&path);
	return rc < 0 ? rc : 0;
}

/* Helm keeps caches and config under these; point them at the render's private directory. */
static int helm_env(cap_render_ctx *ctx)
{
	const char *tmp;
	int rc = cap_render__tmpdir(&tmp, ctx);
	if (rc)
		return rc;
	cap_strvec_pushf(&ctx->env, "HELM_CACHE_HOME=%s/helm/cache", tmp);
	cap_strvec_pushf(&ctx->env, "HELM_CONFIG_HOME=%s/helm/config", tmp);
	cap_strvec_pushf(&ctx->env, "HELM_DATA_HOME=%s/helm/data", tmp);
	return 0;
}

/*
 * Helm only builds dependencies from repositories it knows: add every http(s) repository the
 * chart's dependencies name to the render's private Helm home, as Argo CD adds its repositories.
 */
static int add_dependency_repos(const char *chart_dir, cap_render_ctx *ctx)
{
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT, name = CAP_BUF_INIT, res = CAP_BUF_INIT;
	cap_value *chart = NULL, *dep;
	size_t i;
	int rc;
	cap_buf_printf(&path, "%s/Chart.yaml", chart_dir);
	if ((rc = cap_buf_read_file(&text, path.ptr)) ||
	    (rc = cap_yaml_parse(&chart, text.ptr, text.len, "Chart.yaml", NULL)))
		goto done;
	cap_value *deps = cap_value_dig(chart, "dependencies", NULL);
	if (cap_value_is_array(deps))
		CAP_VALUE_ARRAY_FOREACH(deps, i, dep)
		{
			const char *repo = cap_value_dig_string(dep, "repository", NULL);
			if (!repo || (strncmp(repo, "http://", 7) && strncmp(repo, "https://", 8)))
				continue;
			cap_buf_clear(&name);
			cap_buf_printf(&name, "dep-%zu", i);
			const char *argv[] = {ctx->opts.helm_path, "repo", "add", name.ptr, repo,
					      "--force-update",	   NULL};
			if ((rc = cap_render__run(&res, argv, chart_dir, ctx))) {
				cap_error_prefix("helm repo add for a dependency failed: ");
				break;
			}
		}
done:
	cap_value_free(chart);
	cap_buf_release(&path);
	cap_buf_release(&text);
	cap_buf_release(&name);
	cap_buf_release(&res);
	return rc;
}

/* `helm dependency build` on a private copy of the chart; *out is the copy. */
static int dependency_build(cap_buf *out, cap_render_ctx *ctx)
{
	const char *tmp;
	cap_buf res = CAP_BUF_INIT;
	int rc;
	if ((rc = cap_render__tmpdir(&tmp, ctx)) ||
	    (rc = cap_render_mirror(out, tmp, ctx->root, ctx->app_dir)))
		return rc;
	if ((rc = add_dependency_repos(out->ptr, ctx)))
		return rc;
	const char *argv[] = {ctx->opts.helm_path, "dependency", "build", out->ptr, NULL};
	rc = cap_render__run(&res, argv, out->ptr, ctx);
	if (rc)
		cap_error_prefix("helm dependency build failed: ");
	cap_buf_release(&res);
	return rc;
}

int cap_render__helm(cap_value *objs, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	cap_strvec args = CAP_STRVEC_INIT;
	cap_buf out = CAP_BUF_INIT, chart = CAP_BUF_INIT;
	int rc;
	if ((rc = helm_env(ctx)))
		goto done;
	if (s->chart) {
		const char *dir = ctx->req->charts_dir;
		if (!dir && (rc = cap_render__tmpdir(&dir, ctx)))
			goto done;
		if ((rc = cap_render__helm_fetch(&chart, s->repo_url, s->chart, s->target_revision,
						 dir, ctx)))
			goto done;
		/* An archive is as untrusted as a repository: no links out of the chart. */
		if ((rc = cap_render_check_symlinks(chart.ptr, chart.ptr)))
			goto done;
		/* Value files of a repository chart are files of the chart. */
		ctx->root = chart.ptr;
		ctx->app_dir = chart.ptr;
	}
	if ((rc = build_args(&args, ctx->app_dir, ctx)))
		goto done;
	rc = cap_render__run(&out, (const char *const *)args.items, ctx->app_dir, ctx);
	if (rc == CAP_EGENERIC && strstr(cap_error_last(), "missing in charts/ directory") &&
	    !s->chart) {
		/* as Argo CD: build the dependencies (in a private copy) and try again */
		if ((rc = dependency_build(&chart, ctx)))
			goto done;
		cap_buf_clear(&out);
		cap_strvec_release(&args);
		if ((rc = build_args(&args, chart.ptr, ctx)))
			goto done;
		rc = cap_render__run(&out, (const char *const *)args.items, chart.ptr, ctx);
	}
	rc = cap_render__tool_objects(objs, rc, &out, "helm template", ctx);
done:
	cap_strvec_release(&args);
	cap_buf_release(&out);
	cap_buf_release(&chart);
	return rc;
}
