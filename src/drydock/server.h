/* The HTTP front: libmicrohttpd serving a cluster, with bearer-token checks, fault injection and
 * watch streaming. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "drydock/cluster.h"

typedef struct dd_server dd_server;

typedef struct dd_server_options {
	const char *listen;   /* "127.0.0.1:0": host and port (0 picks a free one) */
	const char *token;    /* when set, every request needs "Authorization: Bearer <token>" */
	const char *tls_cert; /* PEM serving certificate and key: HTTPS when both are set */
	const char *tls_key;
	dd_faults *faults;   /* may be NULL; borrowed */
	unsigned latency_ms; /* added before every response */
	bool debug;	     /* one log line per request on stderr */
} dd_server_options;

/* Starts serving c (borrowed, must outlive the server). CAP_EIO naming the address on failure. */
int dd_server_start(dd_server **out, dd_cluster *c, const dd_server_options *opts);
/* The bound port. */
uint16_t dd_server_port(const dd_server *s);
/* Stops accepting, ends open watches, and frees the server. Accepts NULL. */
void dd_server_stop(dd_server *s);
