/* Reflectors: list, then watch from the list's resourceVersion, resuming, re-listing on 410. */
#include "kube/watch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "base/time.h"
#include "kube/discovery.h"
#include "kube/internal.h"
#include "value/json.h"

/* What the reflector remembers of each object it delivered, to diff a re-list against. */
typedef struct known {
	char *rv;
	char *uid;
} known;

struct cap_kube_reflector {
	cap_kube_client *client;
	cap_kube_key key; /* resolved: resource set, name "" */
	char *api_version;
	char *label_selector, *field_selector;
	unsigned page_size, watch_timeout_s, backoff_initial_ms, backoff_max_ms;
	cap_kube_event_fn fn;
	void (*on_error)(void *ctx, int code, const char *message);
	void *ctx;

	pthread_t thread;
	pthread_mutex_t lock; /* stop, fd, sleeping */
	pthread_cond_t wake;
	bool stop;
	int fd; /* the open watch connection, or -1 */
	atomic_bool synced;

	cap_hashmap known; /* "namespace/name" → known */
	char *rv;	   /* the last resourceVersion seen */
	bool expired;	   /* the watch said 410: list again */
	cap_buf line;	   /* a partial event line from the stream */
	unsigned long long events_in_watch;

	atomic_uint_fast64_t lists, watches, events, bookmarks;
};

const char *cap_kube_event_type_name(cap_kube_event_type type)
{
	switch (type) {
	case CAP_KUBE_EVENT_ADDED:
		return "ADDED";
	case CAP_KUBE_EVENT_MODIFIED:
		return "MODIFIED";
	case CAP_KUBE_EVENT_DELETED:
		return "DELETED";
	case CAP_KUBE_EVENT_SYNCED:
		return "SYNCED";
	}
	return "";
}

static void known_free(void *p)
{
	known *k = p;
	if (!k)
		return;
	free(k->rv);
	free(k->uid);
	free(k);
}

static bool stopping(cap_kube_reflector *r)
{
	pthread_mutex_lock(&r->lock);
	bool s = r->stop;
	pthread_mutex_unlock(&r->lock);
	return s;
}

static bool cancel_cb(void *ctx)
{
	return stopping(ctx);
}

static void socket_cb(void *ctx, int fd)
{
	cap_kube_reflector *r = ctx;
	pthread_mutex_lock(&r->lock);
	r->fd = fd;
	if (fd >= 0 && r->stop)
		shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&r->lock);
}

/* Sleeps ms unless stopped first; false when stopping. */
static bool nap(cap_kube_reflector *r, unsigned ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (!r->stop && pthread_cond_timedwait(&r->wake, &r->lock, &ts) == 0)
		;
	bool go_on = !r->stop;
	pthread_mutex_unlock(&r->lock);
	return go_on;
}

static void deliver(cap_kube_reflector *r, cap_kube_event_type type, cap_value *obj)
{
	cap_kube_event ev = {type, obj};
	atomic_fetch_add(&r->events, 1);
	r->fn(r->ctx, &ev);
}

static void object_id(cap_buf *out, const cap_value *obj)
{
	const char *ns = cap_value_dig_string(obj, "metadata", "namespace", NULL);
	const char *name = cap_value_dig_string(obj, "metadata", "name", NULL);
	cap_buf_clear(out);
	cap_buf_printf(out, "%s/%s", ns ? ns : "", name ? name : "");
}

static void remember(cap_kube_reflector *r, const char *id, const cap_value *obj)
{
	known *k = cap_calloc(1, sizeof(*k));
	const char *rv = cap_value_dig_string(obj, "metadata", "resourceVersion", NULL);
	const char *uid = cap_value_dig_string(obj, "metadata", "uid", NULL);
	k->rv = cap_strdup(rv ? rv : "");
	k->uid = cap_strdup(uid ? uid : "");
	known_free(cap_hashmap_put(&r->known, id, k));
}

static void set_rv(cap_kube_reflector *r, const char *rv)
{
	if (!rv || !*rv)
		return;
	free(r->rv);
	r->rv = cap_strdup(rv);
}

