/* The sync engine's step: dry run, running tasks, waits, failure with SyncFail hooks, next wave. */
#include "sync/engine.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "kube/apply.h"
#include "sync/task.h"

/* How soon a step waiting for hooks or health runs again. */
#define POLL_MS 1000

typedef enum run_state { RUN_SUCCESSFUL, RUN_PENDING, RUN_FAILED } run_state;

typedef struct step {
	const cap_sync_request *req;
	cap_sync_tasks ts;
	cap_sync_outcome *out;
	cap_buf message;
	bool cancelled;
} step;

void cap_sync_outcome_release(cap_sync_outcome *out)
{
	if (!out)
		return;
	free(out->message);
	cap_value_free(out->results);
	memset(out, 0, sizeof(*out));
}

static void finish(step *s, cap_sync_op_phase phase, const char *message, uint64_t requeue_ms)
{
	s->out->phase = phase;
	free(s->out->message);
	s->out->message = cap_strdup(message);
	s->out->requeue_ms = phase == CAP_SYNC_OP_RUNNING ? (requeue_ms ? requeue_ms : POLL_MS) : 0;
}

static bool is_sync_fail(const cap_sync_task *t)
{
	return t->phase == CAP_SYNC_PHASE_SYNC_FAIL;
}

static bool stop_asked(step *s)
{
	if (!s->cancelled && s->req->cancelled && s->req->cancelled(s->req->ctx))
		s->cancelled = true;
	return s->cancelled;
}

static void told(step *s)
{
	if (s->req->progress)
		s->req->progress(s->req->ctx, s->ts.results);
}

/* The state a hook is in from its live object's health, with the health's message. */
static cap_sync_op_phase hook_state(const step *s, const cap_sync_task *t, cap_buf *msg)
{
	cap_health h;
	cap_health_init(&h);
	cap_health_assess(&h, t->live, s->req->health);
	cap_sync_hook_state st = cap_sync_hook_state_from_health(
	    h.status == CAP_HEALTH_NONE ? NULL : cap_health_status_name(h.status));
	if (h.message && h.message[0])
		cap_buf_puts(msg, h.message);
	else
		cap_buf_printf(msg, "%s created", t->key.name);
	cap_health_release(&h);
	return st == CAP_SYNC_HOOK_SUCCEEDED ? CAP_SYNC_OP_SUCCEEDED
	       : st == CAP_SYNC_HOOK_FAILED  ? CAP_SYNC_OP_FAILED
					     : CAP_SYNC_OP_RUNNING;
}

/* Step 2: running hooks finish from their health, multi-step resources once healthy. */
static void update_running(step *s)
{
	cap_buf msg = CAP_BUF_INIT;
	for (size_t i = 0; i < s->ts.len; i++) {
		cap_sync_task *t = &s->ts.items[i];
		if (!cap_sync_task_running(t) || !t->live || t->prune)
			continue;
		cap_buf_clear(&msg);
		if (t->hook) {
			cap_sync_op_phase st = hook_state(s, t, &msg);
			if (st != CAP_SYNC_OP_RUNNING &&
			    cap_sync_task_release_hook(s->req->client, t)) {
				cap_buf_clear(&msg);
				cap_buf_printf(&msg, "failed to remove hook finalizer: %s",
					       cap_error_last());
				st = CAP_SYNC_OP_ERROR;
			}
			cap_sync_task_set_result(&s->ts, t, CAP_SYNC_RESULT_NONE, st, msg.ptr);
			continue;
		}
		cap_health h;
		cap_health_init(&h);
		cap_health_assess(&h, t->live, s->req->health);
		if (h.status == CAP_HEALTH_NONE || h.status == CAP_HEALTH_HEALTHY)
			cap_sync_task_set_result(&s->ts, t, CAP_SYNC_RESULT_NONE,
						 CAP_SYNC_OP_SUCCEEDED, h.message);
		else if (h.status == CAP_HEALTH_DEGRADED)
			cap_sync_task_set_result(&s->ts, t, CAP_SYNC_RESULT_NONE, CAP_SYNC_OP_FAILED,
						 h.message);
		cap_health_release(&h);
	}
	cap_buf_release(&msg);
}

