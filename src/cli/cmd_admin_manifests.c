/* `capstan admin manifests`: render a source as the repo-server would and print the objects. */
#include "cli/cmd_admin_manifests.h"

#include "base/buf.h"
#include "base/error.h"
#include "git/cache.h"
#include "git/tree_fs.h"
#include "render/cache.h"
#include "render/paths.h"
#include "render/render.h"
#include "render/source.h"
#include "value/json.h"
#include "value/yaml.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
	OPT_REPO = 256,
	OPT_PATH,
	OPT_REVISION,
	OPT_CHART,
	OPT_APP_NAME,
	OPT_DEST_NS,
	OPT_PROJECT,
	OPT_RELEASE,
	OPT_VALUES,
	OPT_VALUES_LITERAL,
	OPT_HELM_SET,
	OPT_HELM_SET_STRING,
	OPT_HELM_SET_FILE,
	OPT_SKIP_CRDS,
	OPT_IGNORE_MISSING,
	OPT_HELM_NS,
	OPT_HELM_KUBE,
	OPT_HELM_API,
	OPT_RECURSE,
	OPT_INCLUDE,
	OPT_EXCLUDE,
	OPT_EXT_STR,
	OPT_EXT_CODE,
	OPT_TLA_STR,
	OPT_TLA_CODE,
	OPT_JSONNET_LIBS,
	OPT_IMAGE,
	OPT_PREFIX,
	OPT_SUFFIX,
	OPT_KNS,
	OPT_KLABEL,
	OPT_KANNOT,
	OPT_KREPLICA,
	OPT_FORCE_LABELS,
	OPT_FORCE_ANNOT,
	OPT_KCOMPONENT,
	OPT_TRACKING,
	OPT_LABEL_KEY,
	OPT_KUBE_VERSION,
	OPT_OUTPUT,
	OPT_CACHE_DIR,
	OPT_SOURCE_JSON,
	OPT_REDIS,
	OPT_HARD_REFRESH,
	OPT_CACHE_STATS,
	OPT_SKIP_TESTS,
	OPT_SKIP_SCHEMA,
	OPT_PASS_CREDS,
	OPT_KVERSION,
	OPT_KWITHOUT_SELECTOR,
	OPT_KINCLUDE_TEMPLATES,
	OPT_SOURCES_JSON,
	OPT_HELP,
};

