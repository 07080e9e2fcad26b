/* drydock throughput: creates, LIST, watch fan-out and RSS per object, beside kubectl apply. */
/*
 * Creates/s with 8 clients, LIST of 10,000 objects, watch fan-out to 50 watchers, RSS per object,
 * beside kubectl apply of the same objects (BENCH_DRYDOCK_KUBECTL_OBJECTS, 1,000 by default).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"

#define OBJECTS	     10000
#define CLIENTS	     8
#define WATCHERS     50
#define WATCH_EVENTS 200

static int port;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("bench_drydock: connect");
		exit(1);
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* One request on a keep-alive connection; the body goes to out (may be NULL). Returns status. */
static int request(int fd, const char *method, const char *path, const char *body, cap_buf *out)
{
	cap_buf req = CAP_BUF_INIT;
	size_t blen = body ? strlen(body) : 0;
	cap_buf_printf(&req,
		       "%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		       "Content-Length: %zu\r\n\r\n%s",
		       method, path, blen, body ? body : "");
	if (write(fd, req.ptr, req.len) != (ssize_t)req.len) {
		perror("bench_drydock: write");
		exit(1);
	}
	cap_buf_release(&req);
	cap_buf in = CAP_BUF_INIT;
	char chunk[65536];
	size_t header_end = 0, content_length = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n <= 0) {
			fprintf(stderr, "bench_drydock: connection closed\n");
			exit(1);
		}
		cap_buf_put(&in, chunk, (size_t)n);
		if (!header_end) {
			char *e = strstr(in.ptr, "\r\n\r\n");
			if (!e)
				continue;
			header_end = (size_t)(e - in.ptr) + 4;
			char *cl = strcasestr(in.ptr, "Content-Length:");
			content_length = cl ? strtoul(cl + 15, NULL, 10) : 0;
		}
		if (in.len >= header_end + content_length)
			break;
	}
	int status = atoi(in.ptr + 9);
	if (out)
		cap_buf_put(out, in.ptr + header_end, content_length);
	cap_buf_release(&in);
	return status;
}

typedef struct creator {
	int id;
	const char *ns;
	int from, to;
} creator;

