/* The REST client on libcurl: a handle pool, a token-bucket rate limiter and typed Status errors.
 */
#include "kube/client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/time.h"
#include "kube/discovery.h"
#include "kube/internal.h"
#include "value/json.h"
#include "version.h"

#define TOKEN_FILE_REFRESH_MS 60000

struct cap_kube_client {
	cap_kube_config cfg;
	char *base_url;	  /* scheme://host:port, without a trailing slash */
	char *connect_to; /* CURLOPT_CONNECT_TO entry when tls_server_name differs */
	char *user_agent;
	unsigned timeout_ms, connect_timeout_ms;

	pthread_mutex_t lock; /* pool, token, discovery */
	CURL **pool;
	size_t pool_len, pool_cap;
	uint64_t token_read_ms;
	cap_kube_discovery *discovery;

	pthread_mutex_t rate_lock;
	pthread_cond_t rate_wake; /* CLOCK_MONOTONIC; broadcast by cap_kube_client_close */
	double qps;		  /* <= 0: unlimited */
	double burst;
	double tokens;
	uint64_t refill_ns;

	atomic_uint_fast64_t requests;
	atomic_uint_fast64_t throttled_ns;
	atomic_uint_fast64_t close_at_ns; /* monotonic; 0 while open (cap_kube_client_close) */
};

/* Nanoseconds left before the client closes: UINT64_MAX while open, 0 once closed. */
static uint64_t until_close_ns(cap_kube_client *c)
{
	uint64_t at = atomic_load(&c->close_at_ns);
	if (!at)
		return UINT64_MAX;
	uint64_t now = cap_time_now_ns();
	return now >= at ? 0 : at - now;
}

static _Thread_local cap_kube_status last_status;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
}

void cap_kube_last_status(cap_kube_status *out)
{
	*out = last_status;
}

void cap_kube__status_clear(void)
{
	memset(&last_status, 0, sizeof(last_status));
}

void cap_kube_response_release(cap_kube_response *r)
{
	if (!r)
		return;
	cap_buf_release(&r->body);
	r->status = 0;
	r->content_type[0] = '\0';
}

/* Splits server into a base URL, and a connect-to rule when the TLS name must differ. */
static int parse_server(cap_kube_client *c)
{
	const char *s = c->cfg.server;
	const char *p = strstr(s, "://");
	if (!p || (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0))
		return cap_error_set(CAP_EINVALID, "server '%s' is not an http(s) URL", s);
	size_t len = strlen(s);
	while (len > 0 && s[len - 1] == '/')
		len--;
	c->base_url = cap_strndup(s, len);
	if (c->cfg.tls_server_name && strncmp(s, "https://", 8) == 0) {
		const char *host = s + 8;
		size_t hlen = strcspn(host, "/");
		char *hostport = cap_strndup(host, hlen);
		char *colon = hostport[0] == '[' ? strstr(hostport, "]:") : strrchr(hostport, ':');
		if (colon && hostport[0] == '[')
			colon++;
		const char *port = colon ? colon + 1 : "443";
		if (colon)
			*colon = '\0';
		char *hostname = hostport;
		cap_buf b = CAP_BUF_INIT;
		cap_buf_printf(&b, "%s:%s:%s:%s", c->cfg.tls_server_name, port, hostname, port);
		c->connect_to = cap_buf_detach(&b, NULL);
		cap_buf_printf(&b, "https://%s:%s%.*s", c->cfg.tls_server_name, port,
			       (int)(len - 8 - hlen), host + hlen);
		free(c->base_url);
		c->base_url = cap_buf_detach(&b, NULL);
		free(hostport);
	}
	return 0;
}

