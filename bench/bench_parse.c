/* Parse throughput: Capstan's YAML and JSON readers beside kubectl kustomize, PyYAML and json. */
#include "base/buf.h"
#include "base/error.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET_BYTES (10u << 20)
#define RUNS	     3

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static cap_value *json_value(const char *text)
{
	cap_value *v = NULL;
	if (cap_json_parse(&v, text, strlen(text), "template", NULL) != 0) {
		fprintf(stderr, "bench_parse: %s\n", cap_error_last());
		exit(1);
	}
	return v;
}

/* The i-th object of a realistic application: a Deployment, its Service, its ConfigMap. */
static cap_value *make_object(unsigned i)
{
	char text[4096];
	unsigned app = i / 3;
	switch (i % 3) {
	case 0:
		snprintf(
		    text, sizeof(text),
		    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
		    "\"app-%u\",\"namespace\":\"team-%u\",\"labels\":{\"app.kubernetes.io/name\":"
		    "\"app-%u\",\"app.kubernetes.io/part-of\":\"shop\",\"tier\":\"backend\"},"
		    "\"annotations\":{\"argocd.argoproj.io/sync-wave\":\"%u\","
		    "\"deployment.kubernetes.io/revision\":\"3\"}},\"spec\":{\"replicas\":%u,"
		    "\"revisionHistoryLimit\":10,\"selector\":{\"matchLabels\":{"
		    "\"app.kubernetes.io/name\":\"app-%u\"}},\"strategy\":{\"type\":"
		    "\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":\"25%%\",\"maxUnavailable\":"
		    "0}},"
		    "\"template\":{\"metadata\":{\"labels\":{\"app.kubernetes.io/"
		    "name\":\"app-%u\"}},"
		    "\"spec\":{\"serviceAccountName\":\"app-%u\",\"containers\":[{\"name\":\"app\","
		    "\"image\":\"registry.example.com/shop/app-%u:1.%u.0\",\"imagePullPolicy\":"
		    "\"IfNotPresent\",\"args\":[\"--port=8080\",\"--log-level=info\"],\"ports\":[{"
		    "\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"}],\"env\":[{"
		    "\"name\":"
		    "\"DATABASE_URL\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"db-%u\",\"key\":"
		    "\"url\"}}},{\"name\":\"FEATURE_FLAGS\",\"value\":\"checkout,search\"},{"
		    "\"name\":"
		    "\"GOMAXPROCS\",\"value\":\"2\"}],\"resources\":{\"requests\":{\"cpu\":"
		    "\"100m\","
		    "\"memory\":\"128Mi\"},\"limits\":{\"cpu\":\"1\",\"memory\":\"512Mi\"}},"
		    "\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":\"http\"},"
		    "\"periodSeconds\":10,\"failureThreshold\":3},\"livenessProbe\":{\"httpGet\":{"
		    "\"path\":\"/livez\",\"port\":8080},\"initialDelaySeconds\":15},"
		    "\"volumeMounts\":[{\"name\":\"config\",\"mountPath\":\"/etc/app\","
		    "\"readOnly\":true}]}],\"volumes\":[{\"name\":\"config\",\"configMap\":{"
		    "\"name\":"
		    "\"app-%u-config\"}}]}}}}",
		    app, app % 20, app, app % 5, 1 + app % 4, app, app, app, app, app % 30, app,
		    app);
		break;
	case 1:
		snprintf(
		    text, sizeof(text),
		    "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"app-%u\","
		    "\"namespace\":\"team-%u\",\"labels\":{\"app.kubernetes.io/name\":\"app-%u\"}},"
		    "\"spec\":{\"type\":\"ClusterIP\",\"selector\":{\"app.kubernetes.io/name\":"
		    "\"app-%u\"},\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":\"http\","
		    "\"protocol\":\"TCP\"},{\"name\":\"metrics\",\"port\":9090,\"targetPort\":9090}"
		    "]}}",
		    app, app % 20, app, app);
		break;
	default:
		snprintf(
		    text, sizeof(text),
		    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
		    "\"app-%u-config\",\"namespace\":\"team-%u\"},\"data\":{\"LOG_LEVEL\":\"info\","
		    "\"ENABLED\":\"true\",\"RETRIES\":\"3\",\"app.yaml\":\"server:\\n  port: "
		    "8080\\n"
		    "  timeout: 30s\\ncache:\\n  size: 512\\n  ttl: 5m\\nupstreams:\\n- name: "
		    "payments\\n  url: http://payments-%u.team-%u.svc:80\\n\"}}",
		    app, app % 20, app, app % 20);
	}
	return json_value(text);
}

