/* Application deletion: PreDelete hooks, resources wave by wave, PostDelete hooks, finalizers. */
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
#include "health/health.h"
#include "sync/deletion.h"
#include "sync/hook.h"
#include "sync/options.h"

#define DELETE_POLL_MS	1000 /* look again while something is under way */
#define DELETE_NEXT_MS	200  /* look again soon after a stage completed */
#define DELETE_RETRY_MS 5000 /* look again after a failure */
#define DELETION_ERROR	"DeletionError"

/* What one stage of the deletion reached. */
enum { STAGE_WAIT = 0, STAGE_DONE = 1 };

/* One deletion round of one Application: the server's copy, parsed. */
typedef struct del_run {
	cap_controller *c;
	cap_value *obj; /* the server's copy (owned) */
	cap_app app;	/* parsed from obj */
	int64_t deleted_at;
	cap_buf note;	 /* what the round waits for, for the log */
	bool needs_user; /* the wait is on the user: note goes into the DeletionError condition */
	ctl_cluster *dest; /* the app's destination: its client and cache */
} del_run;

static bool has_finalizer(const cap_value *obj, const char *name)
{
	cap_value *f;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(obj, "metadata", "finalizers", NULL), i, f)
	if (!strcmp(cap_value_get_string(f) ?: "", name))
		return true;
	return false;
}

/*
 * PATCHes metadata.finalizers of the Application obj to its list without the names in drop and
 * with those of add appended (each NULL-terminated, may be NULL), guarded by obj's
 * resourceVersion. Errors are the client's (CAP_ECONFLICT when the app changed meanwhile).
 */
static int set_finalizers(cap_controller *c, const cap_value *obj, const char *const *drop,
			  const char *const *add)
{
	cap_value *list = cap_value_array(), *f;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(obj, "metadata", "finalizers", NULL), i, f)
	{
		const char *s = cap_value_get_string(f) ?: "";
		bool dropped = false;
		for (const char *const *d = drop; d && *d; d++)
			dropped |= !strcmp(s, *d);
		for (const char *const *a = add; a && *a; a++)
			dropped |= !strcmp(s, *a); /* re-added below, once */
		if (!dropped)
			cap_value_array_append(list, cap_value_ref(f));
	}
	for (const char *const *a = add; a && *a; a++)
		cap_value_array_append(list, cap_value_string(*a));
	cap_value *patch = cap_value_object(), *meta = cap_value_object();
	cap_value_object_set(meta, "finalizers", list);
	const char *rv = cap_value_dig_string(obj, "metadata", "resourceVersion", NULL);
	if (rv)
		cap_value_object_set(meta, "resourceVersion", cap_value_string(rv));
	cap_value_object_set(patch, "metadata", meta);
	const char *name = cap_value_dig_string(obj, "metadata", "name", NULL);
	int rc = ctl_patch_app(c, name ? name : "", patch);
	cap_value_free(patch);
	return rc;
}

static void key_text(cap_buf *out, const cap_value *obj)
{
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_buf_clear(out);
	if (!cap_kube_key_from_object(&k, obj))
		cap_kube_key_format(&k, out);
	cap_kube_key_release(&k);
}

/* "namespace/name" (or "name") of obj, appended to a comma list. */
static void list_name(cap_buf *out, const cap_value *obj)
{
	const char *ns = cap_value_dig_string(obj, "metadata", "namespace", NULL);
	cap_buf_printf(out, "%s%s%s%s", out->len ? ", " : "", ns ? ns : "", ns ? "/" : "",
		       cap_value_dig_string(obj, "metadata", "name", NULL) ?: "");
}

/* Whether obj is a hook of phase. */
static bool hook_of(const cap_value *obj, cap_sync_phase phase)
{
	return cap_sync_deletion_hook_types(obj) & CAP_SYNC_HOOK_BIT(phase);
}

/* Whether live object obj is a top-level hook of phase (a child only inherited its marks). */
static bool live_hook_of(const cap_value *obj, cap_sync_phase phase)
{
	return hook_of(obj, phase) &&
	       !cap_value_array_len(cap_value_dig(obj, "metadata", "ownerReferences", NULL));
}

