/* Sync tasks: planning from desired and live objects, Argo CD's order, applying and pruning. */
#include "sync/sync.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "diff/diff.h"
#include "kube/apply.h"

/* gitops-engine's kindOrder: the order kinds are created in within a wave. */
static const char *const kind_order[] = {
    "Namespace",	  "NetworkPolicy",	    "ResourceQuota",
    "LimitRange",	  "PodSecurityPolicy",	    "PodDisruptionBudget",
    "ServiceAccount",	  "Secret",		    "SecretList",
    "ConfigMap",	  "StorageClass",	    "PersistentVolume",
    "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleList",	  "ClusterRoleBinding",	    "ClusterRoleBindingList",
    "Role",		  "RoleList",		    "RoleBinding",
    "RoleBindingList",	  "Service",		    "DaemonSet",
    "Pod",		  "ReplicationController",  "ReplicaSet",
    "Deployment",	  "HorizontalPodAutoscaler", "StatefulSet",
    "Job",		  "CronJob",		    "IngressClass",
    "Ingress",		  "APIService",
};

int cap_sync_kind_rank(const char *kind)
{
	/* Namespaces and CRDs lead: what the rest of the wave may live in or be an instance of */
	if (!strcmp(kind, "Namespace"))
		return -2;
	if (!strcmp(kind, "CustomResourceDefinition"))
		return -1;
	for (size_t i = 0; i < CAP_ARRAY_SIZE(kind_order); i++)
		if (!strcmp(kind, kind_order[i]))
			return (int)i;
	return (int)CAP_ARRAY_SIZE(kind_order);
}

static int task_cmp(const void *pa, const void *pb)
{
	const cap_sync_task *a = pa, *b = pb;
	bool ap = a->action != CAP_SYNC_APPLY, bp = b->action != CAP_SYNC_APPLY;
	if (ap != bp)
		return ap ? 1 : -1;
	int sign = ap ? -1 : 1; /* prunes go in reverse */
	if (a->wave != b->wave)
		return sign * (a->wave < b->wave ? -1 : 1);
	int ra = cap_sync_kind_rank(a->key.kind), rb = cap_sync_kind_rank(b->key.kind);
	if (ra != rb)
		return sign * (ra < rb ? -1 : 1);
	int d = strcmp(a->key.name, b->key.name);
	if (d)
		return sign * d;
	return sign * cap_kube_key_compare(&a->key, &b->key);
}

void cap_sync_plan_sort(cap_sync_plan *plan)
{
	if (plan->len > 1)
		qsort(plan->tasks, plan->len, sizeof(*plan->tasks), task_cmp);
}

static int64_t wave_of(const cap_value *obj)
{
	const char *w = cap_value_dig_string(obj, "metadata", "annotations",
					     CAP_SYNC_WAVE_ANNOTATION, NULL);
	return w ? strtoll(w, NULL, 10) : 0;
}

static void id_of(cap_buf *out, const cap_kube_key *k)
{
	cap_buf_clear(out);
	cap_buf_printf(out, "%s\x1f%s\x1f%s\x1f%s", k->group, k->kind, k->namespace, k->name);
}

static cap_sync_task *push_task(cap_sync_plan *p, size_t *cap)
{
	if (p->len == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		p->tasks = cap_realloc(p->tasks, *cap * sizeof(*p->tasks));
	}
	cap_sync_task *t = &p->tasks[p->len++];
	memset(t, 0, sizeof(*t));
	cap_kube_key_init(&t->key);
	return t;
}

