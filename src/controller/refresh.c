/* The status processor: one refresh of an Application, its status patch, and automated sync. */
#include "controller/internal.h"

#include <stdlib.h>
#include <string.h>

#include "app/status.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/log.h"
#include "base/time.h"

#define SELF_HEAL_MAX_MS    300000
#define COMPARISON_RETRY_MS 10000 /* look again soon after a failed comparison */
#define AUTOSYNC_PENDING_MS 10000 /* how long an operation we wrote may stay unseen */
#define AUTOSYNC_STALE_MS   500	  /* look again once the informer caught up with the server */

/* Members of status a refresh owns; reconciledAt is judged apart. */
static const char *const owned[] = {
    "sync", "health", "resources", "conditions", "summary", "controllerNamespace", "sourceType"};

static bool status_changed(const cap_value *old, const cap_value *new_status)
{
	for (size_t i = 0; i < CAP_ARRAY_SIZE(owned); i++)
		if (!cap_value_equal(cap_value_object_get(old, owned[i]),
				     cap_value_object_get(new_status, owned[i])))
			return true;
	return false;
}

static bool reconciled_recently(cap_controller *c, const cap_value *status)
{
	const char *at = cap_value_dig_string(status, "reconciledAt", NULL);
	int64_t t;
	if (!at || cap_time_parse_rfc3339(&t, at))
		return false;
	return (cap_time_wall_s() - t) * 1000 < (int64_t)c->resync_ms;
}

void ctl_set_condition(cap_value *status, const char *type, const char *message, const char *now)
{
	cap_value *conds = cap_value_object_get(status, "conditions");
	if (!conds) {
		if (!message)
			return;
		cap_value_object_set(status, "conditions", cap_value_array());
		conds = cap_value_object_get(status, "conditions");
	}
	if (message)
		cap_app_status_condition_set(conds, type, message, now);
	else
		cap_app_status_condition_clear(conds, type);
	if (!cap_value_array_len(conds))
		cap_value_object_del(status, "conditions");
}

static ctl_app *app_state(cap_controller *c, const char *name)
{
	return cap_hashmap_get(&c->apps, name);
}

/*
 * Whether auto-sync wrote an operation the informer has not delivered yet; mark records a new
 * one. This only spares requests that are bound to be turned down: a refresh that read its copy
 * before the event that clears the mark is caught by fresh_for_auto_sync.
 */
static bool autosync_pending(cap_controller *c, const char *name, bool mark)
{
	uint64_t now = cap_time_now_ms();
	bool pending = false;
	pthread_mutex_lock(&c->lock);
	ctl_app *a = app_state(c, name);
	if (a) {
		pending = a->autosync_at_ms && now - a->autosync_at_ms < AUTOSYNC_PENDING_MS;
		if (mark)
			a->autosync_at_ms = now;
	}
	pthread_mutex_unlock(&c->lock);
	return pending;
}

static unsigned heal_attempts(cap_controller *c, const char *name, int change)
{
	unsigned n = 0;
	pthread_mutex_lock(&c->lock);
	ctl_app *a = app_state(c, name);
	if (a) {
		if (change < 0)
			a->heal_attempts = 0;
		else
			a->heal_attempts += (unsigned)change;
		n = a->heal_attempts;
	}
	pthread_mutex_unlock(&c->lock);
	return n;
}

/*
 * Whether the server's copy of app still holds what auto-sync's decision was made from: no
 * operation, the same operationState and spec. A refresh reads the informer's copy, which may
 * predate an operation this controller wrote (and even its failed result): syncing from it would
 * run a failed revision again. On success *rv is the server copy's resourceVersion (owned).
 */