static void *create_range(void *arg)
{
	creator *c = arg;
	int fd = dial();
	char path[256], body[512];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps", c->ns);
	for (int i = c->from; i < c->to; i++) {
		snprintf(body, sizeof(body),
			 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
			 "\"cm-%05d\",\"labels\":{\"app\":\"bench\",\"shard\":\"%d\"}},\"data\":{"
			 "\"key\":\"value-%d\",\"mode\":\"production\"}}",
			 i, i % 8, i);
		if (request(fd, "POST", path, body, NULL) != 201) {
			fprintf(stderr, "bench_drydock: create %d failed\n", i);
			exit(1);
		}
	}
	close(fd);
	return NULL;
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

typedef struct watcher {
	int fd;
	double *seen; /* receipt time per event index */
	int got;
} watcher;

static double sent[WATCH_EVENTS];

static void *watch_loop(void *arg)
{
	watcher *w = arg;
	cap_buf in = CAP_BUF_INIT;
	char chunk[65536];
	size_t scanned = 0;
	while (w->got < WATCH_EVENTS) {
		ssize_t n = read(w->fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		double t = now();
		cap_buf_put(&in, chunk, (size_t)n);
		char *p;
		while ((p = strstr(in.ptr + scanned, "\"watched-")) != NULL) {
			int idx = atoi(p + 9);
			if (idx >= 0 && idx < WATCH_EVENTS && w->seen[idx] == 0) {
				w->seen[idx] = t;
				w->got++;
			}
			scanned = (size_t)(p - in.ptr) + 9;
		}
	}
	cap_buf_release(&in);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static const char *drydock_path(void)
{
	static char buf[4096];
	const char *env = getenv("CAP_BIN_DIR");
	if (env) {
		snprintf(buf, sizeof(buf), "%s/drydock", env);
		return buf;
	}
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 32);
	if (n < 0)
		return "drydock";
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	strcpy(slash, "/../bin/drydock");
	return buf;
}

int main(void)
{
	char dir[] = "/tmp/bench-drydock-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char kc[256];
	snprintf(kc, sizeof(kc), "%s/kubeconfig", dir);
	pid_t pid = fork();
	if (pid == 0) {
		execl(drydock_path(), "drydock", "--kubeconfig", kc, "--controllers", "off",
		      (char *)NULL);
		perror("bench_drydock: exec drydock");
		_exit(127);
	}
	cap_buf k = CAP_BUF_INIT;
	for (int i = 0; i < 200 && cap_buf_read_file(&k, kc) < 0; i++)
		usleep(20000);
	char *srv = strstr(k.ptr, "server: http://127.0.0.1:");
	if (!srv) {
		fprintf(stderr, "bench_drydock: drydock did not start\n");
		return 1;
	}
	port = atoi(srv + strlen("server: http://127.0.0.1:"));
	usleep(100000);
	long rss0 = rss_kb(pid);

	/* creates with 8 concurrent clients */
	pthread_t th[CLIENTS];
	creator cr[CLIENTS];
	double t0 = now();
	for (int i = 0; i < CLIENTS; i++) {
		cr[i] = (creator){i, "default", i * OBJECTS / CLIENTS, (i + 1) * OBJECTS / CLIENTS};
		pthread_create(&th[i], NULL, create_range, &cr[i]);
	}
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(th[i], NULL);
	double create_s = now() - t0;
	long rss1 = rss_kb(pid);
	printf("drydock  create %d ConfigMaps, %d clients: %.2f s, %.0f creates/s\n", OBJECTS,
	       CLIENTS, create_s, OBJECTS / create_s);
	printf("drydock  RSS: %ld KiB empty, %ld KiB with %d objects: %.0f bytes per object\n",
	       rss0, rss1, OBJECTS, (double)(rss1 - rss0) * 1024.0 / OBJECTS);

	/* LIST of everything */
	int fd = dial();
	double best = 1e9;
	size_t bytes = 0;
	for (int r = 0; r < 5; r++) {
		cap_buf out = CAP_BUF_INIT;
		double s0 = now();
		request(fd, "GET", "/api/v1/namespaces/default/configmaps", NULL, &out);
		double d = now() - s0;
		if (d < best)
			best = d;
		bytes = out.len;
		cap_buf_release(&out);
	}
	printf("drydock  LIST %d objects: %.1f ms (best of 5, %zu bytes)\n", OBJECTS, best * 1e3,
	       bytes);
	best = 1e9;
	for (int r = 0; r < 5; r++) {
		double s0 = now();
		request(fd, "GET", "/api/v1/namespaces/default/configmaps?labelSelector=shard%3D3",
			NULL, NULL);
		double d = now() - s0;
		if (d < best)
			best = d;
	}
	printf("drydock  LIST with a label selector (1/8 match): %.1f ms\n", best * 1e3);

	/* watch fan-out */
	cap_buf cur = CAP_BUF_INIT;
	request(fd, "GET", "/api/v1/namespaces/default/configmaps?limit=1", NULL, &cur);
	char *rvp = strstr(cur.ptr, "\"resourceVersion\":\"");
	long long rv = rvp ? atoll(rvp + 19) : 0;
	cap_buf_release(&cur);
	watcher ws[WATCHERS];
	pthread_t wt[WATCHERS];
	for (int i = 0; i < WATCHERS; i++) {
		ws[i].fd = dial();
		ws[i].seen = calloc(WATCH_EVENTS, sizeof(double));
		ws[i].got = 0;
		char req[512];
		int n =
		    snprintf(req, sizeof(req),
			     "GET /api/v1/namespaces/default/configmaps?watch=1&resourceVersion="
			     "%lld&labelSelector=app%%3Dwatched HTTP/1.1\r\nHost: x\r\n\r\n",
			     rv);
		if (write(ws[i].fd, req, (size_t)n) != n)
			return 1;
		pthread_create(&wt[i], NULL, watch_loop, &ws[i]);
	}
	usleep(200000);
	for (int i = 0; i < WATCH_EVENTS; i++) {
		char body[256];
		snprintf(body, sizeof(body),
			 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
			 "\"watched-%d\",\"labels\":{\"app\":\"watched\"}}}",
			 i);
		sent[i] = now();
		request(fd, "POST", "/api/v1/namespaces/default/configmaps", body, NULL);
		usleep(2000);
	}
	for (int i = 0; i < WATCHERS; i++) {
		double deadline = now() + 10;
		while (ws[i].got < WATCH_EVENTS && now() < deadline)
			usleep(10000);
		shutdown(ws[i].fd, SHUT_RDWR);
		pthread_join(wt[i], NULL);
		close(ws[i].fd);
	}
	double *lat = calloc(WATCHERS * WATCH_EVENTS, sizeof(double));
	size_t nl = 0, missed = 0;
	for (int i = 0; i < WATCHERS; i++) {
		for (int e = 0; e < WATCH_EVENTS; e++) {
			if (ws[i].seen[e] > 0)
				lat[nl++] = ws[i].seen[e] - sent[e];
			else
				missed++;
		}
		free(ws[i].seen);
	}
	qsort(lat, nl, sizeof(double), cmp_double);
	if (nl)
		printf(
		    "drydock  watch fan-out to %d watchers, %d events: p50 %.2f ms, p99 %.2f ms, "
		    "max %.2f ms, %zu missed\n",
		    WATCHERS, WATCH_EVENTS, lat[nl / 2] * 1e3, lat[nl * 99 / 100] * 1e3,
		    lat[nl - 1] * 1e3, missed);
	free(lat);
	close(fd);

	/* baseline: kubectl apply of the same objects */
	char manifest[256], cmd[1024];
	snprintf(manifest, sizeof(manifest), "%s/objects.yaml", dir);
	FILE *m = fopen(manifest, "w");
	int baseline =
	    getenv("BENCH_DRYDOCK_KUBECTL_OBJECTS")
		? atoi(getenv("BENCH_DRYDOCK_KUBECTL_OBJECTS"))
		: 1000; /* kubectl throttles itself to ~15 objects/s: 10,000 take 11 min */
	for (int i = 0; m && i < baseline; i++)
		fprintf(m,
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%05d\n  "
			"namespace: baseline\n  labels:\n    app: bench\n    shard: \"%d\"\n"
			"data:\n  key: value-%d\n  mode: production\n---\n",
			i, i % 8, i);
	if (m)
		fclose(m);
	snprintf(cmd, sizeof(cmd),
		 "KUBECONFIG=%s kubectl --cache-dir %s/cache create namespace baseline >/dev/null "
		 "2>&1 && KUBECONFIG=%s kubectl --cache-dir %s/cache apply -f %s >/dev/null 2>&1",
		 kc, dir, kc, dir, manifest);
	double b0 = now();
	int rc = system(cmd);
	double bs = now() - b0;
	if (rc == 0)
		printf("baseline kubectl apply of %d ConfigMaps (one client): %.2f s, %.0f "
		       "objects/s\n",
		       baseline, bs, baseline / bs);
	else
		printf("baseline kubectl apply: unavailable (exit %d)\n", rc);
	printf("drydock  RSS after %d objects: %ld KiB\n", OBJECTS + WATCH_EVENTS + baseline,
	       rss_kb(pid));

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	cap_buf_release(&k);
	return 0;
}
