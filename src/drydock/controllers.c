/* Workload simulation: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job and Pod status as
 * controllers and kubelets would write them. */
#include "drydock/controllers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hashmap.h"
#include "base/time.h"
#include "drydock/ops.h"
#include "drydock/pod_rank.h"
#include "drydock/select.h"
#include "drydock/status.h"

#define SIMULATE "drydock.capstan.dev/simulate"
#define MANAGER	 "kube-controller-manager"

/* When each pod was first seen, so readiness follows a delay (uid -> monotonic ms). */
static cap_hashmap first_seen = CAP_HASHMAP_INIT;
static uint32_t next_pod_ip = 2;

static const char *mstr(const cap_value *v, const char *k)
{
	return cap_value_dig_string((cap_value *)v, "metadata", k, NULL);
}

static cap_value *obj_at(cap_value *o, const char *key)
{
	cap_value *v = cap_value_object_get(o, key);
	if (!cap_value_is_object(v)) {
		v = cap_value_object();
		cap_value_object_set(o, key, v);
	}
	return v;
}

static void now_ts(char out[CAP_RFC3339_LEN])
{
	cap_time_format_rfc3339(out, cap_time_wall_s());
}

static dd_rtype *type(dd_cluster *c, const char *group, const char *resource)
{
	return dd_registry_find_any(&c->reg, group, resource);
}

static void list(dd_cluster *c, const char *bucket, const char *ns, cap_vec *out)
{
	cap_vec tmp = CAP_VEC_INIT;
	dd_store_list(&c->store, bucket, ns, NULL, &tmp);
	for (size_t i = 0; i < tmp.len; i++)
		cap_vec_push(out, dd_obj_ref(tmp.items[i]));
	cap_vec_release(&tmp);
}

static void unref_all(cap_vec *v)
{
	for (size_t i = 0; i < v->len; i++)
		dd_obj_unref(v->items[i]);
	cap_vec_release(v);
}

static bool owned_by(const cap_value *v, const char *uid)
{
	size_t i;
	cap_value *r;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig((cap_value *)v, "metadata", "ownerReferences", NULL),
				i, r)
	{
		const char *u = cap_value_dig_string(r, "uid", NULL);
		if (u && strcmp(u, uid) == 0)
			return true;
	}
	return false;
}

static cap_value *owner_ref(const cap_value *owner, const char *api_version, const char *kind)
{
	cap_value *refs = cap_value_array(), *r = cap_value_object();
	cap_value_object_set(r, "apiVersion", cap_value_string(api_version));
	cap_value_object_set(r, "kind", cap_value_string(kind));
	cap_value_object_set(r, "name", cap_value_string(mstr(owner, "name")));
	cap_value_object_set(r, "uid", cap_value_string(mstr(owner, "uid")));
	cap_value_object_set(r, "controller", cap_value_bool(true));
	cap_value_object_set(r, "blockOwnerDeletion", cap_value_bool(true));
	cap_value_array_append(refs, r);
	return refs;
}

static const char *simulate_of(const cap_value *v)
{
	const char *s =
	    cap_value_dig_string((cap_value *)v, "metadata", "annotations", SIMULATE, NULL);
	if (!s)
		s = cap_value_dig_string((cap_value *)v, "spec", "template", "metadata",
					 "annotations", SIMULATE, NULL);
	return s ? s : "";
}

static void write_status(dd_cluster *c, dd_rtype *t, const dd_obj *o, cap_value *next)
{
	dd_write_opts wo = {.field_manager = MANAGER, .subresource = "status"};
	dd_response r;
	dd_response_init(&r);
	dd_op_update(c, t, o->ns, o->name, next, &wo, &r);
	dd_response_release(&r);
}

static void write_main(dd_cluster *c, dd_rtype *t, const dd_obj *o, cap_value *next)
{
	dd_write_opts wo = {.field_manager = MANAGER};
	dd_response r;
	dd_response_init(&r);
	dd_op_update(c, t, o->ns, o->name, next, &wo, &r);
	dd_response_release(&r);
}

static void create(dd_cluster *c, dd_rtype *t, const char *ns, cap_value *v)
{
	dd_write_opts wo = {.field_manager = MANAGER};
	dd_response r;
	dd_response_init(&r);
	dd_op_create(c, t, ns, v, &wo, &r);
	dd_response_release(&r);
}

/* Records an Event about obj, as the named component would (core/v1, like kubectl describe reads).
 */
static void event(dd_cluster *c, const cap_value *obj, const char *api_version, const char *kind,
		  const char *component, const char *type_, const char *reason, const char *message)
{
	dd_rtype *et = type(c, "", "events");
	const char *ns = mstr(obj, "namespace");
	if (!et || !ns)
		return;
	char name[600], ts[CAP_RFC3339_LEN];
	snprintf(name, sizeof(name), "%s.%llx", mstr(obj, "name") ?: "x",
		 (unsigned long long)cap_time_now_ns() ^ (unsigned long long)rand());
	now_ts(ts);
	cap_value *e = cap_value_object();
	cap_value_object_set(e, "apiVersion", cap_value_string("v1"));
	cap_value_object_set(e, "kind", cap_value_string("Event"));
	cap_value *meta = cap_value_object();
	cap_value_object_set(meta, "name", cap_value_string(name));
	cap_value_object_set(meta, "namespace", cap_value_string(ns));
	cap_value_object_set(e, "metadata", meta);
	cap_value *io = cap_value_object();
	cap_value_object_set(io, "apiVersion", cap_value_string(api_version));
	cap_value_object_set(io, "kind", cap_value_string(kind));
	cap_value_object_set(io, "name", cap_value_string(mstr(obj, "name") ?: ""));
	cap_value_object_set(io, "namespace", cap_value_string(ns));
	cap_value_object_set(io, "uid", cap_value_string(mstr(obj, "uid") ?: ""));
	cap_value_object_set(io, "resourceVersion",
			     cap_value_string(mstr(obj, "resourceVersion") ?: ""));
	cap_value_object_set(e, "involvedObject", io);
	cap_value_object_set(e, "reason", cap_value_string(reason));
	cap_value_object_set(e, "message", cap_value_string(message));
	cap_value *src = cap_value_object();
	cap_value_object_set(src, "component", cap_value_string(component));
	if (strcmp(component, "kubelet") == 0)
		cap_value_object_set(src, "host", cap_value_string("drydock"));
	cap_value_object_set(e, "source", src);
	cap_value_object_set(e, "firstTimestamp", cap_value_string(ts));
	cap_value_object_set(e, "lastTimestamp", cap_value_string(ts));
	cap_value_object_set(e, "count", cap_value_int(1));
	cap_value_object_set(e, "type", cap_value_string(type_));
	cap_value_object_set(e, "eventTime", cap_value_null());
	cap_value_object_set(e, "reportingComponent", cap_value_string(component));
	cap_value_object_set(e, "reportingInstance",
			     cap_value_string(strcmp(component, "kubelet") == 0 ? "drydock" : ""));
	dd_write_opts wo = {.field_manager = component};
	dd_response r;
	dd_response_init(&r);
	dd_op_create(c, et, ns, e, &wo, &r);
	dd_response_release(&r);
}

