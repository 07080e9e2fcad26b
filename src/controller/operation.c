/* The operation processor: runs an Application's sync operation, keeping its progress in status. */
#include "controller/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/status.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/log.h"
#include "base/time.h"
#include "git/remote.h"
#include "sync/sync.h"

#define SYNC_OK_MESSAGE "successfully synced (all tasks run)"

/* What the progress callback needs to write operationState as tasks finish. */
typedef struct op_run {
	cap_controller *c;
	const char *name;
	cap_value *status;  /* the status as last written (owned) */
	cap_value *state;   /* operationState inside status (borrowed) */
	ctl_target *target; /* what is synced, revisions once resolved */
	uint64_t progress_at_ms; /* when progress was last written */
} op_run;

/*
 * Progress is written at most this often: each write carries the whole result list, so writing
 * after every object would make a large sync quadratic. A restart re-applies at most this much
 * work, which applies leave unchanged.
 */
#define PROGRESS_INTERVAL_MS 1000

static cap_value *task_results(const cap_sync_plan *plan)
{
	cap_value *arr = cap_value_array();
	for (size_t i = 0; i < plan->len; i++) {
		const cap_sync_task *t = &plan->tasks[i];
		if (!t->status)
			continue;
		cap_app_sync_resource_result r = {0};
		r.group = t->key.group;
		r.version = t->key.version;
		r.kind = t->key.kind;
		r.namespace = t->key.namespace;
		r.name = t->key.name;
		r.status = t->status;
		r.message = t->message;
		r.sync_phase = "Sync";
		if (t->action == CAP_SYNC_APPLY)
			r.hook_phase = strcmp(t->status, CAP_SYNC_FAILED) ? "Running" : "Failed";
		cap_value_array_append(arr, cap_app_sync_result_resource(&r));
	}
	return arr;
}

/* Records the synced revisions, sources and per-task results in state. */
static void set_result(cap_value *state, const ctl_target *t, const cap_sync_plan *plan)
{
	cap_app_operation_state_set_result(state, t->revisions ? NULL : t->commit, t->revisions,
					   t->source, t->sources, task_results(plan));
}

/* Writes the new status over the last written one and remembers it. */
static int write_status(op_run *run, cap_value *status_new, cap_value *extra)
{
	int rc = ctl_patch_status(run->c, run->name, run->status, status_new, extra);
	if (!rc) {
		cap_value_free(run->status);
		run->status = cap_value_ref(status_new);
		run->state = cap_value_object_get(status_new, "operationState");
	}
	return rc;
}

static void on_progress(void *ctx, const cap_sync_plan *plan, size_t done)
{
	op_run *run = ctx;
	uint64_t now = cap_time_now_ms();
	if (done < plan->len && now - run->progress_at_ms < PROGRESS_INTERVAL_MS)
		return;
	run->progress_at_ms = now;
	cap_value *status = cap_value_deep_copy(run->status);
	cap_value *state = cap_value_object_get(status, "operationState");
	set_result(state, run->target, plan);
	if (write_status(run, status, NULL))
		cap_log_warn("cannot record sync progress", "app", run->name, "error",
			     cap_error_last());
	cap_value_free(status);
}

/* Whether someone (`app terminate-op`) asked the running operation to stop. */
static bool terminating(void *ctx)
{
	op_run *run = ctx;
	cap_value *obj = ctl_app_object(run->c, run->name);
	const char *phase = cap_value_dig_string(obj, "status", "operationState", "phase", NULL);
	bool stop = phase && !strcmp(phase, CAP_APP_PHASE_TERMINATING);
	cap_value_free(obj);
	return stop;
}

/* Desired and live objects the operation's resource list allows (all when it has none). */
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