int cap_kube_client_new(cap_kube_client **out, const cap_kube_config *config,
			const cap_kube_client_options *opts)
{
	static const cap_kube_client_options none;
	if (!opts)
		opts = &none;
	if (!config->server || !*config->server)
		return cap_error_set(CAP_EINVALID, "cluster configuration has no server");
	pthread_once(&curl_once, curl_init_once);
	cap_kube_client *c = cap_calloc(1, sizeof(*c));
	cap_kube_config_init(&c->cfg);
	cap_kube_config_copy(&c->cfg, config);
	int rc = parse_server(c);
	if (rc) {
		cap_kube_client_free(c);
		return rc;
	}
	c->user_agent = cap_strdup(opts->user_agent ? opts->user_agent : "capstan/" CAP_VERSION);
	c->timeout_ms = opts->timeout_ms ? opts->timeout_ms : 60000;
	c->connect_timeout_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms : 10000;
	c->qps = opts->qps == 0 ? 200 : opts->qps;
	c->burst = opts->burst ? opts->burst : (opts->qps > 0 ? opts->qps * 2 : 400);
	if (c->burst < 1)
		c->burst = 1;
	c->tokens = c->burst;
	c->refill_ns = cap_time_now_ns();
	c->token_read_ms = cap_time_now_ms();
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->rate_lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->rate_wake, &attr);
	pthread_condattr_destroy(&attr);
	*out = c;
	return 0;
}

void cap_kube_client_free(cap_kube_client *c)
{
	if (!c)
		return;
	cap_kube_discovery_free(c->discovery);
	for (size_t i = 0; i < c->pool_len; i++)
		curl_easy_cleanup(c->pool[i]);
	free(c->pool);
	if (c->base_url) {
		pthread_mutex_destroy(&c->lock);
		pthread_mutex_destroy(&c->rate_lock);
		pthread_cond_destroy(&c->rate_wake);
	}
	cap_kube_config_release(&c->cfg);
	free(c->base_url);
	free(c->connect_to);
	free(c->user_agent);
	free(c);
}

void cap_kube_client_close(cap_kube_client *c, uint64_t grace_ms)
{
	uint64_t at = cap_time_now_ns() + grace_ms * 1000000ULL;
	pthread_mutex_lock(&c->rate_lock);
	uint64_t cur = atomic_load(&c->close_at_ns);
	if (!cur || at < cur)
		atomic_store(&c->close_at_ns, at ? at : 1);
	pthread_cond_broadcast(&c->rate_wake);
	pthread_mutex_unlock(&c->rate_lock);
}

bool cap_kube_client_closing(cap_kube_client *c)
{
	return atomic_load(&c->close_at_ns) != 0;
}

const cap_kube_config *cap_kube_client_config(const cap_kube_client *c)
{
	return &c->cfg;
}

cap_kube_discovery *cap_kube_client_discovery(cap_kube_client *c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->discovery)
		cap_kube_discovery_new(&c->discovery, c);
	cap_kube_discovery *d = c->discovery;
	pthread_mutex_unlock(&c->lock);
	return d;
}

void cap_kube_client_stats_get(cap_kube_client *c, cap_kube_client_stats *out)
{
	out->requests = atomic_load(&c->requests);
	out->throttled_ns = atomic_load(&c->throttled_ns);
}

/* Takes one token, sleeping until the bucket has one (reservations may drive it negative). */
static void rate_wait(cap_kube_client *c)
{
	if (c->qps <= 0)
		return;
	pthread_mutex_lock(&c->rate_lock);
	uint64_t now = cap_time_now_ns();
	c->tokens += (double)(now - c->refill_ns) * c->qps / 1e9;
	if (c->tokens > c->burst)
		c->tokens = c->burst;
	c->refill_ns = now;
	c->tokens -= 1;
	double deficit = c->tokens < 0 ? -c->tokens : 0;
	if (deficit > 0) {
		uint64_t wait_ns = (uint64_t)(deficit / c->qps * 1e9);
		atomic_fetch_add(&c->throttled_ns, wait_ns);
		/* sleeps until the token is due, or until the client closes if that is sooner */
		uint64_t end = now + wait_ns, left;
		while ((now = cap_time_now_ns()) < end && (left = until_close_ns(c))) {
			uint64_t at = end - now < left ? end : now + left;
			struct timespec ts = {(time_t)(at / 1000000000u), (long)(at % 1000000000u)};
			pthread_cond_timedwait(&c->rate_wake, &c->rate_lock, &ts);
		}
	}
	pthread_mutex_unlock(&c->rate_lock);
}

