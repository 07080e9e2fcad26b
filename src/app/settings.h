/* Argo CD settings: argocd-cm, repository and cluster Secrets, destination resolution. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/application.h"
#include "git/creds.h"
#include "health/overrides.h"
#include "kube/client.h"
#include "kube/config.h"
#include "render/render.h"
#include "value/value.h"

#define CAP_SETTINGS_CM			    "argocd-cm"
#define CAP_SETTINGS_RBAC_CM		    "argocd-rbac-cm"
#define CAP_SETTINGS_SECRET		    "argocd-secret"
#define CAP_SETTINGS_SECRET_TYPE_LABEL	    "argocd.argoproj.io/secret-type"
#define CAP_SETTINGS_PART_OF_LABEL	    "app.kubernetes.io/part-of"
#define CAP_SETTINGS_IN_CLUSTER_NAME	    "in-cluster"
#define CAP_SETTINGS_INSTANCE_LABEL_DEFAULT "app.kubernetes.io/instance"

/* A destination cluster: a cluster Secret, or the in-cluster one. Owned strings. */
typedef struct cap_settings_cluster {
	char *name;
	char *server;
	char *project;	   /* may be NULL */
	cap_value *secret; /* the Secret object (reference), NULL for the implicit in-cluster */
	bool in_cluster;   /* server is https://kubernetes.default.svc: the cluster Capstan uses */
} cap_settings_cluster;

/*
 * Settings read from argocd-cm and the labelled Secrets. Every member is owned. Built once,
 * then read-only, so many threads may read it; rebuild a new one on change.
 */
typedef struct cap_settings {
	char *instance_label_key;	   /* application.instanceLabelKey; default as above */
	cap_render_tracking tracking;	   /* application.resourceTrackingMethod; annotation */
	uint64_t reconciliation_ms;	   /* timeout.reconciliation: 120000 */
	uint64_t reconciliation_jitter_ms; /* timeout.reconciliation.jitter: 0 */
	bool in_cluster_enabled;	   /* cluster.inClusterEnabled: true */
	cap_value *exclusions;		   /* resource.exclusions: [{apiGroups, kinds, clusters}] */
	cap_value *inclusions;		   /* resource.inclusions, or NULL (everything) */
	cap_value *cm;			   /* argocd-cm (reference) for resource.customizations.* */
	cap_health_overrides *health;	   /* resource.customizations health checks, or NULL */
	cap_git_credstore *repos;	   /* repository and repo-creds Secrets */
	cap_settings_cluster
	    *clusters; /* cluster Secrets, then in-cluster unless a Secret names it */
	size_t n_clusters;
} cap_settings;

/* Defaults only: no argocd-cm, no Secrets, the in-cluster destination. Allocates. */
void cap_settings_init(cap_settings *s);
void cap_settings_release(cap_settings *s);

/*
 * Reads argocd-cm (a ConfigMap object; NULL keeps the defaults). resource.exclusions and
 * resource.inclusions are YAML lists; the custom health checks (resource.customizations and
 * resource.customizations.health.<group>_<kind>) go to health. CAP_EINVALID naming the key on
 * malformed values.
 */
int cap_settings_load_cm(cap_settings *s, const cap_value *cm);

/*
 * Adds one Secret by its secret-type label: repository and repo-creds go to repos, cluster to
 * clusters (name, server, config, project from data or stringData). Unlabelled Secrets are
 * ignored (returns 0). CAP_EINVALID naming the Secret when a field is unusable.
 */
int cap_settings_add_secret(cap_settings *s, const cap_value *secret);

/*
 * Everything from the cluster: argocd-cm in namespace (absent is fine) and the Secrets
 * labelled argocd.argoproj.io/secret-type there. Replaces *out on success.
 */
int cap_settings_load(cap_settings *out, cap_kube_client *client, const char *namespace);

/* The cluster with that server URL or name (either may be NULL), borrowed, or NULL. */
const cap_settings_cluster *cap_settings_find_cluster(const cap_settings *s, const char *server,
						      const char *name);

/*
 * Resolves spec.destination to a cluster, as Argo CD does: a name is looked up ("there are no
 * clusters with this name: X"), a server must be known or in-cluster ("cluster 'URL' has not
 * been configured"), both set is CAP_EINVALID ("application destination can't have both name
 * and server defined: N S"), neither is CAP_EINVALID ("application destination server and/or
 * name is not set"). *out is borrowed from s.
 */
int cap_settings_resolve_destination(const cap_settings_cluster **out, const cap_settings *s,
				     const cap_app_destination *dest);

/*
 * Whether a kind is excluded from management on cluster server: resource.exclusions matches,
 * or resource.inclusions is set and does not. Globs as in Argo CD; Events and a few other
 * built-in exclusions of Argo CD are always excluded.
 */
bool cap_settings_resource_excluded(const cap_settings *s, const char *group, const char *kind,
				    const char *server);

/* The argocd-cm value of key (borrowed) or NULL: for resource.customizations.* passthrough. */
const char *cap_settings_cm_get(const cap_settings *s, const char *key);
