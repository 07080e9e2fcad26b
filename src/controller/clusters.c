/* Destination clusters: cluster Secrets followed, a client and cache per cluster made lazily. */
#include "controller/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/log.h"
#include "base/strvec.h"
#include "base/time.h"
#include "base/vec.h"

#define CONNECT_TIMEOUT_MS 5000
#define SYNC_TIMEOUT_MS	   30000
#define RETRY_MS	   10000 /* a cluster that could not be reached is tried again after this */

typedef CAP_VEC_OF(ctl_cluster *) cluster_vec;

struct ctl_clusters {
	pthread_mutex_t lock;	  /* everything below */
	const cap_settings *view; /* the newest cluster list (c->settings until a Secret event) */
	CAP_VEC_OF(cap_settings *) views; /* every list built: clusters handed out stay valid */
	cap_hashmap secrets;		  /* cluster Secret name → object */
	cap_hashmap entries;		  /* server URL → ctl_cluster */
	cap_kube_reflector *reflector;	  /* the cluster Secrets */
	bool synced;			  /* the reflector delivered its first list */
};

static ctl_clusters *registry(cap_controller *c)
{
	if (!c->clusters) {
		c->clusters = cap_calloc(1, sizeof(*c->clusters));
		pthread_mutex_init(&c->clusters->lock, NULL);
		c->clusters->view = &c->settings;
	}
	return c->clusters;
}

/* What identifies a cluster's connection: its Secret's data (server, name, config). */
static uint64_t fingerprint(const cap_settings_cluster *cl)
{
	if (!cl->secret)
		return 0;
	return cap_value_hash(cap_value_object_get(cl->secret, "data")) * 31 +
	       cap_value_hash(cap_value_object_get(cl->secret, "stringData"));
}

static void entry_free(ctl_cluster *e)
{
	if (!e)
		return;
	if (e->owned) {
		cap_cache_free(e->cache);
		cap_kube_client_free(e->client);
	}
	free(e->error);
	pthread_mutex_destroy(&e->start_lock);
	free(e);
}

/* Takes e out of the registry (lock held); returns it when nobody uses it, to be freed. */
static ctl_cluster *retire(ctl_clusters *r, ctl_cluster *e)
{
	cap_hashmap_remove(&r->entries, e->info->server, NULL);
	e->retired = true;
	return e->refs ? NULL : e;
}