static void delete (dd_cluster *c, dd_rtype *t, const dd_obj *o)
{
	dd_delete_opts d = {.propagation = "Background", .grace_period_seconds = -1};
	dd_response r;
	dd_response_init(&r);
	bool gone;
	dd_op_delete(c, t, o->ns, o->name, &d, &gone, &r);
	dd_response_release(&r);
}

static bool deleting(const cap_value *v)
{
	return cap_value_dig((cap_value *)v, "metadata", "deletionTimestamp", NULL) != NULL;
}

static cap_value *condition(const char *type_, const char *status, const char *reason,
			    const char *message, const cap_value *old_conds)
{
	char ts[CAP_RFC3339_LEN];
	now_ts(ts);
	cap_value *c = cap_value_object();
	cap_value_object_set(c, "type", cap_value_string(type_));
	cap_value_object_set(c, "status", cap_value_string(status));
	/* keep transition times stable while the status does not change */
	size_t i;
	cap_value *oc;
	const char *last = NULL, *probe = NULL;
	CAP_VALUE_ARRAY_FOREACH(old_conds, i, oc)
	{
		const char *t = cap_value_dig_string(oc, "type", NULL);
		if (t && strcmp(t, type_) == 0 &&
		    strcmp(cap_value_dig_string(oc, "status", NULL) ?: "", status) == 0) {
			last = cap_value_dig_string(oc, "lastTransitionTime", NULL);
			probe = cap_value_dig_string(oc, "lastUpdateTime", NULL);
			if (!cap_value_dig_string(oc, "reason", NULL) || !reason ||
			    strcmp(cap_value_dig_string(oc, "reason", NULL), reason) != 0)
				probe = NULL;
		}
	}
	if (reason) {
		cap_value_object_set(c, "lastUpdateTime", cap_value_string(probe ? probe : ts));
		cap_value_object_set(c, "lastTransitionTime", cap_value_string(last ? last : ts));
		cap_value_object_set(c, "reason", cap_value_string(reason));
		cap_value_object_set(c, "message", cap_value_string(message ? message : ""));
	} else {
		cap_value_object_set(c, "lastProbeTime", cap_value_null());
		cap_value_object_set(c, "lastTransitionTime", cap_value_string(last ? last : ts));
	}
	return c;
}

static void template_hash(const cap_value *tmpl, char out[16])
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	uint64_t h = cap_value_hash(tmpl);
	for (int i = 0; i < 10; i++) {
		out[i] = alphabet[h % 27];
		h /= 27;
	}
	out[10] = '\0';
}

static void rand_suffix(char out[6])
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	uint64_t h = cap_time_now_ns() * 6364136223846793005ull + (uint64_t)rand();
	for (int i = 0; i < 5; i++) {
		out[i] = alphabet[h % 27];
		h /= 27;
	}
	out[5] = '\0';
}

/* Pods owned by uid in ns. */
static void owned_pods(dd_cluster *c, const char *ns, const char *uid, cap_vec *out)
{
	cap_vec all = CAP_VEC_INIT;
	list(c, "/pods", ns, &all);
	for (size_t i = 0; i < all.len; i++) {
		dd_obj *p = all.items[i];
		if (owned_by(p->v, uid) && !deleting(p->v))
			cap_vec_push(out, dd_obj_ref(p));
	}
	unref_all(&all);
}

static cap_value *pod_from_template(const cap_value *tmpl, const char *name, const char *ns,
				    cap_value *refs, const char *simulate, const char *hostname)
{
	cap_value *pod = cap_value_object();
	cap_value_object_set(pod, "apiVersion", cap_value_string("v1"));
	cap_value_object_set(pod, "kind", cap_value_string("Pod"));
	cap_value *meta = cap_value_deep_copy(cap_value_object_get(tmpl, "metadata"));
	if (!cap_value_is_object(meta)) {
		cap_value_free(meta);
		meta = cap_value_object();
	}
	if (cap_value_object_get(meta, "creationTimestamp"))
		cap_value_object_del(meta, "creationTimestamp");
	cap_value_object_set(meta, "name", cap_value_string(name));
	cap_value_object_set(meta, "namespace", cap_value_string(ns));
	cap_value_object_set(meta, "ownerReferences", refs);
	if (simulate && *simulate)
		cap_value_object_set(obj_at(meta, "annotations"), SIMULATE,
				     cap_value_string(simulate));
	cap_value_object_set(pod, "metadata", meta);
	cap_value *spec = cap_value_deep_copy(cap_value_object_get(tmpl, "spec"));
	if (!cap_value_is_object(spec)) {
		cap_value_free(spec);
		spec = cap_value_object();
	}
	cap_value_object_set(spec, "nodeName", cap_value_string("drydock"));
	if (hostname)
		cap_value_object_set(spec, "hostname", cap_value_string(hostname));
	cap_value_object_set(pod, "spec", spec);
	return pod;
}

