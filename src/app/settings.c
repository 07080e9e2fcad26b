/* Argo CD settings from argocd-cm and labelled Secrets, and resolving an app's destination. */
#include "app/settings.h"

#include "app/project.h"
#include "base/alloc.h"
#include "base/base64.h"
#include "base/buf.h"
#include "base/error.h"
#include "value/yaml.h"

#include <stdlib.h>
#include <string.h>

static void add_cluster(cap_settings *s, const char *name, const char *server, const char *project,
			const cap_value *secret)
{
	s->clusters = cap_realloc(s->clusters, (s->n_clusters + 1) * sizeof(*s->clusters));
	cap_settings_cluster *c = &s->clusters[s->n_clusters++];
	c->name = cap_strdup(name ? name : server);
	c->server = cap_strdup(server);
	c->project = project ? cap_strdup(project) : NULL;
	c->secret = cap_value_deep_copy(secret);
	c->in_cluster = !strcmp(server, CAP_KUBE_IN_CLUSTER_SERVER);
}

static void cluster_release(cap_settings_cluster *c)
{
	free(c->name);
	free(c->server);
	free(c->project);
	cap_value_free(c->secret);
}

void cap_settings_init(cap_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->instance_label_key = cap_strdup(CAP_SETTINGS_INSTANCE_LABEL_DEFAULT);
	s->tracking = CAP_TRACK_ANNOTATION;
	s->reconciliation_ms = 120000;
	s->in_cluster_enabled = true;
	s->repos = cap_git_credstore_new();
	add_cluster(s, CAP_SETTINGS_IN_CLUSTER_NAME, CAP_KUBE_IN_CLUSTER_SERVER, NULL, NULL);
}

void cap_settings_release(cap_settings *s)
{
	if (!s)
		return;
	free(s->instance_label_key);
	cap_value_free(s->exclusions);
	cap_value_free(s->inclusions);
	cap_value_free(s->cm);
	cap_health_overrides_free(s->health);
	cap_git_credstore_free(s->repos);
	for (size_t i = 0; i < s->n_clusters; i++)
		cluster_release(&s->clusters[i]);
	free(s->clusters);
	memset(s, 0, sizeof(*s));
}

static int read_rules(cap_value **out, const char *text, const char *key)
{
	cap_value *v = NULL;
	if (cap_yaml_parse(&v, text, strlen(text), key, NULL))
		return cap_error_prefix("cannot read argocd-cm '%s': ", key);
	if (!cap_value_is_null(v) && !cap_value_is_array(v)) {
		cap_value_free(v);
		return cap_error_set(CAP_EINVALID, "cannot read argocd-cm '%s': not a list", key);
	}
	cap_value_free(*out);
	*out = cap_value_is_null(v) ? NULL : v;
	if (cap_value_is_null(v))
		cap_value_free(v);
	return 0;
}

int cap_settings_load_cm(cap_settings *s, const cap_value *cm)
{
	if (!cm)
		return 0;
	const cap_value *data = cap_value_object_get(cm, "data");
	const char *v;
	int rc;
	if ((v = cap_value_dig_string(data, "application.instanceLabelKey", NULL)) && *v) {
		free(s->instance_label_key);
		s->instance_label_key = cap_strdup(v);
	}
	if ((v = cap_value_dig_string(data, "application.resourceTrackingMethod", NULL)) && *v &&
	    cap_render_tracking_parse(&s->tracking, v))
		return cap_error_prefix(
		    "cannot read argocd-cm 'application.resourceTrackingMethod': ");
	if ((v = cap_value_dig_string(data, "timeout.reconciliation", NULL)) && *v &&
	    cap_app_parse_duration_ms(&s->reconciliation_ms, v))
		return cap_error_prefix("cannot read argocd-cm 'timeout.reconciliation': ");
	if ((v = cap_value_dig_string(data, "timeout.reconciliation.jitter", NULL)) && *v &&
	    cap_app_parse_duration_ms(&s->reconciliation_jitter_ms, v))
		return cap_error_prefix("cannot read argocd-cm 'timeout.reconciliation.jitter': ");
	if ((v = cap_value_dig_string(data, "cluster.inClusterEnabled", NULL)) && *v)
		s->in_cluster_enabled = strcmp(v, "false") != 0;
	if ((v = cap_value_dig_string(data, "resource.exclusions", NULL)) &&
	    (rc = read_rules(&s->exclusions, v, "resource.exclusions")))
		return rc;
	if ((v = cap_value_dig_string(data, "resource.inclusions", NULL)) &&
	    (rc = read_rules(&s->inclusions, v, "resource.inclusions")))
		return rc;
	cap_health_overrides *health = NULL;
	if ((rc = cap_health_overrides_from_configmap(&health, cm)))
		return rc;
	cap_health_overrides_free(s->health);
	s->health = health;
	cap_value_free(s->cm);
	s->cm = cap_value_deep_copy(cm);
	return 0;
}

