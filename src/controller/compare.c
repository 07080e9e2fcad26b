/* Desired state (revision, render) compared with the live objects of the destination's cache. */
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
#include "sync/hook.h"
#include "sync/wave.h"

void ctl_target_release(ctl_target *t)
{
	if (t) {
		cap_value_free(t->revisions);
		cap_value_free(t->hooks);
		t->revisions = NULL;
		t->hooks = NULL;
	}
}

const char *ctl_target_revision(const ctl_target *t)
{
	if (t->revisions)
		return cap_value_get_string(cap_value_array_get(t->revisions, 0));
	return t->commit;
}

/*
 * Keeps the objects that are neither hooks nor of a kind excluded from management on app's
 * destination (argocd-cm resource.exclusions and the built-in ones: the cache never sees them,
 * so they could only ever look missing); the hooks go to t->hooks; consumes
 * objs.
 */
static cap_value *managed_only(cap_controller *c, const cap_app *app, cap_value *objs,
			       ctl_target *t)
{
	const cap_settings_cluster *dest = NULL;
	const char *server = ctl_destination(&dest, c, &app->destination)
				 ? CAP_KUBE_IN_CLUSTER_SERVER
				 : dest->server;
	cap_value *kept = cap_value_array(), *obj;
	cap_value_free(t->hooks);
	t->hooks = cap_value_array();
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		bool excluded =
		    !cap_kube_key_from_object(&k, obj) &&
		    (cap_cache_default_excluded(k.group, k.kind) ||
		     cap_settings_resource_excluded(&c->settings, k.group, k.kind, server));
		cap_kube_key_release(&k);
		if (excluded)
			continue;
		if (!cap_sync_hook_is_hook(obj))
			cap_value_array_append(kept, cap_value_ref(obj));
		else
			cap_value_array_append(t->hooks, cap_value_ref(obj));
	}
	cap_value_free(objs);
	return kept;
}

static void common_request(cap_controller *c, cap_render_request *req, const cap_app *app,
			   cap_render_options *ro)
{
	req->app_name = app->name;
	req->app_namespace = app->namespace;
	req->dest_namespace = app->destination.namespace;
	req->project = app->project;
	req->tracking = c->settings.tracking;
	req->instance_label_key = c->settings.instance_label_key;
	req->opts = ro;
}

static const char *tool_of(const cap_render_source *src, const char *root)
{
	cap_render_tool tool = CAP_RENDER_AUTO;
	if (cap_render_source_explicit_tool(&tool, src))
		tool = CAP_RENDER_AUTO;
	if (tool == CAP_RENDER_AUTO && src->chart)
		tool = CAP_RENDER_HELM;
	if (tool == CAP_RENDER_AUTO && root) {
		cap_buf dir = CAP_BUF_INIT;
		cap_buf_printf(&dir, "%s/%s", root, src->path ? src->path : "");
		tool = cap_render_detect_tool(dir.ptr);
		cap_buf_release(&dir);
	}
	return cap_render_tool_name(tool == CAP_RENDER_AUTO ? CAP_RENDER_DIRECTORY : tool);
}

/* Resolves and checks out one source; *tree is NULL for charts. */
static int checkout(cap_controller *c, cap_git_tree **tree, char commit[41],
		    const cap_render_source *src, const char *revision, bool refetch)
{
	const char *rev = revision && *revision ? revision : src->target_revision;
	if (src->chart) {
		snprintf(commit, 41, "%s", rev ? rev : "");
		return 0;
	}
	if (!src->repo_url)
		return cap_error_set(CAP_EINVALID, "application source has no repoURL");
	const cap_git_creds *creds = cap_git_credstore_lookup(c->settings.repos, src->repo_url);
	if (refetch)
		cap_git_cache_refresh(c->git, src->repo_url);
	int rc = cap_git_cache_get(tree, c->git, src->repo_url, rev ? rev : "HEAD", creds);
	if (!rc)
		snprintf(commit, 41, "%s", cap_git_tree_commit(*tree));
	return rc;
}