static void write_file(const char *path, const cap_buf *b)
{
	if (cap_buf_write_file_atomic(b, path) != 0) {
		fprintf(stderr, "bench_parse: %s\n", cap_error_last());
		exit(1);
	}
}

typedef int (*parse_fn)(cap_value **out, const char *text, size_t len);

static int parse_yaml(cap_value **out, const char *text, size_t len)
{
	return cap_yaml_parse_stream(out, text, len, "bench.yaml", NULL);
}

static int parse_json(cap_value **out, const char *text, size_t len)
{
	return cap_json_parse(out, text, len, "bench.json", NULL);
}

/* Best time of RUNS parses, in seconds. */
static double time_parse(parse_fn parse, const cap_buf *text)
{
	double best = 1e30;
	for (int r = 0; r < RUNS; r++) {
		cap_value *v = NULL;
		double t = now();
		if (parse(&v, text->ptr, text->len) != 0) {
			fprintf(stderr, "bench_parse: %s\n", cap_error_last());
			exit(1);
		}
		t = now() - t;
		cap_value_free(v);
		if (t < best)
			best = t;
	}
	return best;
}

/* Peak memory a single parse adds, measured in a child so earlier allocations do not count. */
static long parse_peak_kib(parse_fn parse, const cap_buf *text)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		struct rusage before, after;
		getrusage(RUSAGE_SELF, &before);
		cap_value *v = NULL;
		int rc = parse(&v, text->ptr, text->len);
		getrusage(RUSAGE_SELF, &after);
		long kib = rc ? -1 : after.ru_maxrss - before.ru_maxrss;
		if (write(fds[1], &kib, sizeof(kib)) != sizeof(kib))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	long kib = -1;
	if (read(fds[0], &kib, sizeof(kib)) != sizeof(kib))
		kib = -1;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return kib;
}

/* Runs a shell command and returns its wall time, or a negative number when it failed. */
static double time_command(const char *cmd)
{
	double t = now();
	int rc = system(cmd);
	t = now() - t;
	return rc == 0 ? t : -1;
}

/* Runs a command that prints one number (seconds); negative when it failed. */
static double command_seconds(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	double s = -1;
	if (!p)
		return -1;
	if (fscanf(p, "%lf", &s) != 1)
		s = -1;
	if (pclose(p) != 0)
		s = -1;
	return s;
}

static double mbps(size_t bytes, double seconds)
{
	return (double)bytes / (1024.0 * 1024.0) / seconds;
}

static void report(const char *what, size_t bytes, double seconds, double reference)
{
	if (seconds < 0) {
		printf("  %-44s unavailable\n", what);
		return;
	}
	printf("  %-44s %8.1f MB/s  %8.3f s", what, mbps(bytes, seconds), seconds);
	if (reference > 0)
		printf("  (Capstan %.1fx faster)", seconds / reference);
	printf("\n");
}

/*
 * kubectl kustomize over a folder holding the first slice_bytes of the stream: its time includes
 * process start-up. Returns kustomize's seconds; *capstan gets Capstan's best parse of the slice.
 */
static double kustomize_slice(const char *dir, const cap_buf *yaml, size_t slice_bytes,
			      size_t *bytes, double *capstan)
{
	char sub[512], path[600], cmd[1200];
	snprintf(sub, sizeof(sub), "%s/slice-%zuk", dir, slice_bytes >> 10);
	if (mkdir(sub, 0700) != 0)
		return -1;
	/* whole documents: cut at the first separator past slice_bytes */
	const char *cut =
	    slice_bytes < yaml->len ? strstr(yaml->ptr + slice_bytes, "\n---\n") : NULL;
	cap_buf text = CAP_BUF_INIT, kust = CAP_BUF_INIT;
	cap_buf_put(&text, yaml->ptr, cut ? (size_t)(cut - yaml->ptr) + 1 : yaml->len);
	snprintf(path, sizeof(path), "%s/manifests.yaml", sub);
	write_file(path, &text);
	cap_buf_puts(&kust, "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
			    "resources:\n- manifests.yaml\n");
	snprintf(path, sizeof(path), "%s/kustomization.yaml", sub);
	write_file(path, &kust);
	*bytes = text.len;
	*capstan = time_parse(parse_yaml, &text);
	snprintf(cmd, sizeof(cmd), "kubectl kustomize '%s' >/dev/null 2>&1", sub);
	double t = time_command(cmd);
	cap_buf_release(&text);
	cap_buf_release(&kust);
	return t;
}

