/* Sync tasks: built from desired objects, hooks and live objects, ordered, with recorded results. */
#include "sync/task.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "diff/diff.h"
#include "sync/order.h"
#include "sync/wave.h"

static const char *const code_names[] = {"", "Synced", "SyncFailed", "Pruned", "PruneSkipped"};
static const char *const phase_names[] = {"", "Running", "Succeeded", "Failed", "Error"};

const char *cap_sync_result_code_name(cap_sync_result_code code)
{
	return code_names[code];
}

const char *cap_sync_op_phase_name(cap_sync_op_phase phase)
{
	return phase_names[phase];
}

bool cap_sync_op_phase_completed(cap_sync_op_phase phase)
{
	return phase == CAP_SYNC_OP_SUCCEEDED || phase == CAP_SYNC_OP_FAILED ||
	       phase == CAP_SYNC_OP_ERROR;
}

static int name_index(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 1; name && i < n; i++)
		if (!strcmp(names[i], name))
			return (int)i;
	return 0;
}

static void id_of(cap_buf *out, const cap_kube_key *k)
{
	cap_buf_clear(out);
	cap_buf_printf(out, "%s\x1f%s\x1f%s\x1f%s", k->group, k->kind, k->namespace, k->name);
}

/* gitops-engine's result key: the object and the phase it ran in. */
static void result_key(cap_buf *out, const char *group, const char *kind, const char *ns,
		       const char *name, const char *phase)
{
	cap_buf_clear(out);
	cap_buf_printf(out, "%s\x1f%s\x1f%s\x1f%s\x1f%s", group ? group : "", kind ? kind : "",
		       ns ? ns : "", name ? name : "", phase ? phase : "");
}

typedef struct builder {
	cap_sync_tasks *ts;
	size_t cap;
	const cap_sync_request *req;
	cap_hashmap live_by_id; /* id → live object */
	cap_hashmap used;	/* ids of live objects a task claims */
	cap_buf id;
	bool ok;
} builder;

static cap_sync_task *push(builder *b)
{
	cap_sync_tasks *ts = b->ts;
	if (ts->len == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		ts->items = cap_realloc(ts->items, b->cap * sizeof(*ts->items));
	}
	cap_sync_task *t = &ts->items[ts->len++];
	memset(t, 0, sizeof(*t));
	cap_kube_key_init(&t->key);
	t->phase = CAP_SYNC_PHASE_SYNC;
	cap_sync_option_set empty = CAP_SYNC_OPTION_SET_INIT;
	t->opts = empty;
	return t;
}

/* Whether the desired objects hold the CRD that serves group/kind. */
static bool crd_in_sync(const cap_sync_request *req, const char *group, const char *kind)
{
	size_t i;
	cap_value *obj;
	CAP_VALUE_ARRAY_FOREACH(req->targets, i, obj)
	{
		if (strcmp(cap_value_dig_string(obj, "kind", NULL) ?: "",
			   "CustomResourceDefinition"))
			continue;
		const char *g = cap_value_dig_string(obj, "spec", "group", NULL);
		const char *k = cap_value_dig_string(obj, "spec", "names", "kind", NULL);
		if (g && k && !strcmp(g, group) && !strcmp(k, kind))
			return true;
	}
	return false;
}

/*
 * Fills a task's key and target from a desired object: the namespace it is applied in (the
 * destination's for a namespaced kind naming none), resolved through discovery. A kind the
 * server does not serve is fine when its CRD comes in the same sync or the object skips the dry
 * run; otherwise the task fails as Argo CD reports it.
 */
