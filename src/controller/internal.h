/* The controller's shared state and the steps its processors are made of. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/application.h"
#include "app/project.h"
#include "app/settings.h"
#include "base/buf.h"
#include "base/hashmap.h"
#include "base/workqueue.h"
#include "cache/cache.h"
#include "diff/ignore.h"
#include "controller/controller.h"
#include "git/cache.h"
#include "kube/watch.h"
#include "render/cache.h"
#include "value/value.h"

/* What the controller remembers of one Application between events. */
typedef struct ctl_app {
	char *json;		 /* the last object seen, compact JSON (parsed when needed) */
	uint64_t trigger;	 /* hash of what makes a refresh due (spec, refresh annotation) */
	unsigned heal_attempts;	 /* self-heal syncs since the app was last Synced */
	uint64_t step_at_ms;	 /* monotonic time before which the operation is not stepped */
	uint64_t autosync_at_ms; /* when auto-sync wrote an operation the informer has not shown */
	bool refetch;		 /* new app or changed spec: ask remotes for their refs again */
	int64_t op_started;	 /* startedAt of the operation this process last stepped */
} ctl_app;

typedef struct ctl_clusters ctl_clusters;

struct cap_controller {
	cap_kube_client *client; /* the control plane, also the in-cluster destination */
	char *namespace;
	uint64_t resync_ms;
	unsigned status_workers, op_workers;
	uint64_t self_heal_base_ms;
	uint64_t wave_delay_ms; /* pause between sync waves */
	char *repo_dir;
	bool repo_dir_owned;

	cap_settings settings;
	cap_cache *cache;	/* the in-cluster destination's cache (also read for AppProjects) */
	ctl_clusters *clusters; /* every destination, see ctl_cluster_acquire */
	cap_git_cache *git;
	cap_render_cache *renders;
	cap_kube_reflector *apps_reflector;
	cap_workqueue *refresh_q, *op_q;

	pthread_mutex_t memo_lock; /* diff_memo */
	cap_hashmap diff_memo;	   /* diff key (config, live revision, rules) → 1 in sync, 2 not */

	pthread_mutex_t lock; /* apps */
	cap_hashmap apps;     /* name → ctl_app */
	bool ready;
};

/*
 * One destination cluster and its connection: a client and the cache mirroring the cluster.
 * The in-cluster destination borrows the controller's client and cache; any other is made the
 * first time an application needs it, from the cluster Secret, and is replaced (the old one
 * freed by its last user) when the Secret's server or credentials change.
 */
typedef struct ctl_cluster {
	const cap_settings_cluster *info; /* name, server, project; lives as long as c */
	cap_kube_client *client;
	cap_cache *cache;
	/* the rest is clusters.c's own */
	cap_controller *c;
	uint64_t fingerprint; /* of the Secret's data: a change makes a new connection */
	unsigned refs;	      /* users, under the registry's lock */
	bool retired;	      /* replaced or dropped: the last release frees it */
	bool owned;	      /* client and cache are this entry's (not the in-cluster ones) */
	pthread_mutex_t start_lock; /* one connection attempt at a time */
	bool connected;
	int error_code; /* the last failed attempt, when not connected */
	char *error;
	uint64_t retry_at_ms; /* no new attempt before then */
} ctl_cluster;

/*
 * Starts following the cluster Secrets (label argocd.argoproj.io/secret-type=cluster) of the
 * control namespace, after the settings are loaded: destinations are resolved against the
 * newest Secrets, and every application is refreshed when they change. Errors name the watch.
 */
int ctl_clusters_start(cap_controller *c);
/* Stops the Secret watch and frees every destination's connection. Accepts a never started c. */
void ctl_clusters_free(cap_controller *c);

/*
 * Resolves spec.destination against the newest cluster Secrets, with
 * cap_settings_resolve_destination's errors ("cluster 'URL' has not been configured"). *out
 * stays valid until the controller is freed.
 */
int ctl_destination(const cap_settings_cluster **out, cap_controller *c,
		    const cap_app_destination *dest);