/* Sync options from the policy and the operation. */
static void sync_options(cap_sync_options *o, const cap_app *app)
{
	const cap_app_operation *op = &app->operation;
	o->prune = op->prune;
	o->dry_run = op->dry_run;
	o->force = op->force;
	o->server_side_apply = cap_app_has_sync_option(app, "ServerSideApply=true");
	o->replace = cap_app_has_sync_option(app, "Replace=true");
	o->create_namespace = cap_app_has_sync_option(app, "CreateNamespace=true");
	o->apply_out_of_sync_only = cap_app_has_sync_option(app, "ApplyOutOfSyncOnly=true");
	o->namespace = app->destination.namespace;
	if (cap_app_has_sync_option(app, "PrunePropagationPolicy=background"))
		o->prune_propagation = "Background";
	else if (cap_app_has_sync_option(app, "PrunePropagationPolicy=orphan"))
		o->prune_propagation = "Orphan";
}

/* Runs the sync and returns the phase it ended in; message gets the state's message. */
static const char *run_sync(op_run *run, const cap_app *app, cap_buf *message, cap_sync_plan *plan)
{
	cap_controller *c = run->c;
	const cap_app_operation *op = &app->operation;
	cap_value *desired = NULL, *want = NULL, *live = NULL;
	ctl_compare cmp = {0};
	const cap_settings_cluster *cluster = NULL;
	cap_project proj;
	if (ctl_destination(&cluster, c, &app->destination) ||
	    ctl_project_get(c, &proj, app, cluster)) {
		cap_buf_puts(message, cap_error_last());
		return CAP_APP_PHASE_FAILED;
	}
	/* a user asking to sync a branch means its newest commit: ask the remote again */
	bool refetch =
	    run->target->sources || !op->revision || !cap_git_is_commit_sha(op->revision);
	int rc =
	    ctl_desired(c, &desired, run->target, app, op->revision, op->revisions, refetch, false);
	if (rc) {
		cap_buf_printf(message, "ComparisonError: failed to generate manifest: %s",
			       cap_error_last());
		cap_project_release(&proj);
		return CAP_APP_PHASE_ERROR;
	}
	cap_buf denied = CAP_BUF_INIT;
	int bad = ctl_project_check_objects(&denied, &proj, desired);
	cap_project_release(&proj);
	if (bad) {
		cap_buf_printf(message, "one or more synchronization tasks are not valid: %s",
			       denied.ptr);
		cap_buf_release(&denied);
		cap_value_free(desired);
		return CAP_APP_PHASE_FAILED;
	}
	cap_buf_release(&denied);
	ctl_compare_run(c, &cmp, app, desired);
	want = selected(op, desired);
	live = selected(op, cmp.live);
	cap_sync_options so = {0};
	sync_options(&so, app);
	so.progress = on_progress;
	so.cancelled = terminating;
	so.ctx = run;
	bool *in_sync = NULL;
	if (so.apply_out_of_sync_only) {
		/* in_sync is indexed by desired; recompute for the selection */
		ctl_compare sel = {0};
		ctl_compare_run(c, &sel, app, want);
		in_sync = sel.in_sync;
		sel.in_sync = NULL;
		ctl_compare_release(&sel);
	}
	cap_sync_plan_build(plan, want, live, in_sync, &so);
	free(in_sync);
	ctl_cluster *dest = NULL;
	if (!(rc = ctl_cluster_acquire(&dest, c, app)))
		rc = cap_sync_run(dest->client, plan, &so);
	ctl_cluster_release(dest);
	const char *phase = CAP_APP_PHASE_SUCCEEDED;
	if (rc == CAP_ECANCELED) {
		cap_buf_puts(message, "Operation terminated");
		phase = CAP_APP_PHASE_FAILED;
	} else if (rc) {
		cap_buf_puts(message, cap_error_last());
		phase = CAP_APP_PHASE_FAILED;
	} else {
		cap_buf_puts(message, SYNC_OK_MESSAGE);
	}
	ctl_compare_release(&cmp);
	cap_value_free(desired);
	cap_value_free(want);
	cap_value_free(live);
	return phase;
}