static void set_target(builder *b, cap_sync_task *t, cap_value *target)
{
	const cap_sync_request *req = b->req;
	t->target = target;
	if (cap_kube_key_from_object(&t->key, target)) {
		cap_sync_task_set_result(b->ts, t, CAP_SYNC_RESULT_SYNC_FAILED, CAP_SYNC_OP_FAILED,
					 cap_error_last());
		b->ok = false;
		return;
	}
	bool had_ns = t->key.namespace[0] != 0;
	int rc = cap_kube_resolve(req->client, &t->key, req->namespace);
	if (!rc && !had_ns && t->key.namespace[0]) {
		cap_value *meta = cap_value_object_get(target, "metadata");
		cap_value_object_set(meta, "namespace", cap_value_string(t->key.namespace));
	} else if (rc == CAP_ENOTFOUND) {
		if (!had_ns && req->namespace && *req->namespace)
			cap_kube_key_set_member(&t->key.namespace, req->namespace);
		if (crd_in_sync(req, t->key.group, t->key.kind) ||
		    cap_sync_option_bool(&t->opts, CAP_SYNC_OPT_SKIP_DRY_RUN_ON_MISSING, false)) {
			t->skip_dry_run = true;
		} else {
			cap_buf m = CAP_BUF_INIT;
			cap_buf_printf(&m,
				       "The Kubernetes API could not find %s/%s for requested resource "
				       "%s/%s. Make sure the \"%s\" CRD is installed on the "
				       "destination cluster.",
				       t->key.group, t->key.kind, t->key.namespace, t->key.name,
				       t->key.kind);
			cap_sync_task_set_result(b->ts, t, CAP_SYNC_RESULT_SYNC_FAILED,
						 CAP_SYNC_OP_FAILED, m.ptr);
			cap_buf_release(&m);
			b->ok = false;
		}
	} else if (rc) {
		cap_sync_task_set_result(b->ts, t, CAP_SYNC_RESULT_SYNC_FAILED, CAP_SYNC_OP_FAILED,
					 cap_error_last());
		b->ok = false;
	}
	id_of(&b->id, &t->key);
	t->live = cap_value_ref(cap_hashmap_get(&b->live_by_id, b->id.ptr));
	cap_hashmap_put(&b->used, b->id.ptr, NULL);
}

static void set_wave(builder *b, cap_sync_task *t, const cap_value *obj)
{
	if (cap_sync_wave_of(&t->wave, obj)) {
		cap_sync_task_set_result(b->ts, t, CAP_SYNC_RESULT_SYNC_FAILED, CAP_SYNC_OP_FAILED,
					 cap_error_last());
		b->ok = false;
	}
}

static void set_options(const builder *b, cap_sync_task *t, const cap_value *obj)
{
	cap_sync_option_set own = CAP_SYNC_OPTION_SET_INIT, app = CAP_SYNC_OPTION_SET_INIT;
	cap_sync_option_set_add_annotation(&own, obj);
	cap_sync_option_set_release(&t->opts);
	cap_sync_option_set_merge(&t->opts, b->req->options ? b->req->options : &app, &own);
	cap_sync_option_set_release(&own);
}

static void add_targets(builder *b)
{
	size_t i;
	cap_value *obj;
	CAP_VALUE_ARRAY_FOREACH(b->req->targets, i, obj)
	{
		if (cap_sync_hook_skipped(obj)) {
			cap_kube_key k = CAP_KUBE_KEY_INIT;
			if (!cap_kube_key_from_object(&k, obj) &&
			    !cap_kube_resolve(b->req->client, &k, b->req->namespace)) {
				id_of(&b->id, &k);
				cap_hashmap_put(&b->used, b->id.ptr, NULL);
			}
			cap_kube_key_release(&k);
			continue;
		}
		cap_sync_task *t = push(b);
		set_options(b, t, obj);
		set_target(b, t, cap_value_deep_copy(obj));
		set_wave(b, t, obj);
		t->in_sync = b->req->in_sync && b->req->in_sync[i];
	}
}

#define TRACKING_ID_ANNOTATION "argocd.argoproj.io/tracking-id"

/*
 * A hook named from its generateName gets a tracking-id naming it (the render wrote one with
 * an empty name), so the cluster cache counts the created object as the app's.
 */
static void retrack(cap_sync_task *t)
{
	cap_value *ann = cap_value_dig(t->target, "metadata", "annotations", NULL);
	const char *id = cap_value_get_string(cap_value_object_get(ann, TRACKING_ID_ANNOTATION));
	const char *colon = id ? strchr(id, ':') : NULL;
	if (!colon)
		return;
	cap_buf v = CAP_BUF_INIT;
	cap_buf_printf(&v, "%.*s:%s/%s:%s/%s", (int)(colon - id), id, t->key.group, t->key.kind,
		       t->key.namespace, t->key.name);
	cap_value_object_set(ann, TRACKING_ID_ANNOTATION, cap_value_string(v.ptr));
	cap_buf_release(&v);
}

