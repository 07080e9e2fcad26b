/* Diff and health throughput over 10,000 defaulted live Deployments, with the fast path. */
#include "base/error.h"
#include "base/hashmap.h"
#include "diff/diff.h"
#include "health/health.h"
#include "value/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OBJECTS 10000

/* Allocation accounting: every malloc-family call of the process passes through here. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);

static size_t alloc_bytes, alloc_calls;

void *malloc(size_t size)
{
	alloc_bytes += size;
	alloc_calls++;
	return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
	alloc_bytes += count * size;
	alloc_calls++;
	return __libc_calloc(count, size);
}

void *realloc(void *ptr, size_t size)
{
	alloc_bytes += size;
	alloc_calls++;
	return __libc_realloc(ptr, size);
}

void free(void *ptr)
{
	__libc_free(ptr);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: the machine's cores are shared, so wall time alone misleads. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_start;

static cap_value *parse(const char *text)
{
	cap_value *v = NULL;
	if (cap_json_parse(&v, text, strlen(text), "bench", NULL)) {
		fprintf(stderr, "bench_diff: %s\n", cap_error_last());
		exit(1);
	}
	return v;
}

/* The manifest of Deployment i as Git holds it; every tenth has drifted live (image tag). */
static void config_text(char *out, size_t n, unsigned i, unsigned tag)
{
	snprintf(
	    out, n,
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"app-%u\","
	    "\"namespace\":\"team-%u\",\"labels\":{\"app.kubernetes.io/name\":\"app-%u\","
	    "\"app.kubernetes.io/instance\":\"shop\"}},\"spec\":{\"replicas\":%u,\"selector\":{"
	    "\"matchLabels\":{\"app.kubernetes.io/name\":\"app-%u\"}},\"template\":{\"metadata\":{"
	    "\"labels\":{\"app.kubernetes.io/name\":\"app-%u\"}},\"spec\":{\"containers\":[{"
	    "\"name\":\"app\",\"image\":\"registry.example.com/shop/app-%u:1.%u.0\",\"args\":["
	    "\"--port=8080\"],\"ports\":[{\"name\":\"http\",\"containerPort\":8080}],\"env\":[{"
	    "\"name\":\"DATABASE_URL\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"db\",\"key\":"
	    "\"url\"}}},{\"name\":\"LOG_LEVEL\",\"value\":\"info\"}],\"resources\":{\"requests\":{"
	    "\"cpu\":\"100m\",\"memory\":\"128Mi\"},\"limits\":{\"cpu\":\"1000m\",\"memory\":"
	    "\"0.5Gi\"}},\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":\"http\"}}"
	    "}]}}}}",
	    i, i % 50, i, 1 + i % 3, i, i, i, tag);
}

/* Live Deployment i: the manifest applied, defaulted by the API server, with status. */
static cap_value *make_live(const cap_value *config, unsigned i)
{
	cap_value *live = cap_value_deep_copy(config);
	char *applied = cap_json_to_string(config, CAP_JSON_SORT_KEYS);
	char text[8192];
	snprintf(
	    text, sizeof(text),
	    "{\"uid\":\"6f1c%04u-8dca-44ae-b0ba-6ea26160ac9f\",\"resourceVersion\":\"%u\","
	    "\"generation\":2,\"creationTimestamp\":\"2026-11-20T10:00:00Z\","
	    "\"managedFields\":[{\"manager\":\"kube-controller-manager\",\"operation\":\"Update\","
	    "\"apiVersion\":\"apps/v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{}},"
	    "\"subresource\":\"status\"}]}",
	    i, 100000 + i);
	cap_value *meta = cap_value_object_get(live, "metadata"), *extra = parse(text);
	const char *k;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(extra, k, v)
	cap_value_object_set(meta, k, cap_value_ref(v));
	cap_value_free(extra);
	cap_value *ann = cap_value_object();
	cap_value_object_set(ann, "kubectl.kubernetes.io/last-applied-configuration",
			     cap_value_string(applied));
	cap_value_object_set(ann, "deployment.kubernetes.io/revision", cap_value_string("2"));
	cap_value_object_set(meta, "annotations", ann);
	free(applied);

	cap_diff_apply_defaults(live);
	cap_value *c = cap_value_dig(live, "spec", "template", "spec", "containers", NULL);
	cap_value *c0 = cap_value_array_get(c, 0);
	cap_value *res = parse("{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},"
			       "\"limits\":{\"cpu\":\"1\",\"memory\":\"512Mi\"}}");
	cap_value_object_set(c0, "resources", res);
	cap_value_object_set(live, "status",
			     parse("{\"observedGeneration\":2,\"replicas\":2,\"readyReplicas\":2,"
				   "\"availableReplicas\":2,\"updatedReplicas\":2,\"conditions\":[{"
				   "\"type\":\"Available\",\"status\":\"True\",\"reason\":"
				   "\"MinimumReplicasAvailable\",\"lastUpdateTime\":"
				   "\"2026-11-20T10:00:05Z\",\"lastTransitionTime\":"
				   "\"2026-11-20T10:00:05Z\"}]}"));
	return live;
}

/* A measured section: the allocation counters and the clock at its start. */
typedef struct measure {
	size_t bytes, calls;
	double start;
} measure;

static measure measure_begin(void)
{
	measure m = {alloc_bytes, alloc_calls, now()};
	cpu_start = cpu_now();
	return m;
}

