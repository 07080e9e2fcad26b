/* Watch streams over the store's event ring: initial state, resumption by resourceVersion,
 * bookmarks, timeouts. */
#include "drydock/watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/time.h"
#include "drydock/status.h"
#include "drydock/table.h"

#define BOOKMARK_EVERY_MS 10000
#define MAX_BATCH	  256

struct dd_watch {
	dd_cluster *c;
	char *bucket, *api_version, *kind, *ns, *name;
	cap_arena arena;
	dd_selector labels, fields;
	uint64_t seq;
	cap_vec initial; /* dd_obj references still to send as ADDED */
	size_t initial_pos;
	bool initial_end_bookmark;
	bool expired;
	uint64_t expired_asked, expired_have;
	bool done;
	bool bookmarks;
	bool cancel;
	uint64_t deadline_ns;
	uint64_t last_send_ns;
	char *table;
	int table_include;
	bool columns_sent;
	dd_rtype type; /* the fields Table rows read, owned */
};

static bool matches(dd_watch *w, const dd_obj *o)
{
	if (*w->ns && strcmp(o->ns, w->ns) != 0)
		return false;
	if (*w->name && strcmp(o->name, w->name) != 0)
		return false;
	return dd_selector_match_labels(&w->labels, o->v) &&
	       dd_selector_match_fields(&w->fields, o->v);
}

int dd_watch_new(dd_watch **out, dd_cluster *c, const dd_watch_spec *spec)
{
	dd_watch *w = cap_calloc(1, sizeof(*w));
	cap_arena_init(&w->arena, 0);
	int rc = dd_selector_parse_labels(&w->labels, spec->label_selector, &w->arena);
	if (rc == 0)
		rc = dd_selector_parse_fields(&w->fields, spec->field_selector, &w->arena);
	if (rc < 0) {
		cap_arena_release(&w->arena);
		free(w);
		return rc;
	}
	w->c = c;
	w->bucket = cap_strdup(spec->bucket);
	w->api_version = cap_strdup(spec->api_version);
	w->kind = cap_strdup(spec->kind);
	w->ns = cap_strdup(spec->ns ? spec->ns : "");
	w->name = cap_strdup(spec->name ? spec->name : "");
	w->bookmarks = spec->bookmarks;
	if (spec->table && spec->type) {
		w->table = cap_strdup(spec->table);
		w->table_include = spec->table_include;
		w->type.group = cap_strdup(spec->type->group);
		w->type.version = cap_strdup(spec->type->version);
		w->type.resource = cap_strdup(spec->type->resource);
		w->type.kind = cap_strdup(spec->type->kind);
		w->type.crd = spec->type->crd;
		w->type.printer_columns = cap_value_ref(spec->type->printer_columns);
	}
	uint64_t now = cap_time_now_ns();
	int64_t t = spec->timeout_s > 0 ? spec->timeout_s : 1800 + (int64_t)(now % 1800);
	w->deadline_ns = now + (uint64_t)t * 1000000000ull;
	w->last_send_ns = now;

	dd_store *s = &c->store;
	if (spec->initial_state || spec->from_rv == 0) {
		cap_vec all = CAP_VEC_INIT;
		dd_store_list(s, w->bucket, w->ns, NULL, &all);
		for (size_t i = 0; i < all.len; i++)
			if (matches(w, all.items[i]))
				cap_vec_push(&w->initial, dd_obj_ref(all.items[i]));
		cap_vec_release(&all);
		w->seq = s->next_seq;
		w->initial_end_bookmark = spec->initial_state && spec->bookmarks;
	} else if (!dd_store_seq_after(s, spec->from_rv, &w->seq)) {
		w->expired = true;
		w->expired_asked = spec->from_rv;
		w->expired_have = s->expired_rv + 1;
	}
	*out = w;
	return 0;
}

static void write_event(dd_watch *w, cap_buf *out, const char *type, const dd_obj *o)
{
	cap_buf_printf(out, "{\"type\":\"%s\",\"object\":", type);
	if (w->table) {
		dd_table_begin(out, &w->type, w->table, o->rv, NULL, 0, !w->columns_sent);
		w->columns_sent = true;
		dd_table_row(out, &w->type, o, (dd_table_object)w->table_include, w->api_version);
		dd_table_end(out);
	} else {
		dd_obj_write(out, o, w->api_version);
	}
	cap_buf_puts(out, "}\n");
}

static void write_bookmark(dd_watch *w, cap_buf *out, uint64_t rv, bool initial_end)
{
	cap_buf_printf(out,
		       "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":\"%s\","
		       "\"metadata\":{\"resourceVersion\":\"%llu\"",
		       w->kind, w->api_version, (unsigned long long)rv);
	if (initial_end)
		cap_buf_puts(out, ",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}");
	cap_buf_puts(out, ",\"creationTimestamp\":null}}}\n");
}

