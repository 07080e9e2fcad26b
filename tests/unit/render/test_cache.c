/* Tests for the manifest cache: keys, hits and misses, LRU eviction by bytes, threads, Redis. */
#include "render_fixture.h"

#include "render/cache.h"
#include "render/redis.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static cap_value *objects(const char *name)
{
	cap_buf json = CAP_BUF_INIT;
	cap_value *v = NULL;
	cap_buf_printf(&json,
		       "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
		       "\"%s\"},\"data\":{\"pad\":\"%0200d\"}}]",
		       name, 0);
	assert_int_equal(cap_json_parse(&v, json.ptr, json.len, "t", NULL), 0);
	cap_buf_release(&json);
	return v;
}

static void stores_and_returns_copies(void **state)
{
	cap_render_cache *c = NULL;
	cap_value *in = objects("a"), *out = NULL;
	assert_int_equal(cap_render_cache_new(&c, NULL), 0);
	assert_int_equal(cap_render_cache_get(&out, c, "k1"), CAP_ENOTFOUND);
	cap_render_cache_put(c, "k1", in);
	assert_int_equal(cap_render_cache_get(&out, c, "k1"), 0);
	assert_true(cap_value_equal(in, out));
	cap_value_free(out);
	cap_render_cache_remove(c, "k1");
	assert_int_equal(cap_render_cache_get(&out, c, "k1"), CAP_ENOTFOUND);
	cap_render_cache_stats st;
	cap_render_cache_stats_get(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	cap_value_free(in);
	cap_render_cache_free(c);
}

static void least_recently_used_go_first(void **state)
{
	cap_render_cache *c = NULL;
	cap_render_cache_options o = {0};
	cap_value *v = objects("x"), *out = NULL;
	o.max_bytes = 1200; /* room for three entries of about 380 bytes */
	assert_int_equal(cap_render_cache_new(&c, &o), 0);
	cap_render_cache_put(c, "a", v);
	cap_render_cache_put(c, "b", v);
	cap_render_cache_put(c, "c", v);
	assert_int_equal(cap_render_cache_get(&out, c, "a"), 0); /* a is now the most recent */
	cap_value_free(out);
	cap_render_cache_put(c, "d", v);
	assert_int_equal(cap_render_cache_get(&out, c, "b"), CAP_ENOTFOUND);
	assert_int_equal(cap_render_cache_get(&out, c, "a"), 0);
	cap_value_free(out);
	assert_int_equal(cap_render_cache_get(&out, c, "c"), 0);
	cap_value_free(out);
	cap_render_cache_stats st;
	cap_render_cache_stats_get(c, &st);
	assert_int_equal(st.evictions, 1);
	assert_true(st.bytes <= o.max_bytes);
	cap_value_free(v);
	cap_render_cache_free(c);
}

static void keys_change_with_every_option(void **state)
{
	cap_buf k1 = CAP_BUF_INIT, k2 = CAP_BUF_INIT;
	cap_value *raw = NULL;
	cap_render_source src;
	const char *json = "{\"repoURL\":\"https://g/r.git\",\"path\":\"apps/web\",\"helm\":{"
			   "\"parameters\":[{\"name\":\"a\",\"value\":\"1\"}]}}";
	assert_int_equal(cap_json_parse(&raw, json, strlen(json), "t", NULL), 0);
	assert_int_equal(cap_render_source_parse(&src, raw), 0);
	cap_render_request req = {0};
	req.source = &src;
	req.app_name = "web";
	req.dest_namespace = "prod";
	cap_render_cache_key(&k1, &req, "c0ffee");
	assert_non_null(strstr(k1.ptr, "https://g/r.git|c0ffee|apps/web|"));
	cap_render_cache_key(&k2, &req, "c0ffee");
	assert_string_equal(k1.ptr, k2.ptr);
	req.dest_namespace = "staging";
	cap_render_cache_key(&k2, &req, "c0ffee");
	assert_string_not_equal(k1.ptr, k2.ptr);
	req.dest_namespace = "prod";
	req.tracking = CAP_TRACK_LABEL;
	cap_render_cache_key(&k2, &req, "c0ffee");
	assert_string_not_equal(k1.ptr, k2.ptr);
	req.tracking = CAP_TRACK_ANNOTATION;
	cap_render_cache_key(&k2, &req, "beef");
	assert_string_not_equal(k1.ptr, k2.ptr);
	cap_render_source_release(&src);
	cap_value_free(raw);
	json = "{\"repoURL\":\"https://g/r.git\",\"path\":\"apps/web\",\"helm\":{\"parameters\":[{"
	       "\"name\":\"a\",\"value\":\"2\"}]}}";
	assert_int_equal(cap_json_parse(&raw, json, strlen(json), "t", NULL), 0);
	assert_int_equal(cap_render_source_parse(&src, raw), 0);
	req.source = &src;
	cap_render_cache_key(&k2, &req, "c0ffee");
	assert_string_not_equal(k1.ptr, k2.ptr);
	cap_render_source_release(&src);
	cap_value_free(raw);
	cap_buf_release(&k1);
	cap_buf_release(&k2);
}

static void renders_once_then_hits_and_hard_refresh_renders(void **state)
{
	cap_render_cache *c = NULL;
	cap_value *raw = NULL, *objs = NULL;
	cap_render_source src;
	bool hit = true;
	const char *json = "{\"repoURL\":\"local\",\"path\":\"dir\"}";
	assert_int_equal(cap_json_parse(&raw, json, strlen(json), "t", NULL), 0);
	assert_int_equal(cap_render_source_parse(&src, raw), 0);
	cap_render_request req = {0};
	req.source = &src;
	req.repo_root = fx_fixture_root();
	req.app_name = "d";
	req.dest_namespace = "n";
	assert_int_equal(cap_render_cache_new(&c, NULL), 0);
	assert_int_equal(cap_render_cache_render(&objs, &hit, c, &req, "abc", false), 0);
	assert_false(hit);
	cap_value *first = objs;
	assert_int_equal(cap_render_cache_render(&objs, &hit, c, &req, "abc", false), 0);
	assert_true(hit);
	assert_true(cap_value_equal(first, objs));
	cap_value_free(objs);
	assert_int_equal(cap_render_cache_render(&objs, &hit, c, &req, "abc", true), 0);
	assert_false(hit);
	cap_value_free(objs);
	cap_value_free(first);
	/* failures are not cached */
	cap_render_source_release(&src);
	cap_value_free(raw);
	json = "{\"repoURL\":\"local\",\"path\":\"missing\"}";
	assert_int_equal(cap_json_parse(&raw, json, strlen(json), "t", NULL), 0);
	assert_int_equal(cap_render_source_parse(&src, raw), 0);
	req.source = &src;
	assert_int_equal(cap_render_cache_render(&objs, &hit, c, &req, "abc", false),
			 CAP_ENOTFOUND);
	assert_int_equal(cap_render_cache_render(&objs, &hit, c, &req, "abc", false),
			 CAP_ENOTFOUND);
	cap_render_cache_stats st;
	cap_render_cache_stats_get(c, &st);
	assert_int_equal(st.misses, 4);
	assert_int_equal(st.hits, 1);
	cap_render_source_release(&src);
	cap_value_free(raw);
	cap_render_cache_free(c);
}

typedef struct worker {
	cap_render_cache *c;
	int id;
	int failures;
} worker;

static void *hammer(void *arg)
{
	worker *w = arg;
	char key[32];
	cap_value *v = objects("t"), *out = NULL;
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "k%d", (i * 7 + w->id) % 50);
		if (i % 3 == 0) {
			cap_render_cache_put(w->c, key, v);
		} else if (cap_render_cache_get(&out, w->c, key) == 0) {
			if (!cap_value_equal(out, v))
				w->failures++;
			cap_value_free(out);
		}
	}
	cap_value_free(v);
	return NULL;
}

