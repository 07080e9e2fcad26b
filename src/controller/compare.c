/* Desired state (revision, render) and its comparison with live objects from the cluster cache. */
#include "controller/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/status.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "diff/diff.h"
#include "diff/ignore.h"
#include "health/aggregate.h"
#include "health/health.h"
#include "render/source.h"
#include "sync/sync.h"

/* Hooks run around a sync; the basic sync leaves them out of the desired state. */
static bool is_hook(const cap_value *obj)
{
	return cap_value_dig_string(obj, "metadata", "annotations", CAP_SYNC_HOOK_ANNOTATION,
				    NULL) ||
	       cap_value_dig_string(obj, "metadata", "annotations", "helm.sh/hook", NULL);
}

int ctl_desired(cap_controller *c, cap_value **out, char commit[41], const cap_app *app,
		const cap_value *source, const char *revision, bool refetch, bool hard)
{
	cap_render_source src;
	cap_git_tree *tree = NULL;
	cap_value *objs = NULL;
	int rc;
	if (!source)
		return cap_error_set(CAP_EINVALID, "application has no source");
	if ((rc = cap_render_source_parse(&src, (cap_value *)source)))
		return rc;
	const char *rev = revision && *revision ? revision : src.target_revision;
	const cap_git_creds *creds =
	    src.repo_url ? cap_git_credstore_lookup(c->settings.repos, src.repo_url) : NULL;
	cap_render_options ro = {0};
	cap_render_request req = {0};
	req.source = &src;
	req.app_name = app->name;
	req.app_namespace = app->namespace;
	req.dest_namespace = app->destination.namespace;
	req.project = app->project;
	req.tracking = c->settings.tracking;
	req.instance_label_key = c->settings.instance_label_key;
	req.opts = &ro;
	if (src.chart) {
		req.chart_creds = creds;
		snprintf(commit, 41, "%s", rev ? rev : "");
		req.revision = commit;
	} else if (!src.repo_url) {
		rc = cap_error_set(CAP_EINVALID, "application source has no repoURL");
		goto done;
	} else {
		if (refetch)
			cap_git_cache_refresh(c->git, src.repo_url);
		if ((rc = cap_git_cache_get(&tree, c->git, src.repo_url, rev ? rev : "HEAD",
					    creds)))
			goto done;
		snprintf(commit, 41, "%s", cap_git_tree_commit(tree));
		req.repo_root = cap_git_tree_path(tree);
		req.revision = commit;
	}
	if ((rc = cap_render_cache_render(&objs, NULL, c->renders, &req, commit, hard)))
		goto done;
	cap_value *kept = cap_value_array(), *obj;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	if (!is_hook(obj))
		cap_value_array_append(kept, cap_value_ref(obj));
	cap_value_free(objs);
	*out = kept;
done:
	cap_git_tree_release(tree);
	cap_render_source_release(&src);
	return rc;
}

static void id_of(cap_buf *out, const cap_kube_key *k)
{
	cap_buf_clear(out);
	cap_buf_printf(out, "%s\x1f%s\x1f%s\x1f%s", k->group, k->kind, k->namespace, k->name);
}

/* One row of the comparison, in status.resources order. */
typedef struct row {
	cap_kube_key key;
	const cap_value *desired;
	const cap_value *live;
	bool in_sync;
	bool prune;
} row;

static int row_cmp(const void *a, const void *b)
{
	return cap_kube_key_compare(&((const row *)a)->key, &((const row *)b)->key);
}

static cap_diff_ignore *ignore_rules(cap_controller *c, const cap_app *app)
{
	cap_diff_ignore *ig = cap_diff_ignore_new();
	if (c->settings.cm)
		cap_diff_ignore_add_argocd_cm(ig, c->settings.cm);
	if (app->ignore_differences)
		cap_diff_ignore_add_app(ig, app->ignore_differences);
	return ig;
}

