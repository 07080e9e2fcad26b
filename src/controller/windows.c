/* Sync windows in the controller: auto-sync waits for them, operations they block are held. */
#include "controller/internal.h"

#include <string.h>

#include "app/project_windows.h"
#include "app/status.h"
#include "base/error.h"
#include "base/log.h"
#include "base/time.h"

#define BLOCKED_MESSAGE "Sync operation blocked by sync window"

/* Milliseconds from now (wall second now) until just past next, at most cap_ms. */
static uint64_t delay_until(int64_t now, int64_t next, uint64_t cap_ms)
{
	if (next == INT64_MAX)
		return cap_ms;
	/* + 1 s: now was rounded down */
	uint64_t ms = next > now ? (uint64_t)(next - now) * 1000 + 1000 : 1000;
	return ms < cap_ms ? ms : cap_ms;
}

bool ctl_windows_auto_sync_allowed(cap_controller *c, const cap_app *app, const cap_project *p,
				   const cap_settings_cluster *cluster)
{
	cap_project_sync_verdict v;
	int64_t now = cap_time_wall_s();
	int rc = cap_project_sync_allowed(&v, p, app, cluster->server, cluster->name,
					  CAP_PROJECT_SYNC_AUTOMATED, false, now);
	if (v.allowed)
		return true;
	if (rc)
		cap_log_info("Sync prevented by sync window", "app", app->name, "error",
			     cap_error_last());
	else
		cap_log_info("Sync prevented by sync window", "app", app->name);
	if (v.next_change != INT64_MAX)
		ctl_refresh_later(c, app->name, delay_until(now, v.next_change, UINT64_MAX));
	return false;
}

/* Whether state is the operation op under way: Running (not held by a window) or Terminating. */
static bool under_way(const cap_value *state, const cap_value *op, bool *terminating)
{
	const char *phase = cap_value_dig_string(state, "phase", NULL);
	const char *msg = cap_value_dig_string(state, "message", NULL);
	if (!phase || !cap_value_equal(cap_value_object_get(state, "operation"), op))
		return false;
	*terminating = !strcmp(phase, CAP_APP_PHASE_TERMINATING);
	return *terminating || (!strcmp(phase, CAP_APP_PHASE_RUNNING) &&
				strncmp(msg ? msg : "", BLOCKED_MESSAGE, strlen(BLOCKED_MESSAGE)));
}

/*
 * Writes operationState Running with message for app's operation, keeping the state of the
 * same operation (its start and progress) when it is Running; false when writing failed.
 */
static bool write_held(cap_controller *c, const cap_app *app, const char *message)
{
	cap_value *old = cap_value_object_get(app->status, "operationState");
	/* the same operation, Running: held before, or under way and closed on by a window */
	bool same = cap_value_equal(cap_value_object_get(old, "operation"), app->operation.raw) &&
		    !strcmp(cap_value_dig_string(old, "phase", NULL) ?: "", CAP_APP_PHASE_RUNNING);
	if (same && !strcmp(cap_value_dig_string(old, "message", NULL) ?: "", message))
		return true; /* already held with this message */
	char now[CAP_RFC3339_LEN];
	cap_time_format_rfc3339(now, cap_time_wall_s());
	cap_value *status = app->status ? cap_value_deep_copy(app->status) : cap_value_object();
	if (same) {
		cap_value *state = cap_value_object_get(status, "operationState");
		cap_app_operation_state_set_phase(state, CAP_APP_PHASE_RUNNING, message, NULL);
	} else {
		cap_value_object_set(status, "operationState",
				     cap_app_operation_state_new(app->operation.raw, message, now));
	}
	int rc = ctl_patch_status(c, app->name, app->status, status, NULL);
	cap_value_free(status);
	if (rc) {
		cap_log_warn("cannot record the blocked sync", "app", app->name, "error",
			     cap_error_last());
		return false;
	}
	cap_log_info(BLOCKED_MESSAGE, "app", app->name);
	return true;
}

bool ctl_windows_hold(cap_controller *c, const cap_app *app)
{
	const cap_settings_cluster *cluster = NULL;
	cap_project proj;
	bool terminating = false;
	cap_value *state = cap_value_object_get(app->status, "operationState");
	bool running = under_way(state, app->operation.raw, &terminating);
	/* an operation the window cannot judge fails or ends in the usual way */
	if (!app->operation.has_sync || terminating ||
	    cap_settings_resolve_destination(&cluster, &c->settings, &app->destination) ||
	    ctl_project_get(c, &proj, app, cluster))
		return false;
	cap_project_sync_verdict v;
	int64_t now = cap_time_wall_s();
	cap_project_sync_kind kind =
	    app->operation.automated ? CAP_PROJECT_SYNC_AUTOMATED : CAP_PROJECT_SYNC_MANUAL;
	int rc = cap_project_sync_allowed(&v, &proj, app, cluster->server, cluster->name, kind,
					  running, now);
	cap_project_release(&proj);
	if (v.allowed)
		return false;
	cap_buf message = CAP_BUF_INIT;
	cap_buf_puts(&message, BLOCKED_MESSAGE);
	if (rc)
		cap_buf_printf(&message, ": %s", cap_error_last());
	bool held = write_held(c, app, message.ptr);
	cap_buf_release(&message);
	if (!held)
		cap_workqueue_add_rate_limited(c->op_q, app->name);
	else
		cap_workqueue_add_after(c->op_q, app->name,
					delay_until(now, v.next_change, c->resync_ms));
	return true;
}
