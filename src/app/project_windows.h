/* An AppProject's sync windows applied to one Application: may it sync now, and until when. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "app/application.h"
#include "app/project.h"

/* The sync a verdict is for. */
typedef enum cap_project_sync_kind {
	CAP_PROJECT_SYNC_AUTOMATED, /* auto-sync would start an operation */
	CAP_PROJECT_SYNC_MANUAL,    /* a user (or kubectl) asked for one */
} cap_project_sync_kind;

typedef struct cap_project_sync_verdict {
	bool allowed;
	int64_t next_change; /* Unix time the verdict may next change; INT64_MAX: not by time */
} cap_project_sync_verdict;

/*
 * Whether p's spec.syncWindows let a sync of app of the given kind run at Unix time t, with Argo
 * CD's rules (see cap_sync_windows_decide). server and cluster are app's resolved destination
 * (either may be NULL). running: the sync was allowed when it started and is going on, so the
 * windows' syncOverrun may let it continue (cap_sync_windows_may_continue). Windows that do not
 * compile block every sync, as in Argo CD: out->allowed false and CAP_EINVALID "invalid sync
 * windows: …". A project without windows allows everything.
 */
int cap_project_sync_allowed(cap_project_sync_verdict *out, const cap_project *p,
			     const cap_app *app, const char *server, const char *cluster,
			     cap_project_sync_kind kind, bool running, int64_t t);