int cap_sync_plan_build(cap_sync_plan *out, const cap_value *desired, const cap_value *live,
			const bool *in_sync, const cap_sync_options *opts)
{
	cap_sync_plan p = {0};
	size_t cap = 0, i;
	cap_hashmap live_by_id = CAP_HASHMAP_INIT, wanted = CAP_HASHMAP_INIT;
	cap_buf id = CAP_BUF_INIT;
	cap_value *obj;
	bool has_ns = false;
	CAP_VALUE_ARRAY_FOREACH(live, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (!cap_kube_key_from_object(&k, obj)) {
			id_of(&id, &k);
			cap_hashmap_put(&live_by_id, id.ptr, obj);
		}
		cap_kube_key_release(&k);
	}
	CAP_VALUE_ARRAY_FOREACH(desired, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (cap_kube_key_from_object(&k, obj)) {
			cap_kube_key_release(&k);
			continue;
		}
		id_of(&id, &k);
		cap_hashmap_put(&wanted, id.ptr, obj);
		if (!strcmp(k.kind, "Namespace") && !k.group[0] && opts && opts->namespace &&
		    !strcmp(k.name, opts->namespace))
			has_ns = true;
		if (opts && opts->apply_out_of_sync_only && in_sync && in_sync[i]) {
			cap_kube_key_release(&k);
			continue;
		}
		cap_sync_task *t = push_task(&p, &cap);
		cap_kube_key_copy(&t->key, &k);
		t->desired = cap_value_ref(obj);
		t->live = cap_value_ref(cap_hashmap_get(&live_by_id, id.ptr));
		t->action = CAP_SYNC_APPLY;
		t->wave = wave_of(obj);
		cap_kube_key_release(&k);
	}
	if (opts && opts->create_namespace && opts->namespace && *opts->namespace && !has_ns) {
		cap_sync_task *t = push_task(&p, &cap);
		cap_value *ns = cap_value_object(), *meta = cap_value_object();
		cap_value_object_set(ns, "apiVersion", cap_value_string("v1"));
		cap_value_object_set(ns, "kind", cap_value_string("Namespace"));
		cap_value_object_set(meta, "name", cap_value_string(opts->namespace));
		cap_value_object_set(ns, "metadata", meta);
		cap_kube_key_set(&t->key, "v1", "Namespace", "", opts->namespace);
		t->desired = ns;
		t->action = CAP_SYNC_APPLY;
		t->wave = INT64_MIN;
	}
	CAP_VALUE_ARRAY_FOREACH(live, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (cap_kube_key_from_object(&k, obj)) {
			cap_kube_key_release(&k);
			continue;
		}
		id_of(&id, &k);
		if (cap_hashmap_contains(&wanted, id.ptr) || cap_diff_ignore_extraneous(obj) ||
		    cap_value_dig_string(obj, "metadata", "deletionTimestamp", NULL)) {
			cap_kube_key_release(&k);
			continue;
		}
		cap_hashmap_put(&wanted, id.ptr, obj); /* a live object listed twice prunes once */
		cap_sync_task *t = push_task(&p, &cap);
		cap_kube_key_copy(&t->key, &k);
		t->live = cap_value_ref(obj);
		t->wave = wave_of(obj);
		bool refused = cap_diff_has_option(obj, CAP_SYNC_OPTIONS_ANNOTATION, "Prune=false");
		t->action = opts && opts->prune && !refused ? CAP_SYNC_PRUNE : CAP_SYNC_SKIP_PRUNE;
		cap_kube_key_release(&k);
	}
	cap_hashmap_release(&live_by_id, NULL);
	cap_hashmap_release(&wanted, NULL);
	cap_buf_release(&id);
	cap_sync_plan_sort(&p);
	*out = p;
	return 0;
}

void cap_sync_plan_release(cap_sync_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->len; i++) {
		cap_kube_key_release(&plan->tasks[i].key);
		cap_value_free(plan->tasks[i].desired);
		cap_value_free(plan->tasks[i].live);
		free(plan->tasks[i].message);
	}
	free(plan->tasks);
	plan->tasks = NULL;
	plan->len = 0;
}

static bool obj_option(const cap_value *obj, const char *option)
{
	return cap_diff_has_option(obj, CAP_SYNC_OPTIONS_ANNOTATION, option);
}

