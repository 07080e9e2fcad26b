/* The Argo CD AppProject: sources, destinations and kinds an application may use. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "app/application.h"
#include "kube/client.h"
#include "value/value.h"

#define CAP_PROJECT_KIND     "AppProject"
#define CAP_PROJECT_RESOURCE "appprojects"
#define CAP_PROJECT_DEFAULT  "default"

/* One syncWindows entry (parsed only; evaluation belongs to the controller). Borrowed. */
typedef struct cap_project_sync_window {
	const char *kind;     /* "allow" or "deny" */
	const char *schedule; /* cron expression */
	const char *duration; /* "1h" */
	cap_value *applications;
	cap_value *namespaces;
	cap_value *clusters;
	bool manual_sync;
	const char *time_zone;
} cap_project_sync_window;

/*
 * A parsed AppProject. Holds a reference to raw; every pointer is borrowed from it. The lists
 * are the spec's arrays (NULL when absent).
 */
typedef struct cap_project {
	cap_value *raw;
	const char *name;
	cap_value *source_repos;      /* strings, globs, "!"-prefixed denials */
	cap_value *destinations;      /* {server, name, namespace} globs */
	cap_value *cluster_whitelist; /* {group, kind} */
	cap_value *cluster_blacklist;
	cap_value *namespace_whitelist;
	cap_value *namespace_blacklist;
	cap_value *source_namespaces;
	cap_project_sync_window *windows;
	size_t n_windows;
} cap_project;

/* Reads an AppProject object, taking a reference. CAP_EINVALID naming the field. */
int cap_project_parse(cap_project *out, cap_value *obj);
void cap_project_release(cap_project *p);

/*
 * The default AppProject Argo CD installs, a new object: sourceRepos ['*'], destinations
 * [{server: '*', namespace: '*'}], clusterResourceWhitelist [{group: '*', kind: '*'}].
 */
cap_value *cap_project_default_object(const char *namespace);

/*
 * Argo CD's glob match (shell patterns, '*' crossing '/'), used for repos, servers, names,
 * namespaces, groups and kinds.
 */
bool cap_project_glob(const char *pattern, const char *text);

/*
 * Whether repo_url may be used: some non-negated pattern matches and no "!pattern" does.
 * URLs are compared normalised (case, trailing ".git" and "/"), as Argo CD does.
 */
bool cap_project_source_permitted(const cap_project *p, const char *repo_url);

/*
 * Whether a destination may be used. server and name are the resolved server URL and cluster
 * name (either may be NULL); a destination entry matches when its server glob matches server or
 * its name glob matches name, and its namespace glob matches namespace ("" for cluster-scoped).
 * "!" entries deny.
 */
bool cap_project_destination_permitted(const cap_project *p, const char *server, const char *name,
				       const char *namespace);

/*
 * Whether a kind may be managed: cluster-scoped kinds need a clusterResourceWhitelist match and
 * no blacklist match; namespaced kinds are allowed unless namespaceResourceBlacklist matches or
 * a non-empty namespaceResourceWhitelist does not.
 */
bool cap_project_resource_permitted(const cap_project *p, const char *group, const char *kind,
				    bool namespaced);

/*
 * The checks Argo CD makes on an Application against its project, as CAP_EPERM with its
 * message: "application repo URL is not permitted in project 'P'" and "application destination
 * server 'S' and namespace 'N' do not match any of the allowed destinations in project 'P'".
 * dest_server and dest_name are the resolved destination (see cap_settings_resolve_destination).
 * Also CAP_EINVALID "application references project X which does not exist" is the caller's,
 * when the project is missing.
 */
int cap_project_check_app(const cap_project *p, const cap_app *app, const char *dest_server,
			  const char *dest_name);

/*
 * GETs the AppProject name in namespace and parses it into out. A missing project is
 * CAP_ENOTFOUND "application references project NAME which does not exist", as Argo CD says.
 */
int cap_project_load(cap_project *out, cap_kube_client *client, const char *namespace,
		     const char *name);
