/* The cluster cache: compact object store with identity, application and owner indexes. */
#include "cache/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "base/strvec.h"
#include "base/time.h"
#include "base/vec.h"
#include "kube/discovery.h"
#include "value/json.h"

#define TRACKING_ANNOTATION "argocd.argoproj.io/tracking-id"
#define DEFAULT_LABEL_KEY   "app.kubernetes.io/instance"
#define OWNER_DEPTH_MAX	    8

/* One cached object: identity, indexes' keys and the compact JSON. */
typedef struct entry {
	char *id;  /* "group\x1fkind\x1fnamespace\x1fname" */
	char *uid; /* "" when the object has none */
	char *app; /* tracking application or NULL */
	cap_strvec owners;
	char *json;
	size_t len;
} entry;

/* One informer: the reflector of a resource type. */
typedef struct informer {
	cap_kube_reflector *r;
	bool seen; /* still served at the last discovery pass */
} informer;

struct cap_cache {
	cap_kube_client *client;
	char *label_key;
	cap_cache_exclude_fn exclude;
	void *exclude_ctx;
	cap_cache_change_fn on_change;
	void *ctx;
	unsigned disc_ms;

	pthread_mutex_t lock;
	cap_hashmap by_id;    /* id → entry (owned) */
	cap_hashmap by_uid;   /* uid → entry */
	cap_hashmap by_app;   /* app → cap_hashmap of id → entry */
	cap_hashmap children; /* owner uid → cap_hashmap of id → entry */
	size_t bytes;
	uint64_t events;

	pthread_mutex_t inf_lock; /* informers, stop */
	pthread_cond_t wake;
	cap_hashmap informers; /* "group/version/resource" → informer */
	pthread_t disc_thread;
	bool disc_running;
	bool stop;
	uint64_t disc_gen;
};

bool cap_cache_default_excluded(const char *group, const char *kind)
{
	static const char *const rules[][2] = {
	    {"", "Event"},
	    {"events.k8s.io", "*"},
	    {"", "Endpoints"},
	    {"discovery.k8s.io", "EndpointSlice"},
	    {"coordination.k8s.io", "Lease"},
	    {"authentication.k8s.io", "*"},
	    {"authorization.k8s.io", "*"},
	    {"certificates.k8s.io", "CertificateSigningRequest"},
	    {"cert-manager.io", "CertificateRequest"},
	    {"cilium.io", "CiliumIdentity"},
	    {"cilium.io", "CiliumEndpoint"},
	    {"cilium.io", "CiliumEndpointSlice"},
	    {"kyverno.io", "PolicyReport"},
	    {"kyverno.io", "ClusterPolicyReport"},
	    {"kyverno.io", "EphemeralReport"},
	    {"kyverno.io", "ClusterEphemeralReport"},
	    {"kyverno.io", "AdmissionReport"},
	    {"kyverno.io", "ClusterAdmissionReport"},
	    {"kyverno.io", "BackgroundScanReport"},
	    {"kyverno.io", "ClusterBackgroundScanReport"},
	    {"kyverno.io", "UpdateRequest"},
	    {"wgpolicyk8s.io", "*"},
	};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(rules); i++)
		if (!strcmp(rules[i][0], group) &&
		    (!strcmp(rules[i][1], "*") || !strcmp(rules[i][1], kind)))
			return true;
	return false;
}

static void id_of(cap_buf *out, const char *group, const char *kind, const char *ns,
		  const char *name)
{
	cap_buf_printf(out, "%s\x1f%s\x1f%s\x1f%s", group, kind, ns, name);
}

static void id_of_key(cap_buf *out, const cap_kube_key *k)
{
	id_of(out, k->group, k->kind, k->namespace, k->name);
}

/* Whether "group/kind:ns/name" (the tracking-id after the app) names the object of key k. */
static bool tracking_matches(const char *rest, const cap_kube_key *k)
{
	cap_buf want = CAP_BUF_INIT;
	cap_buf_printf(&want, "%s/%s:%s/%s", k->group, k->kind, k->namespace, k->name);
	bool ok = !strcmp(rest, want.ptr);
	if (!ok && !k->namespace[0]) {
		/* cluster-scoped objects may carry the app's destination namespace */
		const char *colon = strchr(rest, ':');
		const char *slash = colon ? strchr(colon, '/') : NULL;
		cap_buf_clear(&want);
		cap_buf_printf(&want, "%s/%s", k->group, k->kind);
		ok = colon && slash && (size_t)(colon - rest) == want.len &&
		     !memcmp(rest, want.ptr, want.len) && !strcmp(slash + 1, k->name);
	}
	cap_buf_release(&want);
	return ok;
}

