/* RESP over a TCP socket: just enough Redis for a shared manifest cache. */
#include "render/redis.h"

#include "base/alloc.h"
#include "base/error.h"
#include "base/time.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REPLY (512u << 20)

struct cap_redis {
	char *host;
	int port;
	int timeout_ms;
	int fd;
	char *username; /* AUTH on every new connection when password is set */
	char *password;
	cap_buf in; /* bytes received and not yet consumed */
	size_t pos; /* read position in in */
};

cap_redis *cap_redis_new(const char *host, int port, int timeout_ms)
{
	cap_redis *r = cap_calloc(1, sizeof(*r));
	r->host = cap_strdup(host);
	r->port = port ? port : 6379;
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
	r->fd = -1;
	cap_buf_init(&r->in);
	return r;
}

static void disconnect(cap_redis *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	cap_buf_clear(&r->in);
	r->pos = 0;
}

void cap_redis_free(cap_redis *r)
{
	if (!r)
		return;
	disconnect(r);
	cap_buf_release(&r->in);
	free(r->host);
	free(r->username);
	if (r->password)
		explicit_bzero(r->password, strlen(r->password));
	free(r->password);
	free(r);
}

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = {fd, events, 0};
	int n;
	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return n;
}

static int connect_to(cap_redis *r)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char port[16];
	if (r->fd >= 0)
		return 0;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", r->port);
	if (getaddrinfo(r->host, port, &hints, &res) != 0)
		return cap_error_set(CAP_EUNAVAILABLE, "cannot resolve redis host '%s'", r->host);
	for (ai = res; ai && r->fd < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (rc != 0 && errno == EINPROGRESS && wait_fd(fd, POLLOUT, r->timeout_ms) > 0) {
			int err = 0;
			socklen_t len = sizeof(err);
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
			rc = err ? -1 : 0;
		}
		if (rc == 0)
			r->fd = fd;
		else
			close(fd);
	}
	freeaddrinfo(res);
	if (r->fd < 0)
		return cap_error_set(CAP_EUNAVAILABLE, "cannot connect to redis at '%s:%d'",
				     r->host, r->port);
	return 0;
}

static int send_all(cap_redis *r, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(r->fd, data + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (wait_fd(r->fd, POLLOUT, r->timeout_ms) <= 0)
				return cap_error_set(CAP_ETIMEOUT, "redis write timed out");
			continue;
		}
		if (n <= 0)
			return cap_error_set(CAP_EUNAVAILABLE, "redis connection closed");
		off += (size_t)n;
	}
	return 0;
}

