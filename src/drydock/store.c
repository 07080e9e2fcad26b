/* The object store: buckets of revisions under one lock, a resourceVersion counter and a ring of
 * events. */
#include "drydock/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "value/json.h"

#define DEFAULT_HISTORY 200000
#define FIRST_RV	1000

void dd_store_init(dd_store *s, size_t history)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->changed, &ca);
	pthread_condattr_destroy(&ca);
	cap_hashmap_init(&s->buckets);
	s->ring_cap = history ? history : DEFAULT_HISTORY;
	s->ring = cap_calloc(s->ring_cap, sizeof(*s->ring));
	s->rv = FIRST_RV;
	s->first_seq = s->next_seq = 1;
}

dd_obj *dd_obj_ref(dd_obj *o)
{
	if (o)
		o->refs++;
	return o;
}

void dd_obj_unref(dd_obj *o)
{
	if (!o || --o->refs > 0)
		return;
	cap_value_free(o->v);
	free(o->json);
	free(o->bucket);
	free(o->ns);
	free(o->name);
	free(o);
}

static void free_obj(void *p)
{
	dd_obj_unref(p);
}

static void free_bucket(void *p)
{
	cap_hashmap *m = p;
	cap_hashmap_release(m, free_obj);
	free(m);
}

void dd_store_release(dd_store *s)
{
	if (!s)
		return;
	for (uint64_t q = s->first_seq; q < s->next_seq; q++) {
		dd_obj_unref(s->ring[q % s->ring_cap].obj);
		dd_obj_unref(s->ring[q % s->ring_cap].prev);
	}
	free(s->ring);
	cap_hashmap_release(&s->buckets, free_bucket);
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->lock);
}

void dd_store_lock(dd_store *s)
{
	pthread_mutex_lock(&s->lock);
}

void dd_store_unlock(dd_store *s)
{
	pthread_mutex_unlock(&s->lock);
}

void dd_store_bucket_key(cap_buf *out, const char *group, const char *resource)
{
	cap_buf_printf(out, "%s/%s", group, resource);
}

static cap_hashmap *bucket(dd_store *s, const char *key, bool create)
{
	cap_hashmap *m = cap_hashmap_get(&s->buckets, key);
	if (!m && create) {
		m = cap_calloc(1, sizeof(*m));
		cap_hashmap_init(m);
		cap_hashmap_put(&s->buckets, key, m);
	}
	return m;
}

static void obj_key(cap_buf *k, const char *ns, const char *name)
{
	cap_buf_printf(k, "%s/%s", ns ? ns : "", name);
}

dd_obj *dd_store_get(dd_store *s, const char *bkt, const char *ns, const char *name)
{
	cap_hashmap *m = bucket(s, bkt, false);
	if (!m)
		return NULL;
	cap_buf k = CAP_BUF_INIT;
	obj_key(&k, ns, name);
	dd_obj *o = cap_hashmap_getn(m, k.ptr, k.len);
	cap_buf_release(&k);
	return o;
}

static void record(dd_store *s, dd_event_type type, dd_obj *o, dd_obj *prev)
{
	if (s->next_seq - s->first_seq == s->ring_cap) {
		dd_event *old = &s->ring[s->first_seq % s->ring_cap];
		s->expired_rv = old->rv;
		dd_obj_unref(old->obj);
		dd_obj_unref(old->prev);
		old->obj = NULL;
		old->prev = NULL;
		s->first_seq++;
	}
	dd_event *e = &s->ring[s->next_seq % s->ring_cap];
	e->rv = o->rv;
	e->type = type;
	e->obj = dd_obj_ref(o);
	e->prev = dd_obj_ref(prev);
	s->next_seq++;
	pthread_cond_broadcast(&s->changed);
}

static dd_obj *revision(dd_store *s, const char *bkt, const char *ns, const char *name,
			cap_value *v)
{
	dd_obj *o = cap_calloc(1, sizeof(*o));
	o->refs = 1;
	o->rv = ++s->rv;
	cap_value *meta = cap_value_object_get(v, "metadata");
	if (!meta) {
		meta = cap_value_object();
		cap_value_object_set(v, "metadata", meta);
	}
	char rvs[32];
	snprintf(rvs, sizeof(rvs), "%llu", (unsigned long long)o->rv);
	cap_value_object_set(meta, "resourceVersion", cap_value_string(rvs));
	o->v = v;
	o->json = cap_json_to_string(v, CAP_JSON_COMPACT);
	o->json_len = strlen(o->json);
	if (cap_value_object_get(meta, "managedFields")) {
		cap_value_object_del(meta, "managedFields");
		o->stripped = true;
	}
	o->bucket = cap_strdup(bkt);
	o->ns = cap_strdup(ns ? ns : "");
	o->name = cap_strdup(name);
	return o;
}

