/* Building an Application's status pieces (sync, health, resources, operation state, history). */
#include "app/status.h"

#include "base/time.h"

#include <stdlib.h>
#include <string.h>

static void set_str(cap_value *o, const char *key, const char *s)
{
	if (s && *s)
		cap_value_object_set(o, key, cap_value_string(s));
}

static void set_copy(cap_value *o, const char *key, const cap_value *v)
{
	if (v)
		cap_value_object_set(o, key, cap_value_deep_copy(v));
}

static void set_time(cap_value *o, const char *key, const char *at)
{
	char now[CAP_RFC3339_LEN];
	cap_value_object_set(
	    o, key, cap_value_string(at ? at : cap_time_format_rfc3339(now, cap_time_wall_s())));
}

cap_value *cap_app_status_sync(const char *status, const char *revision, const cap_value *revisions,
			       const cap_value *source, const cap_value *sources,
			       const cap_value *destination, const cap_value *ignore_differences)
{
	cap_value *s = cap_value_object();
	cap_value *cmp = cap_value_object();
	if (sources)
		set_copy(cmp, "sources", sources);
	else
		set_copy(cmp, "source", source);
	set_copy(cmp, "destination", destination);
	if (cap_value_array_len(ignore_differences))
		set_copy(cmp, "ignoreDifferences", ignore_differences);
	cap_value_object_set(s, "comparedTo", cmp);
	if (revisions)
		set_copy(s, "revisions", revisions);
	else
		set_str(s, "revision", revision);
	set_str(s, "status", status);
	return s;
}

cap_value *cap_app_status_health(const char *status, const char *message)
{
	cap_value *h = cap_value_object();
	set_str(h, "status", status);
	set_str(h, "message", message);
	return h;
}

cap_value *cap_app_status_resource(const cap_app_resource_status *r)
{
	cap_value *o = cap_value_object();
	set_str(o, "group", r->group);
	set_str(o, "version", r->version);
	set_str(o, "kind", r->kind);
	set_str(o, "namespace", r->namespace);
	set_str(o, "name", r->name);
	set_str(o, "status", r->status);
	if (r->health_status)
		cap_value_object_set(o, "health",
				     cap_app_status_health(r->health_status, r->health_message));
	if (r->hook)
		cap_value_object_set(o, "hook", cap_value_bool(true));
	if (r->requires_pruning)
		cap_value_object_set(o, "requiresPruning", cap_value_bool(true));
	if (r->sync_wave)
		cap_value_object_set(o, "syncWave", cap_value_int(r->sync_wave));
	return o;
}

cap_value *cap_app_status_condition(const char *type, const char *message, const char *at)
{
	cap_value *c = cap_value_object();
	set_str(c, "type", type);
	cap_value_object_set(c, "message", cap_value_string(message ? message : ""));
	set_time(c, "lastTransitionTime", at);
	return c;
}

bool cap_app_status_condition_set(cap_value *conditions, const char *type, const char *message,
				  const char *at)
{
	for (size_t i = 0; i < cap_value_array_len(conditions); i++) {
		cap_value *c = cap_value_array_get(conditions, i);
		const char *t = cap_value_dig_string(c, "type", NULL);
		if (!t || strcmp(t, type))
			continue;
		const char *m = cap_value_dig_string(c, "message", NULL);
		if (m && !strcmp(m, message ? message : ""))
			return false;
		cap_value_array_set(conditions, i, cap_app_status_condition(type, message, at));
		return true;
	}
	cap_value_array_append(conditions, cap_app_status_condition(type, message, at));
	return true;
}

bool cap_app_status_condition_clear(cap_value *conditions, const char *type)
{
	bool changed = false;
	for (size_t i = cap_value_array_len(conditions); i-- > 0;) {
		const char *t =
		    cap_value_dig_string(cap_value_array_get(conditions, i), "type", NULL);
		if (t && !strcmp(t, type)) {
			cap_value_array_remove(conditions, i);
			changed = true;
		}
	}
	return changed;
}

cap_value *cap_app_operation_state_new(const cap_value *operation, const char *message,
				       const char *started_at)
{
	cap_value *s = cap_value_object();
	set_copy(s, "operation", operation);
	cap_value_object_set(s, "phase", cap_value_string("Running"));
	set_str(s, "message", message);
	set_time(s, "startedAt", started_at);
	return s;
}

