/* The manifest cache: an LRU of compact JSON by bytes behind one mutex, with Redis as a second
 * level. */
#include "render/cache.h"

#include "base/alloc.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "render/redis.h"
#include "value/json.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_BYTES (256u << 20)
#define ENTRY_OVERHEAD	  96
#define REDIS_PREFIX	  "capstan|mfst|"

typedef struct entry {
	struct entry *prev, *next; /* LRU list: head is the most recent */
	const char *key;	   /* the map's copy */
	char *json;
	size_t len;
	size_t cost;
} entry;

struct cap_render_cache {
	pthread_mutex_t lock;
	cap_hashmap map; /* key -> entry */
	entry *head, *tail;
	size_t max_bytes;
	cap_render_cache_stats stats;
	cap_hashmap inflight; /* key -> flight: renders running now */
	pthread_mutex_t redis_lock;
	cap_redis *redis;
	unsigned redis_ttl_s;
};

/* One render in progress; callers asking for the same key wait for it instead of rendering. */
typedef struct flight {
	pthread_cond_t done_cond;
	bool done;
	int waiters;
	int rc;
	char *message;	 /* the error of a failed render, for every waiter */
	cap_value *objs; /* the result, shared read-only until the last waiter copies it */
} flight;

int cap_render_cache_new(cap_render_cache **out, const cap_render_cache_options *opts)
{
	cap_render_cache *c = cap_calloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->redis_lock, NULL);
	cap_hashmap_init(&c->map);
	cap_hashmap_init(&c->inflight);
	c->max_bytes = opts && opts->max_bytes ? opts->max_bytes : DEFAULT_MAX_BYTES;
	c->redis_ttl_s = opts && opts->redis_ttl_s ? opts->redis_ttl_s : 86400;
	if (opts && opts->redis_host)
		c->redis =
		    cap_redis_new(opts->redis_host, opts->redis_port, opts->redis_timeout_ms);
	if (c->redis && opts->redis_password)
		cap_redis_set_auth(c->redis, opts->redis_username, opts->redis_password);
	*out = c;
	return 0;
}

static void entry_free(void *p)
{
	entry *e = p;
	free(e->json);
	free(e);
}

void cap_render_cache_free(cap_render_cache *c)
{
	if (!c)
		return;
	cap_hashmap_release(&c->map, entry_free);
	cap_hashmap_release(&c->inflight, NULL);
	cap_redis_free(c->redis);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->redis_lock);
	free(c);
}