dd_obj *dd_store_put(dd_store *s, const char *bkt, const char *ns, const char *name, cap_value *v)
{
	cap_hashmap *m = bucket(s, bkt, true);
	dd_obj *o = revision(s, bkt, ns, name, v);
	cap_buf k = CAP_BUF_INIT;
	obj_key(&k, ns, name);
	dd_obj *old = cap_hashmap_putn(m, k.ptr, k.len, o, NULL);
	cap_buf_release(&k);
	if (!old)
		s->objects++;
	record(s, old ? DD_MODIFIED : DD_ADDED, o, old);
	dd_obj_unref(old);
	return o;
}

dd_obj *dd_store_remove(dd_store *s, const char *bkt, const char *ns, const char *name)
{
	cap_hashmap *m = bucket(s, bkt, false);
	if (!m)
		return NULL;
	cap_buf k = CAP_BUF_INIT;
	obj_key(&k, ns, name);
	void *val = NULL;
	bool found = cap_hashmap_removen(m, k.ptr, k.len, &val);
	cap_buf_release(&k);
	if (!found)
		return NULL;
	dd_obj *old = val;
	s->objects--;
	dd_obj *last = revision(s, bkt, ns, name, dd_obj_full(old));
	dd_obj_unref(old);
	record(s, DD_DELETED, last, NULL);
	dd_obj_unref(last); /* the event keeps it */
	return last;
}

static int cmp_obj(const void *a, const void *b)
{
	const dd_obj *x = *(dd_obj *const *)a, *y = *(dd_obj *const *)b;
	int c = strcmp(x->ns, y->ns);
	return c ? c : strcmp(x->name, y->name);
}

void dd_store_list(dd_store *s, const char *bkt, const char *ns, const char *after, cap_vec *out)
{
	cap_hashmap *m = bucket(s, bkt, false);
	if (!m)
		return;
	size_t start = out->len;
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *k;
	void *v;
	while (cap_hashmap_next(m, &it, &k, &v)) {
		dd_obj *o = v;
		if (ns && *ns && strcmp(o->ns, ns) != 0)
			continue;
		if (after) {
			/* keys compare as "ns/name"; '/' sorts below name characters */
			int c = 1;
			const char *slash = strchr(after, '/');
			if (slash) {
				size_t nl = (size_t)(slash - after);
				c = strncmp(o->ns, after, nl);
				if (c == 0 && strlen(o->ns) != nl)
					c = strlen(o->ns) > nl ? 1 : -1;
				if (c == 0)
					c = strcmp(o->name, slash + 1);
			}
			if (c <= 0)
				continue;
		}
		cap_vec_push(out, o);
	}
	if (out->len - start > 1)
		qsort(out->items + start, out->len - start, sizeof(void *), cmp_obj);
}

void dd_store_each(dd_store *s, void (*fn)(dd_obj *o, void *ctx), void *ctx)
{
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *k;
	void *v;
	while (cap_hashmap_next(&s->buckets, &it, &k, &v)) {
		cap_hashmap_iter it2 = CAP_HASHMAP_ITER_INIT;
		void *o;
		while (cap_hashmap_next(v, &it2, &k, &o))
			fn(o, ctx);
	}
}

bool dd_store_seq_after(dd_store *s, uint64_t rv, uint64_t *seq_out)
{
	if (rv < s->expired_rv)
		return false;
	uint64_t lo = s->first_seq, hi = s->next_seq;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (s->ring[mid % s->ring_cap].rv <= rv)
			lo = mid + 1;
		else
			hi = mid;
	}
	*seq_out = lo;
	return true;
}

dd_event *dd_store_event(dd_store *s, uint64_t seq)
{
	if (seq < s->first_seq || seq >= s->next_seq)
		return NULL;
	return &s->ring[seq % s->ring_cap];
}

void dd_obj_write(cap_buf *out, const dd_obj *o, const char *api_version)
{
	const char *have = cap_value_get_string(cap_value_object_get(o->v, "apiVersion"));
	if (!api_version || (have && strcmp(have, api_version) == 0)) {
		cap_buf_put(out, o->json, o->json_len);
		return;
	}
	cap_value *copy = dd_obj_full(o);
	cap_value_object_set(copy, "apiVersion", cap_value_string(api_version));
	cap_json_print(out, copy, CAP_JSON_COMPACT);
	cap_value_free(copy);
}

cap_value *dd_obj_full(const dd_obj *o)
{
	cap_value *v = NULL;
	if (o->stripped && cap_json_parse(&v, o->json, o->json_len, "stored object", NULL) == 0)
		return v;
	return cap_value_deep_copy(o->v);
}