const char *cap_cache_tracking_app(const cap_value *obj, const char *label_key)
{
	cap_value *meta = cap_value_object_get(obj, "metadata");
	const char *id = cap_value_dig_string(meta, "annotations", TRACKING_ANNOTATION, NULL);
	if (id) {
		const char *colon = strchr(id, ':');
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		bool ok = colon && colon != id && !cap_kube_key_from_object(&k, obj) &&
			  tracking_matches(colon + 1, &k);
		cap_kube_key_release(&k);
		if (ok) {
			/* the app name is the text before the colon; callers copy it */
			static __thread char app[256];
			size_t n = (size_t)(colon - id);
			if (n >= sizeof(app))
				return NULL;
			memcpy(app, id, n);
			app[n] = '\0';
			return app;
		}
	}
	return cap_value_dig_string(meta, "labels", label_key ? label_key : DEFAULT_LABEL_KEY,
				    NULL);
}

static void entry_free(void *p)
{
	entry *e = p;
	if (!e)
		return;
	free(e->id);
	free(e->uid);
	free(e->app);
	cap_strvec_release(&e->owners);
	free(e->json);
	free(e);
}

static void set_free(void *p)
{
	cap_hashmap *m = p;
	cap_hashmap_release(m, NULL);
	free(m);
}

static void index_add(cap_hashmap *idx, const char *name, entry *e)
{
	cap_hashmap *set = cap_hashmap_get(idx, name);
	if (!set) {
		set = cap_calloc(1, sizeof(*set));
		cap_hashmap_put(idx, name, set);
	}
	cap_hashmap_put(set, e->id, e);
}

static void index_remove(cap_hashmap *idx, const char *name, entry *e)
{
	cap_hashmap *set = cap_hashmap_get(idx, name);
	if (!set)
		return;
	cap_hashmap_remove(set, e->id, NULL);
	if (!cap_hashmap_len(set)) {
		cap_hashmap_remove(idx, name, NULL);
		set_free(set);
	}
}

static void unlink_entry(cap_cache *c, entry *e)
{
	if (e->uid[0] && cap_hashmap_get(&c->by_uid, e->uid) == e)
		cap_hashmap_remove(&c->by_uid, e->uid, NULL);
	if (e->app)
		index_remove(&c->by_app, e->app, e);
	for (size_t i = 0; i < e->owners.len; i++)
		index_remove(&c->children, e->owners.items[i], e);
	c->bytes -= e->len;
}

static void link_entry(cap_cache *c, entry *e)
{
	if (e->uid[0])
		cap_hashmap_put(&c->by_uid, e->uid, e);
	if (e->app)
		index_add(&c->by_app, e->app, e);
	for (size_t i = 0; i < e->owners.len; i++)
		index_add(&c->children, e->owners.items[i], e);
	c->bytes += e->len;
}

/* The app of e or of its nearest tracked owner; borrowed from the store. Lock held. */
static const char *owning_app_locked(cap_cache *c, const entry *e, int depth)
{
	if (e->app)
		return e->app;
	if (depth >= OWNER_DEPTH_MAX)
		return NULL;
	for (size_t i = 0; i < e->owners.len; i++) {
		entry *o = cap_hashmap_get(&c->by_uid, e->owners.items[i]);
		const char *app = o ? owning_app_locked(c, o, depth + 1) : NULL;
		if (app)
			return app;
	}
	return NULL;
}

