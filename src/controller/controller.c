/* The controller's lifecycle: settings, caches, the Application informer and the two queues. */
#include "controller/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/log.h"
#include "git/tree_fs.h"
#include "patch/merge_patch.h"
#include "render/paths.h"
#include "sync/wave.h"
#include "value/json.h"

#define CACHE_SYNC_TIMEOUT_MS 60000
#define DRIFT_DELAY_MS	      200 /* gathers a burst of live events into one refresh */

cap_value *ctl_app_object(cap_controller *c, const char *name)
{
	pthread_mutex_lock(&c->lock);
	ctl_app *a = cap_hashmap_get(&c->apps, name);
	char *json = a ? cap_strdup(a->json) : NULL;
	pthread_mutex_unlock(&c->lock);
	cap_value *obj = NULL;
	if (json && cap_json_parse(&obj, json, strlen(json), name, NULL))
		obj = NULL;
	free(json);
	return obj;
}

int ctl_app_get(cap_controller *c, cap_value **out, const char *name)
{
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, CAP_APP_API_VERSION, CAP_APP_KIND, c->namespace, name);
	cap_kube_key_set_member(&key.resource, CAP_APP_RESOURCE);
	int rc = cap_kube_get(c->client, out, &key);
	cap_kube_key_release(&key);
	return rc;
}

void ctl_refresh_later(cap_controller *c, const char *name, uint64_t delay_ms)
{
	cap_workqueue_add_after(c->refresh_q, name, delay_ms);
}

int ctl_patch_app(cap_controller *c, const char *name, const cap_value *patch)
{
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, CAP_APP_API_VERSION, CAP_APP_KIND, c->namespace, name);
	cap_kube_key_set_member(&key.resource, CAP_APP_RESOURCE);
	int rc = cap_kube_patch(c->client, NULL, &key, CAP_KUBE_PATCH_MERGE, patch, NULL);
	cap_kube_key_release(&key);
	return rc;
}

int ctl_patch_status(cap_controller *c, const char *name, const cap_value *old,
		     const cap_value *status_new, cap_value *extra)
{
	cap_value *diff = NULL, *empty = cap_value_object();
	int rc = cap_merge_patch_create(&diff, old ? old : empty, status_new);
	cap_value_free(empty);
	if (rc) {
		cap_value_free(extra);
		return rc;
	}
	cap_value *patch = extra ? extra : cap_value_object();
	if (cap_value_object_len(diff))
		cap_value_object_set(patch, "status", diff);
	else
		cap_value_free(diff);
	if (cap_value_object_len(patch))
		rc = ctl_patch_app(c, name, patch);
	cap_value_free(patch);
	return rc;
}

/* What makes a refresh due when an Application changes: its spec and refresh annotation. */
static uint64_t trigger_of(const cap_value *obj)
{
	uint64_t h = cap_value_hash(cap_value_object_get(obj, "spec"));
	const char *r =
	    cap_value_dig_string(obj, "metadata", "annotations", CAP_APP_ANNOTATION_REFRESH, NULL);
	if (r)
		h ^= cap_hash_bytes(r, strlen(r)) * 31 + 7;
	const char *del = cap_value_dig_string(obj, "metadata", "deletionTimestamp", NULL);
	if (del)
		h ^= 0x9e3779b97f4a7c15ULL;
	return h;
}

static void free_app(void *p)
{
	ctl_app *a = p;
	if (a) {
		free(a->json);
		free(a);
	}
}

