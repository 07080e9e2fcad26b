/* drydock: an in-memory Kubernetes API server for tests, demos and CI, that the real kubectl
 * accepts. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/log.h"
#include "drydock/cluster.h"
#include "drydock/faults.h"
#include "drydock/kubeconfig.h"
#include "drydock/server.h"
#include "drydock/tls.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: drydock [--listen 127.0.0.1:0] [--kubeconfig FILE] [--tls] [--token T]\n"
		"               [--faults SPEC] [--controllers on|off] [--latency-ms N]\n"
		"               [--controller-delay-ms N] [--data DIR] [--log-level debug|info]\n"
		"               [--watch-history EVENTS]\n");
}

static const char *default_data_dir(void)
{
	const char *env = getenv("DRYDOCK_DATA");
	if (env && *env)
		return env;
	static char buf[4096];
	env = getenv("CAP_SHARED_DATA");
	if (env && *env) {
		snprintf(buf, sizeof(buf), "%s/kubernetes", env);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s/../shared/data/kubernetes", CAP_SOURCE_DIR);
	return buf;
}

int main(int argc, char **argv)
{
	const char *listen = "127.0.0.1:0", *kubeconfig = NULL, *token = NULL, *faults_spec = NULL;
	const char *data = default_data_dir();
	bool tls = false, controllers = true;
	unsigned latency = 0, ctl_delay = 500;
	size_t history = 0; /* events kept for watch resumption; 0: the store's default */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(name) (strcmp(a, name) == 0 && v && (i++, 1))
		if (TAKE("--listen"))
			listen = v;
		else if (TAKE("--kubeconfig"))
			kubeconfig = v;
		else if (TAKE("--token"))
			token = v;
		else if (TAKE("--faults"))
			faults_spec = v;
		else if (TAKE("--controllers"))
			controllers = strcmp(v, "off") != 0;
		else if (TAKE("--latency-ms"))
			latency = (unsigned)atoi(v);
		else if (TAKE("--controller-delay-ms"))
			ctl_delay = (unsigned)atoi(v);
		else if (TAKE("--data"))
			data = v;
		else if (TAKE("--watch-history"))
			history = (size_t)strtoull(v, NULL, 10);
		else if (TAKE("--log-level")) {
			cap_log_level level;
			if (cap_log_level_parse(&level, v) < 0) {
				fprintf(stderr, "drydock: %s\n", cap_error_last());
				return 2;
			}
			cap_log_set_level(level);
		} else if (strcmp(a, "--tls") == 0)
			tls = true;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "drydock: unknown argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
#undef TAKE
	}

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	dd_faults *faults = NULL;
	/* always made, so the runtime endpoint can switch faults on later */
	if (dd_faults_parse(&faults, faults_spec ? faults_spec : "") < 0) {
		fprintf(stderr, "drydock: %s\n", cap_error_last());
		return 2;
	}
	char *ca = NULL, *cert = NULL, *key = NULL;
	if (tls && dd_tls_generate(&ca, &cert, &key, "127.0.0.1") < 0) {
		fprintf(stderr, "drydock: %s\n", cap_error_last());
		return 1;
	}
	dd_cluster c;
	dd_cluster_options co = {.data_dir = data,
				 .controllers = controllers,
				 .controller_delay_ms = ctl_delay,
				 .ca_pem = ca,
				 .history = history};
	if (dd_cluster_init(&c, &co) < 0) {
		fprintf(stderr, "drydock: %s\n", cap_error_last());
		return 1;
	}
	dd_server_options so = {.listen = listen,
				.token = token,
				.tls_cert = cert,
				.tls_key = key,
				.faults = faults,
				.latency_ms = latency,
				.debug = false};
	dd_server *srv;
	if (dd_server_start(&srv, &c, &so) < 0) {
		fprintf(stderr, "drydock: %s\n", cap_error_last());
		return 1;
	}
	dd_cluster_start(&c);
	char url[128];
	snprintf(url, sizeof(url), "%s://%s", tls ? "https" : "http", c.server_address);
	/* kubectl prompts for a password against an https server without credentials, and sends
	 * bearer tokens only over https: the kubeconfig always carries one */
	if (kubeconfig && dd_kubeconfig_write(kubeconfig, url, ca, token ? token : "drydock") < 0) {
		fprintf(stderr, "drydock: %s\n", cap_error_last());
		dd_server_stop(srv);
		return 1;
	}
	cap_log_info("listening", "url", url, "kubeconfig", kubeconfig ? kubeconfig : "");
	int sig;
	sigwait(&set, &sig);
	cap_log_info("stopping", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	dd_server_stop(srv);
	dd_cluster_release(&c);
	dd_faults_free(faults);
	free(ca);
	free(cert);
	free(key);
	return 0;
}