static int desired_single(cap_controller *c, cap_value **out, ctl_target *t, const cap_app *app,
			  const char *revision, bool refetch, bool hard)
{
	cap_render_source src;
	cap_git_tree *tree = NULL;
	cap_value *objs = NULL;
	int rc;
	if (!t->source)
		return cap_error_set(CAP_EINVALID, "application has no source");
	if ((rc = cap_render_source_parse(&src, (cap_value *)t->source)))
		return rc;
	cap_render_options ro = {0};
	cap_render_request req = {0};
	common_request(c, &req, app, &ro);
	req.source = &src;
	if ((rc = checkout(c, &tree, t->commit, &src, revision, refetch)))
		goto done;
	req.revision = t->commit;
	req.repo_root = tree ? cap_git_tree_path(tree) : NULL;
	if (src.chart)
		req.chart_creds = cap_git_credstore_lookup(c->settings.repos, src.repo_url);
	t->source_type = tool_of(&src, req.repo_root);
	if (!(rc = cap_render_cache_render(&objs, NULL, c->renders, &req, t->commit, hard)))
		*out = managed_only(c, app, objs, t);
done:
	cap_git_tree_release(tree);
	cap_render_source_release(&src);
	return rc;
}

static int desired_multi(cap_controller *c, cap_value **out, ctl_target *t, const cap_app *app,
			 const cap_value *revisions, bool refetch)
{
	size_t n = cap_value_array_len(t->sources), parsed = 0, i;
	cap_render_source *srcs = cap_calloc(n ? n : 1, sizeof(*srcs));
	cap_render_input *in = cap_calloc(n ? n : 1, sizeof(*in));
	cap_git_tree **trees = cap_calloc(n ? n : 1, sizeof(*trees));
	char(*commits)[41] = cap_calloc(n ? n : 1, sizeof(*commits));
	cap_value *objs = NULL;
	int rc = n ? 0 : cap_error_set(CAP_EINVALID, "application has no sources");
	for (i = 0; i < n && !rc; i++) {
		if ((rc = cap_render_source_parse(&srcs[i], cap_value_array_get(t->sources, i))))
			break;
		parsed++;
		const char *rev = cap_value_get_string(cap_value_array_get(revisions, i));
		if ((rc = checkout(c, &trees[i], commits[i], &srcs[i], rev, refetch)))
			break;
		in[i].source = &srcs[i];
		in[i].repo_root = trees[i] ? cap_git_tree_path(trees[i]) : NULL;
		in[i].revision = commits[i];
	}
	if (rc) {
		cap_error_prefix("source %zu of %zu: ", i + 1, n);
	} else {
		cap_render_options ro = {0};
		cap_render_request common = {0};
		common_request(c, &common, app, &ro);
		if (!(rc = cap_render_multi(&objs, in, n, &common))) {
			*out = managed_only(c, app, objs, t);
			t->revisions = cap_value_array();
			for (i = 0; i < n; i++)
				cap_value_array_append(t->revisions, cap_value_string(commits[i]));
			t->source_type = tool_of(&srcs[0], in[0].repo_root);
		}
	}
	for (i = 0; i < n; i++)
		cap_git_tree_release(trees[i]);
	for (i = 0; i < parsed; i++)
		cap_render_source_release(&srcs[i]);
	free(srcs);
	free(in);
	free(trees);
	free(commits);
	return rc;
}

