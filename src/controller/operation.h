/* The operation processor's parts: one run of an operation and the sync step it takes. */
#pragma once

#include <stdint.h>

#include "controller/internal.h"
#include "sync/engine.h"

/* What one run of ctl_operate keeps while the engine works. */
typedef struct ctl_op_run {
	cap_controller *c;
	const char *name;
	cap_value *status;	 /* the status as last written (owned) */
	cap_value *state;	 /* operationState inside status (borrowed) */
	ctl_target *target;	 /* what is synced, revisions once resolved */
	uint64_t progress_at_ms; /* when progress was last written */
	uint64_t asked_at_ms;	 /* when the Application was last read for a terminate-op */
} ctl_op_run;

/*
 * One step of app's sync operation (or, with terminate, its termination): renders the desired
 * objects and hooks at the revision the operation resolved, compares them with the cluster and
 * runs the sync engine from the results recorded in run->state. Fills *out (release it) and
 * returns its phase; a step that cannot start (unknown project, render error) is Failed or
 * Error with out->message saying why and out->results NULL.
 */
cap_sync_op_phase ctl_sync_step(ctl_op_run *run, const cap_app *app, bool terminate,
				cap_sync_outcome *out);

/*
 * Engine callbacks (ctx is the ctl_op_run): whether a terminate-op arrived (the step then ends
 * Running and asks to be run again at once, to terminate); progress writes.
 */
bool ctl_op_terminating(void *ctx);
void ctl_op_progress(void *ctx, const cap_value *results);
