/* The manifest cache: rendered objects by (repository, commit, path, options), LRU by bytes,
 * optional Redis. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "render/render.h"
#include "value/value.h"

/*
 * One cache serves every application of a repo-server; all functions are thread-safe and the
 * lock is held only for lookups and insertions, never while rendering, so renders of one commit
 * run in parallel. Entries are kept as compact JSON and accounted by their size; the least
 * recently used go first when max_bytes is exceeded. With a Redis address, entries are also
 * written to and read from Redis (RESP over TCP, keys "capstan|mfst|…" with a 24 h expiry), so
 * several repo-servers share renders; Redis failures only cost a render, never an error.
 */
typedef struct cap_render_cache cap_render_cache;

typedef struct cap_render_cache_options {
	size_t max_bytes;	    /* local budget; 0: 256 MiB */
	const char *redis_host;	    /* NULL: no Redis */
	int redis_port;		    /* 6379 when 0 */
	const char *redis_username; /* ACL user (Redis 6+); may be NULL */
	const char *redis_password; /* AUTH password; NULL: none */
	int redis_timeout_ms;	    /* per command; 0: 1000 */
	unsigned redis_ttl_s;	    /* 0: 86400 */
} cap_render_cache_options;

typedef struct cap_render_cache_stats {
	unsigned long hits;	  /* answered from memory */
	unsigned long redis_hits; /* answered from Redis */
	unsigned long misses;	  /* rendered */
	unsigned long joined;	  /* waited for the same render already running */
	unsigned long evictions;
	unsigned long redis_errors;
	size_t bytes; /* accounted bytes held in memory */
	size_t entries;
} cap_render_cache_stats;

/* opts may be NULL for defaults. Connects to Redis lazily, on first use. Free with _free. */
int cap_render_cache_new(cap_render_cache **out, const cap_render_cache_options *opts);
/* Accepts NULL. */
void cap_render_cache_free(cap_render_cache *c);

/*
 * The cache key of a render: repository URL, commit, path (or chart) and a stable hash of every
 * option that changes the output (the whole source, app name, destination namespace, tracking,
 * label key, Kubernetes version and API versions, multi-source references).
 */
void cap_render_cache_key(cap_buf *out, const cap_render_request *req, const char *commit);

/* A copy of the cached objects for key into *out (new reference); CAP_ENOTFOUND on a miss. */
int cap_render_cache_get(cap_value **out, cap_render_cache *c, const char *key);
/* Stores objs (an array; not kept, it is serialised) under key, evicting as needed. */
void cap_render_cache_put(cap_render_cache *c, const char *key, const cap_value *objs);
/* Forgets key locally and in Redis. */
void cap_render_cache_remove(cap_render_cache *c, const char *key);

/*
 * Returns the objects for req at commit from the cache, or renders and stores them. A hard
 * refresh renders even when cached (and replaces the entry). Failed renders are not cached.
 * Callers asking for a key whose render is running wait for that render and share its result
 * or error, so one commit is rendered once however many reconciles ask; different keys render
 * in parallel, with no lock held while a render runs.
 * *out is a new reference the caller owns. *hit (may be NULL) says whether no render ran.
 */
int cap_render_cache_render(cap_value **out, bool *hit, cap_render_cache *c,
			    const cap_render_request *req, const char *commit, bool hard_refresh);

void cap_render_cache_stats_get(cap_render_cache *c, cap_render_cache_stats *out);