/* Milliseconds until a failed sync of name may be retried (0: now). */
static uint64_t retry_wait(cap_controller *c, const char *name, uint64_t set_delay)
{
	uint64_t now = cap_time_now_ms(), wait = 0;
	pthread_mutex_lock(&c->lock);
	ctl_app *a = cap_hashmap_get(&c->apps, name);
	if (a && set_delay)
		a->retry_at_ms = now + set_delay;
	else if (a && a->retry_at_ms > now)
		wait = a->retry_at_ms - now;
	pthread_mutex_unlock(&c->lock);
	return wait;
}

/*
 * After a failed attempt: when the retry policy allows another, turns state back to Running
 * with Argo CD's "Retrying attempt #N" message and returns the delay before it; else 0.
 */
static uint64_t plan_retry(cap_value *state, const cap_app_retry *retry, const char *message)
{
	if (!retry->present || !retry->limit)
		return 0;
	int64_t count = cap_value_get_int(cap_value_object_get(state, "retryCount"));
	if (retry->limit > 0 && count >= retry->limit)
		return 0;
	uint64_t delay = cap_app_retry_delay_ms(retry, (unsigned)count);
	char at[CAP_RFC3339_LEN];
	cap_time_format_rfc3339(at, cap_time_wall_s() + (int64_t)(delay / 1000));
	cap_buf m = CAP_BUF_INIT;
	cap_buf_printf(&m, "%s. Retrying attempt #%lld at %s.", message, (long long)count + 1, at);
	cap_app_operation_state_set_phase(state, CAP_APP_PHASE_RUNNING, m.ptr, NULL);
	cap_value_object_del(state, "finishedAt");
	cap_value_object_set(state, "retryCount", cap_value_int(count + 1));
	cap_buf_release(&m);
	return delay ? delay : 1;
}