static CURL *handle_take(cap_kube_client *c)
{
	pthread_mutex_lock(&c->lock);
	CURL *h = c->pool_len ? c->pool[--c->pool_len] : NULL;
	pthread_mutex_unlock(&c->lock);
	return h ? h : curl_easy_init();
}

static void handle_give(cap_kube_client *c, CURL *h)
{
	curl_easy_reset(h); /* keeps the connection cache and TLS sessions */
	pthread_mutex_lock(&c->lock);
	if (c->pool_len == c->pool_cap) {
		c->pool_cap = c->pool_cap ? c->pool_cap * 2 : 8;
		c->pool = cap_realloc(c->pool, c->pool_cap * sizeof(*c->pool));
	}
	c->pool[c->pool_len++] = h;
	pthread_mutex_unlock(&c->lock);
}

/* The bearer token, re-read from token_file about once a minute; a malloc'd copy or NULL. */
static char *current_token(cap_kube_client *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->cfg.token_file && cap_time_now_ms() - c->token_read_ms > TOKEN_FILE_REFRESH_MS) {
		cap_buf b = CAP_BUF_INIT;
		if (cap_buf_read_file(&b, c->cfg.token_file) == 0) {
			while (b.len && (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r'))
				cap_buf_truncate(&b, b.len - 1);
			cap_kube__free_secret(c->cfg.token);
			c->cfg.token = cap_buf_detach(&b, NULL);
		} else {
			cap_error_clear(); /* keep the token we have */
		}
		cap_buf_release(&b);
		c->token_read_ms = cap_time_now_ms();
	}
	char *t = c->cfg.token ? cap_strdup(c->cfg.token) : NULL;
	pthread_mutex_unlock(&c->lock);
	return t;
}

typedef struct transfer {
	cap_kube_client *c;
	const cap_kube__request *req;
	cap_kube_response *out;
	bool stopped_by_stream;
} transfer;

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	transfer *t = arg;
	size_t len = size * n;
	if (t->req->stream_fn && t->out->status == 0) {
		/* the status line is known once the body starts: stream only successful bodies */
		if (!t->req->stream_fn(t->req->stream_ctx, data, len)) {
			t->stopped_by_stream = true;
			return 0;
		}
		return len;
	}
	cap_buf_put(&t->out->body, data, len);
	return len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	transfer *t = arg;
	if (!until_close_ns(t->c))
		return 1;
	if (t->req->cancel_fn && t->req->cancel_fn(t->req->cancel_ctx))
		return 1;
	return 0;
}

/* For streams: the status code must be known before deciding where body bytes go. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	transfer *t = arg;
	size_t len = size * n;
	if (len > 5 && memcmp(data, "HTTP/", 5) == 0) {
		const char *sp = memchr(data, ' ', len);
		long code = sp ? strtol(sp + 1, NULL, 10) : 0;
		/* 0 while successful so on_body streams; the real status is read after the transfer
		 */
		t->out->status = code >= 200 && code < 300 ? 0 : code;
	}
	return len;
}

static curl_socket_t on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	transfer *t = arg;
	curl_socket_t fd = socket(a->family, a->socktype, a->protocol);
	if (fd != CURL_SOCKET_BAD)
		t->req->socket_fn(t->req->socket_ctx, fd);
	return fd;
}

static int on_close_socket(void *arg, curl_socket_t fd)
{
	transfer *t = arg;
	t->req->socket_fn(t->req->socket_ctx, -1);
	return close(fd);
}

/* capped: the request's time limit was the end of the close grace, so its timeout is a stop */
static int transport_error(cap_kube_client *c, CURLcode rc, const char *errbuf, bool capped)
{
	cap_kube__status_clear();
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_ABORTED_BY_CALLBACK || !until_close_ns(c) ||
	    (capped && rc == CURLE_OPERATION_TIMEDOUT))
		return cap_error_set(CAP_ECANCELED, "request to '%s' was stopped", c->cfg.server);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return cap_error_set(CAP_ETIMEOUT, "request to '%s' timed out: %s", c->cfg.server,
				     why);
	return cap_error_set(CAP_EUNAVAILABLE, "cannot reach '%s': %s", c->cfg.server, why);
}