/* Whether the tasks span more than one phase and wave. */
static bool multi_step(const cap_sync_tasks *ts)
{
	for (size_t i = 1; i < ts->len; i++)
		if (ts->items[i].phase != ts->items[0].phase ||
		    ts->items[i].wave != ts->items[0].wave)
			return true;
	return false;
}

/*
 * Argo CD's running message, named after the first task as group/kind/name:
 * "waiting for completion of hook batch/Job/migrate and 2 more hooks", "waiting for healthy
 * state of apps/Deployment/web and 1 more resources" when the first is not a hook, "waiting for
 * deletion of /ConfigMap/old" for pruned objects still being deleted.
 */
static void running_message(cap_buf *out, cap_sync_task **running, size_t n, bool deletion)
{
	const cap_sync_task *first = running[0];
	cap_buf_clear(out);
	cap_buf_printf(out, "waiting for %s %s/%s/%s",
		       deletion	     ? "deletion of"
		       : first->hook ? "completion of hook"
				     : "healthy state of",
		       first->key.group, first->key.kind, first->key.name);
	if (n > 1)
		cap_buf_printf(out, " and %zu more %s", n - 1, first->hook ? "hooks" : "resources");
}

/* Deletes the finished hooks whose delete policy matches how they ended. */
static void delete_hooks(step *s, bool succeeded)
{
	if (s->req->dry_run)
		return;
	unsigned want = succeeded ? CAP_SYNC_HOOK_DELETE_SUCCEEDED : CAP_SYNC_HOOK_DELETE_FAILED;
	for (size_t i = 0; i < s->ts.len; i++) {
		cap_sync_task *t = &s->ts.items[i];
		if (!t->hook || !t->live || !cap_sync_task_completed(t))
			continue;
		if (!(cap_sync_hook_delete_policies(t->target) & want))
			continue;
		if ((t->state == CAP_SYNC_OP_SUCCEEDED) != succeeded)
			continue;
		int rc = cap_sync_task_delete_hook(s->req->client, t);
		if (rc && rc != CAP_ENOTFOUND)
			cap_sync_task_set_result(&s->ts, t, CAP_SYNC_RESULT_NONE, t->state,
						 cap_error_last());
	}
}

/*
 * Whether t goes to a namespace this dry-run sync would create (CreateNamespace=true or a
 * Namespace of the sync, missing live): the server cannot check t there, so t is reported as
 * kubectl's client dry run reports a new object, as Argo CD dry-runs (argo-cd#13874).
 */
static bool in_namespace_to_create(const step *s, const cap_sync_task *t)
{
	if (!s->req->dry_run || !t->key.namespace[0])
		return false;
	for (size_t i = 0; i < s->ts.len; i++) {
		const cap_sync_task *ns = &s->ts.items[i];
		if (!ns->prune && !ns->live && !ns->key.group[0] &&
		    !strcmp(ns->key.kind, "Namespace") && !strcmp(ns->key.name, t->key.namespace))
			return true;
	}
	return false;
}

static void apply_one(step *s, cap_sync_task *t, bool dry_run, run_state *state)
{
	cap_buf msg = CAP_BUF_INIT;
	int rc = 0;
	if (dry_run && in_namespace_to_create(s, t)) {
		cap_kube_apply_message(&msg, t->target, CAP_KUBE_APPLY_CREATED, false);
		cap_buf_puts(&msg, " (dry run)");
	} else {
		rc = cap_sync_task_apply(s->req->client, t, s->req, dry_run, &msg);
	}
	if (rc)
		*state = RUN_FAILED;
	if (!dry_run || s->req->dry_run || rc) {
		cap_sync_op_phase st = rc ? CAP_SYNC_OP_FAILED : CAP_SYNC_OP_RUNNING;
		/* nothing is created in a dry-run sync: a valid object is done */
		if (!rc && s->req->dry_run)
			st = CAP_SYNC_OP_SUCCEEDED;
		cap_sync_task_set_result(&s->ts, t,
					 rc ? CAP_SYNC_RESULT_SYNC_FAILED : CAP_SYNC_RESULT_SYNCED, st,
					 msg.ptr);
	}
	cap_buf_release(&msg);
}

