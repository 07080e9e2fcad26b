/* Cache footprint and speed: 1,000 apps of 20 Deployments, each with a ReplicaSet and 3 Pods. */
#include "base/buf.h"
#include "base/time.h"
#include "cache/cache.h"
#include "value/json.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#define APPS	1000
#define MANAGED_FIELDS                                                                             \
	"\"managedFields\":[{\"manager\":\"kube-controller-manager\",\"operation\":\"Update\","    \
	"\"apiVersion\":\"%s\",\"time\":\"2026-11-24T17:01:11Z\",\"fieldsType\":\"FieldsV1\","   \
	"\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:spec\":{"       \
	"\"f:replicas\":{},\"f:template\":{\"f:spec\":{\"f:containers\":{"                         \
	"\"k:{\\\"name\\\":\\\"c\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}}}}],"
#define PER_APP 20 /* tracked Deployments per app; each owns a ReplicaSet owning 3 Pods */

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static cap_value *object(const char *api, const char *kind, const char *name, const char *uid,
			 const char *owner, const char *app)
{
	cap_buf b = CAP_BUF_INIT;
	cap_buf_printf(&b,
		       "{\"apiVersion\":\"%s\",\"kind\":\"%s\",\"metadata\":{\"name\":\"%s\","
		       "\"namespace\":\"ns\",\"uid\":\"%s\",\"resourceVersion\":\"1\",",
		       api, kind, name, uid);
	/* what the API server's field tracking adds to every object */
	cap_buf_printf(&b, MANAGED_FIELDS, api);
	if (owner)
		cap_buf_printf(&b,
			       "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"x\","
			       "\"name\":\"x\",\"uid\":\"%s\",\"controller\":true}],",
			       owner);
	if (app)
		cap_buf_printf(&b,
			       "\"annotations\":{\"argocd.argoproj.io/tracking-id\":"
			       "\"%s:apps/Deployment:ns/%s\"},",
			       app, name);
	cap_buf_printf(&b,
		       "\"labels\":{\"app\":\"%s\"}},\"spec\":{\"replicas\":3,\"template\":{"
		       "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"registry/app:1.0\","
		       "\"ports\":[{\"containerPort\":8080}]}]}}},\"status\":{\"replicas\":3,"
		       "\"readyReplicas\":3,\"observedGeneration\":1}}",
		       name);
	cap_value *v = NULL;
	cap_json_parse(&v, b.ptr, b.len, "bench", NULL);
	cap_buf_release(&b);
	return v;
}

static void count(void *ctx, const char *app)
{
	(*(size_t *)ctx)++;
}

int main(void)
{
	size_t notices = 0;
	cap_cache_options o = {0};
	o.on_change = count;
	o.ctx = &notices;
	cap_cache *c = NULL;
	cap_cache_new(&c, NULL, &o);
	size_t before = heap_in_use();
	uint64_t t0 = cap_time_now_ns();
	char name[64], uid[64], owner[64], app[32];
	size_t n = 0;
	for (int a = 0; a < APPS; a++) {
		snprintf(app, sizeof(app), "app-%d", a);
		for (int d = 0; d < PER_APP; d++) {
			snprintf(name, sizeof(name), "web-%d-%d", a, d);
			snprintf(uid, sizeof(uid), "d-%d-%d", a, d);
			cap_value *v = object("apps/v1", "Deployment", name, uid, NULL, app);
			cap_cache_apply_event(c, CAP_KUBE_EVENT_ADDED, v);
			cap_value_free(v);
			snprintf(owner, sizeof(owner), "%s", uid);
			snprintf(name, sizeof(name), "web-%d-%d-rs", a, d);
			snprintf(uid, sizeof(uid), "r-%d-%d", a, d);
			v = object("apps/v1", "ReplicaSet", name, uid, owner, NULL);
			cap_cache_apply_event(c, CAP_KUBE_EVENT_ADDED, v);
			cap_value_free(v);
			snprintf(owner, sizeof(owner), "%s", uid);
			for (int p = 0; p < 3; p++) {
				snprintf(name, sizeof(name), "web-%d-%d-rs-%d", a, d, p);
				snprintf(uid, sizeof(uid), "p-%d-%d-%d", a, d, p);
				v = object("v1", "Pod", name, uid, owner, NULL);
				cap_cache_apply_event(c, CAP_KUBE_EVENT_ADDED, v);
				cap_value_free(v);
			}
			n += 5;
		}
	}
	double fill_s = (double)(cap_time_now_ns() - t0) / 1e9;
	size_t used = heap_in_use() - before;
	cap_cache_stats st;
	cap_cache_stats_get(c, &st);

	t0 = cap_time_now_ns();
	size_t got = 0;
	for (int a = 0; a < APPS; a++) {
		snprintf(app, sizeof(app), "app-%d", a);
		cap_value *objs = NULL;
		cap_cache_app_objects(&objs, c, app);
		got += cap_value_array_len(objs);
		cap_value_free(objs);
	}
	double lookup_s = (double)(cap_time_now_ns() - t0) / 1e9;

	printf("objects: %zu (%zu tracked by %zu apps), JSON held %.1f MiB\n", st.objects, got,
	       st.apps, (double)st.bytes / 1048576.0);
	printf("heap: %.1f MiB, %.0f bytes per object (%.1f MiB per 1,000 apps)\n",
	       (double)used / 1048576.0, (double)used / (double)n, (double)used / 1048576.0);
	printf("fill: %.0f events/s; change notices reaching an app: %zu of %zu\n",
	       (double)n / fill_s, notices, n);
	printf("app lookup (parse %d objects): %.1f us per app\n", PER_APP, lookup_s * 1e6 / APPS);
	cap_cache_free(c);
	return 0;
}