static void on_app_event(void *ctx, const cap_kube_event *ev)
{
	cap_controller *c = ctx;
	if (ev->type == CAP_KUBE_EVENT_SYNCED)
		return;
	const char *name = cap_value_dig_string(ev->object, "metadata", "name", NULL);
	if (!name)
		return;
	if (ev->type == CAP_KUBE_EVENT_DELETED) {
		void *old = NULL;
		pthread_mutex_lock(&c->lock);
		if (cap_hashmap_remove(&c->apps, name, &old))
			free_app(old);
		pthread_mutex_unlock(&c->lock);
		return;
	}
	uint64_t trigger = trigger_of(ev->object);
	/* kept as text: a parsed Application with its status weighs several times more */
	char *json = cap_json_to_string(ev->object, CAP_JSON_COMPACT);
	bool refresh = false;
	pthread_mutex_lock(&c->lock);
	ctl_app *a = cap_hashmap_get(&c->apps, name);
	if (!a) {
		a = cap_calloc(1, sizeof(*a));
		cap_hashmap_put(&c->apps, name, a);
		refresh = true;
	} else {
		refresh = a->trigger != trigger;
		free(a->json);
	}
	a->json = json;
	a->trigger = trigger;
	a->refetch |= refresh;
	if (cap_value_object_get(ev->object, "operation"))
		a->autosync_at_ms = 0; /* the operation auto-sync wrote is visible now */
	pthread_mutex_unlock(&c->lock);
	if (refresh)
		cap_workqueue_add(c->refresh_q, name);
	if (cap_value_object_get(ev->object, "operation"))
		cap_workqueue_add(c->op_q, name);
}

void ctl_live_changed(void *ctx, const char *app_name)
{
	cap_controller *c = ctx;
	pthread_mutex_lock(&c->lock);
	bool known = cap_hashmap_get(&c->apps, app_name) != NULL;
	pthread_mutex_unlock(&c->lock);
	if (known)
		ctl_refresh_later(c, app_name, DRIFT_DELAY_MS);
}

static bool exclude_kind(void *ctx, const char *group, const char *kind)
{
	cap_controller *c = ctx;
	return cap_settings_resource_excluded(&c->settings, group, kind,
					      CAP_KUBE_IN_CLUSTER_SERVER);
}

int cap_controller_new(cap_controller **out, cap_kube_client *client,
		       const cap_controller_options *opts)
{
	cap_controller_options none = {0};
	if (!opts)
		opts = &none;
	cap_controller *c = cap_calloc(1, sizeof(*c));
	c->client = client;
	c->namespace = cap_strdup(opts->namespace && *opts->namespace ? opts->namespace
								      : CAP_APP_DEFAULT_NAMESPACE);
	c->resync_ms = opts->resync_ms;
	c->status_workers = opts->status_processors ? opts->status_processors : 4;
	c->op_workers = opts->operation_processors ? opts->operation_processors : 2;
	c->self_heal_base_ms = opts->self_heal_base_ms ? opts->self_heal_base_ms : 2000;
	c->wave_delay_ms = CAP_SYNC_WAVE_DELAY_MS;
	const char *env_delay = getenv("ARGOCD_SYNC_WAVE_DELAY");
	if (opts->sync_wave_delay_set)
		c->wave_delay_ms = opts->sync_wave_delay_ms;
	else if (env_delay && *env_delay)
		c->wave_delay_ms = (uint64_t)strtoull(env_delay, NULL, 10) * 1000;
	c->repo_dir = opts->repo_cache_dir ? cap_strdup(opts->repo_cache_dir) : NULL;
	cap_settings_init(&c->settings);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->memo_lock, NULL);
	c->refresh_q = cap_workqueue_new();
	c->op_q = cap_workqueue_new();
	cap_workqueue_set_backoff(c->op_q, 1000, 60000);
	*out = c;
	return 0;
}