static int run_apply(cap_kube_client *client, cap_sync_task *t, const cap_sync_options *opts,
		     cap_buf *msg)
{
	cap_kube_apply_options ao = {0};
	cap_kube_apply_result res = CAP_KUBE_APPLY_UNCHANGED;
	bool ssa = (opts->server_side_apply && !obj_option(t->desired, "ServerSideApply=false")) ||
		   obj_option(t->desired, "ServerSideApply=true");
	bool replace = opts->replace || obj_option(t->desired, "Replace=true");
	ao.mode = replace ? CAP_KUBE_APPLY_REPLACE
			  : (ssa ? CAP_KUBE_APPLY_SERVER : CAP_KUBE_APPLY_CLIENT);
	ao.dry_run = opts->dry_run;
	ao.force = opts->force || obj_option(t->desired, "Force=true");
	/* Git is the source of truth: fields another manager took are taken back, as Argo CD does */
	if (ao.mode == CAP_KUBE_APPLY_SERVER)
		ao.force = true;
	ao.namespace = opts->namespace;
	if (obj_option(t->desired, "Validate=false"))
		ao.field_validation = "Ignore";
	int rc = cap_kube_apply(client, NULL, &res, t->desired, &ao);
	if (rc)
		cap_buf_puts(msg, cap_error_last());
	else
		cap_kube_apply_message(msg, t->desired, res, opts->dry_run);
	return rc;
}

/* "deployment.apps/web pruned" as kubectl names objects. */
static void object_name(cap_buf *out, const cap_kube_key *k)
{
	for (const char *p = k->kind; *p; p++)
		cap_buf_putc(out, (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p));
	if (k->group[0])
		cap_buf_printf(out, ".%s", k->group);
	cap_buf_printf(out, "/%s", k->name);
}

static int run_prune(cap_kube_client *client, cap_sync_task *t, const cap_sync_options *opts,
		     cap_buf *msg)
{
	cap_kube_delete_options d = {0};
	d.propagation_policy = opts->prune_propagation ? opts->prune_propagation : "Foreground";
	if (obj_option(t->live, "PrunePropagationPolicy=background"))
		d.propagation_policy = "Background";
	else if (obj_option(t->live, "PrunePropagationPolicy=orphan"))
		d.propagation_policy = "Orphan";
	d.dry_run = opts->dry_run;
	int rc = cap_kube_delete(client, &t->key, &d);
	if (rc == CAP_ENOTFOUND)
		rc = 0;
	if (rc) {
		cap_buf_puts(msg, cap_error_last());
		return rc;
	}
	cap_buf_puts(msg, opts->dry_run ? "pruned (dry run)" : "pruned");
	return 0;
}

int cap_sync_run(cap_kube_client *client, cap_sync_plan *plan, const cap_sync_options *opts)
{
	cap_sync_options none = {0};
	cap_buf msg = CAP_BUF_INIT, failures = CAP_BUF_INIT;
	bool failed = false;
	if (!opts)
		opts = &none;
	for (size_t i = 0; i < plan->len; i++) {
		cap_sync_task *t = &plan->tasks[i];
		/* a failed wave stops what comes after it */
		if (failed && i > 0 && (t->wave != plan->tasks[i - 1].wave ||
					t->action != plan->tasks[i - 1].action))
			break;
		if (t->status)
			continue;
		if (opts->cancelled && opts->cancelled(opts->ctx)) {
			cap_buf_release(&msg);
			cap_buf_release(&failures);
			return cap_error_set(CAP_ECANCELED, "operation terminated");
		}
		cap_buf_clear(&msg);
		int rc = 0;
		switch (t->action) {
		case CAP_SYNC_APPLY:
			rc = run_apply(client, t, opts, &msg);
			t->status = rc ? CAP_SYNC_FAILED : CAP_SYNC_SYNCED;
			break;
		case CAP_SYNC_PRUNE:
			rc = run_prune(client, t, opts, &msg);
			t->status = rc ? CAP_SYNC_FAILED : CAP_SYNC_PRUNED;
			break;
		case CAP_SYNC_SKIP_PRUNE:
			cap_buf_puts(&msg, "ignored (requires pruning)");
			t->status = CAP_SYNC_PRUNE_SKIPPED;
			break;
		}
		free(t->message);
		t->message = cap_strdup(msg.ptr);
		if (rc) {
			if (failed)
				cap_buf_puts(&failures, ", ");
			object_name(&failures, &t->key);
			cap_buf_printf(&failures, ": %s", msg.ptr);
			failed = true;
		}
		if (opts->progress)
			opts->progress(opts->ctx, plan, i + 1);
	}
	int rc = 0;
	if (failed)
		rc = cap_error_set(CAP_EGENERIC, "one or more objects failed to apply, reason: %s",
				   failures.ptr);
	cap_buf_release(&msg);
	cap_buf_release(&failures);
	return rc;
}
