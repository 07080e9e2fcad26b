/* `capstan run`: starts the controller, serves /healthz, and shuts down cleanly on SIGTERM. */
#include "cli/cmd_run.h"

#include <getopt.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <time.h>

#include "app/application.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/log.h"
#include "controller/controller.h"
#include "kube/client.h"
#include "kube/config.h"

static const char usage_text[] =
    "usage: capstan run [options]\n"
    "  --kubeconfig FILE            cluster to manage (default: kubectl's)\n"
    "  --context NAME               kubeconfig context\n"
    "  -n, --namespace NS           control namespace holding Applications (argocd)\n"
    "  --resync DURATION            reconciliation interval (argocd-cm timeout.reconciliation,\n"
    "                               else 120s)\n"
    "  --status-processors N        parallel refreshes (4)\n"
    "  --operation-processors N     parallel sync operations (2)\n"
    "  --kube-qps N --kube-burst N  API request rate limit (200, 400)\n"
    "  --repo-cache-dir DIR         where repositories are kept (a temporary directory)\n"
    "  --self-heal-backoff DURATION first self-heal delay, tripled per attempt (2s)\n"
    "  --sync-wave-delay DURATION   pause between sync waves ($ARGOCD_SYNC_WAVE_DELAY s, else 2s)\n"
    "  --listen ADDR:PORT           /healthz endpoint (127.0.0.1:8082; \"\" for none)\n"
    "  --loglevel LEVEL             debug, info, warn or error\n";

enum {
	OPT_KUBECONFIG = 256,
	OPT_CONTEXT,
	OPT_RESYNC,
	OPT_STATUS,
	OPT_OPS,
	OPT_QPS,
	OPT_BURST,
	OPT_REPO_DIR,
	OPT_HEAL,
	OPT_WAVE_DELAY,
	OPT_LISTEN,
	OPT_LOGLEVEL,
	OPT_HELP,
};

static const struct option options[] = {
    {"kubeconfig", required_argument, NULL, OPT_KUBECONFIG},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"namespace", required_argument, NULL, 'n'},
    {"resync", required_argument, NULL, OPT_RESYNC},
    {"status-processors", required_argument, NULL, OPT_STATUS},
    {"operation-processors", required_argument, NULL, OPT_OPS},
    {"kube-qps", required_argument, NULL, OPT_QPS},
    {"kube-burst", required_argument, NULL, OPT_BURST},
    {"repo-cache-dir", required_argument, NULL, OPT_REPO_DIR},
    {"self-heal-backoff", required_argument, NULL, OPT_HEAL},
    {"sync-wave-delay", required_argument, NULL, OPT_WAVE_DELAY},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"loglevel", required_argument, NULL, OPT_LOGLEVEL},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static enum MHD_Result healthz(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **state)
{
	cap_controller *c = cls;
	bool ok = !strcmp(url, "/healthz") && cap_controller_ready(c);
	const char *body = ok ? "ok\n" : (strcmp(url, "/healthz") ? "not found\n" : "starting\n");
	unsigned code =
	    ok ? MHD_HTTP_OK
	       : (strcmp(url, "/healthz") ? MHD_HTTP_NOT_FOUND : MHD_HTTP_SERVICE_UNAVAILABLE);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "text/plain");
	enum MHD_Result res = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return res;
}

/* Starts the /healthz server on "host:port"; NULL when listen is empty or cannot bind. */
static struct MHD_Daemon *start_http(const char *listen, cap_controller *c)
{
	if (!listen || !*listen)
		return NULL;
	const char *colon = strrchr(listen, ':');
	struct sockaddr_in addr = {0};
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(colon ? colon + 1 : listen));
	char host[64] = "0.0.0.0";
	if (colon && colon != listen && (size_t)(colon - listen) < sizeof(host))
		snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		cap_log_warn("cannot serve /healthz: not an IPv4 address", "listen", listen);
		return NULL;
	}
	struct MHD_Daemon *d =
	    MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, healthz, c,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
	if (!d)
		cap_log_warn("cannot serve /healthz", "listen", listen);
	else
		cap_log_info("serving /healthz", "listen", listen);
	return d;
}

/*
 * How long work in flight (a sync between two objects, a status write) may go on after SIGTERM
 * before the cluster client refuses every call; an interrupted sync is resumed at the next start.
 */
#define STOP_GRACE_MS 2000

/* The stop signal, waited for on a thread of its own so that it also cuts a slow start short. */
typedef struct stopper {
	sigset_t set;
	cap_kube_client *client;
	pthread_mutex_t lock;
	pthread_cond_t came;
	int sig;	/* 0 until SIGTERM or SIGINT */
	bool abandoned; /* the start failed: the signal that comes is the main thread's own */
} stopper;