/* Prune=confirm: the first task waiting for approval, with how many more wait. */
static bool needs_confirmation(step *s, cap_sync_task **tasks, size_t n)
{
	if (s->req->prune_confirmed || !s->req->prune)
		return false;
	size_t waiting = 0;
	cap_sync_task *first = NULL;
	for (size_t i = 0; i < n; i++)
		if (tasks[i]->prune &&
		    cap_sync_option_get(&tasks[i]->opts, CAP_SYNC_OPT_PRUNE) ==
			CAP_SYNC_OPT_CONFIRM &&
		    !waiting++)
			first = tasks[i];
	if (!waiting)
		return false;
	cap_buf_clear(&s->message);
	cap_buf_puts(&s->message, "Waiting for pruning confirmation of ");
	cap_sync_task_describe(&s->message, first);
	if (waiting > 1)
		cap_buf_printf(&s->message, " and %zu more resources", waiting - 1);
	return true;
}

/*
 * Runs a set of tasks: prunes first, then deletes hooks that go before being created (the step
 * then waits for them to be gone), then applies. dry_run checks without storing anything and
 * records only failures (unless the whole sync is a dry run).
 */
static run_state run_tasks(step *s, cap_sync_task **tasks, size_t n, bool dry_run)
{
	const cap_sync_request *req = s->req;
	dry_run = dry_run || req->dry_run;
	run_state state = RUN_SUCCESSFUL;
	cap_buf msg = CAP_BUF_INIT;
	for (size_t i = 0; i < n && !dry_run; i++) {
		cap_sync_task *t = tasks[i];
		if (t->hook && t->live && cap_sync_task_release_hook(req->client, t)) {
			cap_buf_clear(&msg);
			cap_buf_printf(&msg, "failed to remove hook finalizer: %s", cap_error_last());
			cap_sync_task_set_result(&s->ts, t, CAP_SYNC_RESULT_SYNC_FAILED,
						 CAP_SYNC_OP_FAILED, msg.ptr);
			state = RUN_FAILED;
		}
	}
	if (state == RUN_SUCCESSFUL && needs_confirmation(s, tasks, n))
		state = RUN_PENDING;
	for (size_t i = 0; i < n && state == RUN_SUCCESSFUL; i++) {
		cap_sync_task *t = tasks[i];
		if (!t->prune)
			continue;
		if (stop_asked(s))
			break;
		cap_sync_result_code code = CAP_SYNC_RESULT_NONE;
		cap_buf_clear(&msg);
		cap_sync_task_prune(req->client, t, req, dry_run, &code, &msg);
		if (code == CAP_SYNC_RESULT_SYNC_FAILED)
			state = RUN_FAILED;
		if (!dry_run || req->dry_run || code == CAP_SYNC_RESULT_SYNC_FAILED)
			cap_sync_task_set_result(&s->ts, t, code,
						 code == CAP_SYNC_RESULT_SYNC_FAILED
						     ? CAP_SYNC_OP_FAILED
						     : CAP_SYNC_OP_SUCCEEDED,
						 msg.ptr);
		told(s);
	}
	if (state != RUN_SUCCESSFUL || s->cancelled) {
		cap_buf_release(&msg);
		return s->cancelled ? RUN_PENDING : state;
	}
	for (size_t i = 0; i < n && !dry_run; i++) {
		cap_sync_task *t = tasks[i];
		if (t->prune || !t->hook || !t->live || !cap_sync_task_pending(t) ||
		    !(cap_sync_hook_delete_policies(t->target) &
		      CAP_SYNC_HOOK_DELETE_BEFORE_CREATION))
			continue;
		int rc = cap_sync_task_delete_hook(req->client, t);
		if (rc == CAP_ENOTFOUND) {
			cap_value_free(t->live);
			t->live = NULL;
		} else if (rc) {
			cap_buf_clear(&msg);
			cap_buf_printf(&msg, "failed to delete resource: %s", cap_error_last());
			cap_sync_task_set_result(&s->ts, t, CAP_SYNC_RESULT_NONE, CAP_SYNC_OP_ERROR,
						 msg.ptr);
			state = RUN_FAILED;
		} else if (state == RUN_SUCCESSFUL) {
			state = RUN_PENDING; /* created once the old one is gone */
		}
	}
	if (state != RUN_SUCCESSFUL) {
		cap_buf_release(&msg);
		return state;
	}
	for (size_t i = 0; i < n; i++) {
		cap_sync_task *t = tasks[i];
		if (t->prune || (dry_run && t->skip_dry_run))
			continue;
		if (stop_asked(s))
			break;
		apply_one(s, t, dry_run, &state);
		told(s);
	}
	cap_buf_release(&msg);
	return s->cancelled ? RUN_PENDING : state;
}

