/* Waiting for an Application to reach a state: synced, healthy, operation finished. */
#pragma once

#include <stdbool.h>

#include "cli/app_client.h"
#include "value/value.h"

typedef struct cap_app_wait_options {
	bool sync;	    /* status.sync.status is Synced */
	bool health;	    /* status.health.status is Healthy */
	bool operation;	    /* no operation pending and the last one finished */
	bool suspended;	    /* health is Suspended (instead of Healthy) */
	bool degraded;	    /* health is Degraded (instead of Healthy) */
	unsigned timeout_s; /* 0: no limit */
	bool progress;	    /* print each sync result row as it changes */
} cap_app_wait_options;

/*
 * Polls the Application name until every asked condition holds. *out gets the last object
 * read (new). On timeout prints argocd's "timed out (Ns) waiting for app "x" match desired
 * state" and returns CAP_ETIMEOUT; other errors are printed too.
 */
int cap_app_wait(cap_app_cli *cli, cap_value **out, const char *name,
		 const cap_app_wait_options *o);

/*
 * After an operation finished: prints the summary, operation and resource table as `argocd app
 * sync` does, and returns 0 for Succeeded, 1 (after printing the phase and message) otherwise.
 */
int cap_app_report_operation(const cap_value *obj);

/*
 * Writes operation (borrowed) on the Application unless one is already running ("another
 * operation is already in progress"). Prints errors; returns 0 or 1.
 */
int cap_app_start_operation(cap_app_cli *cli, const char *name, const cap_value *operation);