/* The stub a DELETED event carries when the deletion happened while the stream was down. */
static cap_value *tombstone(cap_kube_reflector *r, const char *id, const known *k)
{
	cap_value *o = cap_value_object();
	cap_value_object_set(o, "apiVersion", cap_value_string(r->api_version));
	cap_value_object_set(o, "kind", cap_value_string(r->key.kind));
	cap_value *meta = cap_value_object();
	const char *slash = strchr(id, '/');
	if (slash > id)
		cap_value_object_set(meta, "namespace",
				     cap_value_stringn(id, (size_t)(slash - id)));
	cap_value_object_set(meta, "name", cap_value_string(slash + 1));
	if (k->uid[0])
		cap_value_object_set(meta, "uid", cap_value_string(k->uid));
	if (k->rv[0])
		cap_value_object_set(meta, "resourceVersion", cap_value_string(k->rv));
	cap_value_object_set(o, "metadata", meta);
	return o;
}

static int do_list(cap_kube_reflector *r)
{
	cap_kube_object_list l = {0};
	cap_kube_list_options lo = {.label_selector = r->label_selector,
				    .field_selector = r->field_selector,
				    .limit = r->page_size};
	int rc = cap_kube_list(r->client, &l, &r->key, &lo);
	if (rc)
		return rc;
	atomic_fetch_add(&r->lists, 1);
	cap_hashmap fresh = CAP_HASHMAP_INIT;
	cap_buf id = CAP_BUF_INIT;
	size_t i;
	cap_value *item;
	CAP_VALUE_ARRAY_FOREACH(l.items, i, item)
	{
		object_id(&id, item);
		known *old = NULL;
		cap_hashmap_remove(&r->known, id.ptr, (void **)&old);
		const char *rv = cap_value_dig_string(item, "metadata", "resourceVersion", NULL);
		if (!old)
			deliver(r, CAP_KUBE_EVENT_ADDED, item);
		else if (strcmp(old->rv, rv ? rv : "") != 0)
			deliver(r, CAP_KUBE_EVENT_MODIFIED, item);
		known_free(old);
		known *k = cap_calloc(1, sizeof(*k));
		const char *uid = cap_value_dig_string(item, "metadata", "uid", NULL);
		k->rv = cap_strdup(rv ? rv : "");
		k->uid = cap_strdup(uid ? uid : "");
		known_free(cap_hashmap_put(&fresh, id.ptr, k));
	}
	/* what is left of the old map vanished while we were not watching */
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *gone;
	void *v;
	while (cap_hashmap_next(&r->known, &it, &gone, &v)) {
		cap_value *stub = tombstone(r, gone, v);
		deliver(r, CAP_KUBE_EVENT_DELETED, stub);
		cap_value_free(stub);
	}
	cap_hashmap_release(&r->known, known_free);
	r->known = fresh;
	set_rv(r, l.resource_version);
	r->expired = false;
	cap_buf_release(&id);
	cap_kube_object_list_release(&l);
	atomic_store(&r->synced, true);
	deliver(r, CAP_KUBE_EVENT_SYNCED, NULL);
	return 0;
}

/* One line of the watch stream: {"type": …, "object": …}. */
static void handle_event(cap_kube_reflector *r, const char *text, size_t len)
{
	cap_value *ev = NULL;
	if (cap_json_parse(&ev, text, len, "watch", NULL) != 0) {
		cap_error_clear();
		return;
	}
	const char *type = cap_value_get_string(cap_value_object_get(ev, "type"));
	cap_value *obj = cap_value_object_get(ev, "object");
	if (!type || !cap_value_is_object(obj)) {
		cap_value_free(ev);
		return;
	}
	const char *rv = cap_value_dig_string(obj, "metadata", "resourceVersion", NULL);
	if (strcmp(type, "ERROR") == 0) {
		int64_t code = cap_value_get_int(cap_value_object_get(obj, "code"));
		if (code == 410)
			r->expired = true;
		else if (r->on_error)
			r->on_error(r->ctx, CAP_EUNAVAILABLE,
				    cap_value_get_string(cap_value_object_get(obj, "message")));
		cap_value_free(ev);
		return;
	}
	if (strcmp(type, "BOOKMARK") == 0) {
		atomic_fetch_add(&r->bookmarks, 1);
		set_rv(r, rv);
		cap_value_free(ev);
		return;
	}
	cap_kube_event_type t;
	if (strcmp(type, "ADDED") == 0)
		t = CAP_KUBE_EVENT_ADDED;
	else if (strcmp(type, "MODIFIED") == 0)
		t = CAP_KUBE_EVENT_MODIFIED;
	else if (strcmp(type, "DELETED") == 0)
		t = CAP_KUBE_EVENT_DELETED;
	else {
		cap_value_free(ev);
		return;
	}
	if (!cap_value_object_get(obj, "apiVersion"))
		cap_value_object_set(obj, "apiVersion", cap_value_string(r->api_version));
	if (!cap_value_object_get(obj, "kind"))
		cap_value_object_set(obj, "kind", cap_value_string(r->key.kind));
	cap_buf id = CAP_BUF_INIT;
	object_id(&id, obj);
	if (t == CAP_KUBE_EVENT_DELETED) {
		known *old = NULL;
		cap_hashmap_remove(&r->known, id.ptr, (void **)&old);
		known_free(old);
	} else {
		remember(r, id.ptr, obj);
	}
	cap_buf_release(&id);
	set_rv(r, rv);
	r->events_in_watch++;
	deliver(r, t, obj);
	cap_value_free(ev);
}