/* The hook's state from its live object; a kind without a health check has succeeded. */
static cap_sync_hook_state hook_state(const cap_value *live, cap_health_status *status)
{
	cap_health h;
	cap_health_init(&h);
	cap_health_assess(&h, live, NULL);
	*status = h.status == CAP_HEALTH_NONE ? CAP_HEALTH_HEALTHY : h.status;
	cap_sync_hook_state st = cap_sync_hook_state_from_health(
	    h.status == CAP_HEALTH_NONE ? NULL : cap_health_status_name(h.status));
	cap_health_release(&h);
	return st;
}

/*
 * Creates the hooks of phase that the app's source renders and that do not exist yet, then
 * waits until each has completed. A hook with only generateName runs under the name
 * cap_sync_hook_name gives it for the deletion (started at the deletion time), so every round
 * finds it again. A failed hook stays in place for inspection and blocks the deletion: Argo
 * CD's error "PreDelete hook(s) failed: ns/name"; deleting it runs it again.
 */
static int run_hooks(del_run *r, cap_sync_phase phase)
{
	cap_controller *c = r->c;
	ctl_target t = {0};
	cap_value *desired = NULL, *hook;
	t.source = r->app.source;
	t.sources = r->app.sources;
	int rc = ctl_desired(c, &desired, &t, &r->app, NULL, NULL, false, false);
	cap_value_free(desired);
	if (rc) {
		cap_error_prefix("failed to generate manifest: ");
		ctl_target_release(&t);
		return rc;
	}
	const char *pname = cap_sync_phase_name(phase);
	cap_buf name = CAP_BUF_INIT, failed = CAP_BUF_INIT, text = CAP_BUF_INIT;
	size_t i, created = 0, running = 0;
	CAP_VALUE_ARRAY_FOREACH(t.hooks, i, hook)
	{
		if (!hook_of(hook, phase))
			continue;
		cap_buf_clear(&name);
		if ((rc = cap_sync_hook_name(&name, hook, ctl_target_revision(&t), phase,
					     r->deleted_at)))
			break;
		cap_value *obj = cap_value_deep_copy(hook);
		cap_value *meta = cap_value_object_get(obj, "metadata");
		cap_value_object_set(meta, "name", cap_value_string(name.ptr));
		cap_value_object_del(meta, "generateName");
		cap_kube_key key = CAP_KUBE_KEY_INIT;
		cap_value *live = NULL;
		if (!(rc = cap_kube_key_from_object(&key, obj)))
			rc = cap_kube_get(r->dest->client, &live, &key);
		if (rc == CAP_ENOTFOUND) {
			rc = cap_kube_create(r->dest->client, NULL, obj, NULL);
			if (!rc || rc == CAP_EEXISTS) {
				key_text(&text, obj);
				cap_log_info("created deletion hook", "app", r->app.name, "phase",
					     pname, "hook", text.ptr);
				created++;
				rc = 0;
			}
		} else if (!rc) {
			cap_health_status hs;
			cap_sync_hook_state st = hook_state(live, &hs);
			if (st == CAP_SYNC_HOOK_FAILED)
				list_name(&failed, live);
			else if (st == CAP_SYNC_HOOK_RUNNING)
				running++;
		}
		if (rc) {
			key_text(&text, obj);
			cap_error_prefix("cannot run %s hook %s: ", pname, text.ptr);
		}
		cap_value_free(live);
		cap_value_free(obj);
		cap_kube_key_release(&key);
		if (rc)
			break;
	}
	if (!rc && failed.len)
		rc = cap_error_set(CAP_EGENERIC, "%s hook(s) failed: %s", pname, failed.ptr);
	if (!rc && (created || running)) {
		cap_buf_printf(&r->note, "waiting for %zu %s hook(s) to complete",
			       created + running, pname);
		rc = STAGE_WAIT;
	} else if (!rc) {
		rc = STAGE_DONE;
	}
	cap_buf_release(&name);
	cap_buf_release(&failed);
	cap_buf_release(&text);
	ctl_target_release(&t);
	return rc;
}

/* Whether a hook names no delete policy at all (Argo CD then deletes it at cleanup). */
static bool no_delete_policy(const cap_value *obj)
{
	return !cap_value_dig(obj, "metadata", "annotations",
			      CAP_SYNC_HOOK_DELETE_POLICY_ANNOTATION, NULL) &&
	       !cap_value_dig(obj, "metadata", "annotations",
			      CAP_SYNC_HELM_HOOK_DELETE_POLICY_ANNOTATION, NULL);
}

/*
 * Deletes the live hooks of phase as their delete policies say, judged on the hooks' combined
 * health: no policy, HookSucceeded when all are Healthy, HookFailed when the worst is Degraded.
 * BeforeHookCreation alone keeps a hook. Done once those are gone.
 */