static void unlink_entry(cap_render_cache *c, entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void push_front(cap_render_cache *c, entry *e)
{
	e->next = c->head;
	e->prev = NULL;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

/* Drops an entry already unlinked from the list. Lock held. */
static void drop(cap_render_cache *c, entry *e)
{
	c->stats.bytes -= e->cost;
	c->stats.entries--;
	char *key = cap_strdup(e->key); /* the map frees its copy while removing */
	cap_hashmap_remove(&c->map, key, NULL);
	free(key);
	entry_free(e);
}

static void evict(cap_render_cache *c)
{
	while (c->stats.bytes > c->max_bytes && c->tail) {
		entry *e = c->tail;
		unlink_entry(c, e);
		drop(c, e);
		c->stats.evictions++;
	}
}

/* Inserts or replaces key with json (taken). */
static void put_local(cap_render_cache *c, const char *key, char *json, size_t len)
{
	entry *e = cap_calloc(1, sizeof(*e));
	e->json = json;
	e->len = len;
	e->cost = len + strlen(key) + ENTRY_OVERHEAD;
	pthread_mutex_lock(&c->lock);
	entry *old = cap_hashmap_get(&c->map, key);
	if (old) {
		unlink_entry(c, old);
		drop(c, old);
	}
	if (e->cost > c->max_bytes) {
		/* larger than the whole budget: never worth keeping */
		pthread_mutex_unlock(&c->lock);
		entry_free(e);
		return;
	}
	cap_hashmap_putn(&c->map, key, strlen(key), e, &e->key);
	push_front(c, e);
	c->stats.bytes += e->cost;
	c->stats.entries++;
	evict(c);
	pthread_mutex_unlock(&c->lock);
}

static void redis_key(cap_buf *out, const char *key)
{
	cap_buf_printf(out, REDIS_PREFIX "%s", key);
}

int cap_render_cache_get(cap_value **out, cap_render_cache *c, const char *key)
{
	char *json = NULL;
	size_t len = 0;
	bool from_redis = false;
	pthread_mutex_lock(&c->lock);
	entry *e = cap_hashmap_get(&c->map, key);
	if (e) {
		unlink_entry(c, e);
		push_front(c, e);
		json = cap_memdup(e->json, e->len);
		len = e->len;
		c->stats.hits++;
	}
	pthread_mutex_unlock(&c->lock);

	if (!json && c->redis) {
		cap_buf rk = CAP_BUF_INIT, val = CAP_BUF_INIT;
		redis_key(&rk, key);
		pthread_mutex_lock(&c->redis_lock);
		int rc = cap_redis_get(c->redis, &val, rk.ptr);
		pthread_mutex_unlock(&c->redis_lock);
		if (!rc) {
			json = cap_buf_detach(&val, &len);
			from_redis = true;
		}
		pthread_mutex_lock(&c->lock);
		if (rc && rc != CAP_ENOTFOUND)
			c->stats.redis_errors++;
		if (!rc)
			c->stats.redis_hits++;
		pthread_mutex_unlock(&c->lock);
		cap_buf_release(&rk);
		cap_buf_release(&val);
	}
	if (!json)
		return CAP_ENOTFOUND;
	cap_value *v = NULL;
	int rc = cap_json_parse(&v, json, len, "manifest cache", NULL);
	if (rc || !cap_value_is_array(v)) {
		/* a damaged entry (another version wrote it?) is a miss */
		cap_value_free(v);
		free(json);
		cap_render_cache_remove(c, key);
		return CAP_ENOTFOUND;
	}
	if (from_redis)
		put_local(c, key, json, len);
	else
		free(json);
	*out = v;
	return 0;
}

void cap_render_cache_put(cap_render_cache *c, const char *key, const cap_value *objs)
{
	cap_buf json = CAP_BUF_INIT;
	cap_json_print(&json, objs, CAP_JSON_COMPACT);
	if (c->redis) {
		cap_buf rk = CAP_BUF_INIT;
		redis_key(&rk, key);
		pthread_mutex_lock(&c->redis_lock);
		int rc = cap_redis_set(c->redis, rk.ptr, json.ptr, json.len, c->redis_ttl_s);
		pthread_mutex_unlock(&c->redis_lock);
		if (rc) {
			pthread_mutex_lock(&c->lock);
			c->stats.redis_errors++;
			pthread_mutex_unlock(&c->lock);
		}
		cap_buf_release(&rk);
	}
	size_t len;
	char *text = cap_buf_detach(&json, &len);
	put_local(c, key, text, len);
}

void cap_render_cache_remove(cap_render_cache *c, const char *key)
{
	pthread_mutex_lock(&c->lock);
	entry *e = cap_hashmap_get(&c->map, key);
	if (e) {
		unlink_entry(c, e);
		drop(c, e);
	}
	pthread_mutex_unlock(&c->lock);
	if (c->redis) {
		cap_buf rk = CAP_BUF_INIT;
		redis_key(&rk, key);
		pthread_mutex_lock(&c->redis_lock);
		cap_redis_del(c->redis, rk.ptr);
		pthread_mutex_unlock(&c->redis_lock);
		cap_buf_release(&rk);
	}
}

static uint64_t mix(uint64_t h, const char *s)
{
	uint64_t x = cap_hash_bytes(s ? s : "\x01", s ? strlen(s) : 1);
	return (h ^ x) * 0x100000001b3ull + (h >> 29);
}

void cap_render_cache_key(cap_buf *out, const cap_render_request *req, const char *commit)
{
	const cap_render_source *s = req->source;
	const cap_render_options *o = req->opts;
	char num[32];
	uint64_t h = cap_value_hash(s->raw);
	h = mix(h, req->app_name);
	h = mix(h, req->dest_namespace);
	h = mix(h, req->instance_label_key);
	snprintf(num, sizeof(num), "%d", (int)req->tracking);
	h = mix(h, num);
	if (o) {
		h = mix(h, o->kube_version);
		for (const char *const *a = o->api_versions; a && *a; a++)
			h = mix(h, *a);
		h = mix(h, o->kustomize_build_options);
	}
	for (size_t i = 0; i < req->n_refs; i++) {
		h = mix(h, req->refs[i].name);
		h = mix(h, req->refs[i].root);
	}
	cap_buf_clear(out);
	cap_buf_printf(out, "%s|%s|%s|%016llx", s->repo_url ? s->repo_url : "",
		       commit ? commit : (s->target_revision ? s->target_revision : ""),
		       s->chart ? s->chart : (s->path ? s->path : "."), (unsigned long long)h);
}

static void flight_free(flight *f)
{
	pthread_cond_destroy(&f->done_cond);
	free(f->message);
	cap_value_free(f->objs);
	free(f);
}

/* Waits for the render in flight; lock held on entry and exit. */
static int join_flight(cap_value **out, cap_render_cache *c, flight *f)
{
	int rc;
	f->waiters++;
	while (!f->done)
		pthread_cond_wait(&f->done_cond, &c->lock);
	rc = f->rc;
	if (rc)
		cap_error_set(rc, "%s", f->message);
	else
		*out = cap_value_deep_copy(f->objs);
	if (--f->waiters == 0)
		flight_free(f);
	return rc;
}

int cap_render_cache_render(cap_value **out, bool *hit, cap_render_cache *c,
			    const cap_render_request *req, const char *commit, bool hard_refresh)
{
	cap_buf key = CAP_BUF_INIT;
	cap_value *objs = NULL;
	int rc;
	cap_render_cache_key(&key, req, commit);
	if (!hard_refresh && cap_render_cache_get(&objs, c, key.ptr) == 0) {
		if (hit)
			*hit = true;
		*out = objs;
		cap_buf_release(&key);
		return 0;
	}
	pthread_mutex_lock(&c->lock);
	flight *f = cap_hashmap_get(&c->inflight, key.ptr);
	if (f) {
		/* the same render is running (a fresh one, so a hard refresh may join it too) */
		c->stats.joined++;
		rc = join_flight(&objs, c, f);
		pthread_mutex_unlock(&c->lock);
		if (!rc) {
			if (hit)
				*hit = true;
			*out = objs;
		}
		cap_buf_release(&key);
		return rc;
	}
	f = cap_calloc(1, sizeof(*f));
	pthread_cond_init(&f->done_cond, NULL);
	f->waiters = 1;
	cap_hashmap_put(&c->inflight, key.ptr, f);
	c->stats.misses++;
	pthread_mutex_unlock(&c->lock);

	rc = cap_render_manifests(&objs, req);
	if (!rc)
		cap_render_cache_put(c, key.ptr, objs);

	pthread_mutex_lock(&c->lock);
	cap_hashmap_remove(&c->inflight, key.ptr, NULL);
	f->done = true;
	f->rc = rc;
	if (rc)
		f->message = cap_strdup(cap_error_last());
	else if (f->waiters > 1)
		f->objs = cap_value_deep_copy(objs);
	pthread_cond_broadcast(&f->done_cond);
	if (--f->waiters == 0)
		flight_free(f);
	pthread_mutex_unlock(&c->lock);
	if (!rc) {
		if (hit)
			*hit = false;
		*out = objs;
	}
	cap_buf_release(&key);
	return rc;
}

void cap_render_cache_stats_get(cap_render_cache *c, cap_render_cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}