static bool fresh_for_auto_sync(cap_controller *c, const cap_app *app, char **rv)
{
	cap_value *obj = NULL;
	if (ctl_app_get(c, &obj, app->name)) {
		cap_log_warn("cannot start automated sync", "app", app->name, "error",
			     cap_error_last());
		*rv = NULL;
		return false;
	}
	bool fresh = !cap_value_object_get(obj, "operation") &&
		     cap_value_equal(cap_value_dig(obj, "status", "operationState", NULL),
				     cap_value_object_get(app->status, "operationState")) &&
		     cap_value_equal(cap_value_object_get(obj, "spec"),
				     cap_value_object_get(app->raw, "spec"));
	const char *v = cap_value_dig_string(obj, "metadata", "resourceVersion", NULL);
	*rv = fresh && v ? cap_strdup(v) : NULL;
	cap_value_free(obj);
	return fresh;
}

/* Argo CD's autoSync gating; starts an operation when the app should sync by itself. */
static void auto_sync(cap_controller *c, const cap_app *app, const ctl_compare *cmp,
		      const ctl_target *t, size_t n_desired, const cap_project *proj,
		      const cap_settings_cluster *cluster)
{
	const char *commit = ctl_target_revision(t);
	const cap_app_sync_policy *pol = &app->sync_policy;
	if (!pol->automated || app->operation.present || app->deletion_timestamp ||
	    autosync_pending(c, app->name, false))
		return;
	if (cmp->synced) {
		heal_attempts(c, app->name, -1);
		return;
	}
	cap_value *state = cap_value_object_get(app->status, "operationState");
	const char *phase = cap_value_dig_string(state, "phase", NULL);
	if (phase && !cap_app_phase_completed(phase))
		return;
	if (!ctl_windows_auto_sync_allowed(c, app, proj, cluster))
		return;
	if (!n_desired && !pol->allow_empty) {
		cap_log_info("skipping auto-sync: it would wipe out all resources", "app",
			     app->name);
		return;
	}
	if (!pol->prune && cmp->out_of_sync == cmp->need_pruning) {
		cap_log_debug("skipping auto-sync: only pruning needed and prune is off", "app",
			      app->name);
		return;
	}
	const char *last = cap_value_dig_string(state, "syncResult", "revision", NULL);
	bool attempted, heal = false;
	if (t->revisions)
		attempted = cap_value_equal(cap_value_dig(state, "syncResult", "revisions", NULL),
					    t->revisions) &&
			    cap_value_equal(cap_value_dig(state, "syncResult", "sources", NULL),
					    app->sources);
	else
		attempted = last && !strcmp(last, t->commit) &&
			    cap_value_equal(cap_value_dig(state, "syncResult", "source", NULL),
					    app->source);
	if (attempted) {
		if (strcmp(phase ? phase : "", CAP_APP_PHASE_SUCCEEDED)) {
			cap_log_info("skipping auto-sync: failed previous sync attempt", "app",
				     app->name, "revision", commit);
			return;
		}
		if (!pol->self_heal) {
			cap_log_debug("skipping auto-sync: most recent sync already to revision",
				      "app", app->name, "revision", commit);
			return;
		}
		unsigned n = heal_attempts(c, app->name, 0);
		uint64_t delay = c->self_heal_base_ms;
		for (unsigned i = 0; i < n && delay < SELF_HEAL_MAX_MS; i++)
			delay *= 3;
		if (delay > SELF_HEAL_MAX_MS)
			delay = SELF_HEAL_MAX_MS;
		/*
		 * The first heal waits too: right after a sync the cluster cache may not have
		 * seen that sync's own writes yet (watch events lag, more so after a dropped
		 * watch), and healing from it would run a second sync of an app in sync.
		 */
		int64_t finished = 0;
		const char *at = cap_value_dig_string(state, "finishedAt", NULL);
		if (at && !cap_time_parse_rfc3339(&finished, at)) {
			int64_t waited = (cap_time_wall_s() - finished) * 1000;
			if (waited < (int64_t)delay) {
				ctl_refresh_later(c, app->name, delay - (uint64_t)waited);
				return;
			}
		}
		heal = true;
	}
	char *rv = NULL;
	if (!fresh_for_auto_sync(c, app, &rv)) {
		cap_log_debug("skipping auto-sync: application changed since it was read", "app",
			      app->name);
		ctl_refresh_later(c, app->name, AUTOSYNC_STALE_MS);
		return;
	}
	if (heal)
		heal_attempts(c, app->name, 1);
	cap_app_sync_request req = {0};
	req.revision = t->revisions ? NULL : t->commit;
	req.revisions = t->revisions;
	req.prune = pol->prune;
	req.sync_options = pol->sync_options;
	req.automated = true;
	req.retry = pol->retry.present ? &pol->retry : NULL;
	cap_value *patch = cap_value_object();
	if (rv) {
		/* a precondition: nobody may have written the app since it was judged fresh */
		cap_value *meta = cap_value_object();
		cap_value_object_set(meta, "resourceVersion", cap_value_string(rv));
		cap_value_object_set(patch, "metadata", meta);
		free(rv);
	}
	cap_value_object_set(patch, "operation", cap_app_operation_new(&req));
	int rc = ctl_patch_app(c, app->name, patch);
	cap_value_free(patch);
	if (!rc)
		autosync_pending(c, app->name, true);
	if (rc == CAP_ECONFLICT) {
		cap_log_debug("skipping auto-sync: application changed since it was read", "app",
			      app->name);
		ctl_refresh_later(c, app->name, AUTOSYNC_STALE_MS);
	} else if (rc)
		cap_log_warn("cannot start automated sync", "app", app->name, "error",
			     cap_error_last());
	else
		cap_log_info(attempted ? "initiated self-heal sync" : "initiated automated sync",
			     "app", app->name, "revision", commit);
}

