/* Benchmark: render a 500-app monorepo (plain YAML, Kustomize, Helm) cold, warm and in parallel,
 * beside running the tools directly. */
#include "base/buf.h"
#include "base/error.h"
#include "base/threadpool.h"
#include "git/cache.h"
#include "render/cache.h"
#include "render/render.h"
#include "render/source.h"
#include "value/json.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

typedef struct app {
	char name[32];
	char path[48];
	int kind; /* 0 plain, 1 kustomize, 2 helm */
	cap_render_source source;
	cap_value *raw;
	int failed;
} app;

typedef struct run {
	app *apps;
	int n;
	const char *root;
	const char *commit;
	cap_render_cache *cache;
	int next;
	pthread_mutex_t lock;
	int hits;
	int direct; /* run the tools directly instead of rendering */
	double cpu; /* CPU seconds (this process and its children) of the last render_all */
} run;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sh(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_render_monorepo: setup failed: %s\n", cmd);
		exit(1);
	}
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "bench_render_monorepo: cannot write %s\n", path);
		exit(1);
	}
}

static const char deploy_fmt[] =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  labels: {app: %s}\n"
    "spec:\n  replicas: 2\n  selector:\n    matchLabels: {app: %s}\n  template:\n"
    "    metadata:\n      labels: {app: %s}\n    spec:\n      containers:\n"
    "      - name: web\n        image: nginx:1.27\n        ports:\n        - containerPort: 80\n"
    "        resources:\n          requests: {cpu: 10m, memory: 16Mi}\n";
static const char svc_fmt[] =
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\nspec:\n  selector: {app: %s}\n"
    "  ports:\n  - port: 80\n    targetPort: 80\n";
static const char cm_fmt[] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-config\n"
			     "data:\n  LOG_LEVEL: info\n  FEATURE_X: \"true\"\n";