int cap_kube__perform(cap_kube_client *c, const cap_kube__request *req, cap_kube_response *out)
{
	rate_wait(c);
	uint64_t left_ns = until_close_ns(c);
	if (!left_ns) {
		cap_kube__status_clear();
		return cap_error_set(CAP_ECANCELED, "request to '%s' was stopped: shutting down",
				     c->cfg.server);
	}
	atomic_fetch_add(&c->requests, 1);
	CURL *h = handle_take(c);
	if (!h)
		return cap_error_set(CAP_EUNAVAILABLE, "cannot make an HTTP handle");
	cap_buf url = CAP_BUF_INIT;
	cap_buf_printf(&url, "%s%s", c->base_url, req->path);
	struct curl_slist *hdrs = NULL;
	cap_buf line = CAP_BUF_INIT;
	cap_buf_printf(&line, "Accept: %s", req->accept ? req->accept : "application/json");
	hdrs = curl_slist_append(hdrs, line.ptr);
	if (req->content_type) {
		cap_buf_clear(&line);
		cap_buf_printf(&line, "Content-Type: %s", req->content_type);
		hdrs = curl_slist_append(hdrs, line.ptr);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	char *token = current_token(c);
	if (token) {
		cap_buf_clear(&line);
		cap_buf_printf(&line, "Authorization: Bearer %s", token);
		hdrs = curl_slist_append(hdrs, line.ptr);
		explicit_bzero(line.ptr, line.len);
		cap_kube__free_secret(token);
	}
	cap_buf_release(&line);
	struct curl_slist *connect_to = NULL;

	transfer t = {c, req, out, false};
	cap_buf_init(&out->body);
	out->status = 0;
	out->content_type[0] = '\0';
	char errbuf[CURL_ERROR_SIZE] = "";

	curl_easy_setopt(h, CURLOPT_URL, url.ptr);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "GET") == 0)
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	else if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (req->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
	uint64_t limit_ms = req->stream_fn ? req->stream_timeout_ms : c->timeout_ms;
	bool capped = left_ns != UINT64_MAX && (!limit_ms || left_ns / 1000000 + 1 < limit_ms);
	if (capped)
		limit_ms = left_ns / 1000000 + 1; /* closing: no later than the end of the grace */
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)limit_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
	if (req->stream_fn) {
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
	}
	/* the client may close while the transfer runs: checked at least once a second */
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
	if (req->socket_fn) {
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
		curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
		curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
		curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, &t);
	}
	if (c->cfg.insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->cfg.ca_pem) {
		struct curl_blob blob = {c->cfg.ca_pem, strlen(c->cfg.ca_pem), CURL_BLOB_NOCOPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (c->cfg.cert_pem && c->cfg.key_pem) {
		struct curl_blob cert = {c->cfg.cert_pem, strlen(c->cfg.cert_pem),
					 CURL_BLOB_NOCOPY};
		struct curl_blob key = {c->cfg.key_pem, strlen(c->cfg.key_pem), CURL_BLOB_NOCOPY};
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (c->cfg.username && !c->cfg.token) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, c->cfg.username);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->cfg.password ? c->cfg.password : "");
	}
	if (c->cfg.proxy_url)
		curl_easy_setopt(h, CURLOPT_PROXY, c->cfg.proxy_url);
	if (c->connect_to) {
		connect_to = curl_slist_append(NULL, c->connect_to);
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
	}

	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	char *ct = NULL;
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	if (ct)
		snprintf(out->content_type, sizeof(out->content_type), "%s", ct);
	int rc = 0;
	if (t.stopped_by_stream) {
		out->status = status;
	} else if (cc != CURLE_OK && !(req->stream_fn && status >= 200 && status < 300 &&
				       (cc == CURLE_PARTIAL_FILE || cc == CURLE_RECV_ERROR ||
					cc == CURLE_HTTP2_STREAM || cc == CURLE_GOT_NOTHING))) {
		rc = transport_error(c, cc, errbuf, capped);
	} else {
		out->status = status;
	}
	curl_slist_free_all(hdrs);
	curl_slist_free_all(connect_to);
	cap_buf_release(&url);
	if (rc || req->socket_fn) {
		/* a handle whose transfer failed may hold a broken connection: start afresh; one
		 * with private socket callbacks must not be reused by others either */
		curl_easy_cleanup(h);
		if (rc)
			cap_buf_release(&out->body);
	} else {
		handle_give(c, h);
	}
	return rc;
}

