/* Helpers the kube/ files share: file reading, URL escaping and the discovery hook. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* Appends s percent-escaped for a URL path segment or query value. */
void cap_kube__url_escape(cap_buf *out, const char *s);
/* Frees s after overwriting it with zeros (secrets). Accepts NULL. */
void cap_kube__free_secret(char *s);

#include "kube/client.h"

/* A request as the kube/ files make it; see cap_kube__perform. */
typedef struct cap_kube__request {
	const char *method;
	const char *path; /* with query, escaped */
	const char *content_type;
	const char *body;
	size_t body_len;
	const char *accept;
	/* Streaming (watch): no overall timeout; each chunk of body goes to stream_fn instead of
	 * out->body, and a false return ends the transfer. */
	bool (*stream_fn)(void *ctx, const char *data, size_t len);
	void *stream_ctx;
	/* Streams only: give up after this long (0: never), against connections that die silently.
	 */
	unsigned stream_timeout_ms;
	/* Checked about every 100 ms while the transfer runs; true aborts it (CAP_ECANCELED). */
	bool (*cancel_fn)(void *ctx);
	void *cancel_ctx;
	/*
	 * When set, the request gets a connection of its own (not pooled), and socket_fn is told
	 * its descriptor once open and -1 just before it is closed (under no lock of the client),
	 * so another thread may shutdown(2) it to end a blocked stream at once.
	 */
	void (*socket_fn)(void *ctx, int fd);
	void *socket_ctx;
} cap_kube__request;

/*
 * Sends one request after taking a rate-limit token. 0 whenever the server answered (status
 * in out->status); CAP_EUNAVAILABLE, CAP_ETIMEOUT or CAP_ECANCELED otherwise.
 */
int cap_kube__perform(cap_kube_client *c, const cap_kube__request *req, cap_kube_response *out);
/*
 * Turns a non-2xx response into the typed error and message of client.h, recording the
 * thread's Status. Returns the (negative) code.
 */
int cap_kube__status_error(const cap_kube_response *r);
/* Records a successful request as the thread's Status (zero). */
void cap_kube__status_clear(void);
