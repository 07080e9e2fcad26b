/* One step of an Application's sync: render at the operation's revision, compare, run the engine. */
#include "controller/operation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/status.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "base/log.h"
#include "base/time.h"
#include "cache/cache.h"
#include "diff/respect.h"
#include "git/remote.h"
#include "sync/options.h"

/* Objects of objs that the operation's resource list keeps (all when it has none). */
static cap_value *selected(const cap_app_operation *op, const cap_value *objs)
{
	cap_value *out = cap_value_array(), *obj;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (!cap_kube_key_from_object(&k, obj) &&
		    !cap_app_operation_excludes(op, k.group, k.kind, k.namespace, k.name))
			cap_value_array_append(out, cap_value_ref(obj));
		cap_kube_key_release(&k);
	}
	return out;
}

/*
 * FailOnSharedResource=true: a desired object whose live copy another Application tracks fails
 * the sync, with Argo CD's message. Appends to out and returns true when one does.
 */
static bool shared_resource(cap_controller *c, cap_buf *out, const cap_app *app,
			    const cap_value *live)
{
	size_t i;
	cap_value *obj;
	bool found = false;
	CAP_VALUE_ARRAY_FOREACH(live, i, obj)
	{
		const char *owner = cap_cache_tracking_app(obj, c->settings.instance_label_key);
		if (!owner || !strcmp(owner, app->name))
			continue;
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (!cap_kube_key_from_object(&k, obj)) {
			cap_buf_puts(out, found ? ", " : "Shared resource found: ");
			cap_buf_printf(out, "%s/%s is part of applications %s/%s and %s", k.kind,
				       k.name, app->namespace ? app->namespace : "", app->name, owner);
			found = true;
		}
		cap_kube_key_release(&k);
	}
	return found;
}

/*
 * RespectIgnoreDifferences=true: each desired object with a live copy keeps the live values of
 * the fields ignoreDifferences names. Returns a new array in the same order.
 */
static cap_value *respect_ignored(cap_controller *c, const cap_app *app, const cap_value *want,
				  const cap_value *live)
{
	cap_hashmap by_id = CAP_HASHMAP_INIT;
	cap_buf id = CAP_BUF_INIT;
	cap_value *out = cap_value_array(), *obj;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(live, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (!cap_kube_key_from_object(&k, obj)) {
			cap_buf_clear(&id);
			cap_kube_key_format(&k, &id);
			cap_hashmap_put(&by_id, id.ptr, obj);
		}
		cap_kube_key_release(&k);
	}
	cap_diff_ignore *ig = ctl_ignore_rules(c, app);
	CAP_VALUE_ARRAY_FOREACH(want, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		cap_value *l = NULL, *kept = NULL;
		if (!cap_kube_key_from_object(&k, obj)) {
			cap_buf_clear(&id);
			cap_kube_key_format(&k, &id);
			l = cap_hashmap_get(&by_id, id.ptr);
		}
		cap_kube_key_release(&k);
		if (cap_diff_respect_ignored(&kept, ig, obj, l)) {
			cap_log_warn("cannot respect ignoreDifferences", "app", app->name, "error",
				     cap_error_last());
			kept = cap_value_ref(obj);
		}
		cap_value_array_append(out, kept);
	}
	cap_diff_ignore_free(ig);
	cap_hashmap_release(&by_id, NULL);
	cap_buf_release(&id);
	return out;
}

/* The app's sync options: syncPolicy's, then the operation's over them. */
static void option_set(cap_sync_option_set *out, const cap_app *app)
{
	cap_sync_option_set_add_array(out, app->sync_policy.sync_options);
	cap_sync_option_set_add_array(out, app->operation.sync_options);
	if (cap_sync_option_set_check(out))
		cap_log_warn("ignoring sync options", "app", app->name, "error", cap_error_last());
}

/* The revision a resumed operation resolved in its first step, or NULL. */
static const char *recorded_revision(const cap_value *state)
{
	const char *rev = cap_value_dig_string(state, "syncResult", "revision", NULL);
	return rev && cap_git_is_commit_sha(rev) ? rev : NULL;
}