int ctl_destination(const cap_settings_cluster **out, cap_controller *c,
		    const cap_app_destination *dest)
{
	ctl_clusters *r = registry(c);
	pthread_mutex_lock(&r->lock);
	int rc = cap_settings_resolve_destination(out, r->view, dest);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static bool exclude_kind(void *ctx, const char *group, const char *kind)
{
	ctl_cluster *e = ctx;
	return cap_settings_resource_excluded(&e->c->settings, group, kind, e->info->server);
}

/* Makes e's client and cache and waits for the cache to fill; e->start_lock held. */
static int connect_cluster(ctl_cluster *e)
{
	cap_controller *c = e->c;
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	int rc = cap_kube_config_from_argocd_secret(&cfg, e->info->secret);
	if (!rc) {
		cap_kube_client_options ko = {0};
		ko.connect_timeout_ms = CONNECT_TIMEOUT_MS;
		rc = cap_kube_client_new(&e->client, &cfg, &ko);
	}
	cap_kube_config_release(&cfg);
	if (!rc) {
		cap_cache_options co = {0};
		co.instance_label_key = c->settings.instance_label_key;
		co.exclude = exclude_kind;
		co.exclude_ctx = e;
		co.on_change = ctl_live_changed;
		co.ctx = c;
		if (!(rc = cap_cache_new(&e->cache, e->client, &co)))
			rc = cap_cache_start(e->cache);
	}
	if (rc) {
		cap_cache_free(e->cache);
		cap_kube_client_free(e->client);
		e->cache = NULL;
		e->client = NULL;
		return rc;
	}
	if (!cap_cache_wait_synced(e->cache, SYNC_TIMEOUT_MS))
		cap_log_warn("cluster cache not fully synced, going on", "server", e->info->server);
	return 0;
}

/* Connects e unless it is connected or failed a moment ago; its last error otherwise. */
static int ensure_connected(ctl_cluster *e)
{
	int rc = 0;
	pthread_mutex_lock(&e->start_lock);
	if (!e->connected && cap_time_now_ms() >= e->retry_at_ms) {
		if (!(rc = connect_cluster(e))) {
			e->connected = true;
			free(e->error);
			e->error = NULL;
			cap_log_info("cluster connected", "server", e->info->server, "name",
				     e->info->name);
		} else {
			free(e->error);
			e->error = cap_strdup(cap_error_last());
			e->error_code = rc;
			e->retry_at_ms = cap_time_now_ms() + RETRY_MS;
			cap_log_warn("cannot connect to cluster", "server", e->info->server,
				     "error", e->error);
		}
	}
	if (!e->connected)
		rc = cap_error_set(e->error_code ? e->error_code : CAP_EUNAVAILABLE,
				   "failed to sync cluster %s: %s", e->info->server,
				   e->error ? e->error : "not connected");
	pthread_mutex_unlock(&e->start_lock);
	return rc;
}

int ctl_cluster_acquire(ctl_cluster **out, cap_controller *c, const cap_app *app)
{
	ctl_clusters *r = registry(c);
	const cap_settings_cluster *info = NULL;
	ctl_cluster *stale = NULL;
	pthread_mutex_lock(&r->lock);
	int rc = cap_settings_resolve_destination(&info, r->view, &app->destination);
	if (rc) {
		pthread_mutex_unlock(&r->lock);
		return rc;
	}
	uint64_t fp = fingerprint(info);
	ctl_cluster *e = cap_hashmap_get(&r->entries, info->server);
	if (e && (e->fingerprint != fp || strcmp(e->info->name, info->name))) {
		stale = retire(r, e);
		e = NULL;
	}
	if (!e) {
		e = cap_calloc(1, sizeof(*e));
		e->info = info;
		e->c = c;
		e->fingerprint = fp;
		pthread_mutex_init(&e->start_lock, NULL);
		if (info->in_cluster) {
			e->client = c->client;
			e->cache = c->cache;
			e->connected = true;
		} else {
			e->owned = true;
		}
		cap_hashmap_put(&r->entries, info->server, e);
	}
	e->refs++;
	pthread_mutex_unlock(&r->lock);
	entry_free(stale);
	if ((rc = ensure_connected(e))) {
		ctl_cluster_release(e);
		return rc;
	}
	*out = e;
	return 0;
}

void ctl_cluster_release(ctl_cluster *cl)
{
	if (!cl)
		return;
	ctl_clusters *r = cl->c->clusters;
	pthread_mutex_lock(&r->lock);
	bool last = --cl->refs == 0 && cl->retired;
	pthread_mutex_unlock(&r->lock);
	if (last)
		entry_free(cl);
}

/* Whether two lists hold the same clusters, in any order (Secrets come in no fixed order). */
static bool same_clusters(const cap_settings *a, const cap_settings *b)
{
	if (a->n_clusters != b->n_clusters)
		return false;
	for (size_t i = 0; i < a->n_clusters; i++) {
		const cap_settings_cluster *x = &a->clusters[i];
		const cap_settings_cluster *y = NULL;
		for (size_t j = 0; j < b->n_clusters && !y; j++)
			if (!strcmp(b->clusters[j].server, x->server))
				y = &b->clusters[j];
		if (!y || strcmp(x->name, y->name) ||
		    strcmp(x->project ? x->project : "", y->project ? y->project : "") ||
		    fingerprint(x) != fingerprint(y))
			return false;
	}
	return true;
}

/* Whether the newest list still holds e's cluster as e was made from it. */
static bool still_listed(const cap_settings *view, const ctl_cluster *e)
{
	for (size_t i = 0; i < view->n_clusters; i++) {
		const cap_settings_cluster *cl = &view->clusters[i];
		if (!strcmp(cl->server, e->info->server))
			return fingerprint(cl) == e->fingerprint &&
			       !strcmp(cl->name, e->info->name);
	}
	return false;
}

/*
 * Rebuilds the cluster list from the Secrets seen (lock held): a list that differs becomes the
 * newest, and the connections it no longer describes are retired (those unused go to *dead).
 * Returns whether the list changed.
 */
static bool rebuild(cap_controller *c, ctl_clusters *r, cluster_vec *dead)
{
	cap_settings *s = cap_malloc(sizeof(*s));
	cap_settings_init(s);
	s->in_cluster_enabled = c->settings.in_cluster_enabled;
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *name;
	void *obj;
	while (cap_hashmap_next(&r->secrets, &it, &name, &obj))
		if (cap_settings_add_secret(s, obj))
			cap_log_warn("ignoring cluster secret", "secret", name, "error",
				     cap_error_last());
	if (same_clusters(s, r->view)) {
		cap_settings_release(s);
		free(s);
		return false;
	}
	CAP_VEC_PUSH(&r->views, s);
	r->view = s;
	it = (cap_hashmap_iter)CAP_HASHMAP_ITER_INIT;
	while (cap_hashmap_next(&r->entries, &it, &name, &obj)) {
		ctl_cluster *e = obj;
		if (still_listed(s, e))
			continue;
		cap_hashmap_iter_remove(&r->entries, &it, NULL);
		e->retired = true;
		if (!e->refs)
			CAP_VEC_PUSH(dead, e);
	}
	return true;
}

/* Queues a refresh of every known application: their destinations may have changed. */
static void refresh_all(cap_controller *c)
{
	cap_strvec names = CAP_STRVEC_INIT;
	pthread_mutex_lock(&c->lock);
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *name;
	while (cap_hashmap_next(&c->apps, &it, &name, NULL))
		cap_strvec_push(&names, name);
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; i < names.len; i++)
		ctl_refresh_later(c, names.items[i], 0);
	cap_strvec_release(&names);
}