const char *cap_settings_cm_get(const cap_settings *s, const char *key)
{
	return cap_value_dig_string(s->cm, "data", key, NULL);
}

/* A Secret field from stringData, else decoded from data, into out; 1 when found. */
static int secret_field(cap_buf *out, const cap_value *secret, const char *key)
{
	cap_buf_clear(out);
	const char *v = cap_value_dig_string(secret, "stringData", key, NULL);
	if (v) {
		cap_buf_puts(out, v);
		return 1;
	}
	v = cap_value_dig_string(secret, "data", key, NULL);
	if (!v)
		return 0;
	if (cap_base64_decode(out, v, strlen(v), CAP_BASE64_LENIENT))
		return cap_error_set(CAP_EINVALID, "secret '%s': '%s' is not base64",
				     cap_value_dig_string(secret, "metadata", "name", NULL) ?: "",
				     key);
	return 1;
}

int cap_settings_add_secret(cap_settings *s, const cap_value *secret)
{
	const char *type = cap_value_dig_string(secret, "metadata", "labels",
						CAP_SETTINGS_SECRET_TYPE_LABEL, NULL);
	if (!type)
		return 0;
	if (!strcmp(type, "repository") || !strcmp(type, "repo-creds")) {
		int rc = cap_git_credstore_add_secret(s->repos, secret);
		return rc == CAP_ENOTFOUND ? 0 : rc;
	}
	if (strcmp(type, "cluster"))
		return 0;
	cap_buf server = CAP_BUF_INIT, name = CAP_BUF_INIT, project = CAP_BUF_INIT;
	int rc, has_name, has_project;
	if ((rc = secret_field(&server, secret, "server")) < 0 ||
	    (has_name = secret_field(&name, secret, "name")) < 0 ||
	    (has_project = secret_field(&project, secret, "project")) < 0)
		goto done;
	if (!rc || !server.len) {
		rc = cap_error_set(CAP_EINVALID, "cluster secret '%s' has no server",
				   cap_value_dig_string(secret, "metadata", "name", NULL) ?: "");
		goto done;
	}
	/* a Secret for an already known server (in-cluster included) replaces it */
	for (size_t i = 0; i < s->n_clusters; i++) {
		if (strcmp(s->clusters[i].server, server.ptr))
			continue;
		cluster_release(&s->clusters[i]);
		memmove(&s->clusters[i], &s->clusters[i + 1],
			(s->n_clusters - i - 1) * sizeof(*s->clusters));
		s->n_clusters--;
		break;
	}
	add_cluster(s, has_name && name.len ? name.ptr : NULL, server.ptr,
		    has_project && project.len ? project.ptr : NULL, secret);
	rc = 0;
done:
	cap_buf_release(&server);
	cap_buf_release(&name);
	cap_buf_release(&project);
	return rc;
}