static int cleanup_hooks(del_run *r, cap_sync_phase phase)
{
	cap_value *objs = NULL, *obj;
	cap_health_status worst = CAP_HEALTH_HEALTHY;
	size_t i, pending = 0;
	int rc = 0;
	cap_cache_app_objects(&objs, r->dest->cache, r->app.name);
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	{
		cap_health_status hs;
		if (!live_hook_of(obj, phase))
			continue;
		hook_state(obj, &hs);
		if (cap_health_is_worse(worst, hs))
			worst = hs;
	}
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	{
		if (!live_hook_of(obj, phase))
			continue;
		unsigned pol = cap_sync_hook_delete_policies(obj);
		if (!no_delete_policy(obj) &&
		    !((pol & CAP_SYNC_HOOK_DELETE_SUCCEEDED) && worst == CAP_HEALTH_HEALTHY) &&
		    !((pol & CAP_SYNC_HOOK_DELETE_FAILED) && worst == CAP_HEALTH_DEGRADED))
			continue;
		pending++;
		if (cap_value_dig(obj, "metadata", "deletionTimestamp", NULL))
			continue;
		cap_kube_key key = CAP_KUBE_KEY_INIT;
		if (!(rc = cap_kube_key_from_object(&key, obj)) &&
		    (rc = cap_kube_delete(r->dest->client, &key, NULL)) == CAP_ENOTFOUND)
			rc = 0;
		cap_kube_key_release(&key);
		if (rc) {
			cap_buf text = CAP_BUF_INIT;
			key_text(&text, obj);
			cap_error_prefix("cannot delete %s hook %s: ", cap_sync_phase_name(phase),
					 text.ptr);
			cap_buf_release(&text);
			break;
		}
	}
	cap_value_free(objs);
	if (rc)
		return rc;
	return pending ? STAGE_WAIT : STAGE_DONE;
}

/*
 * The cascade: the app's top-level live objects (without its PreDelete and PostDelete hooks and
 * what cap_sync_deletion_decide keeps) go wave by wave, the highest wave first; a wave starts
 * once the cache saw every object of the one before go. Nothing is deleted while an object
 * with Delete=confirm waits for approval (argocd.argoproj.io/deletion-approved at or after the
 * deletion time). Done when nothing is left to delete.
 */
static int delete_resources(del_run *r)
{
	cap_value *objs = NULL, *obj, *todo = cap_value_array();
	cap_buf text = CAP_BUF_INIT, confirm = CAP_BUF_INIT;
	size_t i, going = 0;
	int rc = 0;
	bool approved = cap_sync_deletion_approved(r->obj, r->deleted_at);
	cap_cache_app_objects(&objs, r->dest->cache, r->app.name);
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	{
		cap_value *meta = cap_value_object_get(obj, "metadata");
		if (cap_value_array_len(cap_value_object_get(meta, "ownerReferences")) ||
		    cap_sync_deletion_hook_types(obj))
			continue;
		cap_sync_deletion_decision d = cap_sync_deletion_decide(obj);
		if (d == CAP_SYNC_DELETION_KEEP)
			continue;
		if (d == CAP_SYNC_DELETION_NEEDS_CONFIRM && !approved) {
			key_text(&text, obj);
			cap_buf_printf(&confirm, "%s%s", confirm.len ? ", " : "", text.ptr);
		}
		if (cap_value_object_get(meta, "deletionTimestamp"))
			going++;
		cap_value_array_append(todo, cap_value_ref(obj));
	}
	if (going) {
		cap_buf_printf(&r->note, "waiting for %zu resource(s) to be deleted", going);
		rc = STAGE_WAIT;
	} else if (confirm.len) {
		cap_buf_printf(&r->note,
			       "waiting for deletion confirmation of %s (Delete=confirm): approve "
			       "with `app confirm-deletion`",
			       confirm.ptr);
		r->needs_user = true;
		rc = STAGE_WAIT;
	} else if (!cap_value_array_len(todo)) {
		rc = STAGE_DONE;
	} else {
		int64_t wave = 0;
		cap_value *next = cap_sync_deletion_next_wave(todo, &wave);
		cap_kube_delete_options d = {0};
		d.propagation_policy = has_finalizer(r->obj, CAP_APP_FINALIZER_RESOURCES_BACKGROUND)
					   ? "Background"
					   : "Foreground";
		char wave_text[24];
		snprintf(wave_text, sizeof(wave_text), "%lld", (long long)wave);
		cap_log_info("deleting application resources", "app", r->app.name, "wave",
			     wave_text, "propagation", d.propagation_policy);
		CAP_VALUE_ARRAY_FOREACH(next, i, obj)
		{
			cap_kube_key key = CAP_KUBE_KEY_INIT;
			if (!(rc = cap_kube_key_from_object(&key, obj)) &&
			    (rc = cap_kube_delete(r->dest->client, &key, &d)) == CAP_ENOTFOUND)
				rc = 0;
			cap_kube_key_release(&key);
			if (rc) {
				key_text(&text, obj);
				cap_error_prefix("cannot delete %s: ", text.ptr);
				break;
			}
		}
		cap_value_free(next);
		if (!rc) {
			cap_buf_printf(&r->note, "deleting wave %s", wave_text);
			rc = STAGE_WAIT;
		}
	}
	cap_value_free(objs);
	cap_value_free(todo);
	cap_buf_release(&text);
	cap_buf_release(&confirm);
	return rc;
}