static bool condition_true(const cap_value *v, const char *type_)
{
	size_t i;
	cap_value *cd;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig((cap_value *)v, "status", "conditions", NULL), i, cd)
	{
		if (strcmp(cap_value_dig_string(cd, "type", NULL) ?: "", type_) == 0)
			return strcmp(cap_value_dig_string(cd, "status", NULL) ?: "", "True") == 0;
	}
	return false;
}

static int deletion_order(const void *a, const void *b)
{
	return dd_pod_deletion_cmp((*(dd_obj *const *)a)->v, (*(dd_obj *const *)b)->v);
}

/* The ordinal of a StatefulSet pod: the number after the last '-'. */
static long long ordinal_of(const dd_obj *p)
{
	const char *dash = strrchr(p->name, '-');
	return dash ? strtoll(dash + 1, NULL, 10) : 0;
}

static int highest_ordinal_first(const void *a, const void *b)
{
	long long x = ordinal_of(*(dd_obj *const *)a), y = ordinal_of(*(dd_obj *const *)b);
	return (x < y) - (x > y);
}

/*
 * Keeps count pods owned by owner; returns the ready and available counts. A scale-down deletes
 * the highest ordinals first (ordinal: StatefulSets), else the pods the ReplicaSet controller
 * would pick: unscheduled, pending and not ready ones before the others, then the newest.
 */
static void scale_pods(dd_cluster *c, const dd_obj *owner, const char *api_version,
		       const char *kind, int64_t count, const char *prefix, bool ordinal,
		       int64_t *ready_out, int64_t *have_out)
{
	dd_rtype *pt = type(c, "", "pods");
	cap_value *tmpl = cap_value_dig(owner->v, "spec", "template", NULL);
	cap_vec pods = CAP_VEC_INIT;
	owned_pods(c, owner->ns, mstr(owner->v, "uid"), &pods);
	int64_t have = (int64_t)pods.len, ready = 0;
	if (have > count && pods.len > 1)
		qsort(pods.items, pods.len, sizeof(*pods.items),
		      ordinal ? highest_ordinal_first : deletion_order);
	size_t surplus = have > count ? (size_t)(have - count) : 0;
	for (size_t i = surplus; i < pods.len; i++) /* the pods that stay */
		if (condition_true(((dd_obj *)pods.items[i])->v, "Ready"))
			ready++;
	const char *sim = simulate_of(owner->v);
	for (int64_t i = 0; have < count && i < count + have + 1; i++) {
		char name[512];
		if (ordinal) {
			snprintf(name, sizeof(name), "%s-%lld", prefix, (long long)i);
			if (dd_store_get(&c->store, "/pods", owner->ns, name))
				continue;
		} else {
			char sfx[6];
			rand_suffix(sfx);
			snprintf(name, sizeof(name), "%s-%s", prefix, sfx);
		}
		create(c, pt, owner->ns,
		       pod_from_template(tmpl, name, owner->ns,
					 owner_ref(owner->v, api_version, kind), sim,
					 ordinal ? name : NULL));
		char msg[600];
		snprintf(msg, sizeof(msg), "%s Pod %s in %s %s successful", "create", name, kind,
			 owner->name);
		if (!ordinal)
			snprintf(msg, sizeof(msg), "Created pod: %s", name);
		event(c, owner->v, api_version, kind,
		      strcmp(kind, "ReplicaSet") == 0	 ? "replicaset-controller"
		      : strcmp(kind, "StatefulSet") == 0 ? "statefulset-controller"
		      : strcmp(kind, "DaemonSet") == 0	 ? "daemonset-controller"
							 : "job-controller",
		      "Normal", "SuccessfulCreate", msg);
		have++;
	}
	for (size_t i = 0; i < surplus; i++) {
		char msg[600];
		snprintf(msg, sizeof(msg), "Deleted pod: %s", ((dd_obj *)pods.items[i])->name);
		event(c, owner->v, api_version, kind, "replicaset-controller", "Normal",
		      "SuccessfulDelete", msg);
		delete (c, pt, pods.items[i]);
		have--;
	}
	unref_all(&pods);
	*ready_out = ready < have ? ready : have;
	*have_out = have;
}

static void reconcile_replicaset(dd_cluster *c, dd_obj *rs)
{
	if (deleting(rs->v))
		return;
	int64_t want = cap_value_get_int(cap_value_dig(rs->v, "spec", "replicas", NULL));
	int64_t ready, have;
	scale_pods(c, rs, "apps/v1", "ReplicaSet", want, rs->name, false, &ready, &have);
	cap_value *next = cap_value_deep_copy(rs->v);
	cap_value *st = cap_value_object();
	cap_value_object_set(st, "replicas", cap_value_int(have));
	cap_value_object_set(st, "fullyLabeledReplicas", cap_value_int(have));
	if (ready) {
		cap_value_object_set(st, "readyReplicas", cap_value_int(ready));
		cap_value_object_set(st, "availableReplicas", cap_value_int(ready));
	}
	cap_value_object_set(
	    st, "observedGeneration",
	    cap_value_int(cap_value_get_int(cap_value_dig(rs->v, "metadata", "generation", NULL))));
	if (!have)
		cap_value_object_del(st, "fullyLabeledReplicas");
	cap_value_object_set(next, "status", st);
	write_status(c, type(c, "apps", "replicasets"), rs, next);
}

