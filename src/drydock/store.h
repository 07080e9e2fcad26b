/* The in-memory object store: objects by (group, resource, namespace, name), one resourceVersion
 * counter, and the event history watches read. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/hashmap.h"
#include "base/vec.h"
#include "value/value.h"

/*
 * One stored revision of an object. Immutable once stored: an update stores a new revision.
 * Revisions are reference counted because watch events keep old ones; the count changes only
 * under the store lock.
 */
typedef struct dd_obj {
	unsigned refs;
	uint64_t rv;
	cap_value *v;  /* the object, metadata.resourceVersion included, without managedFields
			* (they stay in json only, to keep memory small: see dd_obj_full) */
	bool stripped; /* managedFields were dropped from v */
	char *json;    /* its compact JSON */
	size_t json_len;
	char *bucket; /* "group/resource" */
	char *ns;
	char *name;
} dd_obj;

typedef enum dd_event_type { DD_ADDED, DD_MODIFIED, DD_DELETED } dd_event_type;

typedef struct dd_event {
	uint64_t rv;
	dd_event_type type;
	dd_obj *obj;  /* holds a reference */
	dd_obj *prev; /* MODIFIED: the revision before, referenced, so watches with selectors can
		       * tell objects that start or stop matching; NULL otherwise */
} dd_event;

/*
 * Every function below except init/release/lock/unlock expects the caller to hold the lock.
 * Watchers wait on `changed`, which is broadcast after every stored event.
 */
typedef struct dd_store {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint64_t rv;	     /* the last resourceVersion handed out */
	cap_hashmap buckets; /* "group/resource" -> cap_hashmap* of "ns/name" -> dd_obj* */
	dd_event *ring;
	size_t ring_cap;
	uint64_t first_seq; /* sequence number of ring's oldest kept event */
	uint64_t next_seq;
	uint64_t expired_rv; /* newest resourceVersion dropped from the history (0: none) */
	size_t objects;
	bool closing;
} dd_store;

/* history is the number of events kept for watches to resume from (0 for the default). */
void dd_store_init(dd_store *s, size_t history);
void dd_store_release(dd_store *s);
void dd_store_lock(dd_store *s);
void dd_store_unlock(dd_store *s);

/* Writes "group/resource" for a bucket key. */
void dd_store_bucket_key(cap_buf *out, const char *group, const char *resource);

/* The current revision, or NULL. Borrowed: valid while the lock is held (take a ref to keep it). */
dd_obj *dd_store_get(dd_store *s, const char *bucket, const char *ns, const char *name);

/*
 * Stores v as the new revision of (bucket, ns, name): assigns the next resourceVersion into
 * metadata.resourceVersion, serialises it, records an ADDED or MODIFIED event and wakes watchers.
 * Steals v. Returns the new revision (borrowed).
 */
dd_obj *dd_store_put(dd_store *s, const char *bucket, const char *ns, const char *name,
		     cap_value *v);

/*
 * Removes (bucket, ns, name), recording a DELETED event whose object is the last state with a
 * fresh resourceVersion. Returns that final revision (borrowed, kept alive by the event) or NULL
 * when absent.
 */
dd_obj *dd_store_remove(dd_store *s, const char *bucket, const char *ns, const char *name);

/*
 * Appends borrowed revisions of bucket (all namespaces when ns is NULL or "") to out, sorted
 * by "ns/name"; only those after the key `after` when it is not NULL.
 */
void dd_store_list(dd_store *s, const char *bucket, const char *ns, const char *after,
		   cap_vec *out);
/* Calls fn on every current object of every bucket (the store must not change meanwhile). */
void dd_store_each(dd_store *s, void (*fn)(dd_obj *o, void *ctx), void *ctx);

/* The whole object managedFields included: a new reference (parsed from json when stripped). */
cap_value *dd_obj_full(const dd_obj *o);

/* Takes and drops references to a revision (lock held). */
dd_obj *dd_obj_ref(dd_obj *o);
void dd_obj_unref(dd_obj *o);

/*
 * Finds the sequence number of the first kept event with a resourceVersion above rv; false when
 * events after rv were already dropped from the history (the watch must answer 410 Expired).
 */
bool dd_store_seq_after(dd_store *s, uint64_t rv, uint64_t *seq_out);
/* The event with that sequence number, or NULL when it was dropped or not yet written. */
dd_event *dd_store_event(dd_store *s, uint64_t seq);

/*
 * Appends o's JSON to out as served at api_version: its stored text when the object already
 * says that apiVersion, else a copy with apiVersion replaced (drydock stores one version).
 */
void dd_obj_write(cap_buf *out, const dd_obj *o, const char *api_version);
