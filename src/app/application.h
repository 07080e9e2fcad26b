/* The Argo CD Application (argoproj.io/v1alpha1) as a typed, read-only view over its JSON. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

#define CAP_APP_GROUP		  "argoproj.io"
#define CAP_APP_VERSION		  "v1alpha1"
#define CAP_APP_API_VERSION	  "argoproj.io/v1alpha1"
#define CAP_APP_KIND		  "Application"
#define CAP_APP_RESOURCE	  "applications"
#define CAP_APP_DEFAULT_NAMESPACE "argocd"

/* Annotations and finalizers with Argo CD's names. */
#define CAP_APP_ANNOTATION_REFRESH	       "argocd.argoproj.io/refresh" /* "normal" or "hard" */
#define CAP_APP_FINALIZER_RESOURCES	       "resources-finalizer.argocd.argoproj.io"
#define CAP_APP_FINALIZER_RESOURCES_BACKGROUND "resources-finalizer.argocd.argoproj.io/background"

/* status.sync.status values. */
#define CAP_APP_SYNC_SYNCED	 "Synced"
#define CAP_APP_SYNC_OUT_OF_SYNC "OutOfSync"
#define CAP_APP_SYNC_UNKNOWN	 "Unknown"

/* status.operationState.phase values. */
#define CAP_APP_PHASE_RUNNING	  "Running"
#define CAP_APP_PHASE_SUCCEEDED	  "Succeeded"
#define CAP_APP_PHASE_FAILED	  "Failed"
#define CAP_APP_PHASE_ERROR	  "Error"
#define CAP_APP_PHASE_TERMINATING "Terminating"

/* Default spec.revisionHistoryLimit. */
#define CAP_APP_HISTORY_LIMIT_DEFAULT 10

/*
 * spec.syncPolicy.retry and operation.retry. Durations are in milliseconds; absent fields take
 * Argo CD's defaults: backoff duration 5s, factor 2, maxDuration 3m. limit 0 means no retry,
 * negative means retry forever (as Argo CD reads a negative limit).
 */
typedef struct cap_app_retry {
	bool present;
	int64_t limit;
	uint64_t duration_ms;
	int64_t factor;
	uint64_t max_duration_ms;
} cap_app_retry;

/*
 * The wait before retry attempt number `attempt` (0 for the first retry): duration *
 * factor^attempt, capped at max_duration.
 */
uint64_t cap_app_retry_delay_ms(const cap_app_retry *r, unsigned attempt);

/*
 * Parses an Argo CD duration: a bare number is seconds ("30"), else Go's syntax ("5s", "2m",
 * "1h30m", "500ms"). CAP_EINVALID quoting the text otherwise.
 */
int cap_app_parse_duration_ms(uint64_t *out, const char *text);

/* spec.destination. Borrowed strings; NULL when absent or "". */
typedef struct cap_app_destination {
	const char *server;
	const char *name;
	const char *namespace;
} cap_app_destination;

/* spec.syncPolicy. */
typedef struct cap_app_sync_policy {
	/* automated present and not `enabled: false` */
	bool automated;
	bool prune;
	bool self_heal;
	bool allow_empty;
	cap_value *sync_options; /* borrowed array of "Name=value" strings, or NULL */
	cap_app_retry retry;
	cap_value *managed_namespace_metadata; /* borrowed {labels, annotations} or NULL */
} cap_app_sync_policy;

/* One entry of operation.sync.resources: the objects a selective sync is limited to. */
typedef struct cap_app_sync_resource {
	const char *group; /* "" for the core group */
	const char *kind;
	const char *namespace; /* NULL: any */
	const char *name;
} cap_app_sync_resource;

/* The `operation` field: what a user or auto-sync asked the controller to do. */
typedef struct cap_app_operation {
	bool present;	      /* the Application has an operation */
	bool has_sync;	      /* operation.sync is set (the only kind Argo CD has) */
	const char *revision; /* operation.sync.revision or NULL */
	cap_value *revisions; /* operation.sync.revisions (multi-source) or NULL */
	cap_value *source;    /* operation.sync.source (rollback) or NULL */
	cap_value *sources;   /* operation.sync.sources or NULL */
	bool prune;
	bool dry_run;
	/* operation.sync.resources, parsed; n_resources 0 means the whole app */
	cap_app_sync_resource *resources;
	size_t n_resources;
	cap_value *sync_options; /* operation.sync.syncOptions (array) or NULL */
	/* "hook" (default) or "apply"; force from syncStrategy.<kind>.force */
	const char *strategy;
	bool force;
	const char *initiated_by; /* initiatedBy.username or NULL */
	bool automated;		  /* initiatedBy.automated */
	cap_app_retry retry;
	cap_value *raw; /* the whole operation object (borrowed) or NULL */
} cap_app_operation;