/*
 * "one or more objects failed to apply, reason: <messages>": the reason lists the tasks that
 * failed, and SyncFail hooks run (once) before the operation is reported Failed.
 */
static void fail(step *s, const char *what, bool with_hooks)
{
	cap_buf m = CAP_BUF_INIT;
	size_t reasons = 0;
	cap_buf_puts(&m, what);
	for (size_t i = 0; i < s->ts.len; i++) {
		cap_sync_task *t = &s->ts.items[i];
		if (is_sync_fail(t) || !t->message ||
		    (t->code != CAP_SYNC_RESULT_SYNC_FAILED && t->state != CAP_SYNC_OP_FAILED &&
		     t->state != CAP_SYNC_OP_ERROR))
			continue;
		cap_buf_puts(&m, reasons++ ? "," : ", reason: ");
		cap_buf_puts(&m, t->message);
	}
	size_t n = 0;
	bool all_done = true;
	cap_sync_task **sf = cap_calloc(s->ts.len ? s->ts.len : 1, sizeof(*sf));
	for (size_t i = 0; i < s->ts.len; i++)
		if (is_sync_fail(&s->ts.items[i])) {
			sf[n++] = &s->ts.items[i];
			all_done = all_done && cap_sync_task_completed(&s->ts.items[i]);
		}
	run_state st = with_hooks && n && !all_done ? run_tasks(s, sf, n, false) : RUN_PENDING;
	if (st == RUN_FAILED) {
		/* as Argo CD: "<message>\none or more SyncFail hooks failed, reason: <messages>" */
		cap_buf_puts(&m, "\none or more SyncFail hooks failed");
		reasons = 0;
		for (size_t i = 0; i < n; i++) {
			if (sf[i]->code != CAP_SYNC_RESULT_SYNC_FAILED || !sf[i]->message)
				continue;
			cap_buf_puts(&m, reasons++ ? "," : ", reason: ");
			cap_buf_puts(&m, sf[i]->message);
		}
	}
	if (!with_hooks || !n || all_done || st == RUN_FAILED)
		finish(s, CAP_SYNC_OP_FAILED, m.ptr, 0);
	else
		finish(s, CAP_SYNC_OP_RUNNING, m.ptr, POLL_MS);
	free(sf);
	cap_buf_release(&m);
}

/*
 * The client-side dry run: what can be checked without the server storing anything. The kind
 * was found served while the tasks were built (or its CRD comes in this sync); here the name
 * must be one the API accepts in a path (not empty, ".", ".." and without "/" or "%"), as
 * every kind's validation demands. Failures are recorded on their tasks.
 */
static bool client_dry_run(step *s, cap_sync_task **tasks, size_t n)
{
	bool failed = false;
	cap_buf msg = CAP_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		cap_sync_task *t = tasks[i];
		const char *name = t->key.name;
		if (t->skip_dry_run || !t->target)
			continue;
		cap_buf_clear(&msg);
		if (!*name)
			cap_buf_printf(&msg, "%s has no metadata.name", t->key.kind);
		else if (!strcmp(name, ".") || !strcmp(name, "..") || strpbrk(name, "/%") ||
			 strlen(name) > 253)
			cap_buf_printf(&msg, "%s \"%s\" is invalid: metadata.name: Invalid value: "
					     "\"%s\": may not be '.' or '..', contain '/' or '%%', or "
					     "exceed 253 characters",
				       t->key.kind, name, name);
		else
			continue;
		cap_sync_task_set_result(&s->ts, t, CAP_SYNC_RESULT_SYNC_FAILED, CAP_SYNC_OP_FAILED,
					 msg.ptr);
		failed = true;
	}
	cap_buf_release(&msg);
	return failed;
}

