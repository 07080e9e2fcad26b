/* Running one sync task against the cluster: apply, prune, and the life of a hook's object. */
#include "sync/task.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "kube/apply.h"

int cap_sync_task_apply(cap_kube_client *client, cap_sync_task *t, const cap_sync_request *req,
			bool dry_run, cap_buf *msg)
{
	cap_kube_apply_options ao = {0};
	cap_kube_apply_result res = CAP_KUBE_APPLY_UNCHANGED;
	const cap_sync_option_set *o = &t->opts;
	if (cap_sync_option_bool(o, CAP_SYNC_OPT_REPLACE, false))
		ao.mode = CAP_KUBE_APPLY_REPLACE;
	else if (cap_sync_option_bool(o, CAP_SYNC_OPT_SERVER_SIDE_APPLY, false))
		ao.mode = CAP_KUBE_APPLY_SERVER;
	else
		ao.mode = CAP_KUBE_APPLY_CLIENT;
	ao.dry_run = dry_run;
	ao.force = req->force || cap_sync_option_bool(o, CAP_SYNC_OPT_FORCE, false);
	/* Git is the source of truth: fields another manager took are taken back, as Argo CD does */
	if (ao.mode == CAP_KUBE_APPLY_SERVER)
		ao.force = true;
	ao.namespace = req->namespace;
	if (!cap_sync_option_bool(o, CAP_SYNC_OPT_VALIDATE, true))
		ao.field_validation = "Ignore";
	cap_value *live = NULL;
	int rc = cap_kube_apply(client, dry_run ? NULL : &live, &res, t->target, &ao);
	if (rc) {
		cap_buf_puts(msg, cap_error_last());
	} else {
		cap_kube_apply_message(msg, t->target, res, dry_run);
		if (live) {
			cap_value_free(t->live);
			t->live = live;
		}
	}
	return rc;
}

void cap_sync_task_prune(cap_kube_client *client, const cap_sync_task *t,
			 const cap_sync_request *req, bool dry_run, cap_sync_result_code *code,
			 cap_buf *msg)
{
	/* as gitops-engine's pruneObject: an operation that does not prune says so first */
	if (!req->prune) {
		*code = CAP_SYNC_RESULT_PRUNE_SKIPPED;
		cap_buf_puts(msg, "ignored (requires pruning)");
		return;
	}
	if (cap_sync_option_get(&t->opts, CAP_SYNC_OPT_PRUNE) == CAP_SYNC_OPT_FALSE) {
		*code = CAP_SYNC_RESULT_PRUNE_SKIPPED;
		cap_buf_puts(msg, "ignored (no prune)");
		return;
	}
	cap_kube_delete_options d = {0};
	d.propagation_policy = cap_sync_option_propagation_policy(&t->opts);
	d.dry_run = dry_run;
	/* an object already being deleted is not deleted again (no update loop on it) */
	bool deleting = cap_value_dig(t->live, "metadata", "deletionTimestamp", NULL) != NULL;
	int rc = deleting && !dry_run ? 0 : cap_kube_delete(client, &t->key, &d);
	if (rc && rc != CAP_ENOTFOUND) {
		*code = CAP_SYNC_RESULT_SYNC_FAILED;
		cap_buf_puts(msg, cap_error_last());
		return;
	}
	*code = CAP_SYNC_RESULT_PRUNED;
	cap_buf_puts(msg, dry_run ? "pruned (dry run)" : "pruned");
}

int cap_sync_task_release_hook(cap_kube_client *client, const cap_sync_task *t)
{
	cap_value *fins = cap_value_dig(t->live, "metadata", "finalizers", NULL);
	cap_value *kept = cap_value_array(), *f;
	bool had = false;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(fins, i, f)
	{
		const char *s = cap_value_get_string(f);
		if (s && !strcmp(s, CAP_SYNC_HOOK_FINALIZER))
			had = true;
		else
			cap_value_array_append(kept, cap_value_ref(f));
	}
	if (!had) {
		cap_value_free(kept);
		return 0;
	}
	cap_value *patch = cap_value_object(), *meta = cap_value_object();
	/* an empty list is dropped, as the API server leaves no empty finalizers behind */
	cap_value_object_set(meta, "finalizers",
			     cap_value_array_len(kept) ? cap_value_ref(kept) : cap_value_null());
	cap_value_free(kept);
	cap_value_object_set(patch, "metadata", meta);
	int rc = cap_kube_patch(client, NULL, &t->key, CAP_KUBE_PATCH_MERGE, patch, NULL);
	cap_value_free(patch);
	return rc == CAP_ENOTFOUND ? 0 : rc;
}

int cap_sync_task_delete_hook(cap_kube_client *client, const cap_sync_task *t)
{
	int rc = cap_sync_task_release_hook(client, t);
	if (rc)
		return rc;
	cap_kube_delete_options d = {0};
	d.propagation_policy = "Background";
	return cap_kube_delete(client, &t->key, &d);
}