static bool on_stream(void *ctx, const char *data, size_t len)
{
	cap_kube_reflector *r = ctx;
	cap_buf_put(&r->line, data, len);
	size_t start = 0;
	for (;;) {
		const char *nl = memchr(r->line.ptr + start, '\n', r->line.len - start);
		if (!nl)
			break;
		size_t n = (size_t)(nl - (r->line.ptr + start));
		if (n)
			handle_event(r, r->line.ptr + start, n);
		start += n + 1;
		if (r->expired)
			break;
	}
	if (start) {
		memmove(r->line.ptr, r->line.ptr + start, r->line.len - start);
		cap_buf_truncate(&r->line, r->line.len - start);
	}
	return !r->expired && !stopping(r);
}

static void query_param(cap_buf *q, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	cap_buf_printf(q, "&%s=", name);
	cap_kube__url_escape(q, value);
}

/* One watch request; 0 when it ended (by the server, a drop or a 410), or an error code. */
static int do_watch(cap_kube_reflector *r)
{
	cap_buf path = CAP_BUF_INIT;
	int rc = cap_kube_key_path(&path, &r->key);
	if (rc) {
		cap_buf_release(&path);
		return rc;
	}
	unsigned timeout =
	    r->watch_timeout_s ? r->watch_timeout_s : 300 + (unsigned)(cap_time_now_ns() % 300);
	cap_buf_printf(&path, "?watch=1&allowWatchBookmarks=true&timeoutSeconds=%u", timeout);
	query_param(&path, "resourceVersion", r->rv);
	query_param(&path, "labelSelector", r->label_selector);
	query_param(&path, "fieldSelector", r->field_selector);
	cap_kube__request req = {.method = "GET",
				 .path = path.ptr,
				 .stream_fn = on_stream,
				 .stream_ctx = r,
				 .cancel_fn = cancel_cb,
				 .cancel_ctx = r,
				 .socket_fn = socket_cb,
				 .socket_ctx = r,
				 /* the server ends the watch at timeoutSeconds; past that plus a
				  * margin the connection is dead without having said so */
				 .stream_timeout_ms = (timeout + 30) * 1000};
	cap_kube_response res;
	cap_buf_clear(&r->line);
	r->events_in_watch = 0;
	atomic_fetch_add(&r->watches, 1);
	rc = cap_kube__perform(r->client, &req, &res);
	cap_buf_release(&path);
	if (rc)
		return rc;
	if (res.status == 410) {
		r->expired = true;
	} else if (res.status && (res.status < 200 || res.status >= 300)) {
		rc = cap_kube__status_error(&res);
	}
	cap_kube_response_release(&res);
	return rc;
}

static void report(cap_kube_reflector *r, int rc)
{
	if (r->on_error && rc != CAP_ECANCELED)
		r->on_error(r->ctx, rc, cap_error_last());
}

