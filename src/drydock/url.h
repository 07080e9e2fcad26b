/* Request addressing: splitting an API path into group, version, namespace, resource, name and
 * subresource, and the query options. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

/* What an API path names. Strings point into the arena given to dd_path_parse; absent parts are "".
 */
typedef struct dd_path {
	bool core; /* under /api (group "") rather than /apis */
	const char *group;
	const char *version; /* "" for /api and /apis/G */
	const char *ns;
	const char *resource; /* "" for a group-version root */
	const char *name;
	const char *subresource;
	bool watch_prefix; /* the deprecated /watch/ form */
} dd_path;

/*
 * Splits a decoded URL path under /api or /apis. CAP_ENOTFOUND for anything else or for a path
 * with too many segments; strings are copied into arena.
 */
int dd_path_parse(dd_path *out, const char *path, cap_arena *arena);

/* The query options the API server understands; unset strings are NULL, unset numbers -1. */
typedef struct dd_query {
	const char *label_selector;
	const char *field_selector;
	const char *resource_version;
	const char *resource_version_match;
	const char *cont; /* continue */
	const char *field_manager;
	const char *field_validation;
	const char *propagation_policy;
	const char *pretty;
	const char *include_object;
	int64_t limit;
	int64_t timeout_seconds;
	int64_t grace_period_seconds;
	bool watch;
	bool allow_watch_bookmarks;
	bool dry_run; /* dryRun=All */
	bool force;
	bool orphan_dependents_set;
	bool orphan_dependents;
	bool send_initial_events;
	bool verbose; /* health checks list themselves */
} dd_query;

void dd_query_init(dd_query *q);
/*
 * Records one decoded query parameter; value is copied into arena. CAP_EINVALID with the API
 * server's wording for a malformed number or an unknown dryRun value.
 */
int dd_query_set(dd_query *q, const char *key, const char *value, cap_arena *arena);
/* Parses a raw query string ("a=b&c=%20d"), percent-decoding keys and values. */
int dd_query_parse(dd_query *q, const char *raw, size_t len, cap_arena *arena);
/* Decodes %XX and '+' in place into a new arena string. */
char *dd_url_decode(const char *s, size_t len, cap_arena *arena);