static void reconcile_deployment(dd_cluster *c, dd_obj *d)
{
	if (deleting(d->v))
		return;
	dd_rtype *rst = type(c, "apps", "replicasets");
	const char *uid = mstr(d->v, "uid");
	cap_value *tmpl = cap_value_dig(d->v, "spec", "template", NULL);
	int64_t want = cap_value_get_int(cap_value_dig(d->v, "spec", "replicas", NULL));
	char hash[16];
	template_hash(tmpl, hash);
	cap_vec all = CAP_VEC_INIT;
	list(c, "apps/replicasets", d->ns, &all);
	dd_obj *cur = NULL;
	int64_t max_rev = 0;
	for (size_t i = 0; i < all.len; i++) {
		dd_obj *rs = all.items[i];
		if (!owned_by(rs->v, uid))
			continue;
		const char *rev = cap_value_dig_string(rs->v, "metadata", "annotations",
						       "deployment.kubernetes.io/revision", NULL);
		if (rev && atoll(rev) > max_rev)
			max_rev = atoll(rev);
		const char *h =
		    cap_value_dig_string(rs->v, "metadata", "labels", "pod-template-hash", NULL);
		if (h && strcmp(h, hash) == 0)
			cur = rs;
	}
	char revbuf[32];
	if (!cur) {
		snprintf(revbuf, sizeof(revbuf), "%lld", (long long)max_rev + 1);
		cap_value *rs = cap_value_object();
		cap_value_object_set(rs, "apiVersion", cap_value_string("apps/v1"));
		cap_value_object_set(rs, "kind", cap_value_string("ReplicaSet"));
		cap_value *meta = cap_value_object();
		char name[512];
		snprintf(name, sizeof(name), "%s-%s", d->name, hash);
		cap_value_object_set(meta, "name", cap_value_string(name));
		cap_value *labels =
		    cap_value_deep_copy(cap_value_dig(tmpl, "metadata", "labels", NULL));
		if (!cap_value_is_object(labels)) {
			cap_value_free(labels);
			labels = cap_value_object();
		}
		cap_value_object_set(labels, "pod-template-hash", cap_value_string(hash));
		cap_value_object_set(meta, "labels", cap_value_deep_copy(labels));
		cap_value *ann = cap_value_object();
		char num[32];
		snprintf(num, sizeof(num), "%lld", (long long)want);
		cap_value_object_set(ann, "deployment.kubernetes.io/desired-replicas",
				     cap_value_string(num));
		cap_value_object_set(ann, "deployment.kubernetes.io/max-replicas",
				     cap_value_string(num));
		cap_value_object_set(ann, "deployment.kubernetes.io/revision",
				     cap_value_string(revbuf));
		const char *sim = simulate_of(d->v);
		if (*sim)
			cap_value_object_set(ann, SIMULATE, cap_value_string(sim));
		cap_value_object_set(meta, "annotations", ann);
		cap_value_object_set(meta, "ownerReferences",
				     owner_ref(d->v, "apps/v1", "Deployment"));
		cap_value_object_set(rs, "metadata", meta);
		cap_value *spec = cap_value_object();
		cap_value_object_set(spec, "replicas", cap_value_int(want));
		cap_value *sel = cap_value_deep_copy(cap_value_dig(d->v, "spec", "selector", NULL));
		if (!cap_value_is_object(sel)) {
			cap_value_free(sel);
			sel = cap_value_object();
		}
		cap_value_object_set(obj_at(sel, "matchLabels"), "pod-template-hash",
				     cap_value_string(hash));
		cap_value_object_set(spec, "selector", sel);
		cap_value *t2 = cap_value_deep_copy(tmpl);
		cap_value_object_set(obj_at(t2, "metadata"), "labels", labels);
		if (*sim)
			cap_value_object_set(obj_at(obj_at(t2, "metadata"), "annotations"),
					     SIMULATE, cap_value_string(sim));
		cap_value_object_set(spec, "template", t2);
		cap_value_object_set(rs, "spec", spec);
		create(c, rst, d->ns, rs);
		char msg[700];
		snprintf(msg, sizeof(msg), "Scaled up replica set %s from 0 to %lld", name,
			 (long long)want);
		event(c, d->v, "apps/v1", "Deployment", "deployment-controller", "Normal",
		      "ScalingReplicaSet", msg);
	} else {
		const char *rev = cap_value_dig_string(cur->v, "metadata", "annotations",
						       "deployment.kubernetes.io/revision", NULL);
		snprintf(revbuf, sizeof(revbuf), "%s", rev ? rev : "1");
		int64_t had = cap_value_get_int(cap_value_dig(cur->v, "spec", "replicas", NULL));
		if (had != want) {
			char msg[700];
			snprintf(msg, sizeof(msg), "Scaled %s replica set %s from %lld to %lld",
				 want > had ? "up" : "down", cur->name, (long long)had,
				 (long long)want);
			event(c, d->v, "apps/v1", "Deployment", "deployment-controller", "Normal",
			      "ScalingReplicaSet", msg);
			cap_value *next = cap_value_deep_copy(cur->v);
			cap_value_object_set(obj_at(next, "spec"), "replicas", cap_value_int(want));
			write_main(c, rst, cur, next);
		}
	}
	/* old ReplicaSets scale to zero; history beyond revisionHistoryLimit goes */
	int64_t ready_total = 0, have_total = 0, updated = 0, updated_ready = 0;
	for (size_t i = 0; i < all.len; i++) {
		dd_obj *rs = all.items[i];
		if (!owned_by(rs->v, uid))
			continue;
		int64_t have = cap_value_get_int(cap_value_dig(rs->v, "status", "replicas", NULL));
		int64_t ready =
		    cap_value_get_int(cap_value_dig(rs->v, "status", "readyReplicas", NULL));
		have_total += have;
		ready_total += ready;
		if (rs == cur) {
			updated = have;
			updated_ready = ready;
			continue;
		}
		int64_t old_want =
		    cap_value_get_int(cap_value_dig(rs->v, "spec", "replicas", NULL));
		if (old_want != 0) {
			char msg[700];
			snprintf(msg, sizeof(msg), "Scaled down replica set %s from %lld to 0",
				 rs->name, (long long)old_want);
			event(c, d->v, "apps/v1", "Deployment", "deployment-controller", "Normal",
			      "ScalingReplicaSet", msg);
			cap_value *next = cap_value_deep_copy(rs->v);
			cap_value_object_set(obj_at(next, "spec"), "replicas", cap_value_int(0));
			write_main(c, rst, rs, next);
		}
	}
	unref_all(&all);
	/* revision annotation on the Deployment itself */
	const char *drev = cap_value_dig_string(d->v, "metadata", "annotations",
						"deployment.kubernetes.io/revision", NULL);
	dd_rtype *dt = type(c, "apps", "deployments");
	if (!drev || strcmp(drev, revbuf) != 0) {
		cap_value *next = cap_value_deep_copy(d->v);
		cap_value_object_set(obj_at(obj_at(next, "metadata"), "annotations"),
				     "deployment.kubernetes.io/revision", cap_value_string(revbuf));
		write_main(c, dt, d, next);
		d = dd_store_get(&c->store, "apps/deployments", d->ns, d->name);
		if (!d)
			return;
	}
	cap_value *old_conds = cap_value_dig(d->v, "status", "conditions", NULL);
	cap_value *st = cap_value_object();
	cap_value_object_set(
	    st, "observedGeneration",
	    cap_value_int(cap_value_get_int(cap_value_dig(d->v, "metadata", "generation", NULL))));
	if (have_total)
		cap_value_object_set(st, "replicas", cap_value_int(have_total));
	if (updated)
		cap_value_object_set(st, "updatedReplicas", cap_value_int(updated));
	if (ready_total) {
		cap_value_object_set(st, "readyReplicas", cap_value_int(ready_total));
		cap_value_object_set(st, "availableReplicas", cap_value_int(ready_total));
	}
	if (have_total - ready_total > 0 || want > ready_total)
		cap_value_object_set(
		    st, "unavailableReplicas",
		    cap_value_int((want > have_total ? want : have_total) - ready_total));
	cap_value *conds = cap_value_array();
	bool available = ready_total >= want - (want + 3) / 4 &&
			 (want == 0 || ready_total > 0 || want - (want + 3) / 4 <= 0);
	cap_value_array_append(
	    conds, available
		       ? condition("Available", "True", "MinimumReplicasAvailable",
				   "Deployment has minimum availability.", old_conds)
		       : condition("Available", "False", "MinimumReplicasUnavailable",
				   "Deployment does not have minimum availability.", old_conds));
	char msg[600];
	char rsname[512];
	snprintf(rsname, sizeof(rsname), "%s-%s", d->name, hash);
	bool complete = updated == want && updated_ready == want && have_total == want;
	if (strcmp(simulate_of(d->v), "fail") == 0) {
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has timed out progressing.", rsname);
		cap_value_array_append(
		    conds,
		    condition("Progressing", "False", "ProgressDeadlineExceeded", msg, old_conds));
	} else if (complete) {
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" has successfully progressed.",
			 rsname);
		cap_value_array_append(conds, condition("Progressing", "True",
							"NewReplicaSetAvailable", msg, old_conds));
	} else {
		snprintf(msg, sizeof(msg), "ReplicaSet \"%s\" is progressing.", rsname);
		cap_value_array_append(
		    conds, condition("Progressing", "True", "ReplicaSetUpdated", msg, old_conds));
	}
	cap_value_object_set(st, "conditions", conds);
	cap_value *next = cap_value_deep_copy(d->v);
	cap_value_object_set(next, "status", st);
	write_status(c, dt, d, next);
}

