/* The sync windows verdict for one Application of an AppProject, shared by controller and CLI. */
#include "app/project_windows.h"

#include "app/sync_window.h"
#include "base/error.h"

int cap_project_sync_allowed(cap_project_sync_verdict *out, const cap_project *p,
			     const cap_app *app, const char *server, const char *cluster,
			     cap_project_sync_kind kind, bool running, int64_t t)
{
	out->allowed = true;
	out->next_change = INT64_MAX;
	cap_value *list = cap_value_dig(p->raw, "spec", "syncWindows", NULL);
	if (!cap_value_array_len(list))
		return 0;
	cap_sync_windows ws;
	if (cap_sync_windows_compile(&ws, list)) {
		out->allowed = false;
		return cap_error_prefix("invalid sync windows: ");
	}
	cap_sync_window_app who = {app->name, app->destination.namespace, server, cluster};
	bool manual = kind == CAP_PROJECT_SYNC_MANUAL;
	if (running) {
		out->allowed = cap_sync_windows_may_continue(&ws, &who, manual, t);
	} else {
		cap_sync_window_decision d;
		cap_sync_windows_decide(&d, &ws, &who, t);
		out->allowed = manual ? d.manual_sync : d.auto_sync;
	}
	out->next_change = cap_sync_windows_next_change(&ws, &who, t);
	cap_sync_windows_release(&ws);
	return 0;
}