int cap_kube__status_error(const cap_kube_response *r)
{
	cap_kube_status st = {.code = r->status};
	cap_value *v = NULL;
	const char *message = NULL;
	if (r->body.len && cap_json_parse(&v, r->body.ptr, r->body.len, NULL, NULL) == 0 &&
	    cap_value_is_object(v)) {
		const char *kind = cap_value_get_string(cap_value_object_get(v, "kind"));
		if (kind && strcmp(kind, "Status") == 0) {
			message = cap_value_get_string(cap_value_object_get(v, "message"));
			const char *reason =
			    cap_value_get_string(cap_value_object_get(v, "reason"));
			if (reason)
				snprintf(st.reason, sizeof(st.reason), "%s", reason);
		}
	}
	cap_error_clear();
	int code;
	switch (r->status) {
	case 400:
	case 422:
		code = CAP_EINVALID;
		break;
	case 401:
		code = CAP_EAUTH;
		break;
	case 403:
		code = CAP_EPERM;
		break;
	case 404:
		code = CAP_ENOTFOUND;
		break;
	case 409:
		code = strcmp(st.reason, "AlreadyExists") == 0 ? CAP_EEXISTS : CAP_ECONFLICT;
		break;
	case 410:
		code = CAP_ECONFLICT;
		break;
	case 415:
		code = CAP_EUNSUPPORTED;
		break;
	case 429:
		code = CAP_EUNAVAILABLE;
		break;
	default:
		code = r->status >= 500 ? CAP_EUNAVAILABLE : CAP_EGENERIC;
	}
	if (message && *message) {
		cap_error_set(code, "%s", message);
	} else {
		int n = (int)(r->body.len > 200 ? 200 : r->body.len);
		if (r->status == 401 && !n)
			cap_error_set(code, "Unauthorized");
		else
			cap_error_set(code, "the server responded with status %ld: %.*s", r->status,
				      n, r->body.ptr);
	}
	cap_value_free(v);
	last_status = st;
	return code;
}

int cap_kube_request(cap_kube_client *c, cap_kube_response *out, const char *method,
		     const char *path, const char *content_type, const char *body, size_t body_len,
		     const char *accept)
{
	cap_kube__request req = {.method = method,
				 .path = path,
				 .content_type = content_type,
				 .body = body,
				 .body_len = body_len,
				 .accept = accept};
	return cap_kube__perform(c, &req, out);
}

/* Sends a request expecting a JSON answer; non-2xx become typed errors. *out may be NULL. */
static int json_call(cap_kube_client *c, cap_value **out, const char *method, const char *path,
		     const char *content_type, const cap_value *body)
{
	char *text = body ? cap_json_to_string(body, CAP_JSON_COMPACT) : NULL;
	cap_kube_response r;
	int rc = cap_kube_request(c, &r, method, path, content_type, text, text ? strlen(text) : 0,
				  NULL);
	free(text);
	if (rc)
		return rc;
	if (r.status < 200 || r.status >= 300) {
		rc = cap_kube__status_error(&r);
		cap_kube_response_release(&r);
		return rc;
	}
	cap_kube__status_clear();
	if (out) {
		cap_value *v = NULL;
		rc = cap_json_parse(&v, r.body.ptr, r.body.len, path, NULL);
		if (rc == 0)
			*out = v;
	}
	cap_kube_response_release(&r);
	return rc;
}

int cap_kube_get_path(cap_kube_client *c, cap_value **out, const char *path)
{
	return json_call(c, out, "GET", path, NULL, NULL);
}