int ctl_desired(cap_controller *c, cap_value **out, ctl_target *t, const cap_app *app,
		const char *revision, const cap_value *revisions, bool refetch, bool hard)
{
	if (t->sources)
		return desired_multi(c, out, t, app, revisions, refetch);
	return desired_single(c, out, t, app, revision, refetch, hard);
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

cap_diff_ignore *ctl_ignore_rules(cap_controller *c, const cap_app *app)
{
	cap_diff_ignore *ig = cap_diff_ignore_new();
	if (c->settings.cm)
		cap_diff_ignore_add_argocd_cm(ig, c->settings.cm);
	if (app->ignore_differences)
		cap_diff_ignore_add_app(ig, app->ignore_differences);
	return ig;
}

#define DIFF_MEMO_MAX 200000

/*
 * Whether live matches config. The answer for the same config, the same live revision and the
 * same rules is remembered, so a refresh where nothing changed diffs nothing. The settings that
 * also shape a diff (argocd-cm) are fixed while the controller runs.
 */
static bool in_sync(cap_controller *c, const cap_value *config, const cap_value *live,
		    const cap_diff_options *dopts, uint64_t rules_hash)
{
	cap_diff_options keyed = *dopts;
	keyed.ignore = NULL; /* a new rule set per refresh: its rules are in rules_hash instead */
	uint64_t key = cap_diff_key(config, live, &keyed) ^ rules_hash;
	void *v = NULL;
	pthread_mutex_lock(&c->memo_lock);
	bool known = cap_hashmap_find_u64(&c->diff_memo, key, &v);
	pthread_mutex_unlock(&c->memo_lock);
	if (known)
		return (uintptr_t)v == 1;
	cap_diff_result dr = CAP_DIFF_RESULT_INIT;
	int rc = cap_diff(&dr, config, live, dopts);
	bool same = !rc && !dr.modified;
	cap_diff_result_release(&dr);
	if (rc)
		return false;
	pthread_mutex_lock(&c->memo_lock);
	if (cap_hashmap_len(&c->diff_memo) >= DIFF_MEMO_MAX)
		cap_hashmap_clear(&c->diff_memo, NULL);
	cap_hashmap_put_u64(&c->diff_memo, key, (void *)(uintptr_t)(same ? 1 : 2));
	pthread_mutex_unlock(&c->memo_lock);
	return same;
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
	ctl_cluster *dest = NULL;
	int rc = ctl_cluster_acquire(&dest, c, app);
	if (rc) {
		*out = cmp;
		return rc;
	}
	cap_cache_app_objects(&tracked, dest->cache, app->name);
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
	cap_diff_ignore *ig = ctl_ignore_rules(c, app);
	uint64_t rules_hash = cap_value_hash(app->ignore_differences) * 0x9e3779b97f4a7c15ULL;
	bool app_ssa = cap_app_has_sync_option(app, "ServerSideApply=true");
	CAP_VALUE_ARRAY_FOREACH(desired, i, obj)
	{
		row r = {CAP_KUBE_KEY_INIT, obj, NULL, false, false};
		if (cap_kube_key_from_object(&r.key, obj))
			continue;
		id_of(&id, &r.key);
		cap_hashmap_put(&seen, id.ptr, NULL);
		cap_value *live = cap_hashmap_get(&live_by_id, id.ptr);
		if (!live && !cap_cache_get(&live, dest->cache, &r.key)) {
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
		if (live)
			r.in_sync = in_sync(c, obj, live, &dopts, rules_hash);
		cmp.in_sync[i] = r.in_sync;
		CAP_VEC_PUSH(&rows, r);
	}
	CAP_VALUE_ARRAY_FOREACH(tracked, i, obj)
	{
		row r = {CAP_KUBE_KEY_INIT, NULL, obj, false, true};
		if (cap_kube_key_from_object(&r.key, obj))
			continue;
		id_of(&id, &r.key);
		if (cap_sync_hook_is_hook(obj)) {
			/* a hook's object: the sync engine follows it, the comparison does not */
			if (!cap_hashmap_contains(&seen, id.ptr))
				cap_value_array_append(cmp.live, cap_value_ref(obj));
			cap_kube_key_release(&r.key);
			continue;
		}
		if (cap_hashmap_contains(&seen, id.ptr) ||
		    cap_value_object_get(cap_value_object_get(obj, "metadata"),
					 "ownerReferences")) {
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
	cap_health_aggregate(&app_health, hr, rows.len, c->settings.health, app->raw);
	cmp.resources = cap_value_array();
	cmp.synced = true;
	for (i = 0; i < rows.len; i++) {
		row *r = &rows.items[i];
		cap_app_resource_status rs = {0};
		const char *api =
		    cap_value_dig_string(r->desired ? r->desired : r->live, "apiVersion", NULL);
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
		if (r->desired && cap_sync_wave_of(&rs.sync_wave, r->desired))
			rs.sync_wave = 0;
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
	cmp.health =
	    cap_health_status_name(app_health == CAP_HEALTH_NONE ? CAP_HEALTH_HEALTHY : app_health);
	free(hr);
	CAP_VEC_RELEASE(&rows);
	cap_diff_ignore_free(ig);
	cap_hashmap_release(&live_by_id, NULL);
	cap_hashmap_release(&seen, NULL);
	cap_buf_release(&id);
	cap_value_free(tracked);
	ctl_cluster_release(dest);
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