static entry *entry_new(const char *id, const cap_value *obj, const char *label_key)
{
	entry *e = cap_calloc(1, sizeof(*e));
	cap_value *meta = cap_value_object_get(obj, "metadata");
	const char *uid = cap_value_dig_string(meta, "uid", NULL);
	const char *app = cap_cache_tracking_app(obj, label_key);
	cap_value *refs = cap_value_object_get(meta, "ownerReferences"), *ref;
	size_t i;
	e->id = cap_strdup(id);
	e->uid = cap_strdup(uid ? uid : "");
	e->app = app && *app ? cap_strdup(app) : NULL;
	cap_strvec_init(&e->owners);
	CAP_VALUE_ARRAY_FOREACH(refs, i, ref)
	{
		const char *ouid = cap_value_dig_string(ref, "uid", NULL);
		if (ouid && *ouid)
			cap_strvec_push(&e->owners, ouid);
	}
	if (e->owners.len && !e->app && cap_value_object_get(meta, "managedFields")) {
		/*
		 * Objects a controller made for another (Pods of a ReplicaSet) are read for health
		 * and ownership only, never diffed: their managedFields, often half their size, go.
		 */
		cap_value *slim = cap_value_deep_copy(obj);
		cap_value_object_del(cap_value_object_get(slim, "metadata"), "managedFields");
		e->json = cap_json_to_string(slim, CAP_JSON_COMPACT);
		cap_value_free(slim);
	} else {
		e->json = cap_json_to_string(obj, CAP_JSON_COMPACT);
	}
	e->len = strlen(e->json);
	return e;
}

void cap_cache_apply_event(cap_cache *c, cap_kube_event_type type, const cap_value *obj)
{
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_buf id = CAP_BUF_INIT;
	char *notify[2] = {NULL, NULL};
	if (type == CAP_KUBE_EVENT_SYNCED || cap_kube_key_from_object(&k, obj))
		goto done;
	id_of_key(&id, &k);
	pthread_mutex_lock(&c->lock);
	c->events++;
	entry *old = NULL;
	if (cap_hashmap_find(&c->by_id, id.ptr, id.len, (void **)&old)) {
		const char *app = owning_app_locked(c, old, 0);
		notify[0] = app ? cap_strdup(app) : NULL;
		unlink_entry(c, old);
		cap_hashmap_remove(&c->by_id, id.ptr, NULL);
		entry_free(old);
	}
	if (type != CAP_KUBE_EVENT_DELETED) {
		entry *e = entry_new(id.ptr, obj, c->label_key);
		cap_hashmap_put(&c->by_id, e->id, e);
		link_entry(c, e);
		const char *app = owning_app_locked(c, e, 0);
		if (app && (!notify[0] || strcmp(app, notify[0])))
			notify[1] = cap_strdup(app);
	}
	pthread_mutex_unlock(&c->lock);
	for (int i = 0; i < 2; i++) {
		if (notify[i] && c->on_change)
			c->on_change(c->ctx, notify[i]);
		free(notify[i]);
	}
done:
	cap_buf_release(&id);
	cap_kube_key_release(&k);
}

static void on_event(void *ctx, const cap_kube_event *ev)
{
	cap_cache_apply_event(ctx, ev->type, ev->object);
}

int cap_cache_new(cap_cache **out, cap_kube_client *client, const cap_cache_options *opts)
{
	cap_cache *c = cap_calloc(1, sizeof(*c));
	c->client = client;
	c->label_key = cap_strdup(opts && opts->instance_label_key && *opts->instance_label_key
				      ? opts->instance_label_key
				      : DEFAULT_LABEL_KEY);
	if (opts) {
		c->exclude = opts->exclude;
		c->exclude_ctx = opts->exclude_ctx;
		c->on_change = opts->on_change;
		c->ctx = opts->ctx;
		c->disc_ms = opts->discovery_interval_ms;
	}
	if (!c->disc_ms)
		c->disc_ms = 5000;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->inf_lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	*out = c;
	return 0;
}

static bool excluded(cap_cache *c, const char *group, const char *kind)
{
	return cap_cache_default_excluded(group, kind) ||
	       (c->exclude && c->exclude(c->exclude_ctx, group, kind));
}