/* Makes sure at least need bytes are buffered after pos. */
static int fill(cap_redis *r, size_t need)
{
	char chunk[65536];
	while (r->in.len - r->pos < need) {
		if (wait_fd(r->fd, POLLIN, r->timeout_ms) <= 0)
			return cap_error_set(CAP_ETIMEOUT, "redis read timed out");
		ssize_t n = recv(r->fd, chunk, sizeof(chunk), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return cap_error_set(CAP_EUNAVAILABLE, "redis connection closed");
		cap_buf_put(&r->in, chunk, (size_t)n);
	}
	return 0;
}

/* Reads one CRLF-terminated line (without CRLF) starting at pos into line. */
static int read_line(cap_redis *r, cap_buf *line)
{
	for (;;) {
		char *start = r->in.ptr + r->pos;
		char *crlf = memmem(start, r->in.len - r->pos, "\r\n", 2);
		if (crlf) {
			cap_buf_clear(line);
			cap_buf_put(line, start, (size_t)(crlf - start));
			r->pos += (size_t)(crlf - start) + 2;
			return 0;
		}
		if (r->in.len - r->pos > 65536)
			return cap_error_set(CAP_EIO, "redis reply line too long");
		int rc = fill(r, r->in.len - r->pos + 1);
		if (rc)
			return rc;
	}
}

/*
 * Reads one reply. Bulk strings go to out (when not NULL); simple strings and integers are
 * accepted; nil is CAP_ENOTFOUND; an error reply is CAP_EGENERIC with its text.
 */
static int read_reply(cap_redis *r, cap_buf *out)
{
	cap_buf line = CAP_BUF_INIT;
	int rc = read_line(r, &line);
	if (rc)
		goto done;
	switch (line.ptr[0]) {
	case '+':
	case ':':
		break;
	case '-':
		rc = cap_error_set(CAP_EGENERIC, "redis: %s", line.ptr + 1);
		break;
	case '$': {
		long long n = strtoll(line.ptr + 1, NULL, 10);
		if (n < 0) {
			rc = CAP_ENOTFOUND;
			break;
		}
		if ((unsigned long long)n > MAX_REPLY) {
			rc = cap_error_set(CAP_EIO, "redis reply too large");
			break;
		}
		if ((rc = fill(r, (size_t)n + 2)))
			break;
		if (out)
			cap_buf_put(out, r->in.ptr + r->pos, (size_t)n);
		r->pos += (size_t)n + 2;
		break;
	}
	default:
		rc = cap_error_set(CAP_EIO, "unexpected redis reply");
	}
done:
	cap_buf_release(&line);
	/* compact the input buffer once everything was consumed */
	if (r->pos == r->in.len) {
		cap_buf_clear(&r->in);
		r->pos = 0;
	}
	return rc;
}

/* Sends one command on the open connection and reads its reply. */
static int round_trip(cap_redis *r, cap_buf *out, int argc, const char **argv, const size_t *lens)
{
	cap_buf req = CAP_BUF_INIT;
	cap_buf_printf(&req, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		cap_buf_printf(&req, "$%zu\r\n", lens[i]);
		cap_buf_put(&req, argv[i], lens[i]);
		cap_buf_puts(&req, "\r\n");
	}
	int rc = send_all(r, req.ptr, req.len);
	explicit_bzero(req.ptr, req.len); /* it may have held the password */
	cap_buf_release(&req);
	if (!rc)
		rc = read_reply(r, out);
	return rc;
}

/* Connects when needed; a new connection authenticates first. */
static int ensure_connected(cap_redis *r)
{
	if (r->fd >= 0)
		return 0;
	int rc = connect_to(r);
	if (rc || !r->password)
		return rc;
	const char *argv[] = {"AUTH", r->username ? r->username : "", r->password};
	size_t lens[] = {4, r->username ? strlen(r->username) : 0, strlen(r->password)};
	rc = r->username ? round_trip(r, NULL, 3, argv, lens)
			 : round_trip(r, NULL, 2, (const char *[]){"AUTH", r->password},
				      (const size_t[]){4, strlen(r->password)});
	if (rc) {
		disconnect(r);
		/* the reply text is Redis's own and never holds the password */
		return cap_error_set(CAP_EAUTH, "redis at '%s:%d' refused the credentials", r->host,
				     r->port);
	}
	return 0;
}

static int command(cap_redis *r, cap_buf *out, int argc, const char **argv, const size_t *lens)
{
	int rc = ensure_connected(r);
	if (rc)
		return rc;
	rc = round_trip(r, out, argc, argv, lens);
	if (rc && rc != CAP_ENOTFOUND && rc != CAP_EGENERIC)
		disconnect(r);
	return rc;
}

void cap_redis_set_auth(cap_redis *r, const char *username, const char *password)
{
	free(r->username);
	free(r->password);
	r->username = username && *username ? cap_strdup(username) : NULL;
	r->password = password && *password ? cap_strdup(password) : NULL;
	disconnect(r);
}

int cap_redis_get(cap_redis *r, cap_buf *out, const char *key)
{
	const char *argv[] = {"GET", key};
	size_t lens[] = {3, strlen(key)};
	return command(r, out, 2, argv, lens);
}

int cap_redis_set(cap_redis *r, const char *key, const char *value, size_t len, unsigned ttl_s)
{
	char ttl[24];
	snprintf(ttl, sizeof(ttl), "%u", ttl_s);
	const char *argv[] = {"SET", key, value, "EX", ttl};
	size_t lens[] = {3, strlen(key), len, 2, strlen(ttl)};
	return command(r, NULL, 5, argv, lens);
}

int cap_redis_del(cap_redis *r, const char *key)
{
	const char *argv[] = {"DEL", key};
	size_t lens[] = {3, strlen(key)};
	return command(r, NULL, 2, argv, lens);
}
