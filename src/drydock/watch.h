/* Watch streams: newline-delimited JSON events read from the store's history, filtered per watcher.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "drydock/cluster.h"
#include "drydock/select.h"

/*
 * A watch owns its filter (copied) and a cursor into the store's event history. It is read by
 * the HTTP front from the connection's thread; dd_watch_read blocks until events arrive, the
 * timeout passes, or the store closes.
 */
typedef struct dd_watch dd_watch;

typedef struct dd_watch_spec {
	const char *bucket;	 /* "group/resource" */
	const char *api_version; /* written into each object ("apps/v1") */
	const char *kind;
	const char *ns;	  /* "" for all */
	const char *name; /* "" for all (from a metadata.name field selector too) */
	const char *label_selector;
	const char *field_selector;
	uint64_t from_rv;   /* send events after this; 0 = start with the current state */
	bool initial_state; /* send ADDED for the current objects first */
	bool bookmarks;
	int64_t timeout_s;    /* <= 0: the default (30 to 60 minutes as upstream) */
	const char *table;    /* a meta.k8s.io Table version: each event carries a Table */
	int table_include;    /* dd_table_object */
	const dd_rtype *type; /* for Table rows; copied */
} dd_watch_spec;

/*
 * Creates a watch over c (lock held: the current state is captured atomically with the cursor).
 * When from_rv is older than the kept history the watch yields a single ERROR event with a 410
 * Expired Status, as the API server does. CAP_EINVALID for a bad selector (message worded for a
 * 400).
 */
int dd_watch_new(dd_watch **out, dd_cluster *c, const dd_watch_spec *spec);
/*
 * Appends the next events (at least one line) to out, waiting as needed. Returns false once the
 * stream is over (timeout, store closing, or history overrun), leaving out unchanged.
 */
bool dd_watch_read(dd_watch *w, cap_buf *out);
/* Asks a blocked reader to end; safe from any thread. */
void dd_watch_cancel(dd_watch *w);
void dd_watch_free(dd_watch *w);