/* Starts reflectors for served types not running yet and stops those no longer served. */
static int sync_informers(cap_cache *c)
{
	cap_kube_api_resource_list list = {0};
	cap_kube_discovery *d = cap_kube_client_discovery(c->client);
	int rc = cap_kube_discovery_list(d, &list, CAP_KUBE_VERB_LIST | CAP_KUBE_VERB_WATCH, true);
	if (rc)
		return rc;
	c->disc_gen = cap_kube_discovery_generation(d);
	cap_buf name = CAP_BUF_INIT;
	pthread_mutex_lock(&c->inf_lock);
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *k;
	void *v;
	while (cap_hashmap_next(&c->informers, &it, &k, &v))
		((informer *)v)->seen = false;
	for (size_t i = 0; i < list.len && !c->stop; i++) {
		cap_kube_api_resource *r = &list.items[i];
		if (excluded(c, r->group, r->kind))
			continue;
		cap_buf_clear(&name);
		cap_buf_printf(&name, "%s/%s/%s", r->group, r->version, r->resource);
		informer *inf = cap_hashmap_get(&c->informers, name.ptr);
		if (inf) {
			inf->seen = true;
			continue;
		}
		cap_kube_key key = CAP_KUBE_KEY_INIT;
		cap_kube_key_set_member(&key.group, r->group);
		cap_kube_key_set_member(&key.version, r->version);
		cap_kube_key_set_member(&key.kind, r->kind);
		cap_kube_key_set_member(&key.resource, r->resource);
		cap_kube_reflector_options ro = {0};
		ro.fn = on_event;
		ro.ctx = c;
		cap_kube_reflector *refl = NULL;
		if (!cap_kube_reflector_start(&refl, c->client, &key, &ro)) {
			inf = cap_calloc(1, sizeof(*inf));
			inf->r = refl;
			inf->seen = true;
			cap_hashmap_put(&c->informers, name.ptr, inf);
		}
		cap_kube_key_release(&key);
	}
	it = (cap_hashmap_iter)CAP_HASHMAP_ITER_INIT;
	while (cap_hashmap_next(&c->informers, &it, &k, &v)) {
		informer *inf = v;
		if (inf->seen || c->stop)
			continue;
		cap_hashmap_iter_remove(&c->informers, &it, NULL);
		cap_kube_reflector_stop(inf->r);
		free(inf);
	}
	pthread_mutex_unlock(&c->inf_lock);
	cap_buf_release(&name);
	cap_kube_api_resource_list_release(&list);
	return 0;
}

static void *discovery_loop(void *arg)
{
	cap_cache *c = arg;
	unsigned rounds = 0;
	pthread_mutex_lock(&c->inf_lock);
	while (!c->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += c->disc_ms / 1000;
		ts.tv_nsec += (long)(c->disc_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&c->wake, &c->inf_lock, &ts);
		if (c->stop)
			break;
		pthread_mutex_unlock(&c->inf_lock);
		cap_kube_discovery *d = cap_kube_client_discovery(c->client);
		/* a CRD may appear without anyone asking discovery: look again now and then */
		if (++rounds % 6 == 0)
			cap_kube_discovery_invalidate(d);
		if (rounds % 6 == 0 || cap_kube_discovery_generation(d) != c->disc_gen)
			sync_informers(c);
		pthread_mutex_lock(&c->inf_lock);
	}
	pthread_mutex_unlock(&c->inf_lock);
	return NULL;
}

int cap_cache_start(cap_cache *c)
{
	int rc = sync_informers(c);
	if (rc)
		return cap_error_prefix("cannot start the cluster cache: ");
	if (pthread_create(&c->disc_thread, NULL, discovery_loop, c))
		return cap_error_set(CAP_EGENERIC, "cannot start the discovery thread");
	c->disc_running = true;
	return 0;
}

bool cap_cache_wait_synced(cap_cache *c, uint64_t timeout_ms)
{
	cap_deadline dl = cap_deadline_in_ms(timeout_ms);
	for (;;) {
		bool all = true;
		pthread_mutex_lock(&c->inf_lock);
		cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
		const char *k;
		void *v;
		while (all && cap_hashmap_next(&c->informers, &it, &k, &v))
			all = cap_kube_reflector_synced(((informer *)v)->r);
		pthread_mutex_unlock(&c->inf_lock);
		if (all)
			return true;
		if (cap_deadline_expired(dl) || cap_kube_client_closing(c->client))
			return false;
		cap_time_sleep_ms(20);
	}
}

static void *stop_reflector(void *arg)
{
	cap_kube_reflector_stop(arg);
	return NULL;
}