int cap_settings_load(cap_settings *out, cap_kube_client *client, const char *namespace)
{
	cap_settings s;
	cap_settings_init(&s);
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_value *cm = NULL;
	cap_kube_key_set(&key, "v1", "ConfigMap", namespace, CAP_SETTINGS_CM);
	cap_kube_key_set_member(&key.resource, "configmaps");
	int rc = cap_kube_get(client, &cm, &key);
	if (rc == CAP_ENOTFOUND)
		rc = 0;
	else if (!rc)
		rc = cap_settings_load_cm(&s, cm);
	cap_value_free(cm);
	if (!rc) {
		cap_kube_object_list list = {0};
		cap_kube_list_options lo = {.label_selector = CAP_SETTINGS_SECRET_TYPE_LABEL};
		cap_kube_key_set(&key, "v1", "Secret", namespace, "");
		cap_kube_key_set_member(&key.resource, "secrets");
		rc = cap_kube_list(client, &list, &key, &lo);
		for (size_t i = 0; !rc && i < cap_value_array_len(list.items); i++)
			rc = cap_settings_add_secret(&s, cap_value_array_get(list.items, i));
		cap_kube_object_list_release(&list);
	}
	cap_kube_key_release(&key);
	if (rc) {
		cap_settings_release(&s);
		return rc;
	}
	cap_settings_release(out);
	*out = s;
	return 0;
}

const cap_settings_cluster *cap_settings_find_cluster(const cap_settings *s, const char *server,
						      const char *name)
{
	for (size_t i = 0; i < s->n_clusters; i++) {
		const cap_settings_cluster *c = &s->clusters[i];
		if (c->in_cluster && !c->secret && !s->in_cluster_enabled)
			continue;
		if (server && !strcmp(c->server, server))
			return c;
		if (!server && name && !strcmp(c->name, name))
			return c;
	}
	return NULL;
}

int cap_settings_resolve_destination(const cap_settings_cluster **out, const cap_settings *s,
				     const cap_app_destination *dest)
{
	if (dest->server && dest->name)
		return cap_error_set(CAP_EINVALID,
				     "application destination can't have both name and server "
				     "defined: %s %s",
				     dest->name, dest->server);
	if (!dest->server && !dest->name)
		return cap_error_set(CAP_EINVALID,
				     "application destination server and/or name is not set");
	const cap_settings_cluster *c = cap_settings_find_cluster(s, dest->server, dest->name);
	if (!c) {
		if (dest->name)
			return cap_error_set(
			    CAP_ENOTFOUND, "there are no clusters with this name: %s", dest->name);
		return cap_error_set(CAP_ENOTFOUND, "cluster '%s' has not been configured",
				     dest->server);
	}
	*out = c;
	return 0;
}

/* Whether a string list of globs holds a match of text; an absent or empty list matches all. */
static bool list_match(const cap_value *list, const char *text)
{
	if (!cap_value_array_len(list))
		return true;
	for (size_t i = 0; i < cap_value_array_len(list); i++)
		if (cap_project_glob(cap_value_get_string(cap_value_array_get(list, i)), text))
			return true;
	return false;
}

static bool rules_match(const cap_value *rules, const char *group, const char *kind,
			const char *server)
{
	for (size_t i = 0; i < cap_value_array_len(rules); i++) {
		const cap_value *r = cap_value_array_get(rules, i);
		if (list_match(cap_value_object_get(r, "apiGroups"), group ? group : "") &&
		    list_match(cap_value_object_get(r, "kinds"), kind ? kind : "") &&
		    (!server || list_match(cap_value_object_get(r, "clusters"), server)))
			return true;
	}
	return false;
}

bool cap_settings_resource_excluded(const cap_settings *s, const char *group, const char *kind,
				    const char *server)
{
	static const char *const builtin[][2] = {
	    {"", "Event"},
	    {"events.k8s.io", "Event"},
	    {"metrics.k8s.io", "*"},
	    {"coordination.k8s.io", "Lease"},
	    {"authorization.k8s.io", "*"},
	    {"authentication.k8s.io", "*"},
	    {"cilium.io", "CiliumIdentity"},
	    {"kyverno.io", "AdmissionReport"},
	};
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (!strcmp(builtin[i][0], group ? group : "") &&
		    cap_project_glob(builtin[i][1], kind))
			return true;
	if (rules_match(s->exclusions, group, kind, server))
		return true;
	if (s->inclusions && !rules_match(s->inclusions, group, kind, server))
		return true;
	return false;
}