/* Step 1 on a new operation: the namespace, then a client-side dry run of every task. */
static bool first_step(step *s)
{
	size_t n = 0;
	cap_sync_task **dry = cap_calloc(s->ts.len ? s->ts.len : 1, sizeof(*dry));
	bool ok = true;
	for (size_t i = 0; i < s->ts.len && ok; i++) {
		cap_sync_task *t = &s->ts.items[i];
		if (!t->namespace_task)
			continue;
		cap_sync_task *one[1] = {t};
		if (run_tasks(s, one, 1, false) == RUN_FAILED) {
			fail(s, "the namespace failed to apply", true);
			ok = false;
		}
	}
	for (size_t i = 0; i < s->ts.len && ok; i++) {
		cap_sync_task *t = &s->ts.items[i];
		bool skip = t->namespace_task || t->prune ||
			    (t->in_sync && t->live &&
			     cap_sync_option_bool(&t->opts, CAP_SYNC_OPT_APPLY_OUT_OF_SYNC_ONLY,
						  false));
		if (!skip)
			dry[n++] = t;
	}
	if (ok && n && client_dry_run(s, dry, n)) {
		fail(s, "one or more objects failed to apply (dry run)", false);
		ok = false;
	}
	free(dry);
	return ok;
}

/* Steps 3 to 6 once the running tasks were brought up to date. */
static void advance(step *s)
{
	const cap_sync_request *req = s->req;
	size_t n = s->ts.len, nr = 0, np = 0;
	cap_sync_task **running = cap_calloc(n ? n : 1, sizeof(*running));
	cap_sync_task **pending = cap_calloc(n ? n : 1, sizeof(*pending));
	bool multi = multi_step(&s->ts), failed = false;
	for (size_t i = 0; i < n; i++) {
		cap_sync_task *t = &s->ts.items[i];
		if ((multi || t->hook) && cap_sync_task_running(t))
			running[nr++] = t;
	}
	if (nr) {
		running_message(&s->message, running, nr, false);
		finish(s, CAP_SYNC_OP_RUNNING, s->message.ptr, POLL_MS);
		goto done;
	}
	/* pruned objects still being deleted (finalizers, foreground deletion) hold the next step */
	for (size_t i = 0; i < n; i++) {
		cap_sync_task *t = &s->ts.items[i];
		if (t->prune && t->code == CAP_SYNC_RESULT_PRUNED &&
		    cap_value_dig(t->live, "metadata", "deletionTimestamp", NULL))
			running[nr++] = t;
	}
	if (nr) {
		running_message(&s->message, running, nr, true);
		finish(s, CAP_SYNC_OP_RUNNING, s->message.ptr, POLL_MS);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		cap_sync_task *t = &s->ts.items[i];
		if (!is_sync_fail(t) && cap_sync_task_completed(t) && !cap_sync_task_successful(t))
			failed = true;
	}
	if (failed) {
		delete_hooks(s, false);
		fail(s, "one or more synchronization tasks completed unsuccessfully", true);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		cap_sync_task *t = &s->ts.items[i];
		if (is_sync_fail(t) || !cap_sync_task_pending(t))
			continue;
		if (!t->hook && t->in_sync && t->live &&
		    cap_sync_option_bool(&t->opts, CAP_SYNC_OPT_APPLY_OUT_OF_SYNC_ONLY, false))
			continue;
		pending[np++] = t;
	}
	if (!np) {
		delete_hooks(s, true);
		finish(s, CAP_SYNC_OP_SUCCEEDED, "successfully synced (no more tasks)", 0);
		goto done;
	}
	cap_sync_phase phase = pending[0]->phase;
	int64_t wave = pending[0]->wave;
	const cap_sync_task *last = pending[np - 1];
	bool final_wave = last->phase == phase && last->wave == wave;
	size_t nw = 0, remaining = 0;
	cap_sync_task **rest = cap_calloc(np, sizeof(*rest));
	for (size_t i = 0; i < np; i++) {
		bool here = pending[i]->phase == phase && pending[i]->wave == wave;
		if (!here || pending[i]->hook)
			rest[remaining++] = pending[i];
		if (here)
			pending[nw++] = pending[i];
	}
	run_state st = run_tasks(s, pending, nw, false);
	if (s->cancelled) {
		finish(s, CAP_SYNC_OP_RUNNING, "one or more tasks are running", POLL_MS);
	} else if (st == RUN_FAILED) {
		delete_hooks(s, false);
		fail(s, "one or more objects failed to apply", true);
	} else if (st == RUN_PENDING) {
		if (!s->message.len)
			cap_buf_puts(&s->message, "one or more tasks are running");
		finish(s, CAP_SYNC_OP_RUNNING, s->message.ptr, POLL_MS);
	} else if (!remaining) {
		delete_hooks(s, true);
		finish(s, CAP_SYNC_OP_SUCCEEDED, "successfully synced (all tasks run)", 0);
	} else {
		/* Argo CD names what remains: the next wave's first task */
		uint64_t delay = final_wave ? 0 : req->wave_delay_ms;
		running_message(&s->message, rest, remaining, false);
		finish(s, CAP_SYNC_OP_RUNNING, s->message.ptr, delay);
	}
	free(rest);
done:
	free(running);
	free(pending);
}