/*
 * The connected destination of app, a reference to give back with ctl_cluster_release. The
 * first use of a cluster connects to it: client, cache started and synced. Errors: those of
 * ctl_destination, or, when the cluster cannot be reached or listed, the connection's code with
 * "failed to sync cluster URL: <reason>" (a failed cluster is tried again after a pause).
 */
int ctl_cluster_acquire(ctl_cluster **out, cap_controller *c, const cap_app *app);
/* Gives back a reference from ctl_cluster_acquire. Accepts NULL. */
void ctl_cluster_release(ctl_cluster *cl);

/* The cache callback that turns a change of an app's live objects into a refresh of the app. */
void ctl_live_changed(void *ctx, const char *app_name);

/* A new reference to the last seen object of Application name, or NULL. */
cap_value *ctl_app_object(cap_controller *c, const char *name);

/*
 * GETs Application name from the server (the informer's copy may lag behind writes): *out a new
 * value, untouched on failure; errors are the client's.
 */
int ctl_app_get(cap_controller *c, cap_value **out, const char *name);

/* Queues a refresh of name now (delay 0) or later. */
void ctl_refresh_later(cap_controller *c, const char *name, uint64_t delay_ms);

/*
 * What a comparison or sync renders: one source or several (multi-source apps), and the
 * revisions they resolved to. source and sources are borrowed; revisions is owned.
 */
typedef struct ctl_target {
	const cap_value *source;  /* single-source apps */
	const cap_value *sources; /* multi-source apps (then source is NULL) */
	char commit[41];	  /* single source: the resolved revision */
	cap_value *revisions;	  /* multi-source: a new array of resolved revisions */
	const char *source_type;  /* "Directory", "Kustomize", "Helm" of the (first) source */
	cap_value *hooks;	  /* a new array: the hooks the render held (set by ctl_desired) */
} ctl_target;

void ctl_target_release(ctl_target *t);
/* The revision text for logs: the commit, or the first of the revisions. */
const char *ctl_target_revision(const ctl_target *t);

/*
 * The desired state of app from t->source or t->sources at revision (single) or revisions
 * (multi; both NULL: each source's targetRevision): *out a new array of objects without hooks
 * and excluded kinds, and t's resolved revisions and hooks filled in. refetch asks remotes for
 * their refs again (a refresh was requested); hard renders even when cached. Errors carry the
 * render's message.
 */
int ctl_desired(cap_controller *c, cap_value **out, ctl_target *t, const cap_app *app,
		const char *revision, const cap_value *revisions, bool refetch, bool hard);

/* The comparison of desired objects with the live ones, per resource and for the app. */
typedef struct ctl_compare {
	cap_value *live;      /* new array: the live objects paired or tracked (extraneous, hooks) */
	cap_value *resources; /* new array: status.resources entries */
	bool *in_sync;	      /* per desired index */
	bool synced;	      /* the app is Synced */
	size_t out_of_sync;   /* resources out of sync */
	size_t need_pruning;  /* of which only need pruning */
	const char *health;   /* the app's health status name */
} ctl_compare;

/*
 * Compares desired with the live objects of app's destination. Errors are ctl_cluster_acquire's
 * (then *out is zeroed: no live objects, no resources).
 */
int ctl_compare_run(cap_controller *c, ctl_compare *out, const cap_app *app,
		    const cap_value *desired);
void ctl_compare_release(ctl_compare *cmp);

/* The ignoreDifferences rules of app: argocd-cm's and its own. Free with cap_diff_ignore_free. */
cap_diff_ignore *ctl_ignore_rules(cap_controller *c, const cap_app *app);

/* PATCHes the Application with a JSON merge patch; errors are the client's. */
int ctl_patch_app(cap_controller *c, const char *name, const cap_value *patch);

/*
 * Patches status to become status_new (old is the status the patch is computed from, may be
 * NULL); extra (may be NULL) is merged in at the top (e.g. operation: null). Nothing is sent
 * when nothing changes.
 */
int ctl_patch_status(cap_controller *c, const char *name, const cap_value *old,
		     const cap_value *status_new, cap_value *extra);

