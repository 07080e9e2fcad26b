/* HTTP front on libmicrohttpd: one thread per connection, so watch streams may block for events. */
#include "drydock/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/log.h"
#include "base/time.h"
#include "drydock/faults.h"
#include "drydock/status.h"
#include "drydock/watch.h"

struct dd_server {
	struct MHD_Daemon *mhd;
	dd_cluster *cluster;
	char *token;
	dd_faults *faults;
	unsigned latency_ms;
	bool debug;
	uint16_t port;
	char *cert, *key;
};

typedef struct conn_ctx {
	cap_buf body;
	bool too_big;
} conn_ctx;

typedef struct stream {
	dd_watch *w;
	cap_buf pending;
	size_t off;
	dd_server *srv;
} stream;

#define MAX_BODY (64u << 20)

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	stream *st = cls;
	if (st->off == st->pending.len) {
		cap_buf_clear(&st->pending);
		st->off = 0;
		if (st->srv->faults && dd_faults_drop_watch(st->srv->faults))
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (!dd_watch_read(st->w, &st->pending))
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	size_t n = st->pending.len - st->off;
	if (n > max)
		n = max;
	memcpy(buf, st->pending.ptr + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	stream *st = cls;
	dd_watch_free(st->w);
	cap_buf_release(&st->pending);
	free(st);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	return v ? v : "";
}

typedef struct args_ctx {
	dd_query *q;
	cap_arena *arena;
	int rc;
	char bad[256];
} args_ctx;

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	args_ctx *a = cls;
	if (a->rc == 0 && dd_query_set(a->q, key, value, a->arena) < 0) {
		a->rc = -1;
		snprintf(a->bad, sizeof(a->bad), "%s", cap_error_last());
	}
	return MHD_YES;
}

static void log_request(dd_server *s, const dd_request *req, const dd_response *res,
			uint64_t start_ns)
{
	if (!s->debug && !cap_log_enabled(CAP_LOG_DEBUG))
		return;
	char status[16], bytes[32], ms[32];
	snprintf(status, sizeof(status), "%d", res->status);
	snprintf(bytes, sizeof(bytes), "%zu", res->body.len);
	snprintf(ms, sizeof(ms), "%.2f", (double)(cap_time_now_ns() - start_ns) / 1e6);
	cap_log(s->debug ? CAP_LOG_INFO : CAP_LOG_DEBUG, "request", "method", req->method, "path",
		req->path, "status", status, "bytes", bytes, "duration_ms", ms, "watch",
		res->watch ? "true" : "false", "agent", req->user_agent, (char *)0);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, dd_server *s, dd_response *res)
{
	struct MHD_Response *r;
	if (res->watch) {
		stream *st = cap_calloc(1, sizeof(*st));
		st->w = res->watch;
		st->srv = s;
		cap_buf_init(&st->pending);
		res->watch = NULL;
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, st,
						      stream_free);
	} else {
		size_t len;
		char *body = cap_buf_detach(&res->body, &len);
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	}
	MHD_add_response_header(r, "Content-Type", res->content_type);
	MHD_add_response_header(r, "Cache-Control", "no-cache, private");
	if (res->audit_id)
		MHD_add_response_header(r, "Audit-Id", res->audit_id);
	if (res->warning)
		MHD_add_response_header(r, "Warning", res->warning);
	if (res->status == 401)
		MHD_add_response_header(r, "Www-Authenticate", "Basic realm=\"kubernetes-master\"");
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, r);
	MHD_destroy_response(r);
	return ret;
}