static void add_hooks(builder *b)
{
	const cap_sync_request *req = b->req;
	size_t i;
	cap_value *obj;
	CAP_VALUE_ARRAY_FOREACH(req->hooks, i, obj)
	{
		unsigned phases = cap_sync_hook_phases(obj) & CAP_SYNC_HOOK_SYNC_PHASES;
		for (int p = 0; p < CAP_SYNC_PHASE_COUNT; p++) {
			if (!(phases & CAP_SYNC_HOOK_BIT(p)))
				continue;
			cap_value *target = cap_value_deep_copy(obj);
			cap_buf name = CAP_BUF_INIT;
			if (!cap_sync_hook_name(&name, obj, req->revision ? req->revision : "",
						(cap_sync_phase)p, req->started_at))
				cap_value_object_set(cap_value_object_get(target, "metadata"),
						     "name", cap_value_string(name.ptr));
			cap_buf_release(&name);
			cap_sync_hook_add_finalizer(target);
			cap_sync_task *t = push(b);
			t->hook = true;
			t->phase = (cap_sync_phase)p;
			set_options(b, t, obj);
			set_target(b, t, target);
			set_wave(b, t, obj);
			retrack(t);
		}
	}
}

static bool is_namespace_named(const cap_value *obj, const char *name)
{
	return obj && !strcmp(cap_value_dig_string(obj, "kind", NULL) ?: "", "Namespace") &&
	       !strcmp(cap_value_dig_string(obj, "apiVersion", NULL) ?: "", "v1") &&
	       !strcmp(cap_value_dig_string(obj, "metadata", "name", NULL) ?: "", name);
}

/* Whether every label and annotation of the managed metadata is on live already. */
static bool metadata_applied(const cap_value *live, const cap_value *managed)
{
	static const char *const fields[] = {"labels", "annotations"};
	for (size_t f = 0; f < 2; f++) {
		cap_value *want = cap_value_object_get(managed, fields[f]);
		cap_value *have = cap_value_dig(live, "metadata", fields[f], NULL);
		const char *k;
		cap_value *v;
		CAP_VALUE_OBJECT_FOREACH(want, k, v)
		{
			if (!cap_value_equal(cap_value_object_get(have, k), v))
				return false;
		}
	}
	return true;
}

/*
 * CreateNamespace=true: a PreSync task creating the destination namespace (with the labels and
 * annotations of managedNamespaceMetadata) unless the sync holds it already, or it exists with
 * that metadata.
 */
static void add_namespace(builder *b)
{
	const cap_sync_request *req = b->req;
	if (!req->namespace || !*req->namespace || !req->options ||
	    !cap_sync_option_bool(req->options, CAP_SYNC_OPT_CREATE_NAMESPACE, false))
		return;
	for (size_t i = 0; i < b->ts->len; i++)
		if (is_namespace_named(b->ts->items[i].target, req->namespace))
			return;
	cap_value *ns = cap_value_object(), *meta = cap_value_object();
	cap_value_object_set(ns, "apiVersion", cap_value_string("v1"));
	cap_value_object_set(ns, "kind", cap_value_string("Namespace"));
	cap_value_object_set(meta, "name", cap_value_string(req->namespace));
	cap_value *labels = cap_value_object_get(req->managed_namespace_metadata, "labels");
	cap_value *annotations =
	    cap_value_object_get(req->managed_namespace_metadata, "annotations");
	if (cap_value_is_object(labels))
		cap_value_object_set(meta, "labels", cap_value_deep_copy(labels));
	if (cap_value_is_object(annotations))
		cap_value_object_set(meta, "annotations", cap_value_deep_copy(annotations));
	cap_value_object_set(ns, "metadata", meta);
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&k, "v1", "Namespace", "", req->namespace);
	cap_value *live = NULL;
	int rc = cap_kube_get(req->client, &live, &k);
	cap_kube_key_release(&k);
	if (!rc && metadata_applied(live, req->managed_namespace_metadata)) {
		cap_buf key = CAP_BUF_INIT;
		result_key(&key, "", "Namespace", "", req->namespace, "PreSync");
		bool recorded = cap_hashmap_contains(&b->ts->by_key, key.ptr);
		cap_buf_release(&key);
		if (!recorded) {
			cap_value_free(live);
			cap_value_free(ns);
			return;
		}
	}
	cap_sync_task *t = push(b);
	t->phase = CAP_SYNC_PHASE_PRE_SYNC;
	t->namespace_task = true;
	set_options(b, t, ns);
	set_target(b, t, ns);
	if (!t->live && !rc)
		t->live = live;
	else
		cap_value_free(live);
}

