/* A minimal Redis client for the manifest cache: GET, SET with expiry and DEL over RESP. */
#pragma once

#include <stddef.h>

#include "base/buf.h"

typedef struct cap_redis cap_redis;

/* Nothing connects until the first command. Free with cap_redis_free. */
cap_redis *cap_redis_new(const char *host, int port, int timeout_ms);
/* Accepts NULL. */
void cap_redis_free(cap_redis *r);
/*
 * Credentials sent with AUTH on every new connection (username may be NULL for Redis before 6).
 * Copied; never part of any message. A refused AUTH is CAP_EAUTH.
 */
void cap_redis_set_auth(cap_redis *r, const char *username, const char *password);

/*
 * Each command opens the connection when needed and drops it after any error, so the next one
 * reconnects. Not thread-safe: the cache serialises calls. Errors: CAP_EUNAVAILABLE (cannot
 * connect, closed), CAP_ETIMEOUT, CAP_EIO (protocol), CAP_EGENERIC (an error reply).
 */
/* Appends the value to out; CAP_ENOTFOUND for a missing key. */
int cap_redis_get(cap_redis *r, cap_buf *out, const char *key);
int cap_redis_set(cap_redis *r, const char *key, const char *value, size_t len, unsigned ttl_s);
int cap_redis_del(cap_redis *r, const char *key);