static bool authorized(dd_server *s, const char *auth)
{
	if (!s->token)
		return true;
	if (strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	const char *t = auth + 7;
	size_t a = strlen(t), b = strlen(s->token);
	unsigned diff = (unsigned)(a ^ b);
	for (size_t i = 0; i < a && i < b; i++)
		diff |= (unsigned)(t[i] ^ s->token[i]);
	return diff == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	dd_server *s = cls;
	conn_ctx *ctx = *con_cls;
	if (!ctx) {
		ctx = cap_calloc(1, sizeof(*ctx));
		cap_buf_init(&ctx->body);
		*con_cls = ctx;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (ctx->body.len + *upload_data_size > MAX_BODY)
			ctx->too_big = true;
		else
			cap_buf_put(&ctx->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	uint64_t start = cap_time_now_ns();
	cap_arena arena;
	cap_arena_init(&arena, 0);
	dd_request req = {0};
	req.method = method;
	req.path = url;
	req.arena = &arena;
	req.content_type = header(conn, "Content-Type");
	req.accept = header(conn, "Accept");
	req.user_agent = header(conn, "User-Agent");
	req.authorization = header(conn, "Authorization");
	req.body = ctx->body.ptr;
	req.body_len = ctx->body.len;
	dd_query_init(&req.query);
	dd_response res;
	dd_response_init(&res);

	args_ctx a = {.q = &req.query, .arena = &arena};
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, each_arg, &a);
	if (!authorized(s, req.authorization)) {
		dd_status_error(&res, 401, "Unauthorized", "Unauthorized", NULL, NULL, NULL);
	} else if (ctx->too_big) {
		dd_status_error(&res, 413, "RequestEntityTooLarge",
				"Request entity too large: limit is 3145728", NULL, NULL, NULL);
	} else if (a.rc < 0) {
		dd_status_bad_request(&res, a.bad);
	} else if (s->faults && dd_faults_admin(s->faults, &req, &res)) {
		/* the runtime fault endpoint answered */
	} else if (!(s->faults && dd_faults_apply(s->faults, &req, &res))) {
		if (s->latency_ms)
			cap_time_sleep_ms(s->latency_ms);
		dd_api_handle(s->cluster, &req, &res);
	}
	log_request(s, &req, &res, start);
	enum MHD_Result ret = send_response(conn, s, &res);
	dd_response_release(&res);
	cap_arena_release(&arena);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	conn_ctx *ctx = *con_cls;
	if (!ctx)
		return;
	cap_buf_release(&ctx->body);
	free(ctx);
	*con_cls = NULL;
}

static int parse_listen(struct sockaddr_in *sa, const char *listen)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	if (!colon)
		return cap_error_set(CAP_EINVALID, "cannot parse listen address '%s'", listen);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	if (!*host || strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return cap_error_set(CAP_EINVALID, "cannot parse listen address '%s'", listen);
	return 0;
}

int dd_server_start(dd_server **out, dd_cluster *c, const dd_server_options *opts)
{
	struct sockaddr_in sa;
	int rc = parse_listen(&sa, opts->listen ? opts->listen : "127.0.0.1:0");
	if (rc < 0)
		return rc;
	dd_server *s = cap_calloc(1, sizeof(*s));
	s->cluster = c;
	s->token = opts->token ? cap_strdup(opts->token) : NULL;
	s->faults = opts->faults;
	s->latency_ms = opts->latency_ms;
	s->debug = opts->debug;
	/* poll rather than select, so descriptors above FD_SETSIZE still work */
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	if (opts->tls_cert && opts->tls_key) {
		flags |= MHD_USE_TLS;
		s->cert = cap_strdup(opts->tls_cert);
		s->key = cap_strdup(opts->tls_key);
		s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
					  (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED,
					  on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
					  (unsigned)0, MHD_OPTION_HTTPS_MEM_KEY, s->key,
					  MHD_OPTION_HTTPS_MEM_CERT, s->cert, MHD_OPTION_END);
	} else {
		s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
					  (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED,
					  on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
					  (unsigned)0, MHD_OPTION_END);
	}
	if (!s->mhd) {
		free(s->token);
		free(s->cert);
		free(s->key);
		free(s);
		return cap_error_set(CAP_EIO, "cannot listen on '%s'", opts->listen);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : ntohs(sa.sin_port);
	snprintf(c->server_address, sizeof(c->server_address), "%s:%u", inet_ntoa(sa.sin_addr),
		 s->port);
	*out = s;
	return 0;
}

uint16_t dd_server_port(const dd_server *s)
{
	return s->port;
}

void dd_server_stop(dd_server *s)
{
	if (!s)
		return;
	dd_cluster *c = s->cluster;
	dd_store_lock(&c->store);
	c->store.closing = true;
	pthread_cond_broadcast(&c->store.changed);
	dd_store_unlock(&c->store);
	MHD_stop_daemon(s->mhd);
	free(s->token);
	free(s->cert);
	free(s->key);
	free(s);
}
