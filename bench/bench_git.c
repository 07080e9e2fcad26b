/* Benchmark: git requests and time per poll of a monorepo's apps, shared against unshared. */
#include "base/buf.h"
#include "base/error.h"
#include "base/strvec.h"
#include "git/cache.h"
#include "git/remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sh(cap_buf *cmd)
{
	if (system(cmd->ptr) != 0) {
		fprintf(stderr, "bench_git: setup failed: %s\n", cmd->ptr);
		exit(1);
	}
	cap_buf_clear(cmd);
}

/* One poll: every app resolves its revision and leases its tree, as a reconcile would. */
static double poll(cap_git_cache *c, const char *url, int apps, unsigned long *requests)
{
	unsigned long before = cap_git_cache_requests(c);
	double t0 = now_s();
	cap_git_cache_refresh(c, url); /* a new interval: the remote is asked again */
	for (int i = 0; i < apps; i++) {
		cap_git_tree *t = NULL;
		if (cap_git_cache_get(&t, c, url, i % 2 ? "main" : "HEAD", NULL) != 0) {
			fprintf(stderr, "bench_git: %s\n", cap_error_last());
			exit(1);
		}
		cap_git_tree_release(t);
	}
	*requests = cap_git_cache_requests(c) - before;
	return now_s() - t0;
}

static cap_git_cache *open_cache(const char *dir, const char *name, int ttl_ms)
{
	cap_buf root = CAP_BUF_INIT;
	cap_buf_printf(&root, "%s/%s", dir, name);
	cap_git_cache_options o = {.root = root.ptr, .refs_ttl_ms = ttl_ms};
	cap_git_cache *c = NULL;
	if (cap_git_cache_open(&c, &o) != 0) {
		fprintf(stderr, "bench_git: %s\n", cap_error_last());
		exit(1);
	}
	cap_buf_release(&root);
	return c;
}

int main(int argc, char **argv)
{
	int apps = argc > 1 ? atoi(argv[1]) : 200;
	char dir[] = "/tmp/capstan-bench-git-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	/* A monorepo: one directory of manifests per app. */
	cap_buf cmd = CAP_BUF_INIT;
	cap_buf_printf(&cmd,
		       "cd %s && git init -q -b main mono && cd mono && for i in $(seq 1 200); do "
		       "mkdir -p apps/app$i && printf 'kind: ConfigMap\\nname: app%%s\\n' $i "
		       "> apps/app$i/cm.yaml; done && git add -A && "
		       "git -c user.name=b -c user.email=b@b commit -q -m init",
		       dir);
	sh(&cmd);
	cap_buf url = CAP_BUF_INIT;
	cap_buf_printf(&url, "file://%s/mono", dir);

	cap_git_cache *shared = open_cache(dir, "shared", 180000);
	cap_git_cache *unshared = open_cache(dir, "unshared", 0);
	unsigned long req_cold, req_shared, req_unshared, req_unshared_cold;
	double cold = poll(shared, url.ptr, apps, &req_cold);
	double warm = poll(shared, url.ptr, apps, &req_shared);
	double base_cold = poll(unshared, url.ptr, apps, &req_unshared_cold);
	double base = poll(unshared, url.ptr, apps, &req_unshared);
	cap_git_cache_stats s;
	cap_git_cache_stats_get(shared, &s);

	printf("git: first poll of %d apps on one repository: %lu git requests, %.1f ms "
	       "(baseline, no shared ls-remote: %lu requests, %.1f ms)\n",
	       apps, req_cold, cold * 1e3, req_unshared_cold, base_cold * 1e3);
	printf("git: git requests per poll: %lu (baseline, no shared ls-remote: %lu)\n", req_shared,
	       req_unshared);
	printf("git: steady poll: %.3f ms per app (baseline: %.3f ms per app)\n", warm * 1e3 / apps,
	       base * 1e3 / apps);
	printf("git: trees extracted: %lu for %d apps; cache on disk: %.1f KiB\n", s.extractions,
	       apps, (double)s.bytes / 1024.0);

	/* A commit touching one app: how many apps must render again (manifest-generate-paths). */
	char before[41], after[41];
	if (cap_git_cache_resolve(before, shared, url.ptr, "main", NULL) != 0)
		return 1;
	cap_buf_printf(&cmd,
		       "cd %s/mono && echo '# tuned' >> apps/app7/cm.yaml && "
		       "git -c user.name=b -c user.email=b@b commit -q -am tune",
		       dir);
	sh(&cmd);
	cap_git_cache_refresh(shared, url.ptr);
	if (cap_git_cache_resolve(after, shared, url.ptr, "main", NULL) != 0)
		return 1;
	double t0 = now_s();
	cap_strvec changed = CAP_STRVEC_INIT;
	if (cap_git_cache_changed_files(&changed, shared, url.ptr, before, after, NULL) != 0) {
		fprintf(stderr, "bench_git: %s\n", cap_error_last());
		return 1;
	}
	int touched = 0;
	for (int i = 1; i <= apps; i++) {
		cap_strvec paths = CAP_STRVEC_INIT;
		cap_strvec_pushf(&paths, "apps/app%d", i);
		touched += cap_git_paths_touched(&changed, &paths);
		cap_strvec_release(&paths);
	}
	double diff = now_s() - t0;
	printf("git: a commit to one app: %d of %d apps touched, decided in %.1f ms "
	       "(baseline, a new commit re-renders every app: %d)\n",
	       touched, apps, diff * 1e3, apps);
	cap_strvec_release(&changed);

	cap_git_cache_free(shared);
	cap_git_cache_free(unshared);
	cap_buf_printf(&cmd, "chmod -R u+w %s; rm -rf %s", dir, dir);
	sh(&cmd);
	cap_buf_release(&cmd);
	cap_buf_release(&url);
	return 0;
}