static void reconcile_statefulset(dd_cluster *c, dd_obj *s)
{
	if (deleting(s->v))
		return;
	int64_t want = cap_value_get_int(cap_value_dig(s->v, "spec", "replicas", NULL));
	int64_t ready, have;
	scale_pods(c, s, "apps/v1", "StatefulSet", want, s->name, true, &ready, &have);
	char rev[64], hash[16];
	template_hash(cap_value_dig(s->v, "spec", "template", NULL), hash);
	snprintf(rev, sizeof(rev), "%s-%s", s->name, hash);
	cap_value *st = cap_value_object();
	cap_value_object_set(
	    st, "observedGeneration",
	    cap_value_int(cap_value_get_int(cap_value_dig(s->v, "metadata", "generation", NULL))));
	cap_value_object_set(st, "replicas", cap_value_int(have));
	cap_value_object_set(st, "currentReplicas", cap_value_int(have));
	cap_value_object_set(st, "updatedReplicas", cap_value_int(have));
	if (ready)
		cap_value_object_set(st, "readyReplicas", cap_value_int(ready));
	cap_value_object_set(st, "availableReplicas", cap_value_int(ready));
	cap_value_object_set(st, "currentRevision", cap_value_string(rev));
	cap_value_object_set(st, "updateRevision", cap_value_string(rev));
	cap_value_object_set(st, "collisionCount", cap_value_int(0));
	cap_value *next = cap_value_deep_copy(s->v);
	cap_value_object_set(next, "status", st);
	write_status(c, type(c, "apps", "statefulsets"), s, next);
}

