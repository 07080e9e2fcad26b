/* List-then-watch reflectors: a thread per resource type delivering ADDED/MODIFIED/DELETED. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kube/client.h"
#include "kube/key.h"
#include "value/value.h"

typedef enum cap_kube_event_type {
	CAP_KUBE_EVENT_ADDED,
	CAP_KUBE_EVENT_MODIFIED,
	CAP_KUBE_EVENT_DELETED,
	CAP_KUBE_EVENT_SYNCED, /* a full list has been delivered; object is NULL */
} cap_kube_event_type;

/* The name of an event type as the API server spells it ("ADDED", …, "SYNCED"). */
const char *cap_kube_event_type_name(cap_kube_event_type type);

typedef struct cap_kube_event {
	cap_kube_event_type type;
	/*
	 * The object, BORROWED for the duration of the callback (cap_value_ref to keep it). It
	 * carries apiVersion and kind. A DELETED delivered after a re-list (the deletion happened
	 * while the stream was down) carries only apiVersion, kind and metadata name, namespace,
	 * uid and resourceVersion as last seen.
	 */
	cap_value *object;
} cap_kube_event;

/* Called on the reflector's thread, one event at a time, in the order the server sent them. */
typedef void (*cap_kube_event_fn)(void *ctx, const cap_kube_event *event);

typedef struct cap_kube_reflector_options {
	const char *label_selector; /* NULL: every object */
	const char *field_selector;
	unsigned page_size;	     /* list page size; 0: 500 */
	unsigned watch_timeout_s;    /* timeoutSeconds of each watch; 0: 300 to 600, randomised */
	unsigned backoff_initial_ms; /* first reconnect delay; 0: 200 (doubles up to the max) */
	unsigned backoff_max_ms;     /* 0: 30000 */
	cap_kube_event_fn fn;	     /* required */
	void *ctx;
	/* Optional: told about each failure it will retry (for logs), on the reflector's thread. */
	void (*on_error)(void *ctx, int code, const char *message);
} cap_kube_reflector_options;

typedef struct cap_kube_reflector cap_kube_reflector;

/*
 * Starts a thread that keeps the caller informed about every object of type key (group,
 * version, kind or resource; namespace "" for all namespaces; name ignored) as client-go's
 * reflector does: LIST (paged), deliver each item as ADDED, then SYNCED; then WATCH from the
 * list's resourceVersion with allowWatchBookmarks, following bookmarks. A dropped stream
 * reconnects from the last resourceVersion seen, with exponential backoff while the server is
 * unreachable. A 410 Expired (the version is older than the server keeps) re-lists and
 * delivers the difference to what was delivered before: ADDED for new objects, MODIFIED for
 * changed ones, DELETED for vanished ones, then SYNCED again.
 *
 * The client must outlive the reflector. When key lacks resource or kind, discovery fills them
 * (CAP_ENOTFOUND when the type is not served); every later failure is retried on the thread and
 * told to on_error, not returned. *out is stopped with cap_kube_reflector_stop.
 */
int cap_kube_reflector_start(cap_kube_reflector **out, cap_kube_client *c, const cap_kube_key *key,
			     const cap_kube_reflector_options *opts);

/*
 * Stops the thread (an open watch is abandoned within about 100 ms), joins it and frees the
 * reflector. No callback runs after it returns. Must not be called from the callback. Accepts
 * NULL.
 */
void cap_kube_reflector_stop(cap_kube_reflector *r);

/* True once the first full list has been delivered. */
bool cap_kube_reflector_synced(cap_kube_reflector *r);

/* Counters for tests and metrics. */
typedef struct cap_kube_reflector_stats {
	uint64_t lists;	    /* full lists done (1 + re-lists) */
	uint64_t watches;   /* watch requests made */
	uint64_t events;    /* events delivered (SYNCED included) */
	uint64_t bookmarks; /* bookmarks received */
} cap_kube_reflector_stats;
void cap_kube_reflector_stats_get(cap_kube_reflector *r, cap_kube_reflector_stats *out);