cap_sync_op_phase ctl_sync_step(ctl_op_run *run, const cap_app *app, bool terminate,
				cap_sync_outcome *out)
{
	cap_controller *c = run->c;
	const cap_app_operation *op = &app->operation;
	cap_value *desired = NULL, *want = NULL, *live = NULL;
	const cap_value *prev = cap_value_dig(run->state, "syncResult", "resources", NULL);
	const cap_settings_cluster *cluster = NULL;
	cap_buf msg = CAP_BUF_INIT;
	cap_project proj;
	memset(out, 0, sizeof(*out));
	out->phase = CAP_SYNC_OP_FAILED;
	if (ctl_destination(&cluster, c, &app->destination) ||
	    ctl_project_get(c, &proj, app, cluster)) {
		out->message = cap_strdup(cap_error_last());
		return out->phase;
	}
	/* the first step resolves the revision; later ones stay on it */
	const char *revision = recorded_revision(run->state);
	const cap_value *revisions = cap_value_dig(run->state, "syncResult", "revisions", NULL);
	if (!revision)
		revision = op->revision;
	if (!cap_value_is_array(revisions))
		revisions = op->revisions;
	/* a user asking to sync a branch means its newest commit: ask the remote again */
	bool refetch =
	    !prev && (run->target->sources || !revision || !cap_git_is_commit_sha(revision));
	int rc = ctl_desired(c, &desired, run->target, app, revision, revisions, refetch, false);
	if (rc) {
		cap_buf_printf(&msg, "ComparisonError: failed to generate manifest: %s",
			       cap_error_last());
		out->phase = CAP_SYNC_OP_ERROR;
		out->message = cap_buf_detach(&msg, NULL);
		cap_project_release(&proj);
		return out->phase;
	}
	const cap_value *hooks = run->target->hooks;
	int bad = ctl_project_check_objects(&msg, &proj, desired) +
		  ctl_project_check_objects(&msg, &proj, hooks);
	cap_project_release(&proj);
	if (bad && !terminate) {
		cap_buf m = CAP_BUF_INIT;
		cap_buf_printf(&m, "one or more synchronization tasks are not valid: %s", msg.ptr);
		out->message = cap_buf_detach(&m, NULL);
		goto done;
	}
	ctl_compare cmp = {0};
	ctl_compare_run(c, &cmp, app, desired);
	bool selective = op->n_resources > 0;
	want = selective ? selected(op, desired) : cap_value_ref(desired);
	live = selective ? selected(op, cmp.live) : cap_value_ref(cmp.live);
	bool *in_sync = cmp.in_sync;
	ctl_compare sel = {0};
	if (selective) {
		ctl_compare_run(c, &sel, app, want);
		in_sync = sel.in_sync;
	}
	cap_sync_option_set opts = CAP_SYNC_OPTION_SET_INIT;
	option_set(&opts, app);
	if (cap_sync_option_bool(&opts, CAP_SYNC_OPT_RESPECT_IGNORE_DIFFERENCES, false)) {
		cap_value *kept = respect_ignored(c, app, want, live);
		cap_value_free(want);
		want = kept;
	}
	cap_buf_clear(&msg);
	ctl_cluster *dest = NULL;
	if (ctl_cluster_acquire(&dest, c, app)) {
		out->message = cap_strdup(cap_error_last());
	} else if (!terminate && !prev &&
	    cap_sync_option_bool(&opts, CAP_SYNC_OPT_FAIL_ON_SHARED_RESOURCE, false) &&
	    shared_resource(c, &msg, app, live)) {
		out->message = cap_buf_detach(&msg, NULL);
	} else {
		char started_text[CAP_RFC3339_LEN];
		int64_t started = 0;
		snprintf(started_text, sizeof(started_text), "%s",
			 cap_value_dig_string(run->state, "startedAt", NULL) ?: "");
		cap_time_parse_rfc3339(&started, started_text);
		cap_sync_request req = {0};
		req.client = dest->client;
		req.targets = want;
		req.in_sync = in_sync;
		req.hooks = hooks;
		req.live = live;
		req.revision = ctl_target_revision(run->target);
		req.started_at = started;
		req.namespace = app->destination.namespace;
		req.options = &opts;
		req.managed_namespace_metadata = app->sync_policy.managed_namespace_metadata;
		req.health = c->settings.health;
		req.prune = op->prune;
		req.dry_run = op->dry_run;
		/* a selective sync and the apply strategy run no hooks, as Argo CD */
		req.skip_hooks = selective || (op->strategy && !strcmp(op->strategy, "apply"));
		req.force = op->force;
		req.prune_confirmed = cap_sync_deletion_approved(app->raw, started);
		req.wave_delay_ms = c->wave_delay_ms;
		req.cancelled = ctl_op_terminating;
		req.progress = ctl_op_progress;
		req.ctx = run;
		if (terminate)
			cap_sync_terminate(out, &req, prev);
		else if (cap_sync_reconcile(out, &req, prev) == CAP_ECANCELED)
			out->requeue_ms = 1;
	}
	ctl_cluster_release(dest);
	cap_sync_option_set_release(&opts);
	ctl_compare_release(&sel);
	ctl_compare_release(&cmp);
done:
	cap_buf_release(&msg);
	cap_value_free(desired);
	cap_value_free(want);
	cap_value_free(live);
	return out->phase;
}
