/* Apply of 2,000 ConfigMaps through the kube client beside kubectl apply -f of the same files. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/error.h"
#include "kube/apply.h"
#include "kube/client.h"
#include "kube/config.h"
#include "value/yaml.h"

#define THREADS 8

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
	if (!slash)
		return "drydock";
	strcpy(slash, "/../bin/drydock"); /* BUILD/bench/x → BUILD/bin/drydock */
	return buf;
}

typedef struct job {
	cap_kube_client *client;
	cap_value **objects;
	int from, to;
	const char *ns;
	int failures;
	int unchanged;
} job;

static void *apply_range(void *arg)
{
	job *j = arg;
	cap_kube_apply_options o = {.namespace = j->ns};
	for (int i = j->from; i < j->to; i++) {
		cap_kube_apply_result r;
		if (cap_kube_apply(j->client, NULL, &r, j->objects[i], &o) != 0) {
			if (!j->failures)
				fprintf(stderr, "apply failed: %s\n", cap_error_last());
			j->failures++;
		}
		j->unchanged += r == CAP_KUBE_APPLY_UNCHANGED;
	}
	return NULL;
}

/* Applies every object with threads workers; returns seconds, or -1 on failures. */
static double run(cap_kube_client *c, cap_value **objects, int n, int threads, const char *ns,
		  int *unchanged)
{
	pthread_t th[THREADS];
	job jobs[THREADS];
	double t0 = now();
	for (int i = 0; i < threads; i++) {
		jobs[i] = (job){c, objects, n * i / threads, n * (i + 1) / threads, ns, 0, 0};
		pthread_create(&th[i], NULL, apply_range, &jobs[i]);
	}
	int failures = 0;
	*unchanged = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		failures += jobs[i].failures;
		*unchanged += jobs[i].unchanged;
	}
	double t = now() - t0;
	return failures ? -1 : t;
}

static int kubectl(const char *kc, const char *dir, const char *args)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd),
		 "kubectl --kubeconfig %s --cache-dir %s/cache %s >/dev/null 2>&1", kc, dir, args);
	return system(cmd);
}

int main(void)
{
	int n =
	    getenv("BENCH_KUBE_APPLY_OBJECTS") ? atoi(getenv("BENCH_KUBE_APPLY_OBJECTS")) : 2000;
	char dir[] = "/tmp/bench-kube-apply-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char kc[256], files[256];
	snprintf(kc, sizeof(kc), "%s/kubeconfig", dir);
	snprintf(files, sizeof(files), "%s/manifests", dir);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(drydock_path(), "drydock", "--kubeconfig", kc, "--controllers", "off",
		      (char *)NULL);
		perror("bench_kube_apply: exec drydock");
		_exit(127);
	}
	cap_buf k = CAP_BUF_INIT;
	for (int i = 0; i < 200 && cap_buf_read_file(&k, kc) < 0; i++)
		usleep(20000);
	cap_buf_release(&k);

	/* the same files for both: one ConfigMap each, no namespace (given on the command line) */
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT;
	cap_buf_printf(&path, "mkdir -p %s", files);
	if (system(path.ptr) != 0)
		return 1;
	cap_value **objects = calloc((size_t)n, sizeof(*objects));
	for (int i = 0; i < n; i++) {
		cap_buf_clear(&text);
		cap_buf_printf(&text,
			       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%05d\n"
			       "  labels:\n    app: bench\n    shard: \"%d\"\ndata:\n"
			       "  index: \"%d\"\n  payload: \"%064d\"\n",
			       i, i % 16, i, i);
		cap_buf_clear(&path);
		cap_buf_printf(&path, "%s/cm-%05d.yaml", files, i);
		cap_buf_write_file_atomic(&text, path.ptr);
		cap_value *docs = NULL;
		if (cap_yaml_parse(&docs, text.ptr, text.len, path.ptr, NULL) != 0)
			return 1;
		objects[i] = docs;
	}
	cap_buf_release(&text);

	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cap_kube_config_options lo = {.kubeconfig = kc};
	if (cap_kube_config_load(&cfg, &lo) != 0) {
		fprintf(stderr, "bench_kube_apply: %s\n", cap_error_last());
		kill(pid, SIGTERM);
		return 1;
	}
	const char *namespaces[] = {"kc", "one", "many", "limited"};
	for (int i = 0; i < 4; i++) {
		char args[64];
		snprintf(args, sizeof(args), "create namespace %s", namespaces[i]);
		kubectl(kc, dir, args);
	}
	cap_kube_client_options unlimited = {.qps = -1};
	cap_kube_client *c = NULL, *lim = NULL;
	cap_kube_client_new(&c, &cfg, &unlimited);
	cap_kube_client_new(&lim, &cfg, NULL);
	int unchanged = 0;

	double one = run(c, objects, n, 1, "one", &unchanged);
	printf(
	    "kube client apply of %d ConfigMaps, 1 thread:            %6.2f s, %6.0f objects/s\n",
	    n, one, n / one);
	double many = run(c, objects, n, THREADS, "many", &unchanged);
	printf(
	    "kube client apply of %d ConfigMaps, %d threads:           %6.2f s, %6.0f objects/s\n",
	    n, THREADS, many, n / many);
	double again = run(c, objects, n, THREADS, "many", &unchanged);
	printf("kube client re-apply, all unchanged (%d), %d threads:   %6.2f s, %6.0f objects/s\n",
	       unchanged, THREADS, again, n / again);
	double limited = run(lim, objects, n, THREADS, "limited", &unchanged);
	printf("kube client apply, default limit 200 qps/400 burst:     %6.2f s, %6.0f objects/s\n",
	       limited, n / limited);

	char args[512];
	snprintf(args, sizeof(args), "apply -n kc -f %s", files);
	double t0 = now();
	int rc = kubectl(kc, dir, args);
	double base = now() - t0;
	if (rc == 0)
		printf("baseline kubectl apply -f of the same %d files:          %6.2f s, %6.0f "
		       "objects/s (%.0fx the time of 8 threads, %.0fx of 1)\n",
		       n, base, n / base, base / many, base / one);
	else
		printf("baseline kubectl apply: unavailable (exit %d)\n", rc);

	cap_kube_client_free(c);
	cap_kube_client_free(lim);
	cap_kube_config_release(&cfg);
	for (int i = 0; i < n; i++)
		cap_value_free(objects[i]);
	free(objects);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	cap_buf_clear(&path);
	cap_buf_printf(&path, "rm -rf %s", dir);
	if (system(path.ptr) != 0)
		fprintf(stderr, "bench_kube_apply: cannot remove %s\n", dir);
	cap_buf_release(&path);
	return one < 0 || many < 0 ? 1 : 0;
}