void cap_cache_free(cap_cache *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->inf_lock);
	c->stop = true;
	pthread_cond_broadcast(&c->wake);
	pthread_mutex_unlock(&c->inf_lock);
	if (c->disc_running)
		pthread_join(c->disc_thread, NULL);
	/* each stop waits for its stream to close: stop them side by side */
	size_t n = cap_hashmap_len(&c->informers), i = 0;
	pthread_t *threads = cap_calloc(n ? n : 1, sizeof(*threads));
	bool *started = cap_calloc(n ? n : 1, sizeof(*started));
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *k;
	void *v;
	while (cap_hashmap_next(&c->informers, &it, &k, &v)) {
		informer *inf = v;
		started[i] = !pthread_create(&threads[i], NULL, stop_reflector, inf->r);
		if (!started[i])
			cap_kube_reflector_stop(inf->r);
		i++;
	}
	for (i = 0; i < n; i++)
		if (started[i])
			pthread_join(threads[i], NULL);
	free(threads);
	free(started);
	cap_hashmap_release(&c->informers, free);
	cap_hashmap_release(&c->by_app, set_free);
	cap_hashmap_release(&c->children, set_free);
	cap_hashmap_release(&c->by_uid, NULL);
	cap_hashmap_release(&c->by_id, entry_free);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->inf_lock);
	pthread_cond_destroy(&c->wake);
	free(c->label_key);
	free(c);
}

static cap_value *parse_entry(const entry *e)
{
	cap_value *v = NULL;
	if (cap_json_parse(&v, e->json, e->len, "cache", NULL))
		return cap_value_object();
	return v;
}

int cap_cache_get(cap_value **out, cap_cache *c, const cap_kube_key *key)
{
	cap_buf id = CAP_BUF_INIT;
	id_of_key(&id, key);
	pthread_mutex_lock(&c->lock);
	entry *e = cap_hashmap_get(&c->by_id, id.ptr);
	cap_value *v = e ? parse_entry(e) : NULL;
	pthread_mutex_unlock(&c->lock);
	if (!v) {
		cap_buf fmt = CAP_BUF_INIT;
		cap_kube_key_format(key, &fmt);
		cap_error_set(CAP_ENOTFOUND, "'%s' is not in the cluster cache", fmt.ptr);
		cap_buf_release(&fmt);
		cap_buf_release(&id);
		return CAP_ENOTFOUND;
	}
	cap_buf_release(&id);
	*out = v;
	return 0;
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->id, ((const entry *)b)->id);
}

/* A new array of the parsed objects of set (may be NULL), ordered by identity. Lock held. */
static cap_value *set_objects(cap_hashmap *set)
{
	cap_value *arr = cap_value_array();
	cap_vec v = CAP_VEC_INIT;
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *k;
	void *e;
	while (set && cap_hashmap_next(set, &it, &k, &e))
		cap_vec_push(&v, e);
	cap_vec_sort(&v, cmp_entries);
	for (size_t i = 0; i < v.len; i++)
		cap_value_array_append(arr, parse_entry(v.items[i]));
	cap_vec_release(&v);
	return arr;
}

int cap_cache_app_objects(cap_value **out, cap_cache *c, const char *app_name)
{
	pthread_mutex_lock(&c->lock);
	*out = set_objects(cap_hashmap_get(&c->by_app, app_name));
	pthread_mutex_unlock(&c->lock);
	return 0;
}

int cap_cache_children(cap_value **out, cap_cache *c, const char *uid)
{
	pthread_mutex_lock(&c->lock);
	*out = set_objects(cap_hashmap_get(&c->children, uid));
	pthread_mutex_unlock(&c->lock);
	return 0;
}

char *cap_cache_owning_app(cap_cache *c, const char *uid)
{
	pthread_mutex_lock(&c->lock);
	entry *e = cap_hashmap_get(&c->by_uid, uid);
	const char *app = e ? owning_app_locked(c, e, 0) : NULL;
	char *copy = app ? cap_strdup(app) : NULL;
	pthread_mutex_unlock(&c->lock);
	return copy;
}

void cap_cache_stats_get(cap_cache *c, cap_cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	out->objects = cap_hashmap_len(&c->by_id);
	out->bytes = c->bytes;
	out->apps = cap_hashmap_len(&c->by_app);
	out->events = c->events;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&c->inf_lock);
	out->types = cap_hashmap_len(&c->informers);
	pthread_mutex_unlock(&c->inf_lock);
}