bool dd_watch_read(dd_watch *w, cap_buf *out)
{
	dd_store *s = &w->c->store;
	bool wrote = false;
	dd_store_lock(s);
	for (;;) {
		if (w->done || w->cancel || s->closing)
			break;
		if (w->expired) {
			char msg[128];
			snprintf(msg, sizeof(msg), "too old resource version: %llu (%llu)",
				 (unsigned long long)w->expired_asked,
				 (unsigned long long)w->expired_have);
			dd_response r;
			dd_response_init(&r);
			dd_status_error(&r, 410, "Expired", msg, NULL, NULL, NULL);
			cap_buf_puts(out, "{\"type\":\"ERROR\",\"object\":");
			cap_buf_put(out, r.body.ptr, r.body.len);
			cap_buf_puts(out, "}\n");
			dd_response_release(&r);
			w->done = true;
			wrote = true;
			break;
		}
		if (w->initial_pos < w->initial.len) {
			for (size_t n = 0; n < MAX_BATCH && w->initial_pos < w->initial.len; n++) {
				dd_obj *o = w->initial.items[w->initial_pos++];
				write_event(w, out, "ADDED", o);
				dd_obj_unref(o);
			}
			if (w->initial_pos == w->initial.len && w->initial_end_bookmark)
				write_bookmark(w, out, s->rv, true);
			wrote = true;
			break;
		}
		if (w->seq < s->first_seq) {
			/* the history moved past this watcher: end it so the client relists */
			w->expired = true;
			w->expired_asked = 0;
			w->expired_have = s->expired_rv + 1;
			continue;
		}
		for (size_t n = 0; n < MAX_BATCH && w->seq < s->next_seq; n++, w->seq++) {
			dd_event *e = dd_store_event(s, w->seq);
			if (!e || strcmp(e->obj->bucket, w->bucket) != 0)
				continue;
			static const char *const names[] = {"ADDED", "MODIFIED", "DELETED"};
			const char *type = names[e->type];
			bool now_in = matches(w, e->obj);
			if (e->type == DD_MODIFIED && e->prev) {
				/* objects entering or leaving the selection are added or deleted */
				bool was_in = matches(w, e->prev);
				if (!now_in && !was_in)
					continue;
				if (now_in && !was_in)
					type = "ADDED";
				else if (!now_in)
					type = "DELETED";
			} else if (!now_in) {
				continue;
			}
			write_event(w, out, type, e->obj);
			wrote = true;
		}
		if (wrote)
			break;
		uint64_t now = cap_time_now_ns();
		if (now >= w->deadline_ns) {
			w->done = true;
			break;
		}
		if (w->bookmarks && now - w->last_send_ns >= BOOKMARK_EVERY_MS * 1000000ull) {
			write_bookmark(w, out, s->rv, false);
			wrote = true;
			break;
		}
		uint64_t wake = w->deadline_ns;
		if (w->bookmarks && w->last_send_ns + BOOKMARK_EVERY_MS * 1000000ull < wake)
			wake = w->last_send_ns + BOOKMARK_EVERY_MS * 1000000ull;
		if (wake > now + 1000000000ull)
			wake = now + 1000000000ull;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t abs_ns =
		    (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + (wake - now);
		ts.tv_sec = (time_t)(abs_ns / 1000000000ull);
		ts.tv_nsec = (long)(abs_ns % 1000000000ull);
		pthread_cond_timedwait(&s->changed, &s->lock, &ts);
	}
	if (wrote)
		w->last_send_ns = cap_time_now_ns();
	dd_store_unlock(s);
	return wrote;
}

void dd_watch_cancel(dd_watch *w)
{
	dd_store *s = &w->c->store;
	dd_store_lock(s);
	w->cancel = true;
	pthread_cond_broadcast(&s->changed);
	dd_store_unlock(s);
}

void dd_watch_free(dd_watch *w)
{
	if (!w)
		return;
	dd_store_lock(&w->c->store);
	for (size_t i = w->initial_pos; i < w->initial.len; i++)
		dd_obj_unref(w->initial.items[i]);
	dd_store_unlock(&w->c->store);
	cap_vec_release(&w->initial);
	cap_arena_release(&w->arena);
	free(w->bucket);
	free(w->api_version);
	free(w->kind);
	free(w->ns);
	free(w->name);
	free(w->table);
	free(w->type.group);
	free(w->type.version);
	free(w->type.resource);
	free(w->type.kind);
	cap_value_free(w->type.printer_columns);
	free(w);
}