static void *wait_for_stop(void *arg)
{
	stopper *s = arg;
	int sig = 0;
	while (sigwait(&s->set, &sig) != 0)
		;
	pthread_mutex_lock(&s->lock);
	if (!s->abandoned) {
		cap_log_info("shutting down", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		cap_kube_client_close(s->client, STOP_GRACE_MS);
	}
	s->sig = sig;
	pthread_cond_broadcast(&s->came);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Waits for the stop signal, giving freed pages back to the system every ten seconds. */
static void wait_stopped(stopper *s)
{
	pthread_mutex_lock(&s->lock);
	while (!s->sig) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		if (pthread_cond_timedwait(&s->came, &s->lock, &ts) == ETIMEDOUT) {
			/* give pages freed after a burst of refreshes and syncs back */
			pthread_mutex_unlock(&s->lock);
			malloc_trim(0);
			pthread_mutex_lock(&s->lock);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

int cap_cmd_run(int argc, char **argv)
{
	cap_kube_config_options ko = {0};
	cap_kube_client_options clo = {0};
	cap_controller_options co = {0};
	const char *listen = "127.0.0.1:8082";
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "n:h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_KUBECONFIG:
			ko.kubeconfig = optarg;
			break;
		case OPT_CONTEXT:
			ko.context = optarg;
			break;
		case 'n':
			co.namespace = optarg;
			break;
		case OPT_RESYNC:
		case OPT_HEAL:
		case OPT_WAVE_DELAY: {
			uint64_t ms;
			if (cap_app_parse_duration_ms(&ms, optarg)) {
				fprintf(stderr, "capstan run: %s\n", cap_error_last());
				return 2;
			}
			if (opt == OPT_WAVE_DELAY) {
				co.sync_wave_delay_ms = ms;
				co.sync_wave_delay_set = true;
			} else if (opt == OPT_RESYNC)
				co.resync_ms = ms ? ms : 1;
			else
				co.self_heal_base_ms = ms ? ms : 1;
			break;
		}
		case OPT_STATUS:
			co.status_processors = (unsigned)atoi(optarg);
			break;
		case OPT_OPS:
			co.operation_processors = (unsigned)atoi(optarg);
			break;
		case OPT_QPS:
			clo.qps = atof(optarg);
			break;
		case OPT_BURST:
			clo.burst = (unsigned)atoi(optarg);
			break;
		case OPT_REPO_DIR:
			co.repo_cache_dir = optarg;
			break;
		case OPT_LISTEN:
			listen = optarg;
			break;
		case OPT_LOGLEVEL: {
			cap_log_level lvl;
			if (cap_log_level_parse(&lvl, optarg)) {
				fprintf(stderr, "capstan run: %s\n", cap_error_last());
				return 2;
			}
			cap_log_set_level(lvl);
			break;
		}
		case 'h':
		case OPT_HELP:
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fputs(usage_text, stderr);
		return 2;
	}

	/*
	 * Dozens of informer and worker threads would each grow a malloc arena of their own; two
	 * arenas keep the resident size near what is really in use (MALLOC_ARENA_MAX overrides).
	 */
	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, 2);

	/* threads inherit this mask, so only the stopper's sigwait sees the stop signals */
	stopper stop = {.sig = 0};
	sigemptyset(&stop.set);
	sigaddset(&stop.set, SIGTERM);
	sigaddset(&stop.set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop.set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&stop.lock, NULL);
	pthread_cond_init(&stop.came, NULL);

	cap_kube_config cfg;
	cap_kube_client *client = NULL;
	cap_controller *ctl = NULL;
	struct MHD_Daemon *http = NULL;
	pthread_t stop_thread;
	bool stop_started = false;
	int status = 1;
	cap_kube_config_init(&cfg);
	if (cap_kube_config_load(&cfg, &ko) || cap_kube_client_new(&client, &cfg, &clo)) {
		cap_log_error("cannot configure the cluster client", "error", cap_error_last());
		goto done;
	}
	stop.client = client;
	if (!(stop_started = !pthread_create(&stop_thread, NULL, wait_for_stop, &stop))) {
		cap_log_error("cannot start the signal thread");
		goto done;
	}
	cap_controller_new(&ctl, client, &co);
	http = start_http(listen, ctl);
	if (cap_controller_start(ctl) && !cap_kube_client_closing(client)) {
		cap_log_error("cannot start the controller", "error", cap_error_last());
		goto done;
	}
	wait_stopped(&stop);
	status = 0;
done:
	if (stop_started) {
		/* no signal came when the start failed: wake the stopper with one of its own */
		pthread_mutex_lock(&stop.lock);
		bool pending = !stop.sig;
		stop.abandoned = pending;
		pthread_mutex_unlock(&stop.lock);
		if (pending)
			pthread_kill(stop_thread, SIGTERM);
		pthread_join(stop_thread, NULL);
	}
	pthread_mutex_destroy(&stop.lock);
	pthread_cond_destroy(&stop.came);
	if (http)
		MHD_stop_daemon(http);
	cap_controller_free(ctl);
	cap_kube_client_free(client);
	cap_kube_config_release(&cfg);
	if (!status)
		cap_log_info("stopped");
	return status;
}