static const struct option options[] = {
    {"repo", required_argument, NULL, OPT_REPO},
    {"path", required_argument, NULL, OPT_PATH},
    {"revision", required_argument, NULL, OPT_REVISION},
    {"chart", required_argument, NULL, OPT_CHART},
    {"app-name", required_argument, NULL, OPT_APP_NAME},
    {"dest-namespace", required_argument, NULL, OPT_DEST_NS},
    {"project", required_argument, NULL, OPT_PROJECT},
    {"release-name", required_argument, NULL, OPT_RELEASE},
    {"values", required_argument, NULL, OPT_VALUES},
    {"values-literal-file", required_argument, NULL, OPT_VALUES_LITERAL},
    {"helm-set", required_argument, NULL, OPT_HELM_SET},
    {"helm-set-string", required_argument, NULL, OPT_HELM_SET_STRING},
    {"helm-set-file", required_argument, NULL, OPT_HELM_SET_FILE},
    {"helm-skip-crds", no_argument, NULL, OPT_SKIP_CRDS},
    {"ignore-missing-value-files", no_argument, NULL, OPT_IGNORE_MISSING},
    {"helm-namespace", required_argument, NULL, OPT_HELM_NS},
    {"helm-kube-version", required_argument, NULL, OPT_HELM_KUBE},
    {"helm-api-versions", required_argument, NULL, OPT_HELM_API},
    {"directory-recurse", no_argument, NULL, OPT_RECURSE},
    {"directory-include", required_argument, NULL, OPT_INCLUDE},
    {"directory-exclude", required_argument, NULL, OPT_EXCLUDE},
    {"jsonnet-ext-var-str", required_argument, NULL, OPT_EXT_STR},
    {"jsonnet-ext-var-code", required_argument, NULL, OPT_EXT_CODE},
    {"jsonnet-tla-str", required_argument, NULL, OPT_TLA_STR},
    {"jsonnet-tla-code", required_argument, NULL, OPT_TLA_CODE},
    {"jsonnet-libs", required_argument, NULL, OPT_JSONNET_LIBS},
    {"kustomize-image", required_argument, NULL, OPT_IMAGE},
    {"nameprefix", required_argument, NULL, OPT_PREFIX},
    {"namesuffix", required_argument, NULL, OPT_SUFFIX},
    {"kustomize-namespace", required_argument, NULL, OPT_KNS},
    {"kustomize-common-label", required_argument, NULL, OPT_KLABEL},
    {"kustomize-common-annotation", required_argument, NULL, OPT_KANNOT},
    {"kustomize-replica", required_argument, NULL, OPT_KREPLICA},
    {"kustomize-force-common-label", no_argument, NULL, OPT_FORCE_LABELS},
    {"kustomize-force-common-annotation", no_argument, NULL, OPT_FORCE_ANNOT},
    {"kustomize-component", required_argument, NULL, OPT_KCOMPONENT},
    {"tracking-method", required_argument, NULL, OPT_TRACKING},
    {"label-key", required_argument, NULL, OPT_LABEL_KEY},
    {"kube-version", required_argument, NULL, OPT_KUBE_VERSION},
    {"output", required_argument, NULL, 'o'},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"source", required_argument, NULL, OPT_SOURCE_JSON},
    {"redis", required_argument, NULL, OPT_REDIS},
    {"sources", required_argument, NULL, OPT_SOURCES_JSON},
    {"helm-skip-tests", no_argument, NULL, OPT_SKIP_TESTS},
    {"helm-skip-schema-validation", no_argument, NULL, OPT_SKIP_SCHEMA},
    {"helm-pass-credentials", no_argument, NULL, OPT_PASS_CREDS},
    {"kustomize-version", required_argument, NULL, OPT_KVERSION},
    {"kustomize-label-without-selector", no_argument, NULL, OPT_KWITHOUT_SELECTOR},
    {"kustomize-label-include-templates", no_argument, NULL, OPT_KINCLUDE_TEMPLATES},
    {"hard-refresh", no_argument, NULL, OPT_HARD_REFRESH},
    {"cache-stats", no_argument, NULL, OPT_CACHE_STATS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *to)
{
	fprintf(
	    to,
	    "usage: capstan admin manifests --repo URL|DIR [--path P] [--revision R] [options]\n"
	    "\n"
	    "Renders an application source the way the repo-server does and prints the\n"
	    "objects as YAML documents. Source flags are those of `argocd app create`:\n"
	    "  --chart NAME (Helm repository), --release-name, --values FILE (repeatable),\n"
	    "  --values-literal-file FILE, --helm-set k=v, --helm-set-string k=v,\n"
	    "  --helm-set-file k=path, --helm-skip-crds, --ignore-missing-value-files,\n"
	    "  --helm-namespace, --helm-kube-version, --helm-api-versions,\n"
	    "  --helm-skip-tests, --helm-skip-schema-validation, --helm-pass-credentials,\n"
	    "  --directory-recurse, --directory-include GLOB, --directory-exclude GLOB,\n"
	    "  --jsonnet-ext-var-str k=v, --jsonnet-ext-var-code k=v, --jsonnet-tla-str k=v,\n"
	    "  --jsonnet-tla-code k=v, --jsonnet-libs PATH, --kustomize-image IMG,\n"
	    "  --nameprefix P, --namesuffix S, --kustomize-namespace NS,\n"
	    "  --kustomize-common-label k=v, --kustomize-common-annotation k=v,\n"
	    "  --kustomize-replica name=N, --kustomize-component PATH,\n"
	    "  --kustomize-force-common-label, --kustomize-force-common-annotation,\n"
	    "  --kustomize-label-without-selector, --kustomize-label-include-templates,\n"
	    "  --kustomize-version V.\n"
	    "Application: --app-name (default: the path's last folder), --dest-namespace,\n"
	    "  --project, --tracking-method annotation|label|annotation+label, --label-key.\n"
	    "Other: --source JSON (a whole spec.source), --sources JSON (spec.sources of a\n"
	    "  multi-source application: each repoURL a folder or git URL, $ref value files),\n"
	    "  --kube-version, -o yaml|json,\n"
	    "  --cache-dir DIR (git checkouts; default: a temporary directory),\n"
	    "  --redis HOST:PORT (share rendered manifests of git URLs through Redis, as\n"
	    "  repo-servers do; REDIS_PASSWORD and REDIS_USERNAME from the environment),\n"
	    "  --hard-refresh (render even when cached), --cache-stats\n"
	    "  (say on stderr whether the cache answered).\n");
}