int cap_controller_start(cap_controller *c)
{
	int rc;
	cap_settings loaded;
	cap_settings_init(&loaded);
	if ((rc = cap_settings_load(&loaded, c->client, c->namespace))) {
		cap_settings_release(&loaded);
		return cap_error_prefix("cannot read the settings in namespace '%s': ",
					c->namespace);
	}
	cap_settings_release(&c->settings);
	c->settings = loaded;
	if (!c->resync_ms)
		c->resync_ms =
		    c->settings.reconciliation_ms ? c->settings.reconciliation_ms : 120000;

	if (!c->repo_dir) {
		cap_buf tmp = CAP_BUF_INIT;
		if ((rc = cap_render_mkdtemp(&tmp)))
			return rc;
		c->repo_dir = cap_buf_detach(&tmp, NULL);
		c->repo_dir_owned = true;
	}
	cap_git_cache_options go = {0};
	go.root = c->repo_dir;
	/* one ls-remote per repository answers every app for a while */
	go.refs_ttl_ms = (int)(c->resync_ms / 2 > 60000 ? 60000 : c->resync_ms / 2);
	if ((rc = cap_git_cache_open(&c->git, &go)))
		return cap_error_prefix("cannot open the repository cache: ");
	if ((rc = cap_render_cache_new(&c->renders, NULL)))
		return rc;

	cap_cache_options co = {0};
	co.instance_label_key = c->settings.instance_label_key;
	co.exclude = exclude_kind;
	co.exclude_ctx = c;
	co.on_change = ctl_live_changed;
	co.ctx = c;
	if ((rc = cap_cache_new(&c->cache, c->client, &co)) || (rc = cap_cache_start(c->cache)))
		return rc;
	if (!cap_cache_wait_synced(c->cache, CACHE_SYNC_TIMEOUT_MS))
		cap_log_warn("cluster cache not fully synced, going on", "timeout_ms", "60000");
	if ((rc = ctl_clusters_start(c)))
		return rc;

	if ((rc = cap_workqueue_start(c->refresh_q, c->status_workers, ctl_refresh, c)) ||
	    (rc = cap_workqueue_start(c->op_q, c->op_workers, ctl_operate, c)))
		return rc;

	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, CAP_APP_API_VERSION, CAP_APP_KIND, c->namespace, "");
	cap_kube_key_set_member(&key.resource, CAP_APP_RESOURCE);
	cap_kube_reflector_options ro = {0};
	ro.fn = on_app_event;
	ro.ctx = c;
	rc = cap_kube_reflector_start(&c->apps_reflector, c->client, &key, &ro);
	cap_kube_key_release(&key);
	if (rc)
		return cap_error_prefix("cannot watch Applications in namespace '%s': ",
					c->namespace);
	c->ready = true;
	cap_cache_stats st;
	cap_cache_stats_get(c->cache, &st);
	char types[32], objects[32];
	snprintf(types, sizeof(types), "%zu", st.types);
	snprintf(objects, sizeof(objects), "%zu", st.objects);
	cap_log_info("controller started", "namespace", c->namespace, "types", types, "objects",
		     objects);
	return 0;
}

bool cap_controller_ready(cap_controller *c)
{
	return c && c->ready && cap_kube_reflector_synced(c->apps_reflector);
}

void cap_controller_free(cap_controller *c)
{
	if (!c)
		return;
	c->ready = false;
	cap_kube_reflector_stop(c->apps_reflector);
	cap_workqueue_shutdown(c->refresh_q, CAP_WORKQUEUE_CANCEL);
	cap_workqueue_shutdown(c->op_q, CAP_WORKQUEUE_CANCEL);
	ctl_clusters_free(c);
	cap_cache_free(c->cache);
	cap_workqueue_free(c->refresh_q);
	cap_workqueue_free(c->op_q);
	cap_render_cache_free(c->renders);
	cap_git_cache_free(c->git);
	if (c->repo_dir_owned)
		cap_git_fs_remove(c->repo_dir);
	free(c->repo_dir);
	cap_hashmap_release(&c->apps, free_app);
	cap_hashmap_release(&c->diff_memo, NULL);
	pthread_mutex_destroy(&c->memo_lock);
	cap_settings_release(&c->settings);
	pthread_mutex_destroy(&c->lock);
	free(c->namespace);
	free(c);
}