static void reconcile_daemonset(dd_cluster *c, dd_obj *s)
{
	if (deleting(s->v))
		return;
	int64_t ready, have;
	char prefix[300];
	snprintf(prefix, sizeof(prefix), "%s", s->name);
	scale_pods(c, s, "apps/v1", "DaemonSet", 1, prefix, false, &ready, &have);
	cap_value *st = cap_value_object();
	cap_value_object_set(st, "currentNumberScheduled", cap_value_int(have));
	cap_value_object_set(st, "desiredNumberScheduled", cap_value_int(1));
	cap_value_object_set(st, "numberAvailable", cap_value_int(ready));
	cap_value_object_set(st, "numberMisscheduled", cap_value_int(0));
	cap_value_object_set(st, "numberReady", cap_value_int(ready));
	if (!ready)
		cap_value_object_set(st, "numberUnavailable", cap_value_int(1));
	cap_value_object_set(
	    st, "observedGeneration",
	    cap_value_int(cap_value_get_int(cap_value_dig(s->v, "metadata", "generation", NULL))));
	cap_value_object_set(st, "updatedNumberScheduled", cap_value_int(have));
	cap_value *next = cap_value_deep_copy(s->v);
	cap_value_object_set(next, "status", st);
	write_status(c, type(c, "apps", "daemonsets"), s, next);
}

static void reconcile_job(dd_cluster *c, dd_obj *j)
{
	if (deleting(j->v))
		return;
	cap_value *old = cap_value_object_get(j->v, "status");
	if (cap_value_object_get(old, "completionTime") ||
	    cap_value_dig(j->v, "status", "failed", NULL))
		return;
	cap_vec pods = CAP_VEC_INIT;
	owned_pods(c, j->ns, mstr(j->v, "uid"), &pods);
	char ts[CAP_RFC3339_LEN];
	now_ts(ts);
	cap_value *st = cap_value_deep_copy(old);
	if (!cap_value_is_object(st)) {
		cap_value_free(st);
		st = cap_value_object();
	}
	if (!cap_value_object_get(st, "startTime"))
		cap_value_object_set(st, "startTime", cap_value_string(ts));
	if (pods.len == 0) {
		char name[512], sfx[6];
		rand_suffix(sfx);
		snprintf(name, sizeof(name), "%s-%s", j->name, sfx);
		create(c, type(c, "", "pods"), j->ns,
		       pod_from_template(cap_value_dig(j->v, "spec", "template", NULL), name, j->ns,
					 owner_ref(j->v, "batch/v1", "Job"), simulate_of(j->v),
					 NULL));
		cap_value_object_set(st, "active", cap_value_int(1));
		cap_value_object_set(st, "ready", cap_value_int(0));
		cap_value_object_set(st, "terminating", cap_value_int(0));
	} else {
		dd_obj *p = pods.items[0];
		const char *phase = cap_value_dig_string(p->v, "status", "phase", NULL) ?: "";
		if (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0) {
			bool ok = strcmp(phase, "Succeeded") == 0;
			cap_value_object_del(st, "active");
			cap_value_object_set(st, ok ? "succeeded" : "failed", cap_value_int(1));
			cap_value_object_set(st, "ready", cap_value_int(0));
			cap_value *conds = cap_value_array();
			if (ok) {
				cap_value_array_append(conds,
						       condition("SuccessCriteriaMet", "True",
								 "CompletionsReached",
								 "Reached expected number of "
								 "succeeded pods",
								 NULL));
				cap_value_array_append(
				    conds, condition("Complete", "True", "CompletionsReached",
						     "Reached expected number of "
						     "succeeded pods",
						     NULL));
				cap_value_object_set(st, "completionTime", cap_value_string(ts));
			} else {
				cap_value_array_append(conds,
						       condition("FailureTarget", "True",
								 "BackoffLimitExceeded",
								 "Job has reached the specified "
								 "backoff limit",
								 NULL));
				cap_value_array_append(
				    conds, condition("Failed", "True", "BackoffLimitExceeded",
						     "Job has reached the specified "
						     "backoff limit",
						     NULL));
			}
			size_t i;
			cap_value *cd;
			CAP_VALUE_ARRAY_FOREACH(conds, i, cd)
			{
				cap_value_object_del(cd, "lastUpdateTime");
				cap_value_object_set(cd, "lastProbeTime", cap_value_string(ts));
			}
			cap_value_object_set(st, "conditions", conds);
			cap_value_object_set(st, "uncountedTerminatedPods", cap_value_object());
		}
	}
	unref_all(&pods);
	cap_value *next = cap_value_deep_copy(j->v);
	cap_value_object_set(next, "status", st);
	write_status(c, type(c, "batch", "jobs"), j, next);
}

static cap_value *container_statuses(const cap_value *spec, const char *sim, bool running,
				     const char *ts, int64_t restarts, bool *ready_out)
{
	cap_value *arr = cap_value_array();
	size_t i;
	cap_value *ct;
	bool all_ready = true;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "containers"), i, ct)
	{
		cap_value *s = cap_value_object();
		const char *image = cap_value_dig_string(ct, "image", NULL) ?: "";
		cap_value_object_set(s, "containerID",
				     cap_value_string("containerd://0000000000000000000000000000000"
						      "000000000000000000000000000000000"));
		cap_value_object_set(s, "image", cap_value_string(image));
		cap_value_object_set(s, "imageID", cap_value_string(""));
		cap_value_object_set(
		    s, "name", cap_value_string(cap_value_dig_string(ct, "name", NULL) ?: ""));
		bool ready = running && strcmp(sim, "never-ready") != 0;
		cap_value *state = cap_value_object(), *inner = cap_value_object();
		if (strcmp(sim, "crashloop") == 0 && running) {
			ready = false;
			cap_value_object_set(inner, "reason", cap_value_string("CrashLoopBackOff"));
			cap_value_object_set(
			    inner, "message",
			    cap_value_string("back-off 10s restarting failed container"));
			cap_value_object_set(state, "waiting", inner);
		} else if (strcmp(sim, "imagepull") == 0) {
			ready = false;
			cap_value_object_set(inner, "reason", cap_value_string("ImagePullBackOff"));
			char m[600];
			snprintf(m, sizeof(m), "Back-off pulling image \"%s\"", image);
			cap_value_object_set(inner, "message", cap_value_string(m));
			cap_value_object_set(state, "waiting", inner);
		} else if (running) {
			cap_value_object_set(inner, "startedAt", cap_value_string(ts));
			cap_value_object_set(state, "running", inner);
		} else {
			cap_value_object_set(inner, "reason",
					     cap_value_string("ContainerCreating"));
			cap_value_object_set(state, "waiting", inner);
		}
		cap_value_object_set(s, "ready", cap_value_bool(ready));
		cap_value_object_set(s, "restartCount", cap_value_int(restarts));
		cap_value_object_set(s, "started",
				     cap_value_bool(running && strcmp(sim, "crashloop") &&
						    strcmp(sim, "imagepull")));
		cap_value_object_set(s, "state", state);
		if (!ready)
			all_ready = false;
		cap_value_array_append(arr, s);
	}
	*ready_out = all_ready;
	return arr;
}