static void on_secret(void *ctx, const cap_kube_event *ev)
{
	cap_controller *c = ctx;
	ctl_clusters *r = c->clusters;
	cluster_vec dead = {0};
	bool changed = false;
	pthread_mutex_lock(&r->lock);
	if (ev->type == CAP_KUBE_EVENT_SYNCED) {
		r->synced = true;
		changed = rebuild(c, r, &dead);
	} else {
		const char *name = cap_value_dig_string(ev->object, "metadata", "name", NULL);
		void *old = NULL;
		if (name && ev->type == CAP_KUBE_EVENT_DELETED) {
			cap_hashmap_remove(&r->secrets, name, &old);
		} else if (name) {
			old = cap_hashmap_put(&r->secrets, name, cap_value_ref(ev->object));
		}
		cap_value_free(old);
		if (r->synced)
			changed = rebuild(c, r, &dead);
	}
	pthread_mutex_unlock(&r->lock);
	for (size_t i = 0; i < dead.len; i++)
		entry_free(dead.items[i]);
	CAP_VEC_RELEASE(&dead);
	if (changed && r->synced) {
		cap_log_info("cluster secrets changed", "namespace", c->namespace);
		refresh_all(c);
	}
}

int ctl_clusters_start(cap_controller *c)
{
	ctl_clusters *r = registry(c);
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, "v1", "Secret", c->namespace, "");
	cap_kube_key_set_member(&key.resource, "secrets");
	cap_kube_reflector_options ro = {0};
	ro.label_selector = CAP_SETTINGS_SECRET_TYPE_LABEL "=cluster";
	ro.fn = on_secret;
	ro.ctx = c;
	int rc = cap_kube_reflector_start(&r->reflector, c->client, &key, &ro);
	cap_kube_key_release(&key);
	if (rc)
		return cap_error_prefix("cannot watch cluster secrets in namespace '%s': ",
					c->namespace);
	return 0;
}

static void value_free(void *v)
{
	cap_value_free(v);
}

static void entry_free_any(void *e)
{
	entry_free(e);
}

void ctl_clusters_free(cap_controller *c)
{
	ctl_clusters *r = c->clusters;
	if (!r)
		return;
	cap_kube_reflector_stop(r->reflector);
	cap_hashmap_release(&r->entries, entry_free_any);
	cap_hashmap_release(&r->secrets, value_free);
	for (size_t i = 0; i < r->views.len; i++) {
		cap_settings_release(r->views.items[i]);
		free(r->views.items[i]);
	}
	CAP_VEC_RELEASE(&r->views);
	pthread_mutex_destroy(&r->lock);
	free(r);
	c->clusters = NULL;
}