/* 500 folders: 60% plain YAML, 25% Kustomize overlays of one base, 15% Helm charts. */
static void generate(const char *root, app *apps, int n)
{
	char dir[1024], text[2048], cmd[2048];
	snprintf(dir, sizeof(dir), "%s/bases/web", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	sh(cmd);
	snprintf(text, sizeof(text), deploy_fmt, "web", "web", "web", "web");
	write_file(dir, "deploy.yaml", text);
	snprintf(text, sizeof(text), svc_fmt, "web", "web");
	write_file(dir, "svc.yaml", text);
	write_file(dir, "kustomization.yaml", "resources:\n- deploy.yaml\n- svc.yaml\n");
	for (int i = 0; i < n; i++) {
		app *a = &apps[i];
		a->kind = i % 20 < 12 ? 0 : (i % 20 < 17 ? 1 : 2);
		snprintf(a->name, sizeof(a->name), "app-%03d", i);
		snprintf(a->path, sizeof(a->path), "apps/%s", a->name);
		snprintf(dir, sizeof(dir), "%s/%s", root, a->path);
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s/templates'", dir);
		sh(cmd);
		if (a->kind == 0) {
			snprintf(text, sizeof(text), deploy_fmt, a->name, a->name, a->name,
				 a->name);
			write_file(dir, "deploy.yaml", text);
			snprintf(text, sizeof(text), svc_fmt, a->name, a->name);
			write_file(dir, "svc.yaml", text);
			snprintf(text, sizeof(text), cm_fmt, a->name);
			write_file(dir, "config.yaml", text);
			snprintf(cmd, sizeof(cmd), "rmdir '%s/templates'", dir);
			sh(cmd);
		} else if (a->kind == 1) {
			snprintf(text, sizeof(text),
				 "resources:\n- ../../bases/web\n- config.yaml\nnamePrefix: %s-\n"
				 "images:\n- name: nginx\n  newTag: \"1.27.%d\"\n",
				 a->name, i % 10);
			write_file(dir, "kustomization.yaml", text);
			snprintf(text, sizeof(text), cm_fmt, a->name);
			write_file(dir, "config.yaml", text);
			snprintf(cmd, sizeof(cmd), "rmdir '%s/templates'", dir);
			sh(cmd);
		} else {
			snprintf(text, sizeof(text), "apiVersion: v2\nname: %s\nversion: 1.0.%d\n",
				 a->name, i);
			write_file(dir, "Chart.yaml", text);
			write_file(dir, "values.yaml", "replicas: 2\nimage: nginx:1.27\n");
			write_file(dir, "templates/deploy.yaml",
				   "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
				   "  name: {{ .Release.Name }}\nspec:\n"
				   "  replicas: {{ .Values.replicas }}\n  selector:\n"
				   "    matchLabels: {app: {{ .Release.Name }}}\n  template:\n"
				   "    metadata:\n      labels: {app: {{ .Release.Name }}}\n"
				   "    spec:\n      containers:\n      - name: web\n"
				   "        image: {{ .Values.image }}\n");
			write_file(
			    dir, "templates/svc.yaml",
			    "apiVersion: v1\nkind: Service\nmetadata:\n"
			    "  name: {{ .Release.Name }}\nspec:\n"
			    "  selector: {app: {{ .Release.Name }}}\n  ports:\n  - port: 80\n");
		}
		snprintf(text, sizeof(text), "{\"repoURL\":\"file://monorepo\",\"path\":\"%s\"}",
			 a->path);
		if (cap_json_parse(&a->raw, text, strlen(text), "bench", NULL) ||
		    cap_render_source_parse(&a->source, a->raw)) {
			fprintf(stderr, "bench_render_monorepo: %s\n", cap_error_last());
			exit(1);
		}
	}
}

/* One worker task: takes apps off the shared counter until none is left. */
static void work(void *arg)
{
	run *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->lock);
		int i = r->next++;
		pthread_mutex_unlock(&r->lock);
		if (i >= r->n)
			return;
		app *a = &r->apps[i];
		if (r->direct) {
			char cmd[1024];
			if (a->kind == 0)
				snprintf(cmd, sizeof(cmd), "cat '%s/%s'/*.yaml >/dev/null", r->root,
					 a->path);
			else if (a->kind == 1)
				snprintf(cmd, sizeof(cmd), "kubectl kustomize '%s/%s' >/dev/null",
					 r->root, a->path);
			else
				snprintf(cmd, sizeof(cmd),
					 "helm template '%s/%s' --name-template %s --include-crds "
					 ">/dev/null",
					 r->root, a->path, a->name);
			a->failed = system(cmd) != 0;
			continue;
		}
		cap_render_request req = {0};
		cap_value *objs = NULL;
		bool hit = false;
		req.source = &a->source;
		req.repo_root = r->root;
		req.revision = r->commit;
		req.app_name = a->name;
		req.dest_namespace = "default";
		a->failed = cap_render_cache_render(&objs, &hit, r->cache, &req, r->commit, false);
		if (a->failed)
			fprintf(stderr, "bench_render_monorepo: %s\n", cap_error_last());
		if (hit) {
			pthread_mutex_lock(&r->lock);
			r->hits++;
			pthread_mutex_unlock(&r->lock);
		}
		cap_value_free(objs);
	}
}

/* Renders every app with threads workers; returns seconds. */
/* User plus system CPU seconds of this process and its waited-for children. */
static double cpu_s(void)
{
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
			kids.ru_stime.tv_sec) +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
			kids.ru_stime.tv_usec) /
		   1e6;
}

static double render_all(run *r, unsigned threads)
{
	cap_threadpool *pool = NULL;
	r->next = 0;
	r->hits = 0;
	if (cap_threadpool_new(&pool, threads) != 0) {
		fprintf(stderr, "bench_render_monorepo: %s\n", cap_error_last());
		exit(1);
	}
	double t0 = now_s(), c0 = cpu_s();
	for (unsigned i = 0; i < threads; i++)
		cap_threadpool_submit(pool, work, r);
	cap_threadpool_wait(pool);
	double dt = now_s() - t0;
	r->cpu = cpu_s() - c0;
	cap_threadpool_free(pool);
	for (int i = 0; i < r->n; i++)
		if (r->apps[i].failed) {
			fprintf(stderr, "bench_render_monorepo: %s failed\n", r->apps[i].path);
			exit(1);
		}
	return dt;
}