int cap_kube_key_path(cap_buf *out, const cap_kube_key *key)
{
	if (!key->resource[0])
		return cap_error_set(CAP_EINVALID, "no resource known for kind '%s'", key->kind);
	if (key->group[0])
		cap_buf_printf(out, "/apis/%s/%s", key->group, key->version);
	else
		cap_buf_printf(out, "/api/%s", key->version);
	if (key->namespace[0]) {
		cap_buf_puts(out, "/namespaces/");
		cap_kube__url_escape(out, key->namespace);
	}
	cap_buf_printf(out, "/%s", key->resource);
	if (key->name[0]) {
		cap_buf_putc(out, '/');
		cap_kube__url_escape(out, key->name);
	}
	return 0;
}

int cap_kube_resolve(cap_kube_client *c, cap_kube_key *key, const char *default_namespace)
{
	if (key->resource[0])
		return 0;
	cap_kube_api_resource r;
	cap_kube_api_resource_init(&r);
	int rc = cap_kube_discovery_find_kind(cap_kube_client_discovery(c), &r, key->group,
					      key->version, key->kind);
	if (rc) {
		cap_kube_api_resource_release(&r);
		return rc;
	}
	cap_kube_key_set_member(&key->resource, r.resource);
	if (!key->version[0])
		cap_kube_key_set_member(&key->version, r.version);
	if (!r.namespaced)
		cap_kube_key_set_member(&key->namespace, "");
	else if (!key->namespace[0] && key->name[0])
		cap_kube_key_set_member(&key->namespace,
					default_namespace ? default_namespace : c->cfg.namespace);
	cap_kube_api_resource_release(&r);
	return 0;
}

/* A resolved copy of key and its path, for the operations below. */
static int key_target(cap_kube_client *c, cap_kube_key *k, cap_buf *path, const cap_kube_key *key,
		      const char *default_namespace, const char *subresource)
{
	cap_kube_key_copy(k, key);
	int rc = cap_kube_resolve(c, k, default_namespace);
	if (!rc)
		rc = cap_kube_key_path(path, k);
	if (!rc && subresource && *subresource)
		cap_buf_printf(path, "/%s", subresource);
	return rc;
}

int cap_kube_get(cap_kube_client *c, cap_value **out, const cap_kube_key *key)
{
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_buf path = CAP_BUF_INIT;
	int rc = key_target(c, &k, &path, key, NULL, NULL);
	if (!rc)
		rc = json_call(c, out, "GET", path.ptr, NULL, NULL);
	cap_buf_release(&path);
	cap_kube_key_release(&k);
	return rc;
}

void cap_kube_object_list_release(cap_kube_object_list *l)
{
	if (!l)
		return;
	cap_value_free(l->items);
	free(l->resource_version);
	free(l->continue_token);
	memset(l, 0, sizeof(*l));
}

static void query_param(cap_buf *q, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	cap_buf_putc(q, q->len ? '&' : '?');
	cap_buf_printf(q, "%s=", name);
	cap_kube__url_escape(q, value);
}

/* Sets apiVersion and kind on each item as the list names them ("ConfigMapList" → ConfigMap). */
static void stamp_items(cap_value *items, const char *api_version, const char *kind)
{
	size_t i;
	cap_value *it;
	CAP_VALUE_ARRAY_FOREACH(items, i, it)
	{
		if (!cap_value_is_object(it))
			continue;
		if (api_version && !cap_value_object_get(it, "apiVersion"))
			cap_value_object_set(it, "apiVersion", cap_value_string(api_version));
		if (kind && !cap_value_object_get(it, "kind"))
			cap_value_object_set(it, "kind", cap_value_string(kind));
	}
}