int cap_sync_reconcile(cap_sync_outcome *out, const cap_sync_request *req, const cap_value *prev)
{
	step s = {req, {0}, out, CAP_BUF_INIT, false};
	bool ok = true;
	memset(out, 0, sizeof(*out));
	cap_sync_tasks_build(&s.ts, req, prev, &ok);
	if (!ok) {
		/* nothing may run, SyncFail hooks neither */
		fail(&s, "one or more synchronization tasks are not valid", false);
	} else if (cap_value_array_len(prev) || first_step(&s)) {
		update_running(&s);
		advance(&s);
	}
	out->results = cap_value_ref(s.ts.results);
	cap_sync_tasks_release(&s.ts);
	cap_buf_release(&s.message);
	if (s.cancelled)
		return cap_error_set(CAP_ECANCELED, "operation terminated");
	return 0;
}

int cap_sync_terminate(cap_sync_outcome *out, const cap_sync_request *req, const cap_value *prev)
{
	step s = {req, {0}, out, CAP_BUF_INIT, false};
	bool ok = true, clean = true;
	memset(out, 0, sizeof(*out));
	cap_sync_tasks_build(&s.ts, req, prev, &ok);
	for (size_t i = 0; i < s.ts.len; i++) {
		cap_sync_task *t = &s.ts.items[i];
		if (!t->hook || !t->live || !cap_sync_task_running(t))
			continue;
		int rc = cap_sync_task_delete_hook(req->client, t);
		if (rc && rc != CAP_ENOTFOUND) {
			cap_buf_clear(&s.message);
			cap_buf_printf(&s.message, "Failed to delete: %s", cap_error_last());
			cap_sync_task_set_result(&s.ts, t, CAP_SYNC_RESULT_NONE, CAP_SYNC_OP_FAILED,
						 s.message.ptr);
			clean = false;
		} else {
			cap_sync_task_set_result(&s.ts, t, CAP_SYNC_RESULT_NONE,
						 CAP_SYNC_OP_SUCCEEDED, "Deleted");
		}
	}
	if (clean)
		finish(&s, CAP_SYNC_OP_FAILED, "Operation terminated", 0);
	else
		finish(&s, CAP_SYNC_OP_ERROR, "Operation termination had errors", 0);
	out->results = cap_value_ref(s.ts.results);
	cap_sync_tasks_release(&s.ts);
	cap_buf_release(&s.message);
	return 0;
}