void ctl_operate(const char *name, void *ctx)
{
	cap_controller *c = ctx;
	cap_value *obj = NULL;
	cap_app app;
	char now[CAP_RFC3339_LEN];
	ctl_target target = {0};
	/* the informer may lag behind our own writes: act on the server's copy */
	int rc = ctl_app_get(c, &obj, name);
	if (rc) {
		if (rc != CAP_ENOTFOUND) {
			cap_log_warn("cannot read application", "app", name, "error",
				     cap_error_last());
			cap_workqueue_add_rate_limited(c->op_q, name);
		}
		return;
	}
	rc = cap_app_parse(&app, obj);
	cap_value_free(obj);
	if (rc) {
		cap_log_warn("cannot read application", "app", name, "error", cap_error_last());
		return;
	}
	if (!app.operation.present) {
		cap_app_release(&app);
		return;
	}
	uint64_t wait = retry_wait(c, name, 0);
	if (wait) {
		cap_workqueue_add_after(c->op_q, name, wait);
		cap_app_release(&app);
		return;
	}
	cap_time_format_rfc3339(now, cap_time_wall_s());
	op_run run = {c, name, NULL, NULL, &target, cap_time_now_ms()};
	run.status = app.status ? cap_value_ref(app.status) : cap_value_object();
	cap_value *old_state = cap_value_object_get(app.status, "operationState");
	const char *was = cap_value_dig_string(old_state, "phase", NULL);
	bool resumed =
	    was &&
	    (!strcmp(was, CAP_APP_PHASE_RUNNING) || !strcmp(was, CAP_APP_PHASE_TERMINATING)) &&
	    cap_value_equal(cap_value_object_get(old_state, "operation"), app.operation.raw);
	cap_value *status = cap_value_deep_copy(run.status);
	if (!resumed)
		cap_value_object_set(status, "operationState",
				     cap_app_operation_state_new(app.operation.raw, "", now));
	if (!resumed && (rc = write_status(&run, status, NULL))) {
		cap_log_warn("cannot start sync", "app", name, "error", cap_error_last());
		cap_value_free(status);
		cap_value_free(run.status);
		cap_app_release(&app);
		cap_workqueue_add_rate_limited(c->op_q, name);
		return;
	}
	cap_value_free(status);
	run.state = cap_value_object_get(run.status, "operationState");
	const char *started = cap_value_dig_string(run.state, "startedAt", NULL);
	char started_at[CAP_RFC3339_LEN];
	snprintf(started_at, sizeof(started_at), "%s", started ? started : now);
	cap_log_info(resumed ? "sync resumed" : "sync started", "app", name, "revision",
		     app.operation.revision);

	/* a rollback names the source (or sources) of a history entry */
	if (app.operation.source || app.operation.sources) {
		target.source = app.operation.source;
		target.sources = app.operation.sources;
	} else {
		target.source = app.source;
		target.sources = app.sources;
	}
	cap_buf message = CAP_BUF_INIT;
	cap_sync_plan plan = {0};
	const char *phase;
	const char *old_phase = cap_value_dig_string(old_state, "phase", NULL);
	if (resumed && old_phase && !strcmp(old_phase, CAP_APP_PHASE_TERMINATING)) {
		/* terminated while no controller ran it */
		cap_buf_puts(&message, "Operation terminated");
		phase = CAP_APP_PHASE_FAILED;
	} else if (!app.operation.has_sync) {
		cap_buf_puts(&message, "unsupported operation: only sync operations run");
		phase = CAP_APP_PHASE_ERROR;
	} else {
		phase = run_sync(&run, &app, &message, &plan);
	}

	cap_time_format_rfc3339(now, cap_time_wall_s());
	status = cap_value_deep_copy(run.status);
	cap_value *state = cap_value_object_get(status, "operationState");
	cap_app_operation_state_set_phase(state, phase, message.ptr, now);
	if (target.commit[0] || target.revisions)
		set_result(state, &target, &plan);
	if (!strcmp(phase, CAP_APP_PHASE_SUCCEEDED) && !app.operation.dry_run) {
		cap_value *history = cap_value_object_get(status, "history");
		if (!cap_value_is_array(history)) {
			cap_value_object_set(status, "history", cap_value_array());
			history = cap_value_object_get(status, "history");
		}
		cap_app_history_entry e = {0};
		e.revision = target.revisions ? NULL : target.commit;
		e.revisions = target.revisions;
		e.deployed_at = now;
		e.deploy_started_at = started_at;
		e.source = target.source;
		e.sources = target.sources;
		e.initiated_by = cap_value_object_get(app.operation.raw, "initiatedBy");
		cap_app_history_append(history, cap_app_history_entry_new(&e),
				       app.revision_history_limit);
	}
	uint64_t retry_in = 0;
	if (strcmp(phase, CAP_APP_PHASE_SUCCEEDED))
		retry_in = plan_retry(state, &app.operation.retry, message.ptr);
	cap_value *extra = NULL;
	if (!retry_in) {
		extra = cap_value_object();
		cap_value_object_set(extra, "operation", cap_value_null());
	}
	rc = write_status(&run, status, extra);
	cap_value_free(status);
	if (!rc && retry_in) {
		retry_wait(c, name, retry_in);
		cap_workqueue_add_after(c->op_q, name, retry_in);
		cap_log_warn("sync failed, will retry", "app", name, "message", message.ptr);
	} else if (rc) {
		cap_log_error("cannot record sync result", "app", name, "error", cap_error_last());
		cap_workqueue_add_rate_limited(c->op_q, name);
	} else {
		cap_workqueue_forget(c->op_q, name);
		if (strcmp(phase, CAP_APP_PHASE_SUCCEEDED))
			cap_log_warn("sync failed", "app", name, "phase", phase, "message",
				     message.ptr);
		else
			cap_log_info("sync succeeded", "app", name, "revision",
				     ctl_target_revision(&target));
	}
	ctl_refresh_later(c, name, 0);
	cap_sync_plan_release(&plan);
	ctl_target_release(&target);
	cap_buf_release(&message);
	cap_value_free(run.status);
	cap_app_release(&app);
}
