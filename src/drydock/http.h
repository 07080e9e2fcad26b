/* One HTTP exchange as the API layer sees it, independent of the HTTP library underneath. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "drydock/url.h"

typedef struct dd_watch dd_watch;

/* A request: every string lives in arena (or in the server's connection) for the request's life. */
typedef struct dd_request {
	const char *method;
	const char *path;
	dd_query query;
	const char *content_type; /* "" when absent */
	const char *accept;
	const char *user_agent;
	const char *authorization;
	const char *remote; /* client address, for logs */
	const char *body;
	size_t body_len;
	cap_arena *arena;
} dd_request;

/*
 * A response: either a complete body, or a watch stream when watch is set (the server then
 * pulls events from it until it ends, and frees it with dd_watch_free).
 */
typedef struct dd_response {
	int status;
	const char *content_type; /* static or arena string */
	cap_buf body;
	dd_watch *watch;
	const char *warning; /* a Warning header value, or NULL */
	const char *audit_id;
} dd_response;

void dd_response_init(dd_response *res);
void dd_response_release(dd_response *res);
/* Sets a JSON body (copied) with status. */
void dd_response_json(dd_response *res, int status, const char *json, size_t len);
