/* Fuzz target for drydock's request bodies: any create, update, patch or apply body gets a Status
 * or an object, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "drydock/cluster.h"
#include "drydock/protobuf.h"
#include "drydock/status.h"
#include "value/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dd_cluster cluster;
static int ready;

static void init(void)
{
	char dir[4096];
	const char *shared = getenv("CAP_SHARED_DATA");
	if (shared)
		snprintf(dir, sizeof(dir), "%s/kubernetes", shared);
	else
		snprintf(dir, sizeof(dir), "%s/../shared/data/kubernetes", CAP_SOURCE_DIR);
	dd_cluster_options o = {.data_dir = dir};
	if (dd_cluster_init(&cluster, &o) < 0) {
		fprintf(stderr, "fuzz_drydock_body: cannot load %s\n", dir);
		abort();
	}
	ready = 1;
}

static const struct {
	const char *method, *path, *ct;
} routes[] = {
    {"POST", "/api/v1/namespaces/default/configmaps", "application/json"},
    {"POST", "/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict",
     "application/json"},
    {"PUT", "/api/v1/namespaces/default/configmaps/fuzz", "application/json"},
    {"PATCH", "/apis/apps/v1/namespaces/default/deployments/fuzz",
     "application/strategic-merge-patch+json"},
    {"PATCH", "/api/v1/namespaces/default/configmaps/fuzz", "application/merge-patch+json"},
    {"PATCH", "/api/v1/namespaces/default/configmaps/fuzz", "application/json-patch+json"},
    {"PATCH", "/apis/apps/v1/namespaces/default/deployments/fuzz?fieldManager=f",
     "application/apply-patch+yaml"},
    {"POST", "/api/v1/namespaces/default/secrets", "application/vnd.kubernetes.protobuf"},
    {"DELETE", "/api/v1/namespaces/default/configmaps/fuzz", "application/json"},
    {"POST", "/api/v1/namespaces", "application/yaml"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		init();
	if (size < 1)
		return 0;
	unsigned r = data[0] % (sizeof(routes) / sizeof(routes[0]));
	cap_arena a;
	cap_arena_init(&a, 0);
	char *path = cap_arena_strdup(&a, routes[r].path);
	char *q = strchr(path, '?');
	if (q)
		*q++ = '\0';
	dd_request req = {0};
	req.method = routes[r].method;
	req.path = path;
	req.arena = &a;
	req.content_type = routes[r].ct;
	req.accept = "application/json";
	req.user_agent = "fuzz";
	req.body = (const char *)data + 1;
	req.body_len = size - 1;
	dd_query_init(&req.query);
	if (q)
		dd_query_parse(&req.query, q, strlen(q), &a);
	dd_response res;
	dd_response_init(&res);
	dd_api_handle(&cluster, &req, &res);
	/* every answer is JSON: an object or a Status */
	cap_value *v = NULL;
	if (res.status >= 100 &&
	    cap_json_parse(&v, res.body.ptr, res.body.len, "reply", NULL) != 0) {
		fprintf(stderr, "fuzz_drydock_body: reply is not JSON: %s\n", res.body.ptr);
		abort();
	}
	cap_value_free(v);
	dd_response_release(&res);
	cap_arena_release(&a);
	return 0;
}