static void *run(void *arg)
{
	cap_kube_reflector *r = arg;
	unsigned backoff = r->backoff_initial_ms;
	bool need_list = true;
	while (!stopping(r)) {
		int rc;
		if (need_list) {
			rc = do_list(r);
			if (rc) {
				report(r, rc);
				if (!nap(r, backoff))
					break;
				backoff = backoff * 2 > r->backoff_max_ms ? r->backoff_max_ms
									  : backoff * 2;
				continue;
			}
			need_list = false;
			backoff = r->backoff_initial_ms;
		}
		uint64_t started = cap_time_now_ms();
		rc = do_watch(r);
		if (stopping(r))
			break;
		if (r->expired) {
			need_list = true;
			continue;
		}
		if ((rc == 0 || rc == CAP_ETIMEOUT) &&
		    (r->events_in_watch || cap_time_now_ms() - started > 1000)) {
			backoff =
			    r->backoff_initial_ms; /* a healthy stream ended: resume at once */
			continue;
		}
		if (rc)
			report(r, rc);
		/* failed, or ended at once with nothing: wait before trying again */
		if (!nap(r, backoff))
			break;
		backoff = backoff * 2 > r->backoff_max_ms ? r->backoff_max_ms : backoff * 2;
	}
	return NULL;
}

int cap_kube_reflector_start(cap_kube_reflector **out, cap_kube_client *c, const cap_kube_key *key,
			     const cap_kube_reflector_options *opts)
{
	if (!opts || !opts->fn)
		return cap_error_set(CAP_EINVALID, "a reflector needs an event callback");
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_copy(&k, key);
	cap_kube_key_set_member(&k.name, "");
	if (!k.resource[0] || !k.kind[0]) {
		cap_kube_api_resource res;
		cap_kube_api_resource_init(&res);
		int rc = k.kind[0] ? cap_kube_discovery_find_kind(cap_kube_client_discovery(c),
								  &res, k.group, k.version, k.kind)
				   : cap_kube_discovery_find_resource(cap_kube_client_discovery(c),
								      &res, k.group, k.resource);
		if (rc) {
			cap_kube_api_resource_release(&res);
			cap_kube_key_release(&k);
			return rc;
		}
		cap_kube_key_set_member(&k.resource, res.resource);
		cap_kube_key_set_member(&k.kind, res.kind);
		cap_kube_key_set_member(&k.version, res.version);
		if (!res.namespaced)
			cap_kube_key_set_member(&k.namespace, "");
		cap_kube_api_resource_release(&res);
	}
	cap_kube_reflector *r = cap_calloc(1, sizeof(*r));
	r->client = c;
	r->key = k;
	cap_buf av = CAP_BUF_INIT;
	cap_kube_key_api_version(&k, &av);
	r->api_version = cap_buf_detach(&av, NULL);
	r->label_selector = opts->label_selector ? cap_strdup(opts->label_selector) : NULL;
	r->field_selector = opts->field_selector ? cap_strdup(opts->field_selector) : NULL;
	r->page_size = opts->page_size;
	r->watch_timeout_s = opts->watch_timeout_s;
	r->backoff_initial_ms = opts->backoff_initial_ms ? opts->backoff_initial_ms : 200;
	r->backoff_max_ms = opts->backoff_max_ms ? opts->backoff_max_ms : 30000;
	if (r->backoff_max_ms < r->backoff_initial_ms)
		r->backoff_max_ms = r->backoff_initial_ms;
	r->fn = opts->fn;
	r->ctx = opts->ctx;
	r->on_error = opts->on_error;
	r->fd = -1;
	cap_hashmap_init(&r->known);
	cap_buf_init(&r->line);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	if (pthread_create(&r->thread, NULL, run, r) != 0) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->wake);
		cap_kube_key_release(&r->key);
		free(r->api_version);
		free(r->label_selector);
		free(r->field_selector);
		free(r);
		return cap_error_set(CAP_EGENERIC, "cannot start a reflector thread");
	}
	*out = r;
	return 0;
}

void cap_kube_reflector_stop(cap_kube_reflector *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	if (r->fd >= 0)
		shutdown(r->fd, SHUT_RDWR);
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	cap_hashmap_release(&r->known, known_free);
	cap_buf_release(&r->line);
	cap_kube_key_release(&r->key);
	free(r->api_version);
	free(r->label_selector);
	free(r->field_selector);
	free(r->rv);
	free(r);
}

bool cap_kube_reflector_synced(cap_kube_reflector *r)
{
	return atomic_load(&r->synced);
}

void cap_kube_reflector_stats_get(cap_kube_reflector *r, cap_kube_reflector_stats *out)
{
	out->lists = atomic_load(&r->lists);
	out->watches = atomic_load(&r->watches);
	out->events = atomic_load(&r->events);
	out->bookmarks = atomic_load(&r->bookmarks);
}