int cap_kube_list(cap_kube_client *c, cap_kube_object_list *out, const cap_kube_key *key,
		  const cap_kube_list_options *opts)
{
	static const cap_kube_list_options none;
	if (!opts)
		opts = &none;
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_copy(&k, key);
	cap_kube_key_set_member(&k.name, "");
	cap_buf base = CAP_BUF_INIT, path = CAP_BUF_INIT, api_version = CAP_BUF_INIT;
	cap_value *items = cap_value_array();
	char *cont = opts->continue_token ? cap_strdup(opts->continue_token) : NULL;
	char *rv = NULL;
	int rc = key_target(c, &k, &base, &k, NULL, NULL);
	cap_kube_key_api_version(&k, &api_version);
	char limit[32];
	snprintf(limit, sizeof(limit), "%u", opts->limit ? opts->limit : 500);
	while (!rc) {
		cap_buf q = CAP_BUF_INIT;
		query_param(&q, "labelSelector", opts->label_selector);
		query_param(&q, "fieldSelector", opts->field_selector);
		query_param(&q, "limit", limit);
		query_param(&q, "continue", cont);
		if (!cont)
			query_param(&q, "resourceVersion", opts->resource_version);
		cap_buf_clear(&path);
		cap_buf_printf(&path, "%s%s", base.ptr, q.ptr);
		cap_buf_release(&q);
		cap_value *page = NULL;
		rc = json_call(c, &page, "GET", path.ptr, NULL, NULL);
		if (rc)
			break;
		cap_value *page_items = cap_value_object_get(page, "items");
		size_t i;
		cap_value *it;
		CAP_VALUE_ARRAY_FOREACH(page_items, i, it)
		cap_value_array_append(items, cap_value_ref(it));
		free(rv);
		rv = NULL;
		free(cont);
		cont = NULL;
		const char *s = cap_value_dig_string(page, "metadata", "resourceVersion", NULL);
		if (s)
			rv = cap_strdup(s);
		s = cap_value_dig_string(page, "metadata", "continue", NULL);
		if (s && *s)
			cont = cap_strdup(s);
		cap_value_free(page);
		if (!cont || opts->single_page)
			break;
	}
	if (!rc) {
		stamp_items(items, api_version.ptr, k.kind[0] ? k.kind : NULL);
		cap_kube_object_list_release(out);
		out->items = items;
		out->resource_version = rv;
		out->continue_token = cont;
	} else {
		cap_value_free(items);
		free(rv);
		free(cont);
	}
	cap_buf_release(&api_version);
	cap_buf_release(&base);
	cap_buf_release(&path);
	cap_kube_key_release(&k);
	return rc;
}

const char *cap_kube_patch_content_type(cap_kube_patch_type type)
{
	switch (type) {
	case CAP_KUBE_PATCH_JSON:
		return "application/json-patch+json";
	case CAP_KUBE_PATCH_MERGE:
		return "application/merge-patch+json";
	case CAP_KUBE_PATCH_STRATEGIC:
		return "application/strategic-merge-patch+json";
	case CAP_KUBE_PATCH_APPLY:
		return "application/apply-patch+yaml";
	}
	return "application/json";
}

static void write_query(cap_buf *q, const cap_kube_write_options *o, bool apply)
{
	if (o->dry_run)
		query_param(q, "dryRun", "All");
	const char *fm = o->field_manager;
	if (!fm && apply)
		fm = "argocd-controller";
	query_param(q, "fieldManager", fm);
	if (apply && o->force)
		query_param(q, "force", "true");
	query_param(q, "fieldValidation", o->field_validation);
}

/* One write of obj: POST to the collection, or PUT to the object. */
static int write_object(cap_kube_client *c, cap_value **out, const cap_value *obj,
			const cap_kube_write_options *opts, bool create)
{
	static const cap_kube_write_options none;
	if (!opts)
		opts = &none;
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	int rc = cap_kube_key_from_object(&k, obj);
	if (rc)
		return rc;
	if (!k.name[0] && !create) {
		cap_kube_key_release(&k);
		return cap_error_set(CAP_EINVALID, "object of kind '%s' has no name", k.kind);
	}
	/* namespaced objects without one land in the default; resolve clears it when cluster-scoped
	 */
	if (!k.namespace[0])
		cap_kube_key_set_member(&k.namespace,
					opts->namespace ? opts->namespace : c->cfg.namespace);
	cap_buf path = CAP_BUF_INIT;
	rc = cap_kube_resolve(c, &k, NULL);
	if (create) /* a create posts to the collection */
		cap_kube_key_set_member(&k.name, "");
	if (!rc)
		rc = cap_kube_key_path(&path, &k);
	if (!rc && opts->subresource && *opts->subresource)
		cap_buf_printf(&path, "/%s", opts->subresource);
	if (!rc) {
		cap_buf q = CAP_BUF_INIT;
		write_query(&q, opts, false);
		cap_buf_puts(&path, q.ptr);
		cap_buf_release(&q);
		rc = json_call(c, out, create ? "POST" : "PUT", path.ptr, "application/json", obj);
	}
	cap_buf_release(&path);
	cap_kube_key_release(&k);
	return rc;
}