/* Prints the section's rates per object and returns its wall-clock seconds. */
static double measure_report(const measure *m, const char *what)
{
	double seconds = now() - m->start;
	size_t bytes = alloc_bytes - m->bytes, calls = alloc_calls - m->calls;
	double cpu = cpu_now() - cpu_start;
	printf("  %-44s %9.0f objects/s  %7.1f us/object (cpu %7.1f)  %8.0f B/object  %6.1f "
	       "allocs/object\n",
	       what, OBJECTS / seconds, seconds * 1e6 / OBJECTS, cpu * 1e6 / OBJECTS,
	       (double)bytes / OBJECTS, (double)calls / OBJECTS);
	return seconds;
}

int main(void)
{
	static cap_value *configs[OBJECTS], *lives[OBJECTS];
	char text[8192];
	const cap_schema *schema;
	if (cap_schema_default(&schema)) {
		fprintf(stderr, "bench_diff: %s\n", cap_error_last());
		return 1;
	}
	for (unsigned i = 0; i < OBJECTS; i++) {
		config_text(text, sizeof(text), i, i % 10 == 0 ? 7 : 3);
		configs[i] = parse(text);
		config_text(text, sizeof(text), i, 3);
		cap_value *applied = parse(text);
		lives[i] = make_live(applied, i);
		cap_value_free(applied);
	}
	printf("diff: %u Deployments (live side defaulted, with status, managedFields and "
	       "last-applied; 1 in 10 drifted)\n",
	       OBJECTS);

	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	o.schema = schema;

	/*
	 * Baseline: the last step of gitops-engine's diff alone, marshalling both sides to JSON
	 * and comparing the bytes, with no normalisation or patching at all.
	 */
	size_t equal = 0;
	measure m = measure_begin();
	for (unsigned i = 0; i < OBJECTS; i++) {
		char *a = cap_json_to_string(configs[i], CAP_JSON_SORT_KEYS);
		char *b = cap_json_to_string(lives[i], CAP_JSON_SORT_KEYS);
		equal += !strcmp(a, b);
		free(a);
		free(b);
	}
	measure_report(&m, "baseline: marshal both sides, compare bytes");

	/* Full diff: normalise, three-way strategic patch, defaults, compare. */
	static uint64_t keys[OBJECTS];
	static bool last[OBJECTS];
	size_t modified = 0;
	m = measure_begin();
	for (unsigned i = 0; i < OBJECTS; i++) {
		cap_diff_result r = CAP_DIFF_RESULT_INIT;
		if (cap_diff(&r, configs[i], lives[i], &o)) {
			fprintf(stderr, "bench_diff: %s\n", cap_error_last());
			return 1;
		}
		modified += r.modified;
		last[i] = r.modified;
		cap_diff_result_release(&r);
	}
	double full = measure_report(&m, "full diff (client-side three-way)");
	printf("  %zu of %u modified (expected %u)\n", modified, OBJECTS, OBJECTS / 10);

	/* Fast path: the same config against the same live revision reuses the last answer. */
	cap_hashmap seen = CAP_HASHMAP_INIT;
	for (unsigned i = 0; i < OBJECTS; i++) {
		keys[i] = cap_diff_key(configs[i], lives[i], &o);
		cap_hashmap_putn(&seen, (const char *)&keys[i], sizeof(keys[i]), &last[i], NULL);
	}
	size_t hits = 0, again = 0;
	m = measure_begin();
	for (unsigned i = 0; i < OBJECTS; i++) {
		uint64_t k = cap_diff_key(configs[i], lives[i], &o);
		bool *prev = cap_hashmap_getn(&seen, (const char *)&k, sizeof(k));
		hits += prev != NULL;
		again += prev && *prev;
	}
	double fast = measure_report(&m, "fast path (key of config + live revision)");
	printf("  %zu of %u answered from the last comparison (%zu modified); %.0fx faster "
	       "than a full diff\n",
	       hits, OBJECTS, again, full / fast);

	/* The same with each config's hash kept beside the rendered manifests. */
	static uint64_t config_hashes[OBJECTS];
	for (unsigned i = 0; i < OBJECTS; i++)
		config_hashes[i] = cap_value_hash(configs[i]);
	hits = 0;
	m = measure_begin();
	for (unsigned i = 0; i < OBJECTS; i++) {
		uint64_t k = cap_diff_key_hashed(config_hashes[i], lives[i], &o);
		hits += cap_hashmap_getn(&seen, (const char *)&k, sizeof(k)) != NULL;
	}
	double hashed = measure_report(&m, "fast path, config hash cached with manifests");
	printf("  %zu of %u answered; %.0fx faster than a full diff\n", hits, OBJECTS,
	       full / hashed);

	/* Health of every live object: the built-in Deployment check, as a reconcile runs it. */
	size_t healthy = 0;
	m = measure_begin();
	for (unsigned i = 0; i < OBJECTS; i++) {
		cap_health h;
		cap_health_init(&h);
		cap_health_assess(&h, lives[i], NULL);
		healthy += h.status == CAP_HEALTH_HEALTHY;
		cap_health_release(&h);
	}
	measure_report(&m, "health (built-in Deployment check)");
	printf("  %zu of %u Healthy (the rest ask for more replicas than are available)\n", healthy,
	       OBJECTS);

	cap_hashmap_release(&seen, NULL);
	for (unsigned i = 0; i < OBJECTS; i++) {
		cap_value_free(configs[i]);
		cap_value_free(lives[i]);
	}
	return equal > OBJECTS ? 1 : 0;
}