static void add_prunes(builder *b)
{
	size_t i;
	cap_value *obj;
	CAP_VALUE_ARRAY_FOREACH(b->req->live, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (cap_kube_key_from_object(&k, obj)) {
			cap_kube_key_release(&k);
			continue;
		}
		id_of(&b->id, &k);
		/* one being deleted stays a prune task: the sync waits until it is gone */
		if (cap_hashmap_contains(&b->used, b->id.ptr) || cap_sync_hook_is_hook(obj) ||
		    cap_diff_ignore_extraneous(obj) ||
		    cap_value_dig(obj, "metadata", "ownerReferences", NULL)) {
			cap_kube_key_release(&k);
			continue;
		}
		cap_hashmap_put(&b->used, b->id.ptr, NULL); /* listed twice, pruned once */
		cap_sync_task *t = push(b);
		t->key = k;
		t->prune = true;
		t->live = cap_value_ref(obj);
		set_options(b, t, obj);
		if (cap_sync_wave_of(&t->wave, obj))
			t->wave = 0;
		cap_sync_option_set own = CAP_SYNC_OPTION_SET_INIT;
		cap_sync_option_set_add_annotation(&own, obj);
		t->prune_last = cap_sync_option_bool(&own, CAP_SYNC_OPT_PRUNE_LAST, false);
		cap_sync_option_set_release(&own);
	}
}

/* Puts the tasks in run order, rewriting waves as the ordering moves them. */
static void order(cap_sync_tasks *ts, const cap_sync_request *req)
{
	size_t n = ts->len;
	cap_sync_step *steps = cap_calloc(n ? n : 1, sizeof(*steps));
	for (size_t i = 0; i < n; i++) {
		cap_sync_task *t = &ts->items[i];
		steps[i].key = &t->key;
		steps[i].target = t->target;
		steps[i].phase = t->phase;
		steps[i].wave = t->wave;
		steps[i].prune = t->prune;
		steps[i].prune_last = t->prune_last;
		steps[i].data = (void *)(uintptr_t)i;
	}
	bool last_all = req->options &&
			cap_sync_option_bool(req->options, CAP_SYNC_OPT_PRUNE_LAST, false);
	cap_sync_order(steps, n, last_all);
	cap_sync_task *sorted = cap_calloc(n ? n : 1, sizeof(*sorted));
	for (size_t i = 0; i < n; i++) {
		sorted[i] = ts->items[(uintptr_t)steps[i].data];
		sorted[i].phase = steps[i].phase;
		sorted[i].wave = steps[i].wave;
	}
	free(ts->items);
	ts->items = sorted;
	free(steps);
}

/* Reads each task's recorded result back. */
static void recall(cap_sync_tasks *ts)
{
	cap_buf key = CAP_BUF_INIT;
	for (size_t i = 0; i < ts->len; i++) {
		cap_sync_task *t = &ts->items[i];
		if (t->state != CAP_SYNC_OP_PENDING)
			continue; /* failed while being built */
		result_key(&key, t->key.group, t->key.kind, t->key.namespace, t->key.name,
			   cap_sync_phase_name(t->phase));
		uintptr_t at = (uintptr_t)cap_hashmap_get(&ts->by_key, key.ptr);
		if (!at)
			continue;
		cap_value *r = cap_value_array_get(ts->results, at - 1);
		t->code = (cap_sync_result_code)name_index(
		    code_names, CAP_ARRAY_SIZE(code_names), cap_value_dig_string(r, "status", NULL));
		t->state = (cap_sync_op_phase)name_index(phase_names, CAP_ARRAY_SIZE(phase_names),
							 cap_value_dig_string(r, "hookPhase", NULL));
		const char *m = cap_value_dig_string(r, "message", NULL);
		free(t->message);
		t->message = m ? cap_strdup(m) : NULL;
		/* a result without a phase (older writers) counts from its code */
		if (t->state == CAP_SYNC_OP_PENDING && t->code != CAP_SYNC_RESULT_NONE)
			t->state = t->code == CAP_SYNC_RESULT_SYNC_FAILED ? CAP_SYNC_OP_FAILED
									  : CAP_SYNC_OP_SUCCEEDED;
	}
	cap_buf_release(&key);
}