static void many_threads_share_one_cache(void **state)
{
	cap_render_cache *c = NULL;
	cap_render_cache_options o = {0};
	pthread_t t[8];
	worker w[8];
	o.max_bytes = 20 * 400; /* small, so eviction runs concurrently too */
	assert_int_equal(cap_render_cache_new(&c, &o), 0);
	for (int i = 0; i < 8; i++) {
		w[i] = (worker){c, i, 0};
		pthread_create(&t[i], NULL, hammer, &w[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	cap_render_cache_stats st;
	cap_render_cache_stats_get(c, &st);
	assert_true(st.bytes <= o.max_bytes);
	assert_true(st.evictions > 0);
	cap_render_cache_free(c);
}

/* A fake helm that takes 400 ms and logs each run, to see parallelism and de-duplication. */
typedef struct slow_call {
	cap_render_cache *c;
	const char *root;
	const char *path;
	const char *helm;
	int rc;
	bool hit;
} slow_call;

static void *render_slow(void *arg)
{
	slow_call *sc = arg;
	cap_buf json = CAP_BUF_INIT;
	cap_value *raw = NULL, *objs = NULL;
	cap_render_source src;
	cap_render_options opts = {0};
	cap_buf_printf(&json, "{\"repoURL\":\"r\",\"path\":\"%s\",\"helm\":{}}", sc->path);
	cap_json_parse(&raw, json.ptr, json.len, "t", NULL);
	cap_render_source_parse(&src, raw);
	opts.helm_path = sc->helm;
	cap_render_request req = {0};
	req.source = &src;
	req.repo_root = sc->root;
	req.app_name = "a";
	req.opts = &opts;
	sc->rc = cap_render_cache_render(&objs, &sc->hit, sc->c, &req, "sha", false);
	cap_value_free(objs);
	cap_render_source_release(&src);
	cap_value_free(raw);
	cap_buf_release(&json);
	return NULL;
}

static double run_slow(cap_render_cache *c, const char *root, const char *helm,
		       const char *const *paths, slow_call *calls, int n)
{
	pthread_t t[8];
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		calls[i] = (slow_call){c, root, paths[i], helm, -1, false};
		pthread_create(&t[i], NULL, render_slow, &calls[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static void renders_run_in_parallel_and_duplicates_wait(void **state)
{
	cap_buf dir = CAP_BUF_INIT, helm = CAP_BUF_INIT, log = CAP_BUF_INIT, count = CAP_BUF_INIT;
	cap_render_cache *c = NULL;
	slow_call calls[6];
	cap_test_mkdtemp(&dir);
	cap_buf_printf(&log, "%s/runs.log", dir.ptr);
	cap_buf body = CAP_BUF_INIT;
	cap_buf_printf(&body,
		       "#!/bin/sh\necho run >> '%s'\nsleep 0.4\nprintf 'apiVersion: v1\\nkind: "
		       "ConfigMap\\nmetadata:\\n  name: c\\n'\n",
		       log.ptr);
	fx_write_script(&helm, dir.ptr, "slow-helm", body.ptr);
	for (int i = 0; i < 4; i++) {
		char p[32];
		snprintf(p, sizeof(p), "c%d/Chart.yaml", i);
		fx_write(dir.ptr, p, "apiVersion: v2\nname: c\nversion: 1.0.0\n");
	}
	assert_int_equal(cap_render_cache_new(&c, NULL), 0);
	/* four different apps at once: about one sleep, not four */
	const char *distinct[] = {"c0", "c1", "c2", "c3"};
	double dt = run_slow(c, dir.ptr, helm.ptr, distinct, calls, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(calls[i].rc, 0);
	if (dt > 1.4) /* one after another it would be 1.6 s at least */
		fail_msg("4 renders of 0.4 s took %.2f s: they did not run in parallel", dt);
	/* six callers of one uncached app: one render, everyone gets its result */
	const char *same[] = {"c0", "c0", "c0", "c0", "c0", "c0"};
	cap_render_cache_free(c);
	assert_int_equal(cap_render_cache_new(&c, NULL), 0);
	cap_test_run(NULL, "rm -f '%s'", log.ptr);
	run_slow(c, dir.ptr, helm.ptr, same, calls, 6);
	int hits = 0;
	for (int i = 0; i < 6; i++) {
		assert_int_equal(calls[i].rc, 0);
		hits += calls[i].hit;
	}
	assert_int_equal(hits, 5);
	cap_test_run(&count, "wc -l < '%s'", log.ptr);
	assert_int_equal(atoi(count.ptr), 1);
	cap_render_cache_stats st;
	cap_render_cache_stats_get(c, &st);
	assert_int_equal(st.misses + st.hits + st.joined, 6);
	cap_render_cache_free(c);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&helm);
	cap_buf_release(&log);
	cap_buf_release(&count);
	cap_buf_release(&body);
}

/* A real redis-server on a free loopback port, without persistence. */
static pid_t redis_pid;
static int redis_port;

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	return ntohs(a.sin_port);
}

static const char *redis_password;

static int start_redis(void **state)
{
	if (!cap_test_have_program("redis-server"))
		return 0;
	redis_port = free_port();
	redis_pid = fork();
	if (redis_pid == 0) {
		char port[16];
		snprintf(port, sizeof(port), "%d", redis_port);
		freopen("/dev/null", "w", stdout);
		if (redis_password)
			execlp("redis-server", "redis-server", "--port", port, "--bind",
			       "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass",
			       redis_password, NULL);
		else
			execlp("redis-server", "redis-server", "--port", port, "--bind",
			       "127.0.0.1", "--save", "", "--appendonly", "no", NULL);
		_exit(127);
	}
	cap_redis *r = cap_redis_new("127.0.0.1", redis_port, 200);
	cap_buf b = CAP_BUF_INIT;
	for (int i = 0; i < 100 && cap_redis_get(r, &b, "ping") == CAP_EUNAVAILABLE; i++)
		usleep(50000);
	cap_buf_release(&b);
	cap_redis_free(r);
	return 0;
}

static int start_redis_with_password(void **state)
{
	redis_password = "s3cret-pw";
	return start_redis(state);
}

static int stop_redis(void **state)
{
	redis_password = NULL;
	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
		redis_pid = 0;
	}
	return 0;
}

static void redis_speaks_resp(void **state)
{
	if (!redis_pid)
		skip();
	cap_redis *r = cap_redis_new("127.0.0.1", redis_port, 1000);
	cap_buf b = CAP_BUF_INIT, big = CAP_BUF_INIT;
	assert_int_equal(cap_redis_get(r, &b, "absent"), CAP_ENOTFOUND);
	assert_int_equal(cap_redis_set(r, "k", "v\r\nwith\0nul", 11, 60), 0);
	assert_int_equal(cap_redis_get(r, &b, "k"), 0);
	assert_int_equal(b.len, 11);
	assert_memory_equal(b.ptr, "v\r\nwith\0nul", 11);
	for (int i = 0; i < 300000; i++)
		cap_buf_putc(&big, 'a' + i % 26);
	assert_int_equal(cap_redis_set(r, "big", big.ptr, big.len, 60), 0);
	cap_buf_clear(&b);
	assert_int_equal(cap_redis_get(r, &b, "big"), 0);
	assert_true(cap_buf_eq(&b, big.ptr, big.len));
	assert_int_equal(cap_redis_del(r, "k"), 0);
	assert_int_equal(cap_redis_get(r, &b, "k"), CAP_ENOTFOUND);
	cap_buf_release(&b);
	cap_buf_release(&big);
	cap_redis_free(r);
}

static void two_caches_share_renders_through_redis(void **state)
{
	if (!redis_pid)
		skip();
	cap_render_cache *a = NULL, *b = NULL;
	cap_render_cache_options o = {0};
	cap_value *v = objects("shared"), *out = NULL;
	o.redis_host = "127.0.0.1";
	o.redis_port = redis_port;
	assert_int_equal(cap_render_cache_new(&a, &o), 0);
	assert_int_equal(cap_render_cache_new(&b, &o), 0);
	cap_render_cache_put(a, "repo|sha|path|1", v);
	assert_int_equal(cap_render_cache_get(&out, b, "repo|sha|path|1"), 0);
	assert_true(cap_value_equal(out, v));
	cap_value_free(out);
	cap_render_cache_stats st;
	cap_render_cache_stats_get(b, &st);
	assert_int_equal(st.redis_hits, 1);
	/* now held locally by b too */
	assert_int_equal(cap_render_cache_get(&out, b, "repo|sha|path|1"), 0);
	cap_value_free(out);
	cap_render_cache_stats_get(b, &st);
	assert_int_equal(st.hits, 1);
	cap_value_free(v);
	cap_render_cache_free(a);
	cap_render_cache_free(b);
}

static void a_dead_redis_only_costs_a_render(void **state)
{
	if (!redis_pid)
		skip();
	cap_render_cache *c = NULL;
	cap_render_cache_options o = {0};
	cap_value *v = objects("x"), *out = NULL;
	o.redis_host = "127.0.0.1";
	o.redis_port = redis_port;
	o.redis_timeout_ms = 200;
	assert_int_equal(cap_render_cache_new(&c, &o), 0);
	stop_redis(state);
	cap_render_cache_put(c, "k", v);
	assert_int_equal(cap_render_cache_get(&out, c, "k"), 0); /* still served from memory */
	cap_value_free(out);
	assert_int_equal(cap_render_cache_get(&out, c, "other"), CAP_ENOTFOUND);
	cap_render_cache_stats st;
	cap_render_cache_stats_get(c, &st);
	assert_true(st.redis_errors >= 2);
	cap_value_free(v);
	cap_render_cache_free(c);
}

static void redis_with_a_password(void **state)
{
	if (!redis_pid)
		skip();
	cap_redis *r = cap_redis_new("127.0.0.1", redis_port, 1000);
	cap_buf b = CAP_BUF_INIT;
	assert_int_equal(cap_redis_set(r, "k", "v", 1, 60), CAP_EGENERIC); /* NOAUTH */
	cap_redis_set_auth(r, NULL, "wrong-pw");
	assert_int_equal(cap_redis_get(r, &b, "k"), CAP_EAUTH);
	assert_null(strstr(cap_error_last(), "wrong-pw"));
	cap_redis_set_auth(r, NULL, "s3cret-pw");
	assert_int_equal(cap_redis_set(r, "k", "v", 1, 60), 0);
	assert_int_equal(cap_redis_get(r, &b, "k"), 0);
	assert_string_equal(b.ptr, "v");
	cap_redis_free(r);
	/* and through the cache options */
	cap_render_cache *a = NULL, *c = NULL;
	cap_render_cache_options o = {0};
	cap_value *v = objects("pw"), *out = NULL;
	o.redis_host = "127.0.0.1";
	o.redis_port = redis_port;
	o.redis_password = "s3cret-pw";
	assert_int_equal(cap_render_cache_new(&a, &o), 0);
	assert_int_equal(cap_render_cache_new(&c, &o), 0);
	cap_render_cache_put(a, "pw-key", v);
	assert_int_equal(cap_render_cache_get(&out, c, "pw-key"), 0);
	cap_value_free(out);
	cap_value_free(v);
	cap_render_cache_free(a);
	cap_render_cache_free(c);
	cap_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(stores_and_returns_copies),
	    cmocka_unit_test(least_recently_used_go_first),
	    cmocka_unit_test(keys_change_with_every_option),
	    cmocka_unit_test(renders_once_then_hits_and_hard_refresh_renders),
	    cmocka_unit_test(many_threads_share_one_cache),
	    cmocka_unit_test(renders_run_in_parallel_and_duplicates_wait),
	    cmocka_unit_test_setup_teardown(redis_speaks_resp, start_redis, stop_redis),
	    cmocka_unit_test_setup_teardown(two_caches_share_renders_through_redis, start_redis,
					    stop_redis),
	    cmocka_unit_test_setup_teardown(redis_with_a_password, start_redis_with_password,
					    stop_redis),
	    cmocka_unit_test_setup_teardown(a_dead_redis_only_costs_a_render, start_redis,
					    stop_redis),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