static void reconcile_pod(dd_cluster *c, dd_obj *p, uint64_t now_ms)
{
	if (deleting(p->v))
		return;
	const char *uid = mstr(p->v, "uid");
	if (!uid)
		return;
	void *seen;
	if (!cap_hashmap_find(&first_seen, uid, strlen(uid), &seen)) {
		cap_hashmap_put(&first_seen, uid, (void *)(uintptr_t)now_ms);
		seen = (void *)(uintptr_t)now_ms;
		char msg[600];
		snprintf(msg, sizeof(msg), "Successfully assigned %s/%s to drydock", p->ns,
			 p->name);
		event(c, p->v, "v1", "Pod", "default-scheduler", "Normal", "Scheduled", msg);
	}
	const char *sim = simulate_of(p->v);
	/* settled pods cost nothing: only crashlooping ones keep changing (their restart count) */
	const char *settled = cap_value_dig_string(p->v, "status", "phase", NULL);
	const char *policy = cap_value_dig_string(p->v, "spec", "restartPolicy", NULL);
	if (settled && strcmp(settled, "Running") == 0 && strcmp(sim, "crashloop") != 0 &&
	    (!policy || strcmp(policy, "Always") == 0) &&
	    condition_true(p->v, "PodReadyToStartContainers") &&
	    (condition_true(p->v, "Ready") || strcmp(sim, "never-ready") == 0))
		return;
	uint64_t delay = c->controller_delay_ms;
	if (strcmp(sim, "slow") == 0)
		delay *= 10;
	bool started = now_ms - (uint64_t)(uintptr_t)seen >= delay;
	const char *phase_now = cap_value_dig_string(p->v, "status", "phase", NULL) ?: "";
	if (strcmp(phase_now, "Succeeded") == 0 || strcmp(phase_now, "Failed") == 0)
		return;
	if (started && !condition_true(p->v, "PodReadyToStartContainers")) {
		size_t ci;
		cap_value *ct;
		CAP_VALUE_ARRAY_FOREACH(cap_value_dig(p->v, "spec", "containers", NULL), ci, ct)
		{
			const char *cn = cap_value_dig_string(ct, "name", NULL) ?: "";
			const char *im = cap_value_dig_string(ct, "image", NULL) ?: "";
			char msg[700];
			if (strcmp(sim, "imagepull") == 0) {
				snprintf(msg, sizeof(msg), "Failed to pull image \"%s\": not found",
					 im);
				event(c, p->v, "v1", "Pod", "kubelet", "Warning", "Failed", msg);
				continue;
			}
			snprintf(msg, sizeof(msg),
				 "Container image \"%s\" already present on machine", im);
			event(c, p->v, "v1", "Pod", "kubelet", "Normal", "Pulled", msg);
			snprintf(msg, sizeof(msg), "Created container: %s", cn);
			event(c, p->v, "v1", "Pod", "kubelet", "Normal", "Created", msg);
			snprintf(msg, sizeof(msg), "Started container %s", cn);
			event(c, p->v, "v1", "Pod", "kubelet", "Normal", "Started", msg);
			if (strcmp(sim, "crashloop") == 0) {
				snprintf(msg, sizeof(msg),
					 "Back-off restarting failed container %s in "
					 "pod %s_%s",
					 cn, p->name, p->ns);
				event(c, p->v, "v1", "Pod", "kubelet", "Warning", "BackOff", msg);
			}
		}
	}
	const char *restart = cap_value_dig_string(p->v, "spec", "restartPolicy", NULL) ?: "Always";
	bool run_once = strcmp(restart, "Always") != 0;
	const char *owner_kind = cap_value_dig_string(
	    cap_value_array_get(cap_value_dig(p->v, "metadata", "ownerReferences", NULL), 0),
	    "kind", NULL);
	bool job = owner_kind && strcmp(owner_kind, "Job") == 0;
	char ts[CAP_RFC3339_LEN];
	now_ts(ts);
	cap_value *old = cap_value_object_get(p->v, "status");
	cap_value *st = cap_value_object();
	const char *start = cap_value_dig_string(old, "startTime", NULL);
	const char *ip = cap_value_dig_string(old, "podIP", NULL);
	char ipbuf[32];
	if (!ip) {
		uint32_t n = next_pod_ip++;
		snprintf(ipbuf, sizeof(ipbuf), "10.244.%u.%u", (n >> 8) & 255, n & 255);
		ip = ipbuf;
	}
	cap_value *old_conds = cap_value_object_get(old, "conditions");
	bool ready;
	int64_t restarts = 0;
	if (strcmp(sim, "crashloop") == 0 && started)
		restarts = (int64_t)((now_ms - (uint64_t)(uintptr_t)seen) / 10000) + 1;
	cap_value *cs = container_statuses(cap_value_object_get(p->v, "spec"), sim, started,
					   start ? start : ts, restarts, &ready);
	const char *phase = started && strcmp(sim, "imagepull") != 0 ? "Running" : "Pending";
	if (started && (job || run_once) && now_ms - (uint64_t)(uintptr_t)seen >= 2 * delay &&
	    strcmp(sim, "imagepull") != 0 && strcmp(sim, "never-ready") != 0)
		phase = strcmp(sim, "fail") == 0 || strcmp(sim, "crashloop") == 0 ? "Failed"
										  : "Succeeded";
	else if (started && strcmp(sim, "fail") == 0)
		phase = "Failed";
	bool done = strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0;
	if (done) {
		ready = false;
		size_t i;
		cap_value *s;
		CAP_VALUE_ARRAY_FOREACH(cs, i, s)
		{
			cap_value *state = cap_value_object(), *term = cap_value_object();
			cap_value_object_set(term, "exitCode",
					     cap_value_int(strcmp(phase, "Failed") == 0 ? 1 : 0));
			cap_value_object_set(
			    term, "reason",
			    cap_value_string(strcmp(phase, "Failed") == 0 ? "Error" : "Completed"));
			cap_value_object_set(term, "startedAt",
					     cap_value_string(start ? start : ts));
			cap_value_object_set(term, "finishedAt", cap_value_string(ts));
			cap_value_object_set(term, "containerID",
					     cap_value_string("containerd://0000"));
			cap_value_object_set(state, "terminated", term);
			cap_value_object_set(s, "state", state);
			cap_value_object_set(s, "ready", cap_value_bool(false));
			cap_value_object_set(s, "started", cap_value_bool(false));
		}
	}
	cap_value *conds = cap_value_array();
	const char *t = started ? "True" : "False";
	cap_value_array_append(conds,
			       condition("PodReadyToStartContainers", t, NULL, NULL, old_conds));
	cap_value_array_append(conds, condition("Initialized", "True", NULL, NULL, old_conds));
	cap_value_array_append(conds,
			       condition("Ready", ready ? "True" : "False", NULL, NULL, old_conds));
	cap_value_array_append(
	    conds, condition("ContainersReady", ready ? "True" : "False", NULL, NULL, old_conds));
	cap_value_array_append(conds, condition("PodScheduled", "True", NULL, NULL, old_conds));
	size_t i;
	cap_value *cd;
	CAP_VALUE_ARRAY_FOREACH(conds, i, cd)
	{
		if (!ready && (i == 2 || i == 3)) {
			cap_value_object_set(
			    cd, "reason",
			    cap_value_string(done ? "PodCompleted" : "ContainersNotReady"));
			if (!done) {
				char m[256];
				snprintf(
				    m, sizeof(m), "containers with unready status: [%s]",
				    cap_value_dig_string(
					cap_value_array_get(
					    cap_value_dig(p->v, "spec", "containers", NULL), 0),
					"name", NULL)
					?: "");
				cap_value_object_set(cd, "message", cap_value_string(m));
			}
		}
	}
	cap_value_object_set(st, "conditions", conds);
	cap_value_object_set(st, "containerStatuses", cs);
	cap_value_object_set(st, "hostIP", cap_value_string("172.18.0.2"));
	cap_value *hips = cap_value_array(), *hip = cap_value_object();
	cap_value_object_set(hip, "ip", cap_value_string("172.18.0.2"));
	cap_value_array_append(hips, hip);
	cap_value_object_set(st, "hostIPs", hips);
	cap_value_object_set(st, "phase", cap_value_string(phase));
	cap_value_object_set(st, "podIP", cap_value_string(ip));
	cap_value *pips = cap_value_array(), *pip = cap_value_object();
	cap_value_object_set(pip, "ip", cap_value_string(ip));
	cap_value_array_append(pips, pip);
	cap_value_object_set(st, "podIPs", pips);
	cap_value_object_set(st, "qosClass", cap_value_string("BestEffort"));
	cap_value_object_set(st, "startTime", cap_value_string(start ? start : ts));
	cap_value *next = cap_value_deep_copy(p->v);
	cap_value_object_set(next, "status", st);
	write_status(c, type(c, "", "pods"), p, next);
}