static long peak_rss_kb(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 500;
	unsigned cores = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	char tmpl[] = "/tmp/capstan-bench-render-XXXXXX", root[600], cmd[1400];
	app *apps = calloc((size_t)n, sizeof(*apps));
	if (!mkdtemp(tmpl) || !apps)
		return 1;
	snprintf(root, sizeof(root), "%s/monorepo", tmpl);
	generate(root, apps, n);

	/* The monorepo as a git repository, read through the repository cache like a poll. */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git init -q -b main && git add . && git -c user.email=b@capstan "
		 "-c user.name=bench commit -q -m monorepo",
		 root);
	sh(cmd);
	char url[700], cache_root[700];
	snprintf(url, sizeof(url), "file://%s", root);
	snprintf(cache_root, sizeof(cache_root), "%s/git-cache", tmpl);
	cap_git_cache_options go = {.root = cache_root, .refs_ttl_ms = 60000};
	cap_git_cache *gc = NULL;
	cap_git_tree **trees = calloc((size_t)n, sizeof(*trees));
	if (cap_git_cache_open(&gc, &go) != 0) {
		fprintf(stderr, "bench_render_monorepo: %s\n", cap_error_last());
		return 1;
	}
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		if (cap_git_cache_get(&trees[i], gc, url, "main", NULL) != 0) {
			fprintf(stderr, "bench_render_monorepo: %s\n", cap_error_last());
			return 1;
		}
	double poll_s = now_s() - t0;
	unsigned long git_requests = cap_git_cache_requests(gc);
	const char *tree = cap_git_tree_path(trees[0]);
	const char *commit = cap_git_tree_commit(trees[0]);

	run r = {apps, n, tree, commit, NULL, 0, PTHREAD_MUTEX_INITIALIZER, 0, 0, 0.0};
	cap_render_cache_new(&r.cache, NULL);

	/*
	 * Baseline: the same work by the tools alone, same parallelism. Capstan and baseline runs
	 * alternate and the best of two counts, so a busy machine skews neither side.
	 */
	double base_par = 1e9, cold_par = 1e9, base_seq, cold_seq, base_cpu = 1e9, cold_cpu = 1e9;
	long rss_before = peak_rss_kb(RUSAGE_SELF), rss_after = 0;
	for (int round = 0; round < 2; round++) {
		r.direct = 1;
		double b = render_all(&r, cores);
		base_par = b < base_par ? b : base_par;
		base_cpu = r.cpu < base_cpu ? r.cpu : base_cpu;
		r.direct = 0;
		cap_render_cache_free(r.cache);
		cap_render_cache_new(&r.cache, NULL);
		double c = render_all(&r, cores);
		cold_par = c < cold_par ? c : cold_par;
		cold_cpu = r.cpu < cold_cpu ? r.cpu : cold_cpu;
		rss_after = peak_rss_kb(RUSAGE_SELF);
	}
	double warm = render_all(&r, cores);
	int warm_hits = r.hits;
	cap_render_cache_stats st;
	cap_render_cache_stats_get(r.cache, &st);
	r.direct = 1;
	base_seq = render_all(&r, 1);
	r.direct = 0;
	cap_render_cache_free(r.cache);
	cap_render_cache_new(&r.cache, NULL);
	cold_seq = render_all(&r, 1);

	printf("render monorepo: %d apps (%d plain, %d kustomize, %d helm), %u cores\n", n,
	       n * 12 / 20, n * 5 / 20, n * 3 / 20, cores);
	printf("  git poll of %d apps on one repo      %8.3f s   git requests: %lu\n", n, poll_s,
	       git_requests);
	printf("  cold render, %u threads              %8.3f s   baseline (tools direct): %.3f s\n",
	       cores, cold_par, base_par);
	printf("  cold render CPU (with tools)        %8.3f s   baseline (tools direct): %.3f s\n",
	       cold_cpu, base_cpu);
	printf("  cold render, 1 thread               %8.3f s   baseline (tools direct): %.3f s\n",
	       cold_seq, base_seq);
	printf("  parallel speed-up                   %8.2fx   baseline: %.2fx\n",
	       cold_seq / cold_par, base_seq / base_par);
	printf("  warm render (cache), %u threads      %8.3f s   hits %d/%d, %.1f us per app\n",
	       cores, warm, warm_hits, n, warm * 1e6 / n);
	printf("  cache: %zu entries, %.1f KiB\n", st.entries, (double)st.bytes / 1024.0);
	printf("  peak RSS of capstan                 %8ld KiB   (before rendering %ld KiB)\n",
	       rss_after, rss_before);
	printf("  peak RSS of one tool child          %8ld KiB\n", peak_rss_kb(RUSAGE_CHILDREN));

	for (int i = 0; i < n; i++) {
		cap_git_tree_release(trees[i]);
		cap_render_source_release(&apps[i].source);
		cap_value_free(apps[i].raw);
	}
	cap_render_cache_free(r.cache);
	cap_git_cache_free(gc);
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' && rm -rf '%s'", tmpl, tmpl);
	sh(cmd);
	free(trees);
	free(apps);
	return 0;
}
