/* Rendering an Application's sources and reading its live objects from the cluster. */
#include "cli/app_render.h"

#include "base/buf.h"
#include "base/error.h"
#include "git/cache.h"
#include "git/tree_fs.h"
#include "kube/key.h"
#include "render/paths.h"
#include "render/render.h"
#include "render/source.h"

#include <stdlib.h>
#include <string.h>

int cap_app_render_desired(cap_value **out, char **revision, const cap_app *app,
			   const cap_settings *settings)
{
	size_t n = cap_app_source_count(app);
	if (!n)
		return cap_error_set(CAP_EINVALID, "application '%s' has no source", app->name);
	cap_buf tmp = CAP_BUF_INIT;
	cap_git_cache *gc = NULL;
	cap_render_source *srcs = calloc(n, sizeof(*srcs));
	cap_git_tree **trees = calloc(n, sizeof(*trees));
	cap_render_input *inputs = calloc(n, sizeof(*inputs));
	size_t parsed = 0;
	int rc = cap_render_mkdtemp(&tmp);
	if (!rc) {
		cap_git_cache_options go = {.root = tmp.ptr};
		rc = cap_git_cache_open(&gc, &go);
	}
	for (size_t i = 0; i < n && !rc; i++) {
		if ((rc = cap_render_source_parse(&srcs[i], cap_app_source_at(app, i))))
			break;
		parsed++;
		inputs[i].source = &srcs[i];
		if (srcs[i].chart) {
			inputs[i].revision = srcs[i].target_revision;
			continue;
		}
		const char *url = srcs[i].repo_url ? srcs[i].repo_url : "";
		rc = cap_git_cache_get(&trees[i], gc, url,
				       srcs[i].target_revision ? srcs[i].target_revision : "HEAD",
				       cap_git_credstore_lookup(settings->repos, url));
		if (!rc) {
			inputs[i].repo_root = cap_git_tree_path(trees[i]);
			inputs[i].revision = cap_git_tree_commit(trees[i]);
		}
	}
	if (!rc) {
		cap_render_request req = {
		    .app_name = app->name,
		    .app_namespace = app->namespace,
		    .dest_namespace = app->destination.namespace,
		    .project = app->project,
		    .tracking = settings->tracking,
		    .instance_label_key = settings->instance_label_key,
		};
		if (n == 1 && !app->sources) {
			req.source = inputs[0].source;
			req.repo_root = inputs[0].repo_root;
			req.revision = inputs[0].revision;
			rc = cap_render_manifests(out, &req);
		} else {
			rc = cap_render_multi(out, inputs, n, &req);
		}
		if (!rc)
			*revision = inputs[0].revision ? strdup(inputs[0].revision) : NULL;
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
	free(trees);
	free(inputs);
	return rc;
}

static int get_key(cap_value **out, cap_app_cli *cli, cap_kube_key *key)
{
	cap_value *obj = NULL;
	int rc = cap_kube_get(cli->client, &obj, key);
	if (rc == CAP_ENOTFOUND) {
		*out = NULL;
		return 0;
	}
	if (!rc)
		*out = obj;
	return rc;
}

int cap_app_live_object(cap_value **out, cap_app_cli *cli, const cap_value *desired)
{
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	int rc = cap_kube_key_from_object(&key, desired);
	if (!rc)
		rc = cap_kube_resolve(cli->client, &key, "default");
	if (rc == CAP_ENOTFOUND) {
		/* the kind is not served (a CRD not yet installed): nothing live */
		*out = NULL;
		rc = 0;
	} else if (!rc) {
		rc = get_key(out, cli, &key);
	}
	cap_kube_key_release(&key);
	return rc;
}

int cap_app_live_resource(cap_value **out, cap_app_cli *cli, const cap_value *entry)
{
	const char *g = cap_value_dig_string(entry, "group", NULL);
	const char *v = cap_value_dig_string(entry, "version", NULL);
	cap_buf av = CAP_BUF_INIT;
	if (g && *g)
		cap_buf_printf(&av, "%s/%s", g, v ? v : "v1");
	else
		cap_buf_puts(&av, v ? v : "v1");
	cap_value *like = cap_value_object();
	cap_value_object_set(like, "apiVersion", cap_value_string(av.ptr));
	cap_value_object_set(like, "kind",
			     cap_value_string(cap_value_dig_string(entry, "kind", NULL) ?: ""));
	cap_value *md = cap_value_object();
	cap_value_object_set(md, "name",
			     cap_value_string(cap_value_dig_string(entry, "name", NULL) ?: ""));
	const char *ns = cap_value_dig_string(entry, "namespace", NULL);
	if (ns && *ns)
		cap_value_object_set(md, "namespace", cap_value_string(ns));
	cap_value_object_set(like, "metadata", md);
	int rc = cap_app_live_object(out, cli, like);
	cap_value_free(like);
	cap_buf_release(&av);
	return rc;
}