int ctl_compare_run(cap_controller *c, ctl_compare *out, const cap_app *app,
		    const cap_value *desired)
{
	cap_value *tracked = NULL, *obj;
	cap_hashmap live_by_id = CAP_HASHMAP_INIT, seen = CAP_HASHMAP_INIT;
	cap_buf id = CAP_BUF_INIT;
	size_t i, n_desired = cap_value_array_len(desired);
	CAP_VEC_OF(row) rows = {0};
	ctl_compare cmp = {0};
	cap_cache_app_objects(&tracked, c->cache, app->name);
	cmp.live = cap_value_array();
	cmp.in_sync = cap_calloc(n_desired ? n_desired : 1, sizeof(bool));
	CAP_VALUE_ARRAY_FOREACH(tracked, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (!cap_kube_key_from_object(&k, obj)) {
			id_of(&id, &k);
			cap_hashmap_put(&live_by_id, id.ptr, obj);
		}
		cap_kube_key_release(&k);
	}
	cap_diff_ignore *ig = ignore_rules(c, app);
	bool app_ssa = cap_app_has_sync_option(app, "ServerSideApply=true");
	CAP_VALUE_ARRAY_FOREACH(desired, i, obj)
	{
		row r = {CAP_KUBE_KEY_INIT, obj, NULL, false, false};
		if (cap_kube_key_from_object(&r.key, obj))
			continue;
		id_of(&id, &r.key);
		cap_hashmap_put(&seen, id.ptr, NULL);
		cap_value *live = cap_hashmap_get(&live_by_id, id.ptr);
		if (!live && !cap_cache_get(&live, c->cache, &r.key)) {
			cap_value_array_append(cmp.live, live); /* untracked, yet the same object */
		} else if (live) {
			cap_value_array_append(cmp.live, cap_value_ref(live));
		}
		r.live = live;
		cap_diff_options dopts = CAP_DIFF_OPTIONS_INIT;
		dopts.mode = cap_diff_choose_mode(obj, false, app_ssa);
		if (dopts.mode == CAP_DIFF_SERVER_SIDE)
			dopts.mode = CAP_DIFF_CLIENT_SIDE;
		dopts.ignore = ig;
		if (c->settings.tracking == CAP_TRACK_ANNOTATION)
			dopts.instance_label = c->settings.instance_label_key;
		cap_diff_result dr = CAP_DIFF_RESULT_INIT;
		if (live && !cap_diff(&dr, obj, live, &dopts))
			r.in_sync = !dr.modified;
		cap_diff_result_release(&dr);
		cmp.in_sync[i] = r.in_sync;
		CAP_VEC_PUSH(&rows, r);
	}
	CAP_VALUE_ARRAY_FOREACH(tracked, i, obj)
	{
		row r = {CAP_KUBE_KEY_INIT, NULL, obj, false, true};
		if (cap_kube_key_from_object(&r.key, obj))
			continue;
		id_of(&id, &r.key);
		if (cap_hashmap_contains(&seen, id.ptr) ||
		    cap_value_object_get(cap_value_object_get(obj, "metadata"), "ownerReferences")) {
			/* paired already, or a child that inherited the tracking label */
			cap_kube_key_release(&r.key);
			continue;
		}
		if (cap_diff_ignore_extraneous(obj)) {
			r.prune = false;
			r.in_sync = true;
		}
		cap_value_array_append(cmp.live, cap_value_ref(obj));
		CAP_VEC_PUSH(&rows, r);
	}
	if (rows.len > 1)
		qsort(rows.items, rows.len, sizeof(row), row_cmp);

	cap_health_resource *hr = cap_calloc(rows.len ? rows.len : 1, sizeof(*hr));
	for (i = 0; i < rows.len; i++) {
		hr[i].group = rows.items[i].key.group;
		hr[i].kind = rows.items[i].key.kind;
		hr[i].target = rows.items[i].desired;
		hr[i].live = rows.items[i].live;
		cap_health_init(&hr[i].health);
	}
	cap_health_status app_health = CAP_HEALTH_HEALTHY;
	cap_health_aggregate(&app_health, hr, rows.len, NULL, app->raw);
	cmp.resources = cap_value_array();
	cmp.synced = true;
	for (i = 0; i < rows.len; i++) {
		row *r = &rows.items[i];
		cap_app_resource_status rs = {0};
		const char *api = cap_value_dig_string(r->desired ? r->desired : r->live,
						       "apiVersion", NULL);
		const char *slash = api ? strrchr(api, '/') : NULL;
		rs.group = r->key.group;
		rs.version = slash ? slash + 1 : api;
		rs.kind = r->key.kind;
		rs.namespace = r->key.namespace;
		rs.name = r->key.name;
		rs.status = r->in_sync ? CAP_APP_SYNC_SYNCED : CAP_APP_SYNC_OUT_OF_SYNC;
		if (hr[i].health.status != CAP_HEALTH_NONE) {
			rs.health_status = cap_health_status_name(hr[i].health.status);
			rs.health_message = hr[i].health.message[0] ? hr[i].health.message : NULL;
		}
		rs.requires_pruning = r->prune;
		if (r->desired)
			rs.sync_wave = strtoll(cap_value_dig_string(r->desired, "metadata",
								    "annotations",
								    CAP_SYNC_WAVE_ANNOTATION, NULL)
						   ?: "0",
					       NULL, 10);
		cap_value_array_append(cmp.resources, cap_app_status_resource(&rs));
		if (!r->in_sync) {
			cmp.synced = false;
			cmp.out_of_sync++;
			if (r->prune)
				cmp.need_pruning++;
		}
		cap_health_release(&hr[i].health);
		cap_kube_key_release(&r->key);
	}
	cmp.health = cap_health_status_name(app_health == CAP_HEALTH_NONE ? CAP_HEALTH_HEALTHY
									   : app_health);
	free(hr);
	CAP_VEC_RELEASE(&rows);
	cap_diff_ignore_free(ig);
	cap_hashmap_release(&live_by_id, NULL);
	cap_hashmap_release(&seen, NULL);
	cap_buf_release(&id);
	cap_value_free(tracked);
	*out = cmp;
	return 0;
}

void ctl_compare_release(ctl_compare *cmp)
{
	if (!cmp)
		return;
	cap_value_free(cmp->live);
	cap_value_free(cmp->resources);
	free(cmp->in_sync);
	memset(cmp, 0, sizeof(*cmp));
}