static void each(dd_cluster *c, const char *bucket, void (*fn)(dd_cluster *, dd_obj *))
{
	cap_vec all = CAP_VEC_INIT;
	list(c, bucket, NULL, &all);
	for (size_t i = 0; i < all.len; i++) {
		dd_obj *o = all.items[i];
		dd_obj *cur = dd_obj_ref(dd_store_get(&c->store, bucket, o->ns, o->name));
		if (cur)
			fn(c, cur);
		dd_obj_unref(cur);
	}
	unref_all(&all);
}

bool dd_controllers_pass(dd_cluster *c)
{
	uint64_t before = c->store.rv;
	each(c, "apps/deployments", reconcile_deployment);
	each(c, "apps/replicasets", reconcile_replicaset);
	each(c, "apps/statefulsets", reconcile_statefulset);
	each(c, "apps/daemonsets", reconcile_daemonset);
	each(c, "batch/jobs", reconcile_job);
	cap_vec pods = CAP_VEC_INIT;
	list(c, "/pods", NULL, &pods);
	uint64_t now = cap_time_now_ms();
	for (size_t i = 0; i < pods.len; i++) {
		dd_obj *o = pods.items[i];
		dd_obj *cur = dd_obj_ref(dd_store_get(&c->store, "/pods", o->ns, o->name));
		if (cur)
			reconcile_pod(c, cur, now);
		dd_obj_unref(cur);
	}
	unref_all(&pods);
	return c->store.rv != before;
}

void *dd_controllers_loop(void *arg)
{
	dd_cluster *c = arg;
	dd_store_lock(&c->store);
	while (!c->stopping) {
		dd_controllers_pass(c);
		dd_store_unlock(&c->store);
		cap_time_sleep_ms(50);
		dd_store_lock(&c->store);
	}
	dd_store_unlock(&c->store);
	cap_hashmap_release(&first_seen, NULL);
	return NULL;
}