int main(void)
{
	char dir[] = "/tmp/capstan-bench-parse-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char yaml_path[256], json_path[256], cmd[1024];
	snprintf(yaml_path, sizeof(yaml_path), "%s/manifests.yaml", dir);
	snprintf(json_path, sizeof(json_path), "%s/list.json", dir);

	/* ~10 MB of YAML documents, and a JSON List of about the same size */
	cap_value *docs = cap_value_array();
	cap_buf yaml = CAP_BUF_INIT, json = CAP_BUF_INIT;
	unsigned n = 0;
	while (yaml.len < TARGET_BYTES) {
		cap_value *obj = make_object(n++);
		if (yaml.len)
			cap_buf_puts(&yaml, "---\n");
		cap_yaml_print(&yaml, obj, 0);
		cap_value_array_append(docs, obj);
	}
	cap_value *list = json_value("{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[]}");
	cap_value *items = cap_value_object_get(list, "items");
	/* items sit two levels deep in the List: about 1.2 times their own indented size */
	for (unsigned i = 0; i < n && json.len * 6 / 5 < TARGET_BYTES; i++) {
		cap_value *obj = cap_value_array_get(docs, i);
		cap_json_print(&json, obj, CAP_JSON_INDENT);
		cap_value_array_append(items, cap_value_ref(obj));
	}
	cap_buf_clear(&json);
	cap_json_print(&json, list, CAP_JSON_INDENT);
	write_file(yaml_path, &yaml);
	write_file(json_path, &json);
	/*
	 * Peaks first, in children forked while the generator's trees are alive, so a parse cannot
	 * reuse freed memory; then the trees go, so they do not weigh on the timed parses.
	 */
	long yaml_kib = parse_peak_kib(parse_yaml, &yaml);
	long json_kib = parse_peak_kib(parse_json, &json);
	cap_value_free(docs);
	cap_value_free(list);
	printf("parse: %u Kubernetes objects (Deployments, Services, ConfigMaps), in %s\n", n, dir);

	double cap_yaml = time_parse(parse_yaml, &yaml);
	double cap_json = time_parse(parse_json, &json);

	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys,time,yaml\n"
		 "d=open(sys.argv[1],\"rb\").read()\nb=1e9\n"
		 "for i in range(2):\n"
		 " t=time.perf_counter();list(yaml.load_all(d,Loader=yaml.CSafeLoader))\n"
		 " b=min(b,time.perf_counter()-t)\nprint(b)' '%s' 2>/dev/null",
		 yaml_path);
	double py_yaml = command_seconds(cmd);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys,time,json\n"
		 "d=open(sys.argv[1],\"rb\").read()\nb=1e9\n"
		 "for i in range(%d):\n"
		 " t=time.perf_counter();json.loads(d);b=min(b,time.perf_counter()-t)\n"
		 "print(b)' '%s' 2>/dev/null",
		 RUNS, json_path);
	double py_json = command_seconds(cmd);

	printf("YAML stream, %.1f MB:\n", yaml.len / 1048576.0);
	report("capstan cap_yaml_parse_stream (best of 3)", yaml.len, cap_yaml, 0);
	report("python3 yaml.load_all CSafeLoader (best of 2)", yaml.len, py_yaml, cap_yaml);

	/* kustomize slows faster than linearly with the resource count: it gets slices */
	printf(
	    "YAML slices through kubectl kustomize (one run each, including process start-up;\n"
	    "kustomize's time grows faster than linearly, so it does not get the whole stream):\n");
	static const size_t slices[] = {256u << 10, 1u << 20};
	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
		size_t bytes = 0;
		double capstan = -1;
		double k = kustomize_slice(dir, &yaml, slices[i], &bytes, &capstan);
		char what[96];
		snprintf(what, sizeof(what), "capstan, %.2f MB slice (best of 3)",
			 bytes / 1048576.0);
		report(what, bytes, capstan, 0);
		snprintf(what, sizeof(what), "kubectl kustomize, %.2f MB slice", bytes / 1048576.0);
		report(what, bytes, k, capstan);
	}

	printf("JSON List, %.1f MB:\n", json.len / 1048576.0);
	report("capstan cap_json_parse (best of 3)", json.len, cap_json, 0);
	report("python3 json.loads (best of 3)", json.len, py_json, cap_json);
	printf("peak memory added by one parse: YAML %.1f MiB (%.1fx the text), JSON %.1f MiB "
	       "(%.1fx the text)\n",
	       yaml_kib / 1024.0, yaml_kib * 1024.0 / (double)yaml.len, json_kib / 1024.0,
	       json_kib * 1024.0 / (double)json.len);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_parse: cannot remove %s\n", dir);
	cap_buf_release(&yaml);
	cap_buf_release(&json);
	return 0;
}