/*
 * The app's AppProject (from the cluster cache) once the app's sources and destination pass
 * its rules; errors carry Argo CD's messages ("Application referencing project X which does
 * not exist", "application repo … is not permitted in project 'X'"). Release *out.
 */
int ctl_project_get(cap_controller *c, cap_project *out, const cap_app *app,
		    const cap_settings_cluster *cluster);
/* Appends a message per object whose kind the project forbids; returns how many. */
int ctl_project_check_objects(cap_buf *out, const cap_project *p, const cap_value *objs);

/*
 * Whether p's sync windows let auto-sync start an operation for app now. When not, logs Argo
 * CD's "Sync prevented by sync window" and queues a refresh for when the windows next change.
 */
bool ctl_windows_auto_sync_allowed(cap_controller *c, const cap_app *app, const cap_project *p,
				   const cap_settings_cluster *cluster);
/*
 * Holds app's sync operation while its project's sync windows block it (manual operations are
 * those not initiatedBy.automated; one already under way may continue per syncOverrun): writes
 * operationState Running with "Sync operation blocked by sync window" and queues the operation
 * again for when the windows change (at the latest after a resync). Returns true when held;
 * false when the operation may run, or when its project cannot be read (the run reports it).
 */
bool ctl_windows_hold(cap_controller *c, const cap_app *app);

/*
 * Sets (message non-NULL) or clears the condition of type in status.conditions, stamped now;
 * an emptied conditions array is removed.
 */
void ctl_set_condition(cap_value *status, const char *type, const char *message, const char *now);

/* Finalizers Argo CD sets on Applications whose source renders PreDelete or PostDelete hooks. */
#define CTL_FINALIZER_PRE_DELETE	  "pre-delete-finalizer.argocd.argoproj.io"
#define CTL_FINALIZER_PRE_DELETE_CLEANUP  "pre-delete-finalizer.argocd.argoproj.io/cleanup"
#define CTL_FINALIZER_POST_DELETE	  "post-delete-finalizer.argoproj.io"
#define CTL_FINALIZER_POST_DELETE_CLEANUP "post-delete-finalizer.argoproj.io/cleanup"

/*
 * One round of the deletion of Application name (deletionTimestamp set), read afresh from the
 * server. The work is a sequence of stages, one per finalizer, each removing its finalizer once
 * done, so the progress survives a restart:
 *  1. pre-delete-finalizer.argocd.argoproj.io: the PreDelete hooks the source renders are
 *     created and must complete (a failed one blocks the deletion);
 *  2. resources-finalizer.argocd.argoproj.io (foreground) or …/background: the app's
 *     top-level objects are deleted wave by wave, highest first, each wave once the previous
 *     one is gone from the cache (sync/deletion.h: Delete=false kept, Delete=confirm waits for
 *     argocd.argoproj.io/deletion-approved); without either finalizer nothing is deleted;
 *  3. pre-delete-finalizer.argocd.argoproj.io/cleanup: PreDelete hooks deleted per policy;
 *  4. post-delete-finalizer.argoproj.io: the PostDelete hooks are created and must complete;
 *  5. post-delete-finalizer.argoproj.io/cleanup: PostDelete hooks deleted per policy.
 * Failures and waits on the user go into the DeletionError condition; the app is looked at
 * again until its last finalizer of these is gone.
 */
void ctl_app_delete(cap_controller *c, const char *name);

/*
 * Keeps the deletion-hook finalizers of a live (not deleted) app in step with its rendered
 * hooks (ctl_target.hooks): both pre-delete finalizers when a PreDelete hook is rendered, both
 * post-delete ones for a PostDelete hook, none otherwise, as Argo CD's refresh does. Failures
 * are logged.
 */
void ctl_app_delete_hook_finalizers(cap_controller *c, const cap_app *app, const cap_value *hooks);

/*
 * The status processor: one refresh of Application name. A deleted app is refreshed too (its
 * status.resources and health show the deletion's progress), then ctl_app_delete runs a round.
 */
void ctl_refresh(const char *name, void *ctx);
/* The operation processor: runs the operation of Application name, if it has one. */
void ctl_operate(const char *name, void *ctx);
