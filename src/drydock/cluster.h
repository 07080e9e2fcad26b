/* One emulated cluster: its store, its served types, and the options that shape its behaviour. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "drydock/http.h"
#include "drydock/registry.h"
#include "drydock/store.h"

typedef struct dd_openapi dd_openapi;
typedef struct dd_faults dd_faults;
struct cap_smd_schema;

typedef struct dd_cluster_options {
	const char *data_dir; /* the Kubernetes discovery and OpenAPI documents */
	bool controllers;     /* run the simulated workload controllers */
	unsigned controller_delay_ms;
	size_t history;	    /* events kept for watch resumption; 0 for the default */
	const char *ca_pem; /* the serving CA, when there is one (borrowed) */
} dd_cluster_options;

/*
 * The whole emulated API. `store.lock` guards everything here (registry included) except the
 * OpenAPI cache, which has its own lock. Background threads (garbage collector, namespace
 * lifecycle, workload controllers) take the same lock.
 */
typedef struct dd_cluster {
	dd_store store;
	dd_registry reg;
	dd_openapi *openapi;
	char *data_dir;
	bool controllers;
	unsigned controller_delay_ms;
	uint32_t next_ip; /* next Service clusterIP host part */
	uint64_t uid_counter;
	bool dirty; /* a delete or ownership change the collector should look at */
	bool stopping;
	pthread_t gc_thread;
	bool gc_running;
	pthread_t ctl_thread;
	bool ctl_running;
	struct cap_smd_schema *smd; /* structured-merge types for apply and managedFields; lazy */
	bool smd_failed;
	const char *ca_pem;	 /* PEM CA published in kube-root-ca.crt; borrowed, may be NULL */
	char server_address[64]; /* "127.0.0.1:port", for /api's serverAddressByClientCIDRs */
} dd_cluster;

/*
 * Loads the built-in types from opts->data_dir and creates the default, kube-system and
 * kube-public namespaces (with their default ServiceAccounts). Starts no threads.
 */
int dd_cluster_init(dd_cluster *c, const dd_cluster_options *opts);
/* Starts the garbage collector, namespace lifecycle and (when enabled) workload controllers. */
void dd_cluster_start(dd_cluster *c);
/* Stops the background threads and frees everything. */
void dd_cluster_release(dd_cluster *c);

/* Serves one request: any path under /api, /apis, /openapi, /version and the health checks. */
void dd_api_handle(dd_cluster *c, dd_request *req, dd_response *res);