/*
 * A parsed Application. The struct holds a reference to raw; every pointer is borrowed from
 * raw and lives as long as the struct. Fields left out of the object are NULL (or false or the
 * default named). Nothing here changes raw.
 */
typedef struct cap_app {
	cap_value *raw;
	const char *name;
	const char *namespace;
	const char *uid;
	const char *resource_version;
	const char *deletion_timestamp; /* set while being deleted */
	const char *refresh;		/* the refresh annotation: "normal", "hard" or NULL */
	bool has_resources_finalizer;	/* either resources finalizer is present */
	const char *project;		/* spec.project; "default" when "" or absent */

	/*
	 * spec.source (an object) when the app has a single source, else NULL; spec.sources (an
	 * array) for multi-source apps, else NULL. Pass them to cap_render_source_parse.
	 */
	cap_value *source;
	cap_value *sources;

	cap_app_destination destination;
	cap_app_sync_policy sync_policy;
	cap_value *ignore_differences;	/* spec.ignoreDifferences array or NULL */
	cap_value *info;		/* spec.info or NULL */
	int64_t revision_history_limit; /* CAP_APP_HISTORY_LIMIT_DEFAULT when absent */

	cap_app_operation operation;
	cap_value *status; /* the status object or NULL; see app/status.h for its pieces */
} cap_app;

/*
 * Reads an Application object into out, taking a reference to obj. CAP_EINVALID naming the
 * field when the object is not an Application or a field has the wrong type ("application
 * 'web': 'spec.destination' must be an object"). out is untouched on failure; release with
 * cap_app_release.
 */
int cap_app_parse(cap_app *out, cap_value *obj);
/* Frees what parse allocated and drops the reference to raw. Accepts NULL. */
void cap_app_release(cap_app *app);

/* The number of sources: 1 for spec.source, the length of spec.sources, 0 when neither. */
size_t cap_app_source_count(const cap_app *app);
/* The i-th source object (borrowed), or NULL when out of range. */
cap_value *cap_app_source_at(const cap_app *app, size_t i);

/*
 * Sync option lookups over an array of "Name=value" strings (syncPolicy.syncOptions, an
 * operation's syncOptions, or the argocd.argoproj.io/sync-options annotation split on ',').
 * cap_app_sync_option_has(list, "CreateNamespace=true") matches the whole option, comparing
 * the name exactly and the value case-insensitively as Argo CD does; cap_app_sync_option_get
 * returns the value of the last "Name=…" entry (borrowed) or NULL.
 */
bool cap_app_sync_option_has(const cap_value *options, const char *option);
const char *cap_app_sync_option_get(const cap_value *options, const char *name);
/* Whether the app (policy options, then the running operation's) has option. */
bool cap_app_has_sync_option(const cap_app *app, const char *option);

/* Whether the operation limits the sync to resources and the object is not among them. */
bool cap_app_operation_excludes(const cap_app_operation *op, const char *group, const char *kind,
				const char *namespace, const char *name);

/*
 * What a sync operation asks for, in the shape `argocd app sync` writes:
 * {sync: {revision, prune, dryRun, resources, syncOptions, syncStrategy: {hook: {}} or
 * {apply: {force}}}, initiatedBy: {username} or {automated: true}, retry}.
 */
typedef struct cap_app_sync_request {
	const char *revision; /* NULL: omitted (the app's target) */
	cap_value *revisions; /* borrowed array for multi-source apps, or NULL */
	cap_value *source;    /* borrowed source to sync instead of the spec's (rollback) */
	cap_value *sources;   /* borrowed, for multi-source rollback */
	bool prune;
	bool dry_run;
	const cap_app_sync_resource *resources; /* n_resources of them, or NULL */
	size_t n_resources;
	cap_value *sync_options; /* borrowed array, or NULL */
	bool apply_strategy;	 /* syncStrategy apply instead of hook */
	bool force;
	const char *username;	    /* initiatedBy.username; ignored when automated */
	bool automated;		    /* initiatedBy.automated: true */
	const cap_app_retry *retry; /* copied into operation.retry when present */
} cap_app_sync_request;

/* A new operation object built from req. */
cap_value *cap_app_operation_new(const cap_app_sync_request *req);

/*
 * The object pieces users write to create an Application: a new Application object with
 * apiVersion, kind, metadata {name, namespace} and spec {project: "default", destination: {},
 * source: {}} ready to be filled.
 */
cap_value *cap_app_object_new(const char *name, const char *namespace);