void ctl_refresh(const char *name, void *ctx)
{
	cap_controller *c = ctx;
	cap_value *obj = ctl_app_object(c, name);
	cap_app app;
	char now[CAP_RFC3339_LEN];
	ctl_target target = {0};
	cap_value *desired = NULL;
	ctl_compare cmp = {0};
	bool compared = false;
	if (!obj)
		return;
	int rc = cap_app_parse(&app, obj);
	cap_value_free(obj);
	if (rc) {
		cap_log_warn("cannot read application", "app", name, "error", cap_error_last());
		return;
	}
	bool deleting = app.deletion_timestamp != NULL;
	target.source = app.source;
	target.sources = app.sources;
	cap_time_format_rfc3339(now, cap_time_wall_s());
	bool refresh = app.refresh != NULL, hard = refresh && !strcmp(app.refresh, "hard");
	bool refetch = refresh;
	pthread_mutex_lock(&c->lock);
	ctl_app *st = app_state(c, name);
	if (st) {
		refetch |= st->refetch;
		st->refetch = false;
	}
	pthread_mutex_unlock(&c->lock);
	cap_value *status = app.status ? cap_value_deep_copy(app.status) : cap_value_object();
	cap_value *spec = cap_value_object_get(app.raw, "spec");
	cap_value *dest = cap_value_object_get(spec, "destination");
	const cap_settings_cluster *cluster = NULL;
	cap_buf err = CAP_BUF_INIT, spec_err = CAP_BUF_INIT;
	cap_project proj;
	bool have_proj = false;

	if (ctl_destination(&cluster, c, &app.destination)) {
		cap_buf_puts(&spec_err, cap_error_last());
	} else if (ctl_project_get(c, &proj, &app, cluster)) {
		cap_buf_puts(&spec_err, cap_error_last());
	} else if ((have_proj = true),
		   (rc = ctl_desired(c, &desired, &target, &app, NULL, NULL, refetch, hard))) {
		if (app.sources)
			cap_buf_printf(&err, "failed to generate manifest: %s", cap_error_last());
		else
			cap_buf_printf(&err, "failed to generate manifest for source 1 of 1: %s",
				       cap_error_last());
	} else if (ctl_compare_run(c, &cmp, &app, desired)) {
		cap_buf_printf(&err, "failed to load live state: %s", cap_error_last());
	} else {
		if (!deleting)
			ctl_app_delete_hook_finalizers(c, &app, target.hooks);
		compared = true;
	}
	if (spec_err.len)
		cap_buf_puts(&err, spec_err.ptr);

	if (compared) {
		cap_value_object_set(
		    status, "sync",
		    cap_app_status_sync(cmp.synced ? CAP_APP_SYNC_SYNCED : CAP_APP_SYNC_OUT_OF_SYNC,
					target.revisions ? NULL : target.commit, target.revisions,
					app.source, app.sources, dest, app.ignore_differences));
		cap_value_object_set(status, "sourceType", cap_value_string(target.source_type));
		cap_value_object_set(status, "health", cap_app_status_health(cmp.health, NULL));
		cap_value_object_set(status, "resources", cap_value_ref(cmp.resources));
		cap_value *summary = cap_value_object();
		cap_value_object_set(summary, "images", cap_app_status_images(cmp.live));
		cap_value_object_set(status, "summary", summary);
		ctl_set_condition(status, "ComparisonError", NULL, now);
		ctl_set_condition(status, "InvalidSpecError", NULL, now);
	} else {
		cap_value_object_set(status, "sync",
				     cap_app_status_sync(CAP_APP_SYNC_UNKNOWN, NULL, NULL,
							 app.source, app.sources, dest,
							 app.ignore_differences));
		ctl_set_condition(status, "ComparisonError", spec_err.len ? NULL : err.ptr, now);
		ctl_set_condition(status, "InvalidSpecError", spec_err.len ? spec_err.ptr : NULL,
				  now);
	}
	cap_value_object_set(status, "controllerNamespace", cap_value_string(c->namespace));
	if (status_changed(app.status, status) || refresh || !reconciled_recently(c, app.status))
		cap_value_object_set(status, "reconciledAt", cap_value_string(now));

	cap_value *extra = NULL;
	if (refresh) {
		extra = cap_value_object();
		cap_value *meta = cap_value_object(), *ann = cap_value_object();
		cap_value_object_set(ann, CAP_APP_ANNOTATION_REFRESH, cap_value_null());
		cap_value_object_set(meta, "annotations", ann);
		cap_value_object_set(extra, "metadata", meta);
	}
	if ((rc = ctl_patch_status(c, name, app.status, status, extra)) && rc != CAP_ENOTFOUND) {
		cap_log_warn("cannot write application status", "app", name, "error",
			     cap_error_last());
		ctl_refresh_later(c, name, 1000);
	} else if (!rc) {
		if (!compared)
			cap_log_warn("comparison failed", "app", name, "error", err.ptr);
		else
			cap_log_debug("refreshed", "app", name, "sync",
				      cmp.synced ? "Synced" : "OutOfSync", "health", cmp.health,
				      "revision", ctl_target_revision(&target));
		if (compared)
			auto_sync(c, &app, &cmp, &target, cap_value_array_len(desired), &proj,
				  cluster);
	}
	uint64_t jitter = c->resync_ms / 10 ? (uint64_t)rand() % (c->resync_ms / 10) : 0;
	uint64_t next = c->resync_ms + jitter;
	if (!compared && next > COMPARISON_RETRY_MS)
		next = COMPARISON_RETRY_MS; /* a push may fix it: look again soon */
	ctl_refresh_later(c, name, next);
	if (deleting) /* after the status write: it reads the app afresh and adds its condition */
		ctl_app_delete(c, name);

	cap_buf_release(&err);
	cap_buf_release(&spec_err);
	ctl_target_release(&target);
	if (have_proj)
		cap_project_release(&proj);
	ctl_compare_release(&cmp);
	cap_value_free(desired);
	cap_value_free(status);
	cap_app_release(&app);
}