bool cap_app_phase_completed(const char *phase)
{
	return phase &&
	       (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed") || !strcmp(phase, "Error"));
}

void cap_app_operation_state_set_phase(cap_value *state, const char *phase, const char *message,
				       const char *finished_at)
{
	cap_value_object_set(state, "phase", cap_value_string(phase));
	if (message)
		cap_value_object_set(state, "message", cap_value_string(message));
	if (cap_app_phase_completed(phase))
		set_time(state, "finishedAt", finished_at);
}

void cap_app_operation_state_set_result(cap_value *state, const char *revision,
					const cap_value *revisions, const cap_value *source,
					const cap_value *sources, cap_value *resources)
{
	cap_value *r = cap_value_object_get(state, "syncResult");
	if (!r) {
		cap_value_object_set(state, "syncResult", cap_value_object());
		r = cap_value_object_get(state, "syncResult");
	}
	if (resources)
		cap_value_object_set(r, "resources", resources);
	set_str(r, "revision", revision);
	set_copy(r, "revisions", revisions);
	set_copy(r, "source", source);
	set_copy(r, "sources", sources);
}

cap_value *cap_app_history_entry_new(const cap_app_history_entry *e)
{
	cap_value *h = cap_value_object();
	set_str(h, "revision", e->revision);
	set_copy(h, "revisions", e->revisions);
	set_time(h, "deployedAt", e->deployed_at);
	if (e->deploy_started_at)
		set_time(h, "deployStartedAt", e->deploy_started_at);
	cap_value_object_set(h, "id", cap_value_int(e->id));
	set_copy(h, "source", e->source);
	set_copy(h, "sources", e->sources);
	set_copy(h, "initiatedBy", e->initiated_by);
	return h;
}

int64_t cap_app_history_append(cap_value *history, cap_value *entry, int64_t limit)
{
	size_t n = cap_value_array_len(history);
	int64_t id = 0;
	if (n)
		id = cap_value_get_int(
			 cap_value_object_get(cap_value_array_get(history, n - 1), "id")) +
		     1;
	cap_value_object_set(entry, "id", cap_value_int(id));
	cap_value_array_append(history, entry);
	if (limit <= 0)
		limit = 1;
	while ((int64_t)cap_value_array_len(history) > limit)
		cap_value_array_remove(history, 0);
	return id;
}

cap_value *cap_app_history_find(const cap_value *history, int64_t id)
{
	for (size_t i = 0; i < cap_value_array_len(history); i++) {
		cap_value *h = cap_value_array_get(history, i);
		if (cap_value_is_int(cap_value_object_get(h, "id")) &&
		    cap_value_get_int(cap_value_object_get(h, "id")) == id)
			return h;
	}
	return NULL;
}

static void add_images(cap_value *set, const cap_value *containers)
{
	for (size_t i = 0; i < cap_value_array_len(containers); i++) {
		const char *img =
		    cap_value_dig_string(cap_value_array_get(containers, i), "image", NULL);
		if (!img || !*img)
			continue;
		size_t j = 0, n = cap_value_array_len(set);
		while (j < n && strcmp(cap_value_get_string(cap_value_array_get(set, j)), img) < 0)
			j++;
		if (j < n && !strcmp(cap_value_get_string(cap_value_array_get(set, j)), img))
			continue;
		cap_value_array_insert(set, j, cap_value_string(img));
	}
}

static void add_pod_spec(cap_value *set, const cap_value *spec)
{
	add_images(set, cap_value_object_get(spec, "initContainers"));
	add_images(set, cap_value_object_get(spec, "containers"));
}

cap_value *cap_app_status_images(const cap_value *objs)
{
	cap_value *set = cap_value_array();
	for (size_t i = 0; i < cap_value_array_len(objs); i++) {
		const cap_value *o = cap_value_array_get(objs, i);
		const char *kind = cap_value_dig_string(o, "kind", NULL);
		if (!kind)
			continue;
		if (!strcmp(kind, "Pod"))
			add_pod_spec(set, cap_value_object_get(o, "spec"));
		else if (!strcmp(kind, "CronJob"))
			add_pod_spec(set, cap_value_dig(o, "spec", "jobTemplate", "spec",
							"template", "spec", NULL));
		else
			add_pod_spec(set, cap_value_dig(o, "spec", "template", "spec", NULL));
	}
	return set;
}