/* Writes the DeletionError condition: message, or none when message is NULL. */
static void report(del_run *r, const char *message)
{
	char now[CAP_RFC3339_LEN];
	cap_time_format_rfc3339(now, cap_time_wall_s());
	cap_value *status = r->app.status ? cap_value_deep_copy(r->app.status) : cap_value_object();
	ctl_set_condition(status, DELETION_ERROR, message, now);
	int rc = ctl_patch_status(r->c, r->app.name, r->app.status, status, NULL);
	if (rc && rc != CAP_ENOTFOUND)
		cap_log_warn("cannot write application status", "app", r->app.name, "error",
			     cap_error_last());
	cap_value_free(status);
}

/* A stage of the deletion, run while its finalizer is present. */
typedef struct del_stage {
	const char *finalizer;
	const char *also; /* a second finalizer the stage removes (the background variant) */
	int (*run)(del_run *r, cap_sync_phase phase);
	cap_sync_phase phase;
} del_stage;

static int run_resources(del_run *r, cap_sync_phase phase)
{
	(void)phase;
	return delete_resources(r);
}

/*
 * The stages in Argo CD's order. The resources stage also runs for the background finalizer
 * alone; its entry is matched on either name.
 */
static const del_stage stages[] = {
    {CTL_FINALIZER_PRE_DELETE, NULL, run_hooks, CAP_SYNC_PHASE_PRE_DELETE},
    {CAP_APP_FINALIZER_RESOURCES, CAP_APP_FINALIZER_RESOURCES_BACKGROUND, run_resources,
     CAP_SYNC_PHASE_SYNC},
    {CTL_FINALIZER_PRE_DELETE_CLEANUP, NULL, cleanup_hooks, CAP_SYNC_PHASE_PRE_DELETE},
    {CTL_FINALIZER_POST_DELETE, NULL, run_hooks, CAP_SYNC_PHASE_POST_DELETE},
    {CTL_FINALIZER_POST_DELETE_CLEANUP, NULL, cleanup_hooks, CAP_SYNC_PHASE_POST_DELETE},
};

