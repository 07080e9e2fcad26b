/* Cluster setup: built-in types, the namespaces and objects every cluster starts with, and the
 * background loops. */
#include "drydock/cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/time.h"
#include "drydock/controllers.h"
#include "drydock/gc.h"
#include "drydock/openapi.h"
#include "drydock/ops.h"
#include "schema/smd.h"
#include "value/json.h"

static void seed(dd_cluster *c, const char *group, const char *resource, const char *ns,
		 const char *json)
{
	dd_rtype *t = dd_registry_find_any(&c->reg, group, resource);
	cap_value *v;
	if (!t || cap_json_parse(&v, json, strlen(json), "seed", NULL) < 0)
		return;
	dd_write_opts o = {.field_manager = "kube-apiserver"};
	dd_response r;
	dd_response_init(&r);
	dd_op_create(c, t, ns, v, &o, &r);
	dd_response_release(&r);
}

/* The node's status as its kubelet would report it: Ready, with capacity and versions. */
static void node_status(dd_cluster *c)
{
	dd_rtype *t = dd_registry_find_any(&c->reg, "", "nodes");
	dd_obj *n = dd_store_get(&c->store, "/nodes", "", "drydock");
	if (!t || !n)
		return;
	char ts[CAP_RFC3339_LEN], json[2048];
	cap_time_format_rfc3339(ts, cap_time_wall_s());
	snprintf(json, sizeof(json),
		 "{\"addresses\":[{\"address\":\"172.18.0.2\",\"type\":\"InternalIP\"},"
		 "{\"address\":\"drydock\",\"type\":\"Hostname\"}],"
		 "\"allocatable\":{\"cpu\":\"8\",\"memory\":\"16Gi\",\"pods\":\"110\"},"
		 "\"capacity\":{\"cpu\":\"8\",\"memory\":\"16Gi\",\"pods\":\"110\"},"
		 "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":"
		 "\"KubeletReady\",\"message\":\"kubelet is posting ready status\","
		 "\"lastHeartbeatTime\":\"%s\",\"lastTransitionTime\":\"%s\"}],"
		 "\"nodeInfo\":{\"architecture\":\"amd64\",\"containerRuntimeVersion\":"
		 "\"containerd://1.7.24\",\"kernelVersion\":\"6.1.0\",\"kubeProxyVersion\":"
		 "\"v1.32.0\",\"kubeletVersion\":\"v1.32.0\",\"operatingSystem\":\"linux\","
		 "\"osImage\":\"drydock\",\"machineID\":\"\",\"systemUUID\":\"\",\"bootID\":\"\"}}",
		 ts, ts);
	cap_value *st;
	if (cap_json_parse(&st, json, strlen(json), "node status", NULL) < 0)
		return;
	cap_value *v = cap_value_deep_copy(n->v);
	cap_value_object_set(v, "status", st);
	dd_write_opts o = {.field_manager = "kubelet", .subresource = "status"};
	dd_response r;
	dd_response_init(&r);
	dd_op_update(c, t, "", "drydock", v, &o, &r);
	dd_response_release(&r);
}

int dd_cluster_init(dd_cluster *c, const dd_cluster_options *opts)
{
	memset(c, 0, sizeof(*c));
	dd_store_init(&c->store, opts->history);
	dd_registry_init(&c->reg);
	c->data_dir = cap_strdup(opts->data_dir);
	c->controllers = opts->controllers;
	c->controller_delay_ms = opts->controller_delay_ms;
	c->next_ip = 2;
	c->ca_pem = opts->ca_pem;
	int rc = dd_registry_load(&c->reg, c->data_dir);
	if (rc < 0) {
		cap_error_prefix("cannot load the Kubernetes types: ");
		return rc;
	}
	dd_store_lock(&c->store);
	static const char *const namespaces[] = {"default", "kube-system", "kube-public",
						 "kube-node-lease", NULL};
	for (const char *const *n = namespaces; *n; n++) {
		char json[256];
		snprintf(
		    json, sizeof(json),
		    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}",
		    *n);
		seed(c, "", "namespaces", "", json);
	}
	seed(c, "", "services", "default",
	     "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"kubernetes\","
	     "\"labels\":{\"component\":\"apiserver\",\"provider\":\"kubernetes\"}},"
	     "\"spec\":{\"clusterIP\":\"10.96.0.1\",\"ports\":[{\"name\":\"https\",\"port\":443,"
	     "\"protocol\":\"TCP\",\"targetPort\":6443}],\"sessionAffinity\":\"None\","
	     "\"type\":\"ClusterIP\"}}");
	seed(c, "", "nodes", "",
	     "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"drydock\","
	     "\"labels\":{\"kubernetes.io/hostname\":\"drydock\",\"kubernetes.io/os\":\"linux\","
	     "\"kubernetes.io/arch\":\"amd64\",\"node-role.kubernetes.io/control-plane\":\"\"}},"
	     "\"spec\":{\"podCIDR\":\"10.244.0.0/24\"}}");
	node_status(c);
	dd_store_unlock(&c->store);
	return 0;
}

static void *gc_loop(void *arg)
{
	dd_cluster *c = arg;
	uint64_t next_expiry = cap_time_now_ms() + 60000;
	dd_store_lock(&c->store);
	while (!c->stopping) {
		if (cap_time_now_ms() >= next_expiry) {
			dd_gc_expire_events(c, 3600);
			next_expiry = cap_time_now_ms() + 60000;
		}
		if (c->dirty) {
			c->dirty = false;
			for (int i = 0; i < 16 && dd_gc_pass(c); i++)
				;
		}
		dd_store_unlock(&c->store);
		cap_time_sleep_ms(50);
		dd_store_lock(&c->store);
	}
	dd_store_unlock(&c->store);
	return NULL;
}

void dd_cluster_start(dd_cluster *c)
{
	if (pthread_create(&c->gc_thread, NULL, gc_loop, c) == 0)
		c->gc_running = true;
	if (c->controllers && pthread_create(&c->ctl_thread, NULL, dd_controllers_loop, c) == 0)
		c->ctl_running = true;
}

void dd_cluster_release(dd_cluster *c)
{
	dd_store_lock(&c->store);
	c->stopping = true;
	c->store.closing = true;
	pthread_cond_broadcast(&c->store.changed);
	dd_store_unlock(&c->store);
	if (c->gc_running)
		pthread_join(c->gc_thread, NULL);
	if (c->ctl_running)
		pthread_join(c->ctl_thread, NULL);
	dd_openapi_free(c->openapi);
	if (c->smd) {
		cap_smd_schema_release(c->smd);
		free(c->smd);
	}
	dd_registry_release(&c->reg);
	dd_store_release(&c->store);
	free(c->data_dir);
}
