/* Private interfaces between the files of render/: each tool, the environment, parsing output. */
#pragma once

#include "base/buf.h"
#include "base/strvec.h"
#include "render/render.h"
#include "value/value.h"

/* The options of req with defaults filled in. */
typedef struct cap_render_ctx {
	const cap_render_request *req;
	cap_render_options opts;
	const char *root;    /* real path of the repository root ("" for a Helm repository chart) */
	const char *app_dir; /* real path of the application folder */
	const char *app_rel; /* the application folder as the source names it */
	cap_strvec env; /* the tools' environment, with Argo CD's ARGOCD_APP_* build variables */
	cap_buf tmp;	/* a private temporary directory, made on first use ("" until then) */
} cap_render_ctx;

/* Makes ctx->tmp on first call and returns it. */
int cap_render__tmpdir(const char **out, cap_render_ctx *ctx);

/* Argo CD's Envsubst: $VAR and ${VAR} from the build variables, unknown ones empty, $$ is $. */
void cap_render__envsubst(cap_buf *out, const char *text, const cap_strvec *env);

/*
 * Parses a YAML stream from a tool or file and appends each non-empty document to objs
 * (steals nothing). source names the input in errors.
 */
int cap_render__append_yaml(cap_value *objs, const char *text, size_t len, const char *source,
			    const cap_render_ctx *ctx);

/*
 * Finishes a run of a manifest-generating tool: when rc (what cap_render__run returned) is an
 * error, prefixes its message with "TOOL failed: " and returns it; otherwise appends the objects
 * printed in out to objs as cap_render__append_yaml does, the input named "TOOL output".
 */
int cap_render__tool_objects(cap_value *objs, int rc, const cap_buf *out, const char *tool,
			     const cap_render_ctx *ctx);

/* Runs a tool with the context's environment, limits and working directory cwd. */
int cap_render__run(cap_buf *out, const char *const *argv, const char *cwd,
		    const cap_render_ctx *ctx);

int cap_render__directory(cap_value *objs, cap_render_ctx *ctx);
int cap_render__jsonnet(cap_value *objs, const char *file, const char *display,
			cap_render_ctx *ctx);
int cap_render__kustomize(cap_value *objs, cap_render_ctx *ctx);
int cap_render__helm(cap_value *objs, cap_render_ctx *ctx);

/*
 * Downloads chart version from the Helm repository at repo_url (index.yaml, then the .tgz) and
 * unpacks it under dir; *out is the chart's folder. Credentials are never part of messages.
 */
int cap_render__helm_fetch(cap_buf *out, const char *repo_url, const char *chart,
			   const char *version, const char *dir, cap_render_ctx *ctx);