static cap_value *block(cap_value *src, const char *name)
{
	cap_value *b = cap_value_object_get(src, name);
	if (!b) {
		cap_value_object_set(src, name, cap_value_object());
		b = cap_value_object_get(src, name);
	}
	return b;
}

static cap_value *list(cap_value *obj, const char *name)
{
	cap_value *l = cap_value_object_get(obj, name);
	if (!l) {
		cap_value_object_set(obj, name, cap_value_array());
		l = cap_value_object_get(obj, name);
	}
	return l;
}

/* Splits "k=v" for a flag; prints an error when there is no '='. */
static int split_kv(const char *arg, const char *flag, cap_buf *k, const char **v)
{
	const char *eq = strchr(arg, '=');
	if (!eq) {
		fprintf(stderr, "capstan: %s expects key=value, got '%s'\n", flag, arg);
		return -1;
	}
	cap_buf_clear(k);
	cap_buf_put(k, arg, (size_t)(eq - arg));
	*v = eq + 1;
	return 0;
}

static int add_named(cap_value *l, const char *arg, const char *flag, const char *value_key,
		     const char *bool_key, bool flag_value)
{
	cap_buf k = CAP_BUF_INIT;
	const char *v;
	if (split_kv(arg, flag, &k, &v)) {
		cap_buf_release(&k);
		return -1;
	}
	cap_value *item = cap_value_object();
	cap_value_object_set(item, "name", cap_value_string(k.ptr));
	cap_value_object_set(item, value_key, cap_value_string(v));
	if (bool_key)
		cap_value_object_set(item, bool_key, cap_value_bool(flag_value));
	cap_value_array_append(l, item);
	cap_buf_release(&k);
	return 0;
}

static int add_map(cap_value *m, const char *arg, const char *flag)
{
	cap_buf k = CAP_BUF_INIT;
	const char *v;
	int rc = split_kv(arg, flag, &k, &v);
	if (!rc)
		cap_value_object_set(m, k.ptr, cap_value_string(v));
	cap_buf_release(&k);
	return rc;
}

typedef struct cli_args {
	const char *repo, *revision, *app_name, *dest_ns, *project, *tracking, *label_key;
	const char *kube_version, *output, *cache_dir, *redis, *sources;
	bool hard_refresh, cache_stats;
} cli_args;

static int read_literal_values(cap_value *src, const char *file)
{
	cap_buf text = CAP_BUF_INIT;
	if (cap_buf_read_file(&text, file) != 0) {
		fprintf(stderr, "capstan: %s\n", cap_error_last());
		cap_buf_release(&text);
		return -1;
	}
	cap_value_object_set(block(src, "helm"), "values", cap_value_stringn(text.ptr, text.len));
	cap_buf_release(&text);
	return 0;
}