void cap_sync_tasks_build(cap_sync_tasks *out, const cap_sync_request *req, const cap_value *prev,
			  bool *ok)
{
	memset(out, 0, sizeof(*out));
	cap_hashmap empty = CAP_HASHMAP_INIT;
	out->by_key = empty;
	out->results = cap_value_array();
	cap_buf key = CAP_BUF_INIT;
	size_t i;
	cap_value *r;
	CAP_VALUE_ARRAY_FOREACH(prev, i, r)
	{
		result_key(&key, cap_value_dig_string(r, "group", NULL),
			   cap_value_dig_string(r, "kind", NULL),
			   cap_value_dig_string(r, "namespace", NULL),
			   cap_value_dig_string(r, "name", NULL),
			   cap_value_dig_string(r, "syncPhase", NULL));
		cap_value_array_append(out->results, cap_value_deep_copy(r));
		cap_hashmap_put(&out->by_key, key.ptr,
				(void *)(uintptr_t)cap_value_array_len(out->results));
	}
	cap_buf_release(&key);
	builder b = {out, 0, req, CAP_HASHMAP_INIT, CAP_HASHMAP_INIT, CAP_BUF_INIT, true};
	cap_value *obj;
	CAP_VALUE_ARRAY_FOREACH(req->live, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (!cap_kube_key_from_object(&k, obj)) {
			id_of(&b.id, &k);
			cap_hashmap_put(&b.live_by_id, b.id.ptr, obj);
		}
		cap_kube_key_release(&k);
	}
	add_targets(&b);
	if (!req->skip_hooks)
		add_hooks(&b);
	add_namespace(&b);
	add_prunes(&b);
	order(out, req);
	recall(out);
	cap_hashmap_release(&b.live_by_id, NULL);
	cap_hashmap_release(&b.used, NULL);
	cap_buf_release(&b.id);
	*ok = b.ok;
}

void cap_sync_tasks_release(cap_sync_tasks *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->len; i++) {
		cap_sync_task *t = &ts->items[i];
		cap_kube_key_release(&t->key);
		cap_value_free(t->target);
		cap_value_free(t->live);
		cap_sync_option_set_release(&t->opts);
		free(t->message);
	}
	free(ts->items);
	cap_value_free(ts->results);
	cap_hashmap_release(&ts->by_key, NULL);
	memset(ts, 0, sizeof(*ts));
}

static void set_str(cap_value *o, const char *key, const char *v)
{
	if (v)
		cap_value_object_set(o, key, cap_value_string(v));
}

cap_value *cap_sync_resource_result_new(const cap_sync_resource_result *r)
{
	cap_value *o = cap_value_object();
	cap_value_object_set(o, "group", cap_value_string(r->group ? r->group : ""));
	set_str(o, "version", r->version);
	set_str(o, "kind", r->kind);
	cap_value_object_set(o, "namespace", cap_value_string(r->namespace ? r->namespace : ""));
	set_str(o, "name", r->name);
	set_str(o, "status", r->status);
	set_str(o, "message", r->message);
	set_str(o, "hookType", r->hook_type);
	set_str(o, "hookPhase", r->hook_phase);
	set_str(o, "syncPhase", r->sync_phase);
	return o;
}

void cap_sync_task_set_result(cap_sync_tasks *ts, cap_sync_task *t, cap_sync_result_code code,
			      cap_sync_op_phase state, const char *message)
{
	if (code != CAP_SYNC_RESULT_NONE)
		t->code = code;
	t->state = state;
	if (message && *message) {
		free(t->message);
		t->message = cap_strdup(message);
	}
	const cap_value *obj = t->target ? t->target : t->live;
	const char *api = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *slash = api ? strrchr(api, '/') : NULL;
	cap_sync_resource_result r = {0};
	r.group = t->key.group;
	r.version = slash ? slash + 1 : (api ? api : t->key.version);
	r.kind = t->key.kind;
	r.namespace = t->key.namespace;
	r.name = t->key.name;
	r.status = t->code ? cap_sync_result_code_name(t->code) : NULL;
	r.message = t->message;
	r.hook_type = t->hook ? cap_sync_phase_name(t->phase) : NULL;
	r.hook_phase = t->state ? cap_sync_op_phase_name(t->state) : NULL;
	r.sync_phase = cap_sync_phase_name(t->phase);
	cap_buf key = CAP_BUF_INIT;
	result_key(&key, r.group, r.kind, r.namespace, r.name, r.sync_phase);
	uintptr_t at = (uintptr_t)cap_hashmap_get(&ts->by_key, key.ptr);
	cap_value *entry = cap_sync_resource_result_new(&r);
	if (at) {
		cap_value_array_set(ts->results, at - 1, entry);
	} else {
		cap_value_array_append(ts->results, entry);
		cap_hashmap_put(&ts->by_key, key.ptr,
				(void *)(uintptr_t)cap_value_array_len(ts->results));
	}
	cap_buf_release(&key);
}

void cap_sync_task_describe(cap_buf *out, const cap_sync_task *t)
{
	const cap_value *obj = t->target ? t->target : t->live;
	const char *api = cap_value_dig_string(obj, "apiVersion", NULL);
	cap_buf_printf(out, "%s/%s/%s", api ? api : "", t->key.kind, t->key.name);
}