void ctl_app_delete(cap_controller *c, const char *name)
{
	del_run r = {c, NULL, {0}, 0, CAP_BUF_INIT, false, NULL};
	int rc = ctl_app_get(c, &r.obj, name);
	if (rc == CAP_ENOTFOUND)
		return;
	if (rc || (rc = cap_app_parse(&r.app, r.obj))) {
		cap_log_warn("cannot read application", "app", name, "error", cap_error_last());
		cap_value_free(r.obj);
		ctl_refresh_later(c, name, DELETE_RETRY_MS);
		return;
	}
	if (!r.app.deletion_timestamp ||
	    cap_time_parse_rfc3339(&r.deleted_at, r.app.deletion_timestamp))
		r.deleted_at = cap_time_wall_s();
	const del_stage *st = NULL;
	for (size_t i = 0; i < CAP_ARRAY_SIZE(stages) && !st; i++)
		if (has_finalizer(r.obj, stages[i].finalizer) ||
		    (stages[i].also && has_finalizer(r.obj, stages[i].also)))
			st = &stages[i];
	if (!st)
		goto done; /* nothing of ours: the deletion is someone else's to finish */
	const cap_settings_cluster *known = NULL;
	if (ctl_destination(&known, c, &r.app.destination)) {
		/* as Argo CD: the objects of a cluster no longer configured are let go of */
		const char *drop[CAP_ARRAY_SIZE(stages) * 2 + 1] = {0};
		size_t n = 0;
		for (size_t i = 0; i < CAP_ARRAY_SIZE(stages); i++) {
			drop[n++] = stages[i].finalizer;
			if (stages[i].also)
				drop[n++] = stages[i].also;
		}
		if (set_finalizers(c, r.obj, drop, NULL) && cap_error_last_code() != CAP_ENOTFOUND)
			ctl_refresh_later(c, name, DELETE_RETRY_MS);
		goto done;
	}
	if (ctl_cluster_acquire(&r.dest, c, &r.app)) {
		cap_log_warn("cannot delete application resources", "app", name, "error",
			     cap_error_last());
		report(&r, cap_error_last());
		ctl_refresh_later(c, name, DELETE_RETRY_MS);
		goto done;
	}
	rc = st->run(&r, st->phase);
	if (rc < 0) {
		cap_log_warn("cannot delete application", "app", name, "error", cap_error_last());
		report(&r, cap_error_last());
		ctl_refresh_later(c, name, DELETE_RETRY_MS);
	} else if (rc == STAGE_WAIT) {
		cap_log_debug("application deletion in progress", "app", name, "state", r.note.ptr);
		report(&r, r.needs_user ? r.note.ptr : NULL);
		ctl_refresh_later(c, name, DELETE_POLL_MS);
	} else {
		/* finalizers first: a status write would change the resourceVersion they need */
		const char *drop[] = {st->finalizer, st->also, NULL};
		rc = set_finalizers(c, r.obj, drop, NULL);
		if (!rc)
			report(&r, NULL);
		if (rc && rc != CAP_ENOTFOUND) {
			if (rc != CAP_ECONFLICT)
				cap_log_warn("cannot remove finalizer", "app", name, "finalizer",
					     st->finalizer, "error", cap_error_last());
			ctl_refresh_later(c, name, DELETE_NEXT_MS);
		} else if (!rc) {
			cap_log_info("application deletion step done", "app", name, "finalizer",
				     st->finalizer);
			ctl_refresh_later(c, name, DELETE_NEXT_MS);
		}
	}
done:
	ctl_cluster_release(r.dest);
	cap_buf_release(&r.note);
	cap_app_release(&r.app);
	cap_value_free(r.obj);
}

void ctl_app_delete_hook_finalizers(cap_controller *c, const cap_app *app, const cap_value *hooks)
{
	cap_value *h;
	size_t i;
	bool pre = false, post = false;
	CAP_VALUE_ARRAY_FOREACH(hooks, i, h)
	{
		pre |= hook_of(h, CAP_SYNC_PHASE_PRE_DELETE);
		post |= hook_of(h, CAP_SYNC_PHASE_POST_DELETE);
	}
	bool has_pre = has_finalizer(app->raw, CTL_FINALIZER_PRE_DELETE) &&
		       has_finalizer(app->raw, CTL_FINALIZER_PRE_DELETE_CLEANUP);
	bool has_post = has_finalizer(app->raw, CTL_FINALIZER_POST_DELETE) &&
			has_finalizer(app->raw, CTL_FINALIZER_POST_DELETE_CLEANUP);
	if (pre == has_pre && post == has_post)
		return;
	const char *drop[5] = {NULL}, *add[5] = {NULL};
	size_t nd = 0, na = 0;
	const char **pre_to = pre ? add : drop, **post_to = post ? add : drop;
	size_t *pre_n = pre ? &na : &nd, *post_n = post ? &na : &nd;
	pre_to[(*pre_n)++] = CTL_FINALIZER_PRE_DELETE;
	pre_to[(*pre_n)++] = CTL_FINALIZER_PRE_DELETE_CLEANUP;
	post_to[(*post_n)++] = CTL_FINALIZER_POST_DELETE;
	post_to[(*post_n)++] = CTL_FINALIZER_POST_DELETE_CLEANUP;
	int rc = set_finalizers(c, app->raw, drop, add);
	if (rc == CAP_ECONFLICT)
		ctl_refresh_later(c, app->name, DELETE_NEXT_MS);
	else if (rc && rc != CAP_ENOTFOUND)
		cap_log_warn("cannot update deletion hook finalizers", "app", app->name, "error",
			     cap_error_last());
}