/* Turns the flags into a spec.source object, as `argocd app create` would write it. */
static int parse_flags(cap_value *src, cli_args *a, int argc, char **argv)
{
	int c, bad = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1 && !bad) {
		switch (c) {
		case OPT_REPO:
			a->repo = optarg;
			break;
		case OPT_PATH:
			cap_value_object_set(src, "path", cap_value_string(optarg));
			break;
		case OPT_REVISION:
			a->revision = optarg;
			break;
		case OPT_CHART:
			cap_value_object_set(src, "chart", cap_value_string(optarg));
			break;
		case OPT_APP_NAME:
			a->app_name = optarg;
			break;
		case OPT_DEST_NS:
			a->dest_ns = optarg;
			break;
		case OPT_PROJECT:
			a->project = optarg;
			break;
		case OPT_TRACKING:
			a->tracking = optarg;
			break;
		case OPT_LABEL_KEY:
			a->label_key = optarg;
			break;
		case OPT_KUBE_VERSION:
			a->kube_version = optarg;
			break;
		case OPT_CACHE_DIR:
			a->cache_dir = optarg;
			break;
		case OPT_SOURCES_JSON:
			a->sources = optarg;
			break;
		case OPT_REDIS:
			a->redis = optarg;
			break;
		case OPT_HARD_REFRESH:
			a->hard_refresh = true;
			break;
		case OPT_CACHE_STATS:
			a->cache_stats = true;
			break;
		case 'o':
			a->output = optarg;
			break;
		case OPT_SOURCE_JSON: {
			cap_value *v = NULL;
			if (cap_json_parse(&v, optarg, strlen(optarg), "--source", NULL) ||
			    !cap_value_is_object(v)) {
				fprintf(stderr, "capstan: --source must be a JSON object: %s\n",
					cap_error_last());
				cap_value_free(v);
				bad = 1;
				break;
			}
			const char *k;
			cap_value *x;
			CAP_VALUE_OBJECT_FOREACH(v, k, x)
			cap_value_object_set(src, k, cap_value_ref(x));
			cap_value_free(v);
			break;
		}
		case OPT_RELEASE:
			cap_value_object_set(block(src, "helm"), "releaseName",
					     cap_value_string(optarg));
			break;
		case OPT_VALUES:
			cap_value_array_append(list(block(src, "helm"), "valueFiles"),
					       cap_value_string(optarg));
			break;
		case OPT_VALUES_LITERAL:
			bad = read_literal_values(src, optarg);
			break;
		case OPT_HELM_SET:
			bad = add_named(list(block(src, "helm"), "parameters"), optarg,
					"--helm-set", "value", NULL, false);
			break;
		case OPT_HELM_SET_STRING:
			bad = add_named(list(block(src, "helm"), "parameters"), optarg,
					"--helm-set-string", "value", "forceString", true);
			break;
		case OPT_HELM_SET_FILE:
			bad = add_named(list(block(src, "helm"), "fileParameters"), optarg,
					"--helm-set-file", "path", NULL, false);
			break;
		case OPT_SKIP_CRDS:
			cap_value_object_set(block(src, "helm"), "skipCrds", cap_value_bool(true));
			break;
		case OPT_IGNORE_MISSING:
			cap_value_object_set(block(src, "helm"), "ignoreMissingValueFiles",
					     cap_value_bool(true));
			break;
		case OPT_HELM_NS:
			cap_value_object_set(block(src, "helm"), "namespace",
					     cap_value_string(optarg));
			break;
		case OPT_HELM_KUBE:
			cap_value_object_set(block(src, "helm"), "kubeVersion",
					     cap_value_string(optarg));
			break;
		case OPT_HELM_API:
			cap_value_array_append(list(block(src, "helm"), "apiVersions"),
					       cap_value_string(optarg));
			break;
		case OPT_RECURSE:
			cap_value_object_set(block(src, "directory"), "recurse",
					     cap_value_bool(true));
			break;
		case OPT_INCLUDE:
			cap_value_object_set(block(src, "directory"), "include",
					     cap_value_string(optarg));
			break;
		case OPT_EXCLUDE:
			cap_value_object_set(block(src, "directory"), "exclude",
					     cap_value_string(optarg));
			break;
		case OPT_EXT_STR:
		case OPT_EXT_CODE:
			bad = add_named(list(block(block(src, "directory"), "jsonnet"), "extVars"),
					optarg, "--jsonnet-ext-var", "value", "code",
					c == OPT_EXT_CODE);
			break;
		case OPT_TLA_STR:
		case OPT_TLA_CODE:
			bad =
			    add_named(list(block(block(src, "directory"), "jsonnet"), "tlas"),
				      optarg, "--jsonnet-tla", "value", "code", c == OPT_TLA_CODE);
			break;
		case OPT_JSONNET_LIBS:
			cap_value_array_append(
			    list(block(block(src, "directory"), "jsonnet"), "libs"),
			    cap_value_string(optarg));
			break;
		case OPT_IMAGE:
			cap_value_array_append(list(block(src, "kustomize"), "images"),
					       cap_value_string(optarg));
			break;
		case OPT_PREFIX:
			cap_value_object_set(block(src, "kustomize"), "namePrefix",
					     cap_value_string(optarg));
			break;
		case OPT_SUFFIX:
			cap_value_object_set(block(src, "kustomize"), "nameSuffix",
					     cap_value_string(optarg));
			break;
		case OPT_KNS:
			cap_value_object_set(block(src, "kustomize"), "namespace",
					     cap_value_string(optarg));
			break;
		case OPT_KLABEL:
			bad = add_map(block(block(src, "kustomize"), "commonLabels"), optarg,
				      "--kustomize-common-label");
			break;
		case OPT_KANNOT:
			bad = add_map(block(block(src, "kustomize"), "commonAnnotations"), optarg,
				      "--kustomize-common-annotation");
			break;
		case OPT_KREPLICA:
			bad = add_named(list(block(src, "kustomize"), "replicas"), optarg,
					"--kustomize-replica", "count", NULL, false);
			break;
		case OPT_FORCE_LABELS:
			cap_value_object_set(block(src, "kustomize"), "forceCommonLabels",
					     cap_value_bool(true));
			break;
		case OPT_FORCE_ANNOT:
			cap_value_object_set(block(src, "kustomize"), "forceCommonAnnotations",
					     cap_value_bool(true));
			break;
		case OPT_KCOMPONENT:
			cap_value_array_append(list(block(src, "kustomize"), "components"),
					       cap_value_string(optarg));
			break;
		case OPT_SKIP_TESTS:
			cap_value_object_set(block(src, "helm"), "skipTests", cap_value_bool(true));
			break;
		case OPT_SKIP_SCHEMA:
			cap_value_object_set(block(src, "helm"), "skipSchemaValidation",
					     cap_value_bool(true));
			break;
		case OPT_PASS_CREDS:
			cap_value_object_set(block(src, "helm"), "passCredentials",
					     cap_value_bool(true));
			break;
		case OPT_KVERSION:
			cap_value_object_set(block(src, "kustomize"), "version",
					     cap_value_string(optarg));
			break;
		case OPT_KWITHOUT_SELECTOR:
			cap_value_object_set(block(src, "kustomize"), "labelWithoutSelector",
					     cap_value_bool(true));
			break;
		case OPT_KINCLUDE_TEMPLATES:
			cap_value_object_set(block(src, "kustomize"), "labelIncludeTemplates",
					     cap_value_bool(true));
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (bad)
		return -1;
	if (optind < argc) {
		fprintf(stderr, "capstan: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!a->repo && !a->sources) {
		fprintf(stderr, "capstan: --repo (or --sources) is required\n");
		return -1;
	}
	return 0;
}

/* The application's default name: the last folder of the path (or the chart). */
static void default_app_name(cap_buf *out, const cap_render_source *s)
{
	const char *p = s->chart ? s->chart : (s->path ? s->path : "");
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	size_t start = n;
	while (start && p[start - 1] != '/')
		start--;
	if (n > start && !(n - start == 1 && p[start] == '.'))
		cap_buf_put(out, p + start, n - start);
	else
		cap_buf_puts(out, "app");
}

static bool is_local_dir(const char *repo)
{
	struct stat st;
	return !strstr(repo, "://") && stat(repo, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Renders through a manifest cache whose second level is the Redis at a->redis. */
static int render_cached(cap_value **out, cli_args *a, const cap_render_request *req,
			 const char *commit)
{
	cap_render_cache_options co = {0};
	cap_render_cache *cache = NULL;
	cap_buf host = CAP_BUF_INIT;
	const char *colon = strrchr(a->redis, ':');
	bool hit = false;
	cap_buf_put(&host, a->redis, colon ? (size_t)(colon - a->redis) : strlen(a->redis));
	co.redis_host = host.ptr;
	co.redis_port = colon ? atoi(colon + 1) : 0;
	/* as Argo CD's components, the password comes from the environment, never a flag */
	co.redis_username = getenv("REDIS_USERNAME");
	co.redis_password = getenv("REDIS_PASSWORD");
	cap_render_cache_new(&cache, &co);
	int rc = cap_render_cache_render(out, &hit, cache, req, commit, a->hard_refresh);
	if (!rc && a->cache_stats) {
		cap_render_cache_stats st;
		cap_render_cache_stats_get(cache, &st);
		fprintf(stderr, "manifest cache: %s%s\n", hit ? "hit" : "miss",
			st.redis_errors ? " (redis unavailable)" : "");
	}
	cap_render_cache_free(cache);
	cap_buf_release(&host);
	return rc;
}

static int render(cap_value **out, cli_args *a, cap_render_source *src, const char *root,
		  const char *commit)
{
	cap_buf name = CAP_BUF_INIT;
	cap_render_options opts = {0};
	cap_render_request req = {0};
	int rc;
	opts.kube_version = a->kube_version;
	if ((rc = cap_render_tracking_parse(&req.tracking, a->tracking)))
		goto done;
	if (a->app_name)
		cap_buf_sets(&name, a->app_name);
	else
		default_app_name(&name, src);
	req.source = src;
	req.repo_root = root;
	req.revision = commit;
	req.app_name = name.ptr;
	req.dest_namespace = a->dest_ns;
	req.project = a->project ? a->project : "default";
	req.instance_label_key = a->label_key;
	req.opts = &opts;
	if (a->redis && commit && !is_local_dir(a->repo))
		rc = render_cached(out, a, &req, commit);
	else
		rc = cap_render_manifests(out, &req);
done:
	cap_buf_release(&name);
	return rc;
}

/* Checks a git URL out through the repository cache opened on first use. */
static int checkout(cap_git_tree **out, cap_git_cache **gc, cap_buf *tmp, const cli_args *a,
		    const char *url, const char *revision)
{
	int rc;
	if (!*gc) {
		cap_git_cache_options go = {0};
		if (a->cache_dir) {
			go.root = a->cache_dir;
		} else {
			if ((rc = cap_render_mkdtemp(tmp)))
				return rc;
			go.root = tmp->ptr;
		}
		if ((rc = cap_git_cache_open(gc, &go)))
			return rc;
	}
	return cap_git_cache_get(out, *gc, url, revision ? revision : "HEAD", NULL);
}

/* --sources: a multi-source application, each source from a folder or a git URL. */
static int run_multi(cap_value **out, cli_args *a)
{
	cap_value *list = NULL;
	cap_git_cache *gc = NULL;
	cap_buf tmp = CAP_BUF_INIT;
	cap_render_options opts = {0};
	cap_render_request common = {0};
	int rc = cap_json_parse(&list, a->sources, strlen(a->sources), "--sources", NULL);
	if (rc)
		return rc;
	if (!cap_value_is_array(list) || !cap_value_array_len(list)) {
		cap_value_free(list);
		return cap_error_set(CAP_EINVALID, "--sources must be a non-empty JSON array");
	}
	size_t n = cap_value_array_len(list), parsed = 0;
	cap_render_source *srcs = calloc(n, sizeof(*srcs));
	cap_render_input *in = calloc(n, sizeof(*in));
	cap_git_tree **trees = calloc(n, sizeof(*trees));
	for (size_t i = 0; i < n && !rc; i++) {
		if ((rc = cap_render_source_parse(&srcs[i], cap_value_array_get(list, i)))) {
			cap_error_prefix("source %zu: ", i + 1);
			break;
		}
		parsed++;
		const char *url = srcs[i].repo_url;
		in[i].source = &srcs[i];
		in[i].revision = srcs[i].target_revision;
		if (srcs[i].chart)
			continue;
		if (!url) {
			rc = cap_error_set(CAP_EINVALID, "source %zu has no repoURL", i + 1);
		} else if (is_local_dir(url)) {
			in[i].repo_root = url;
		} else if (!(rc =
				 checkout(&trees[i], &gc, &tmp, a, url, srcs[i].target_revision))) {
			in[i].repo_root = cap_git_tree_path(trees[i]);
			in[i].revision = cap_git_tree_commit(trees[i]);
		} else {
			cap_error_prefix("source %zu: ", i + 1);
		}
	}
	if (!rc && !(rc = cap_render_tracking_parse(&common.tracking, a->tracking))) {
		opts.kube_version = a->kube_version;
		common.app_name = a->app_name ? a->app_name : "app";
		common.dest_namespace = a->dest_ns;
		common.project = a->project ? a->project : "default";
		common.instance_label_key = a->label_key;
		common.opts = &opts;
		rc = cap_render_multi(out, in, n, &common);
	}
	for (size_t i = 0; i < n; i++)
		cap_git_tree_release(trees[i]);
	for (size_t i = 0; i < parsed; i++)
		cap_render_source_release(&srcs[i]);
	cap_git_cache_free(gc);
	if (tmp.len)
		cap_git_fs_remove(tmp.ptr);
	cap_buf_release(&tmp);
	free(srcs);
	free(in);
	free(trees);
	cap_value_free(list);
	return rc;
}

static int run(cap_value **out, cli_args *a, cap_render_source *src)
{
	cap_git_cache *gc = NULL;
	cap_git_tree *tree = NULL;
	cap_buf tmp = CAP_BUF_INIT;
	int rc;
	if (src->chart || is_local_dir(a->repo))
		return render(out, a, src, src->chart ? NULL : a->repo, a->revision);
	if (!(rc = checkout(&tree, &gc, &tmp, a, a->repo, a->revision)))
		rc = render(out, a, src, cap_git_tree_path(tree), cap_git_tree_commit(tree));
	cap_git_tree_release(tree);
	cap_git_cache_free(gc);
	if (tmp.len)
		cap_git_fs_remove(tmp.ptr);
	cap_buf_release(&tmp);
	return rc;
}

int cap_cmd_admin_manifests(int argc, char **argv)
{
	cli_args a = {0};
	cap_value *raw = cap_value_object(), *objs = NULL;
	cap_render_source src;
	bool src_ok = false;
	int exit_code = 1;
	int rc = parse_flags(raw, &a, argc, argv);
	if (rc) {
		cap_value_free(raw);
		return rc > 0 ? 0 : 2;
	}
	if (a.sources) {
		src_ok = false;
		rc = run_multi(&objs, &a);
		goto print;
	}
	if (!cap_value_object_get(raw, "repoURL"))
		cap_value_object_set(raw, "repoURL", cap_value_string(a.repo));
	if (a.revision && !cap_value_object_get(raw, "targetRevision"))
		cap_value_object_set(raw, "targetRevision", cap_value_string(a.revision));
	if (cap_render_source_parse(&src, raw) != 0) {
		fprintf(stderr, "capstan: %s\n", cap_error_last());
		cap_value_free(raw);
		return 2;
	}
	src_ok = true;
	rc = run(&objs, &a, &src);
print:
	if (rc != 0) {
		fprintf(stderr, "capstan: %s\n", cap_error_last());
	} else {
		cap_buf text = CAP_BUF_INIT;
		if (a.output && !strcmp(a.output, "json")) {
			cap_json_print(&text, objs, CAP_JSON_INDENT);
			cap_buf_putc(&text, '\n');
		} else {
			cap_yaml_print_stream(&text, objs, 0);
		}
		fwrite(text.ptr, 1, text.len, stdout);
		cap_buf_release(&text);
		exit_code = 0;
	}
	cap_value_free(objs);
	if (src_ok)
		cap_render_source_release(&src);
	cap_value_free(raw);
	return exit_code;
}
