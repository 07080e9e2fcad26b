/* The operation processor: steps an Application's sync operation, keeping its state in status. */
#include "controller/operation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/status.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/log.h"
#include "base/time.h"

/*
 * Progress within a step is written at most this often: each write carries the whole result
 * list, so writing after every object would make a large sync quadratic. A restart re-applies
 * at most this much work, which applies leave unchanged.
 */
#define PROGRESS_INTERVAL_MS 1000

/* Records the synced revisions, sources and per-task results (consumed; NULL keeps them). */
static void set_result(cap_value *state, const ctl_target *t, cap_value *results)
{
	if (!t->commit[0] && !t->revisions) {
		cap_value_free(results);
		return;
	}
	cap_app_operation_state_set_result(state, t->revisions ? NULL : t->commit, t->revisions,
					   t->source, t->sources, results);
}

/* Writes the new status over the last written one and remembers it. */
static int write_status(ctl_op_run *run, cap_value *status_new, cap_value *extra)
{
	int rc = ctl_patch_status(run->c, run->name, run->status, status_new, extra);
	if (!rc) {
		cap_value_free(run->status);
		run->status = cap_value_ref(status_new);
		run->state = cap_value_object_get(status_new, "operationState");
	}
	return rc;
}

void ctl_op_progress(void *ctx, const cap_value *results)
{
	ctl_op_run *run = ctx;
	uint64_t now = cap_time_now_ms();
	if (now - run->progress_at_ms < PROGRESS_INTERVAL_MS)
		return;
	run->progress_at_ms = now;
	cap_value *status = cap_value_deep_copy(run->status);
	cap_value *state = cap_value_object_get(status, "operationState");
	set_result(state, run->target, cap_value_deep_copy(results));
	if (write_status(run, status, NULL))
		cap_log_warn("cannot record sync progress", "app", run->name, "error",
			     cap_error_last());
	cap_value_free(status);
}

/*
 * How often a running step reads the Application for a terminate-op: reading parses the whole
 * object, results included, which before every task would make a large sync quadratic.
 */
#define TERMINATE_CHECK_MS 500

bool ctl_op_terminating(void *ctx)
{
	ctl_op_run *run = ctx;
	uint64_t now = cap_time_now_ms();
	if (now - run->asked_at_ms < TERMINATE_CHECK_MS)
		return false;
	run->asked_at_ms = now;
	cap_value *obj = ctl_app_object(run->c, run->name);
	const char *phase = cap_value_dig_string(obj, "status", "operationState", "phase", NULL);
	bool stop = phase && !strcmp(phase, CAP_APP_PHASE_TERMINATING);
	cap_value_free(obj);
	return stop;
}

/*
 * Milliseconds until the operation of name may be stepped again (0: now): a wave delay or a
 * retry backoff holds it, however often the Application changes meanwhile. A set_delay starts
 * a new hold.
 */
static uint64_t hold_step(cap_controller *c, const char *name, uint64_t set_delay)
{
	uint64_t now = cap_time_now_ms(), wait = 0;
	pthread_mutex_lock(&c->lock);
	ctl_app *a = cap_hashmap_get(&c->apps, name);
	if (a && set_delay)
		a->step_at_ms = now + set_delay;
	else if (a && a->step_at_ms > now)
		wait = a->step_at_ms - now;
	pthread_mutex_unlock(&c->lock);
	return wait;
}

/*
 * After a failed attempt: when the retry policy allows another, turns state back to Running
 * with Argo CD's "Retrying attempt #N" message, drops the attempt's results (the next attempt
 * starts over) and returns the delay before it; else 0.
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
	cap_value_object_del(cap_value_object_get(state, "syncResult"), "resources");
	cap_buf_release(&m);
	return delay ? delay : 1;
}

/* Appends the finished operation to history, trimmed to the app's limit. */
static void record_history(cap_value *status, const cap_app *app, const ctl_target *target,
			   const char *now, const char *started_at)
{
	cap_value *history = cap_value_object_get(status, "history");
	if (!cap_value_is_array(history)) {
		cap_value_object_set(status, "history", cap_value_array());
		history = cap_value_object_get(status, "history");
	}
	cap_app_history_entry e = {0};
	e.revision = target->revisions ? NULL : target->commit;
	e.revisions = target->revisions;
	e.deployed_at = now;
	e.deploy_started_at = started_at;
	e.source = target->source;
	e.sources = target->sources;
	e.initiated_by = cap_value_object_get(app->operation.raw, "initiatedBy");
	cap_app_history_append(history, cap_app_history_entry_new(&e), app->revision_history_limit);
}

/* Whether this process stepped the operation started at started_at already; remembers it. */
static bool stepped_before(ctl_op_run *run, const char *started_at)
{
	int64_t t = 0;
	if (!started_at || cap_time_parse_rfc3339(&t, started_at))
		return false;
	pthread_mutex_lock(&run->c->lock);
	ctl_app *a = cap_hashmap_get(&run->c->apps, run->name);
	bool seen = a && a->op_started == t;
	if (a)
		a->op_started = t;
	pthread_mutex_unlock(&run->c->lock);
	return seen;
}

/*
 * Starts the operation's state unless this is the next step of the one running: a Running or
 * Terminating state of the same operation goes on. Returns 0, or the write's error.
 */
