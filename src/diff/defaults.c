/* Defaults the API server fills into built-in kinds, so a manifest that omits them still matches.
 */
#include "diff/normalize.h"

#include <string.h>

/* obj[key], created as an empty object when absent; NULL when it holds something else. */
static cap_value *child_object(cap_value *obj, const char *key)
{
	if (!cap_value_is_object(obj))
		return NULL;
	cap_value *v = cap_value_object_get(obj, key);
	if (!v) {
		v = cap_value_object();
		cap_value_object_set(obj, key, v);
	}
	return cap_value_is_object(v) ? v : NULL;
}

static void def_string(cap_value *obj, const char *key, const char *value)
{
	if (cap_value_is_object(obj) && !cap_value_object_get(obj, key))
		cap_value_object_set(obj, key, cap_value_string(value));
}

static void def_int(cap_value *obj, const char *key, int64_t value)
{
	if (cap_value_is_object(obj) && !cap_value_object_get(obj, key))
		cap_value_object_set(obj, key, cap_value_int(value));
}

static void def_bool(cap_value *obj, const char *key, bool value)
{
	if (cap_value_is_object(obj) && !cap_value_object_get(obj, key))
		cap_value_object_set(obj, key, cap_value_bool(value));
}

static void def_ports(cap_value *ports)
{
	cap_value *p;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(ports, i, p)
	def_string(p, "protocol", "TCP");
}

static void def_probe(cap_value *probe)
{
	if (!cap_value_is_object(probe))
		return;
	def_int(probe, "timeoutSeconds", 1);
	def_int(probe, "periodSeconds", 10);
	def_int(probe, "successThreshold", 1);
	def_int(probe, "failureThreshold", 3);
	def_string(cap_value_object_get(probe, "httpGet"), "scheme", "HTTP");
}

/* Always for ":latest" or no tag (and no digest), IfNotPresent otherwise. */
static const char *pull_policy(const char *image)
{
	if (!image || strchr(image, '@'))
		return "IfNotPresent";
	const char *slash = strrchr(image, '/');
	const char *colon = strrchr(slash ? slash : image, ':');
	if (!colon || !strcmp(colon, ":latest"))
		return "Always";
	return "IfNotPresent";
}

static void def_containers(cap_value *containers)
{
	cap_value *c, *e;
	size_t i, j;
	CAP_VALUE_ARRAY_FOREACH(containers, i, c)
	{
		if (!cap_value_is_object(c))
			continue;
		def_string(c, "terminationMessagePath", "/dev/termination-log");
		def_string(c, "terminationMessagePolicy", "File");
		def_string(c, "imagePullPolicy",
			   pull_policy(cap_value_dig_string(c, "image", NULL)));
		child_object(c, "resources");
		def_ports(cap_value_object_get(c, "ports"));
		def_probe(cap_value_object_get(c, "livenessProbe"));
		def_probe(cap_value_object_get(c, "readinessProbe"));
		def_probe(cap_value_object_get(c, "startupProbe"));
		CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(c, "env"), j, e)
		def_string(cap_value_dig(e, "valueFrom", "fieldRef", NULL), "apiVersion", "v1");
	}
}

static void def_volumes(cap_value *volumes)
{
	static const char *const with_mode[] = {"secret", "configMap", "projected", "downwardAPI"};
	cap_value *v;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(volumes, i, v)
	for (size_t k = 0; k < sizeof(with_mode) / sizeof(with_mode[0]); k++)
		def_int(cap_value_object_get(v, with_mode[k]), "defaultMode", 420);
}

static void def_pod_spec(cap_value *spec)
{
	if (!cap_value_is_object(spec))
		return;
	def_string(spec, "restartPolicy", "Always");
	def_string(spec, "dnsPolicy", "ClusterFirst");
	def_string(spec, "schedulerName", "default-scheduler");
	def_int(spec, "terminationGracePeriodSeconds", 30);
	child_object(spec, "securityContext");
	def_containers(cap_value_object_get(spec, "containers"));
	def_containers(cap_value_object_get(spec, "initContainers"));
	def_volumes(cap_value_object_get(spec, "volumes"));
}

static void def_template(cap_value *template)
{
	def_pod_spec(cap_value_object_get(template, "spec"));
}

static void def_rolling(cap_value *strategy, const char *type_key, bool surge_zero)
{
	if (!cap_value_is_object(strategy))
		return;
	def_string(strategy, "type", "RollingUpdate");
	const char *type = cap_value_dig_string(strategy, type_key, NULL);
	if (!type || strcmp(type, "RollingUpdate"))
		return;
	cap_value *ru = child_object(strategy, "rollingUpdate");
	if (surge_zero) {
		def_int(ru, "maxUnavailable", 1);
		def_int(ru, "maxSurge", 0);
	} else {
		def_string(ru, "maxUnavailable", "25%");
		def_string(ru, "maxSurge", "25%");
	}
}

