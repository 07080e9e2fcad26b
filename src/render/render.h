/* Rendering an Application source into Kubernetes objects: directory, Kustomize or Helm. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/source.h"
#include "value/value.h"

typedef enum cap_render_tracking {
	CAP_TRACK_ANNOTATION = 0, /* argocd.argoproj.io/tracking-id (Argo CD 3's default) */
	CAP_TRACK_LABEL,	  /* the instance label only */
	CAP_TRACK_ANNOTATION_AND_LABEL,
} cap_render_tracking;

/* Parses "annotation", "label" or "annotation+label"; CAP_EINVALID otherwise. */
int cap_render_tracking_parse(cap_render_tracking *out, const char *text);

/*
 * Settings shared by every render of a repo-server (argocd-cm and command-line equivalents).
 * Zeroed fields take the defaults given. The struct is read-only while renders run.
 */
typedef struct cap_render_options {
	const char *helm_path;	    /* "helm" */
	const char *kustomize_path; /* NULL: `kubectl kustomize DIR`; else `<path> build DIR` */
	const char *kubectl_path;   /* "kubectl" */
	const char *kustomize_build_options; /* extra words after `build DIR`, space-separated */
	/* "v4.5.7=/usr/local/bin/kustomize-4.5.7" entries, NULL-terminated: the binaries a source's
	 * kustomize.version may ask for (argocd-cm's kustomize.path.<version>) */
	const char *const *kustomize_versions;
	const char *tool_path;		 /* PATH given to tools; NULL: this process's PATH */
	uint64_t timeout_ms;		 /* per tool run: 90000 (Argo CD's exec timeout) */
	size_t max_manifest_bytes;	 /* per app, input files or tool output: 10 MiB */
	uint64_t max_tool_memory;	 /* address-space limit of a tool: 4 GiB */
	const char *kube_version;	 /* the destination's version, for Helm: "1.32.0" */
	const char *const *api_versions; /* NULL-terminated, for Helm's Capabilities */
	bool deny_remote_value_files; /* refuse http(s):// value files (Argo CD allows them) */
} cap_render_options;

/* A named source for `$name/values.yaml` value files of multi-source applications. */
typedef struct cap_render_ref {
	const char *name; /* without the '$' */
	const char *root; /* the checkout of that source's repository */
} cap_render_ref;

/*
 * Whether a kind is namespaced: 1 yes, 0 cluster-scoped, -1 unknown (then Capstan's built-in
 * table and the CRDs in the rendered set decide). Lets callers plug in live discovery.
 */
typedef int (*cap_render_scope_fn)(void *ctx, const char *group, const char *kind);

typedef struct cap_render_request {
	const cap_render_source *source;
	const char *repo_root; /* checkout of source->repo_url at the commit; NULL for a chart */
	const char *revision;  /* the resolved commit (or chart version): ARGOCD_APP_REVISION */
	const char *app_name;  /* tracking value and Helm's default release name */
	const char *app_namespace; /* the Application's own namespace (ARGOCD_APP_NAMESPACE) */
	const char *dest_namespace;
	const char *project;
	cap_render_tracking tracking;
	const char *instance_label_key; /* "app.kubernetes.io/instance" */
	const cap_render_ref *refs;
	size_t n_refs;
	const cap_render_options *opts; /* NULL: defaults */
	cap_render_scope_fn scope;	/* may be NULL */
	void *scope_ctx;
	const char *charts_dir; /* where Helm repository charts are kept; NULL: a temporary dir */
	/* credentials of the Helm repository (basic auth, bearer token, client certificate,
	 * insecure, proxy); sent to chart URLs on other hosts only with helm.passCredentials */
	const struct cap_git_creds *chart_creds;
} cap_render_request;

/*
 * Renders one source into *out, a new array of objects (each a new tree the caller owns through
 * the array): tool detected as Argo CD does, Lists flattened, empty documents skipped, the
 * tracking annotation or label set on every object but CRDs, and the destination namespace
 * filled in on namespaced (or unknown) kinds that have none, cleared on cluster-scoped ones.
 * Safe to run from many threads at once. On failure returns a negative code with a message
 * fit for the Application's ComparisonError, naming the file and cause; *out is untouched.
 */
int cap_render_manifests(cap_value **out, const cap_render_request *req);

/* One source of a multi-source application with its checkout. */
typedef struct cap_render_input {
	const cap_render_source *source;
	const char *repo_root; /* NULL for a chart from a Helm repository */
	const char *revision;
} cap_render_input;

/*
 * Renders an application with spec.sources: every source is rendered with common's settings
 * (its source, repo_root, revision and refs are ignored) and the objects are concatenated in
 * order. Sources with a ref name are the targets of "$name/..." value files; a source that has
 * a ref and neither path nor chart only provides files and renders nothing, as in Argo CD.
 * Errors name the source that failed.
 */
int cap_render_multi(cap_value **out, const cap_render_input *inputs, size_t n,
		     const cap_render_request *common);

/*
 * Applies the tracking and namespace rules above to objs (an array, changed in place): used by
 * cap_render_manifests and by callers that assemble several sources.
 */
int cap_render_finish(cap_value *objs, const cap_render_request *req);

/* The built-in scope of a Kubernetes kind: 0 cluster-scoped, -1 unknown (namespaced or CRD). */
int cap_render_builtin_scope(const char *group, const char *kind);

/* The tool rendering path (a directory) would use when the source names none. */
cap_render_tool cap_render_detect_tool(const char *path);