static int begin(ctl_op_run *run, const cap_app *app, bool *terminating)
{
	cap_value *old = cap_value_object_get(app->status, "operationState");
	const char *was = cap_value_dig_string(old, "phase", NULL);
	bool same = cap_value_equal(cap_value_object_get(old, "operation"), app->operation.raw);
	*terminating = same && was && !strcmp(was, CAP_APP_PHASE_TERMINATING);
	if (same && was && (!strcmp(was, CAP_APP_PHASE_RUNNING) || *terminating)) {
		run->state = cap_value_object_get(run->status, "operationState");
		if (!stepped_before(run, cap_value_dig_string(run->state, "startedAt", NULL)))
			cap_log_info("sync resumed", "app", app->name, "revision",
				     app->operation.revision);
		return 0;
	}
	char now[CAP_RFC3339_LEN];
	cap_time_format_rfc3339(now, cap_time_wall_s());
	cap_value *status = cap_value_deep_copy(run->status);
	cap_value_object_set(status, "operationState",
			     cap_app_operation_state_new(app->operation.raw, "", now));
	int rc = write_status(run, status, NULL);
	cap_value_free(status);
	if (!rc) {
		stepped_before(run, now);
		cap_log_info("sync started", "app", app->name, "revision", app->operation.revision);
	}
	return rc;
}

/* Writes the step's outcome; a finished operation goes to history and leaves the app. */
static void conclude(ctl_op_run *run, const cap_app *app, cap_sync_outcome *out)
{
	cap_controller *c = run->c;
	const char *name = app->name;
	const char *phase = cap_sync_op_phase_name(out->phase);
	const char *message = out->message ? out->message : "";
	char now[CAP_RFC3339_LEN], started_at[CAP_RFC3339_LEN];
	cap_time_format_rfc3339(now, cap_time_wall_s());
	snprintf(started_at, sizeof(started_at), "%s",
		 cap_value_dig_string(run->state, "startedAt", NULL) ?: now);
	cap_value *status = cap_value_deep_copy(run->status);
	cap_value *state = cap_value_object_get(status, "operationState");
	set_result(state, run->target, out->results ? cap_value_ref(out->results) : NULL);
	cap_app_operation_state_set_phase(state, phase, message, now);
	bool done = out->phase != CAP_SYNC_OP_RUNNING;
	if (out->phase == CAP_SYNC_OP_SUCCEEDED && !app->operation.dry_run)
		record_history(status, app, run->target, now, started_at);
	uint64_t again = done ? 0 : out->requeue_ms;
	bool retrying = false;
	if (done && out->phase != CAP_SYNC_OP_SUCCEEDED &&
	    strcmp(message, "Operation terminated") &&
	    (again = plan_retry(state, &app->operation.retry, message)))
		done = false, retrying = true;
	cap_value *extra = NULL;
	if (done) {
		extra = cap_value_object();
		cap_value_object_set(extra, "operation", cap_value_null());
	}
	int rc = write_status(run, status, extra);
	cap_value_free(status);
	if (rc) {
		cap_log_error("cannot record sync state", "app", name, "error", cap_error_last());
		cap_workqueue_add_rate_limited(c->op_q, name);
	} else if (!done) {
		hold_step(c, name, again);
		if (retrying)
			cap_log_warn("sync failed, will retry", "app", name, "message", message);
		cap_workqueue_add_after(c->op_q, name, again ? again : 1);
	} else {
		cap_workqueue_forget(c->op_q, name);
		if (out->phase != CAP_SYNC_OP_SUCCEEDED)
			cap_log_warn("sync failed", "app", name, "phase", phase, "message", message);
		else
			cap_log_info("sync succeeded", "app", name, "revision",
				     ctl_target_revision(run->target));
	}
	if (out->phase != CAP_SYNC_OP_RUNNING)
		ctl_refresh_later(c, name, 0);
}

void ctl_operate(const char *name, void *ctx)
{
	cap_controller *c = ctx;
	cap_value *obj = NULL;
	cap_app app;
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
	if (!app.operation.present || ctl_windows_hold(c, &app)) {
		cap_app_release(&app);
		return;
	}
	uint64_t wait = hold_step(c, name, 0);
	if (wait) {
		cap_workqueue_add_after(c->op_q, name, wait);
		cap_app_release(&app);
		return;
	}
	ctl_op_run run = {c, name, NULL, NULL, &target, cap_time_now_ms(), 0};
	run.status = app.status ? cap_value_ref(app.status) : cap_value_object();
	bool terminating = false;
	if (begin(&run, &app, &terminating)) {
		cap_log_warn("cannot start sync", "app", name, "error", cap_error_last());
		cap_workqueue_add_rate_limited(c->op_q, name);
		cap_value_free(run.status);
		cap_app_release(&app);
		return;
	}
	/* a rollback names the source (or sources) of a history entry */
	if (app.operation.source || app.operation.sources) {
		target.source = app.operation.source;
		target.sources = app.operation.sources;
	} else {
		target.source = app.source;
		target.sources = app.sources;
	}
	cap_sync_outcome out = {0};
	if (!app.operation.has_sync) {
		out.phase = CAP_SYNC_OP_ERROR;
		out.message = cap_strdup("unsupported operation: only sync operations run");
	} else {
		ctl_sync_step(&run, &app, terminating, &out);
		if (terminating && out.phase != CAP_SYNC_OP_ERROR) {
			free(out.message);
			out.phase = CAP_SYNC_OP_FAILED;
			out.message = cap_strdup("Operation terminated");
		}
	}
	conclude(&run, &app, &out);
	cap_sync_outcome_release(&out);
	ctl_target_release(&target);
	cap_value_free(run.status);
	cap_app_release(&app);
}