int cap_kube_create(cap_kube_client *c, cap_value **out, const cap_value *obj,
		    const cap_kube_write_options *opts)
{
	return write_object(c, out, obj, opts, true);
}

int cap_kube_update(cap_kube_client *c, cap_value **out, const cap_value *obj,
		    const cap_kube_write_options *opts)
{
	return write_object(c, out, obj, opts, false);
}

int cap_kube_patch(cap_kube_client *c, cap_value **out, const cap_kube_key *key,
		   cap_kube_patch_type type, const cap_value *patch,
		   const cap_kube_write_options *opts)
{
	static const cap_kube_write_options none;
	if (!opts)
		opts = &none;
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_buf path = CAP_BUF_INIT;
	int rc = key_target(c, &k, &path, key, opts->namespace, opts->subresource);
	if (!rc && !k.name[0])
		rc = cap_error_set(CAP_EINVALID, "cannot patch a '%s' without a name", k.kind);
	if (!rc) {
		cap_buf q = CAP_BUF_INIT;
		write_query(&q, opts, type == CAP_KUBE_PATCH_APPLY);
		cap_buf_puts(&path, q.ptr);
		cap_buf_release(&q);
		rc = json_call(c, out, "PATCH", path.ptr, cap_kube_patch_content_type(type), patch);
	}
	cap_buf_release(&path);
	cap_kube_key_release(&k);
	return rc;
}

int cap_kube_delete(cap_kube_client *c, const cap_kube_key *key,
		    const cap_kube_delete_options *opts)
{
	static const cap_kube_delete_options none;
	if (!opts)
		opts = &none;
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_buf path = CAP_BUF_INIT;
	int rc = key_target(c, &k, &path, key, NULL, NULL);
	if (!rc && !k.name[0])
		rc = cap_error_set(CAP_EINVALID, "cannot delete a '%s' without a name", k.kind);
	if (!rc) {
		cap_value *body = cap_value_object();
		cap_value_object_set(body, "kind", cap_value_string("DeleteOptions"));
		cap_value_object_set(body, "apiVersion", cap_value_string("v1"));
		if (opts->propagation_policy)
			cap_value_object_set(body, "propagationPolicy",
					     cap_value_string(opts->propagation_policy));
		if (opts->grace_period_set)
			cap_value_object_set(body, "gracePeriodSeconds",
					     cap_value_int(opts->grace_period_seconds));
		if (opts->precondition_uid || opts->precondition_resource_version) {
			cap_value *pre = cap_value_object();
			if (opts->precondition_uid)
				cap_value_object_set(pre, "uid",
						     cap_value_string(opts->precondition_uid));
			if (opts->precondition_resource_version)
				cap_value_object_set(
				    pre, "resourceVersion",
				    cap_value_string(opts->precondition_resource_version));
			cap_value_object_set(body, "preconditions", pre);
		}
		if (opts->dry_run) {
			cap_value *dr = cap_value_array();
			cap_value_array_append(dr, cap_value_string("All"));
			cap_value_object_set(body, "dryRun", dr);
		}
		if (opts->dry_run)
			cap_buf_puts(&path, "?dryRun=All");
		rc = json_call(c, NULL, "DELETE", path.ptr, "application/json", body);
		cap_value_free(body);
	}
	cap_buf_release(&path);
	cap_kube_key_release(&k);
	return rc;
}