static void def_service(cap_value *spec)
{
	if (!cap_value_is_object(spec))
		return;
	def_string(spec, "type", "ClusterIP");
	const char *type = cap_value_dig_string(spec, "type", NULL);
	if (!strcmp(type, "ExternalName"))
		return;
	def_string(spec, "sessionAffinity", "None");
	def_string(spec, "internalTrafficPolicy", "Cluster");
	if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"))
		def_string(spec, "externalTrafficPolicy", "Cluster");
	cap_value *p;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "ports"), i, p)
	{
		def_string(p, "protocol", "TCP");
		cap_value *port = cap_value_object_get(p, "port");
		if (cap_value_is_object(p) && port && !cap_value_object_get(p, "targetPort"))
			cap_value_object_set(p, "targetPort", cap_value_ref(port));
	}
}

void cap_diff_apply_defaults(cap_value *obj)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *kind = cap_value_dig_string(obj, "kind", NULL);
	if (!av || !kind || !cap_diff_builtin_group(av))
		return;
	cap_value *spec = cap_value_object_get(obj, "spec");
	bool apps = !strncmp(av, "apps/", 5);

	if (!strcmp(av, "v1") && !strcmp(kind, "Pod")) {
		def_pod_spec(spec);
	} else if (!strcmp(av, "v1") && !strcmp(kind, "Service")) {
		def_service(spec);
	} else if (!strcmp(av, "v1") && !strcmp(kind, "Endpoints")) {
		cap_value *s;
		size_t i;
		CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(obj, "subsets"), i, s)
		def_ports(cap_value_object_get(s, "ports"));
	} else if (!strcmp(av, "v1") && !strcmp(kind, "ReplicationController")) {
		def_int(spec, "replicas", 1);
		def_template(cap_value_object_get(spec, "template"));
	} else if (apps && !strcmp(kind, "Deployment") && cap_value_is_object(spec)) {
		def_int(spec, "replicas", 1);
		def_int(spec, "revisionHistoryLimit", 10);
		def_int(spec, "progressDeadlineSeconds", 600);
		def_rolling(child_object(spec, "strategy"), "type", false);
		def_template(cap_value_object_get(spec, "template"));
	} else if (apps && !strcmp(kind, "StatefulSet") && cap_value_is_object(spec)) {
		def_int(spec, "replicas", 1);
		def_int(spec, "revisionHistoryLimit", 10);
		def_string(spec, "podManagementPolicy", "OrderedReady");
		cap_value *us = child_object(spec, "updateStrategy");
		def_string(us, "type", "RollingUpdate");
		const char *t = cap_value_dig_string(us, "type", NULL);
		if (t && !strcmp(t, "RollingUpdate"))
			def_int(child_object(us, "rollingUpdate"), "partition", 0);
		cap_value *pvc = child_object(spec, "persistentVolumeClaimRetentionPolicy");
		def_string(pvc, "whenDeleted", "Retain");
		def_string(pvc, "whenScaled", "Retain");
		def_template(cap_value_object_get(spec, "template"));
	} else if (apps && !strcmp(kind, "DaemonSet") && cap_value_is_object(spec)) {
		def_int(spec, "revisionHistoryLimit", 10);
		def_rolling(child_object(spec, "updateStrategy"), "type", true);
		def_template(cap_value_object_get(spec, "template"));
	} else if (apps && !strcmp(kind, "ReplicaSet") && cap_value_is_object(spec)) {
		def_int(spec, "replicas", 1);
		def_template(cap_value_object_get(spec, "template"));
	} else if (!strncmp(av, "batch/", 6) && !strcmp(kind, "Job") && cap_value_is_object(spec)) {
		def_int(spec, "backoffLimit", 6);
		def_string(spec, "completionMode", "NonIndexed");
		def_bool(spec, "suspend", false);
		if (!cap_value_object_get(spec, "completions") &&
		    !cap_value_object_get(spec, "parallelism")) {
			def_int(spec, "completions", 1);
			def_int(spec, "parallelism", 1);
		}
		def_int(spec, "parallelism", 1);
		def_template(cap_value_object_get(spec, "template"));
	} else if (!strncmp(av, "batch/", 6) && !strcmp(kind, "CronJob") &&
		   cap_value_is_object(spec)) {
		def_string(spec, "concurrencyPolicy", "Allow");
		def_int(spec, "successfulJobsHistoryLimit", 3);
		def_int(spec, "failedJobsHistoryLimit", 1);
		def_bool(spec, "suspend", false);
		def_template(cap_value_dig(spec, "jobTemplate", "spec", "template", NULL));
	}
}
