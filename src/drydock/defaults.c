/* Built-in defaulting: the values a real API server fills into Deployments, Pods, Services and
 * friends. */
#include "drydock/defaults.h"

#include <stdio.h>
#include <string.h>

#include "base/time.h"
#include "value/json.h"

bool dd_defaults_has_generation(const dd_rtype *t)
{
	if (t->crd)
		return true;
	static const char *const kinds[] = {
	    "apps/deployments",
	    "apps/replicasets",
	    "apps/statefulsets",
	    "apps/daemonsets",
	    "batch/jobs",
	    "batch/cronjobs",
	    "networking.k8s.io/ingresses",
	    "networking.k8s.io/networkpolicies",
	    "policy/poddisruptionbudgets",
	    "autoscaling/horizontalpodautoscalers",
	    "/replicationcontrollers",
	    "apiextensions.k8s.io/customresourcedefinitions",
	    "admissionregistration.k8s.io/validatingwebhookconfigurations",
	    "admissionregistration.k8s.io/mutatingwebhookconfigurations",
	    NULL};
	for (const char *const *k = kinds; *k; k++) {
		const char *slash = strchr(*k, '/');
		if (strncmp(*k, t->group, (size_t)(slash - *k)) == 0 &&
		    strlen(t->group) == (size_t)(slash - *k) && strcmp(slash + 1, t->resource) == 0)
			return true;
	}
	return false;
}

/* The member key of o, created as an empty object when absent (NULL when o is not an object). */
static cap_value *obj_at(cap_value *o, const char *key)
{
	if (!cap_value_is_object(o))
		return NULL;
	cap_value *v = cap_value_object_get(o, key);
	if (!v) {
		v = cap_value_object();
		cap_value_object_set(o, key, v);
	}
	return cap_value_is_object(v) ? v : NULL;
}

static void set_str(cap_value *o, const char *key, const char *val)
{
	if (cap_value_is_object(o) && !cap_value_object_get(o, key))
		cap_value_object_set(o, key, cap_value_string(val));
}

static void set_int(cap_value *o, const char *key, int64_t val)
{
	if (cap_value_is_object(o) && !cap_value_object_get(o, key))
		cap_value_object_set(o, key, cap_value_int(val));
}

static void set_bool(cap_value *o, const char *key, bool val)
{
	if (cap_value_is_object(o) && !cap_value_object_get(o, key))
		cap_value_object_set(o, key, cap_value_bool(val));
}

static void probe(cap_value *p)
{
	if (!cap_value_is_object(p))
		return;
	set_int(p, "timeoutSeconds", 1);
	set_int(p, "periodSeconds", 10);
	set_int(p, "successThreshold", 1);
	set_int(p, "failureThreshold", 3);
	cap_value *h = cap_value_object_get(p, "httpGet");
	if (cap_value_is_object(h))
		set_str(h, "scheme", "HTTP");
}

static void container(cap_value *c)
{
	if (!cap_value_is_object(c))
		return;
	const char *image = cap_value_get_string(cap_value_object_get(c, "image"));
	if (image && !cap_value_object_get(c, "imagePullPolicy")) {
		const char *slash = strrchr(image, '/');
		const char *last = slash ? slash + 1 : image;
		const char *colon = strchr(last, ':');
		bool digest = strchr(image, '@') != NULL;
		bool latest = !digest && (!colon || strcmp(colon + 1, "latest") == 0);
		set_str(c, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
	}
	set_str(c, "terminationMessagePath", "/dev/termination-log");
	set_str(c, "terminationMessagePolicy", "File");
	obj_at(c, "resources");
	size_t i;
	cap_value *p;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(c, "ports"), i, p)
	set_str(p, "protocol", "TCP");
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(c, "env"), i, p)
	{
		cap_value *fr = cap_value_dig(p, "valueFrom", "fieldRef", NULL);
		if (cap_value_is_object(fr))
			set_str(fr, "apiVersion", "v1");
	}
	probe(cap_value_object_get(c, "livenessProbe"));
	probe(cap_value_object_get(c, "readinessProbe"));
	probe(cap_value_object_get(c, "startupProbe"));
}

static void pod_spec(cap_value *spec, bool is_pod)
{
	if (!cap_value_is_object(spec))
		return;
	set_str(spec, "restartPolicy", "Always");
	set_str(spec, "dnsPolicy", "ClusterFirst");
	set_int(spec, "terminationGracePeriodSeconds", 30);
	set_str(spec, "schedulerName", "default-scheduler");
	obj_at(spec, "securityContext");
	if (is_pod) {
		set_str(spec, "serviceAccountName", "default");
		set_str(spec, "serviceAccount",
			cap_value_get_string(cap_value_object_get(spec, "serviceAccountName")));
		set_bool(spec, "enableServiceLinks", true);
		set_str(spec, "preemptionPolicy", "PreemptLowerPriority");
		set_int(spec, "priority", 0);
	}
	size_t i;
	cap_value *c;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "containers"), i, c)
	container(c);
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "initContainers"), i, c)
	container(c);
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "volumes"), i, c)
	{
		cap_value *cm = cap_value_object_get(c, "configMap");
		if (cap_value_is_object(cm))
			set_int(cm, "defaultMode", 420);
		cap_value *sec = cap_value_object_get(c, "secret");
		if (cap_value_is_object(sec))
			set_int(sec, "defaultMode", 420);
		cap_value *hp = cap_value_object_get(c, "hostPath");
		if (cap_value_is_object(hp))
			set_str(hp, "type", "");
		cap_value *pr = cap_value_object_get(c, "projected");
		if (cap_value_is_object(pr))
			set_int(pr, "defaultMode", 420);
	}
}

static void pod_template(cap_value *spec)
{
	cap_value *tmpl = cap_value_object_get(spec, "template");
	if (!cap_value_is_object(tmpl))
		return;
	cap_value *meta = obj_at(tmpl, "metadata");
	if (meta && !cap_value_object_get(meta, "creationTimestamp"))
		cap_value_object_set(meta, "creationTimestamp", cap_value_null());
	pod_spec(cap_value_object_get(tmpl, "spec"), false);
}

/* The projected token volume the ServiceAccount admission plugin mounts into every container. */
static void service_account_volume(cap_value *spec)
{
	cap_value *am = cap_value_object_get(spec, "automountServiceAccountToken");
	if (cap_value_is_bool(am) && !cap_value_get_bool(am))
		return;
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	char name[32];
	unsigned r = (unsigned)cap_time_now_ns();
	snprintf(name, sizeof(name), "kube-api-access-%c%c%c%c%c", alphabet[r % 27],
		 alphabet[(r / 27) % 27], alphabet[(r / 729) % 27], alphabet[(r / 19683) % 27],
		 alphabet[(r / 531441) % 27]);
	const char *json =
	    "{\"projected\":{\"defaultMode\":420,\"sources\":[{\"serviceAccountToken\":{"
	    "\"expirationSeconds\":3607,\"path\":\"token\"}},{\"configMap\":{\"items\":[{"
	    "\"key\":\"ca.crt\",\"path\":\"ca.crt\"}],\"name\":\"kube-root-ca.crt\"}},"
	    "{\"downwardAPI\":{\"items\":[{\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":"
	    "\"metadata.namespace\"},\"path\":\"namespace\"}]}}]}}";
	cap_value *vol;
	if (cap_json_parse(&vol, json, strlen(json), "volume", NULL) < 0)
		return;
	cap_value_object_set(vol, "name", cap_value_string(name));
	cap_value *vols = cap_value_object_get(spec, "volumes");
	if (!cap_value_is_array(vols)) {
		vols = cap_value_array();
		cap_value_object_set(spec, "volumes", vols);
	}
	cap_value_array_append(vols, vol);
	size_t i;
	cap_value *c;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "containers"), i, c)
	{
		cap_value *mounts = cap_value_object_get(c, "volumeMounts");
		if (!cap_value_is_array(mounts)) {
			mounts = cap_value_array();
			cap_value_object_set(c, "volumeMounts", mounts);
		}
		cap_value *m = cap_value_object();
		cap_value_object_set(
		    m, "mountPath",
		    cap_value_string("/var/run/secrets/kubernetes.io/serviceaccount"));
		cap_value_object_set(m, "name", cap_value_string(name));
		cap_value_object_set(m, "readOnly", cap_value_bool(true));
		cap_value_array_append(mounts, m);
	}
}

static bool is(const dd_rtype *t, const char *group, const char *resource)
{
	return !t->crd && strcmp(t->group, group) == 0 && strcmp(t->resource, resource) == 0;
}

static void service(dd_cluster *c, cap_value *obj, const cap_value *old)
{
	cap_value *spec = obj_at(obj, "spec");
	if (!spec)
		return;
	set_str(spec, "type", "ClusterIP");
	const char *type = cap_value_get_string(cap_value_object_get(spec, "type"));
	bool external = type && strcmp(type, "ExternalName") == 0;
	if (!external) {
		const char *old_ip = cap_value_dig_string(old, "spec", "clusterIP", NULL);
		if (!cap_value_object_get(spec, "clusterIP") ||
		    !cap_value_get_string(cap_value_object_get(spec, "clusterIP")) ||
		    !*cap_value_get_string(cap_value_object_get(spec, "clusterIP"))) {
			char ip[32];
			if (old_ip) {
				snprintf(ip, sizeof(ip), "%s", old_ip);
			} else {
				uint32_t n = c->next_ip++;
				snprintf(ip, sizeof(ip), "10.96.%u.%u", (n >> 8) & 255, n & 255);
			}
			cap_value_object_set(spec, "clusterIP", cap_value_string(ip));
		}
		if (!cap_value_object_get(spec, "clusterIPs")) {
			cap_value *ips = cap_value_array();
			cap_value_array_append(ips, cap_value_string(cap_value_get_string(
							cap_value_object_get(spec, "clusterIP"))));
			cap_value_object_set(spec, "clusterIPs", ips);
		}
		if (!cap_value_object_get(spec, "ipFamilies")) {
			cap_value *f = cap_value_array();
			cap_value_array_append(f, cap_value_string("IPv4"));
			cap_value_object_set(spec, "ipFamilies", f);
		}
		set_str(spec, "ipFamilyPolicy", "SingleStack");
		set_str(spec, "internalTrafficPolicy", "Cluster");
	}
	set_str(spec, "sessionAffinity", "None");
	bool nodeports =
	    type && (strcmp(type, "NodePort") == 0 || strcmp(type, "LoadBalancer") == 0);
	if (nodeports)
		set_str(spec, "externalTrafficPolicy", "Cluster");
	if (type && strcmp(type, "LoadBalancer") == 0)
		set_bool(spec, "allocateLoadBalancerNodePorts", true);
	size_t i;
	cap_value *p;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "ports"), i, p)
	{
		set_str(p, "protocol", "TCP");
		if (!cap_value_object_get(p, "targetPort") && cap_value_object_get(p, "port"))
			cap_value_object_set(p, "targetPort",
					     cap_value_deep_copy(cap_value_object_get(p, "port")));
		if (nodeports && !cap_value_object_get(p, "nodePort")) {
			cap_value *oldp = cap_value_array_get(
			    cap_value_dig((cap_value *)old, "spec", "ports", NULL), i);
			cap_value *onp = cap_value_object_get(oldp, "nodePort");
			cap_value_object_set(
			    p, "nodePort",
			    onp ? cap_value_deep_copy(onp)
				: cap_value_int(30000 + (c->next_ip++ * 7919) % 2768));
		}
	}
	cap_value *st = obj_at(obj, "status");
	if (st)
		obj_at(st, "loadBalancer");
}

void dd_defaults_apply(dd_cluster *c, const dd_rtype *t, cap_value *obj, const cap_value *old)
{
	if (t->crd || !cap_value_is_object(obj))
		return;
	cap_value *spec = cap_value_object_get(obj, "spec");
	if (is(t, "apps", "deployments")) {
		spec = obj_at(obj, "spec");
		set_int(spec, "replicas", 1);
		set_int(spec, "revisionHistoryLimit", 10);
		set_int(spec, "progressDeadlineSeconds", 600);
		cap_value *st = obj_at(spec, "strategy");
		set_str(st, "type", "RollingUpdate");
		const char *ty = cap_value_get_string(cap_value_object_get(st, "type"));
		if (ty && strcmp(ty, "RollingUpdate") == 0) {
			cap_value *ru = obj_at(st, "rollingUpdate");
			set_str(ru, "maxSurge", "25%");
			set_str(ru, "maxUnavailable", "25%");
		}
		pod_template(spec);
	} else if (is(t, "apps", "replicasets") || is(t, "", "replicationcontrollers")) {
		spec = obj_at(obj, "spec");
		set_int(spec, "replicas", 1);
		pod_template(spec);
	} else if (is(t, "apps", "statefulsets")) {
		spec = obj_at(obj, "spec");
		set_int(spec, "replicas", 1);
		set_int(spec, "revisionHistoryLimit", 10);
		set_str(spec, "podManagementPolicy", "OrderedReady");
		cap_value *us = obj_at(spec, "updateStrategy");
		set_str(us, "type", "RollingUpdate");
		const char *ty = cap_value_get_string(cap_value_object_get(us, "type"));
		if (ty && strcmp(ty, "RollingUpdate") == 0)
			set_int(obj_at(us, "rollingUpdate"), "partition", 0);
		cap_value *pr = obj_at(spec, "persistentVolumeClaimRetentionPolicy");
		set_str(pr, "whenDeleted", "Retain");
		set_str(pr, "whenScaled", "Retain");
		pod_template(spec);
	} else if (is(t, "apps", "daemonsets")) {
		spec = obj_at(obj, "spec");
		set_int(spec, "revisionHistoryLimit", 10);
		cap_value *us = obj_at(spec, "updateStrategy");
		set_str(us, "type", "RollingUpdate");
		const char *ty = cap_value_get_string(cap_value_object_get(us, "type"));
		if (ty && strcmp(ty, "RollingUpdate") == 0) {
			cap_value *ru = obj_at(us, "rollingUpdate");
			set_int(ru, "maxSurge", 0);
			set_int(ru, "maxUnavailable", 1);
		}
		pod_template(spec);
	} else if (is(t, "batch", "jobs")) {
		spec = obj_at(obj, "spec");
		set_int(spec, "backoffLimit", 6);
		set_int(spec, "completions", 1);
		set_int(spec, "parallelism", 1);
		set_str(spec, "completionMode", "NonIndexed");
		set_bool(spec, "suspend", false);
		set_bool(spec, "manualSelector", false);
		set_str(spec, "podReplacementPolicy", "TerminatingOrFailed");
		const char *uid = cap_value_dig_string(obj, "metadata", "uid", NULL);
		if (uid && !cap_value_object_get(spec, "selector")) {
			cap_value *sel = obj_at(spec, "selector");
			cap_value *ml = obj_at(sel, "matchLabels");
			cap_value_object_set(ml, "batch.kubernetes.io/controller-uid",
					     cap_value_string(uid));
			cap_value *tm = obj_at(obj_at(spec, "template"), "metadata");
			cap_value *labels = obj_at(tm, "labels");
			set_str(labels, "batch.kubernetes.io/controller-uid", uid);
			set_str(labels, "batch.kubernetes.io/job-name",
				cap_value_dig_string(obj, "metadata", "name", NULL) ?: "");
			set_str(labels, "controller-uid", uid);
			set_str(labels, "job-name",
				cap_value_dig_string(obj, "metadata", "name", NULL) ?: "");
		}
		pod_template(spec);
		cap_value *ps = cap_value_dig(spec, "template", "spec", NULL);
		(void)ps;
	} else if (is(t, "batch", "cronjobs")) {
		spec = obj_at(obj, "spec");
		set_str(spec, "concurrencyPolicy", "Allow");
		set_int(spec, "failedJobsHistoryLimit", 1);
		set_int(spec, "successfulJobsHistoryLimit", 3);
		set_bool(spec, "suspend", false);
		cap_value *jt = cap_value_dig(spec, "jobTemplate", "spec", NULL);
		if (cap_value_is_object(jt)) {
			set_int(jt, "backoffLimit", 6);
			set_str(jt, "completionMode", "NonIndexed");
			set_bool(jt, "suspend", false);
			set_str(jt, "podReplacementPolicy", "TerminatingOrFailed");
			pod_template(jt);
		}
	} else if (is(t, "", "pods")) {
		spec = obj_at(obj, "spec");
		pod_spec(spec, true);
		if (!old)
			service_account_volume(spec);
		cap_value *tol = cap_value_object_get(spec, "tolerations");
		if (!tol) {
			tol = cap_value_array();
			static const char *const keys[] = {"node.kubernetes.io/not-ready",
							   "node.kubernetes.io/unreachable", NULL};
			for (const char *const *k = keys; *k; k++) {
				cap_value *e = cap_value_object();
				cap_value_object_set(e, "effect", cap_value_string("NoExecute"));
				cap_value_object_set(e, "key", cap_value_string(*k));
				cap_value_object_set(e, "operator", cap_value_string("Exists"));
				cap_value_object_set(e, "tolerationSeconds", cap_value_int(300));
				cap_value_array_append(tol, e);
			}
			cap_value_object_set(spec, "tolerations", tol);
		}
		cap_value *st = obj_at(obj, "status");
		set_str(st, "phase", "Pending");
		set_str(st, "qosClass", "BestEffort");
	} else if (is(t, "", "services")) {
		service(c, obj, old);
	} else if (is(t, "", "secrets")) {
		const char *ty = cap_value_get_string(cap_value_object_get(obj, "type"));
		if (!ty || !*ty)
			cap_value_object_set(obj, "type", cap_value_string("Opaque"));
	} else if (is(t, "", "namespaces")) {
		spec = obj_at(obj, "spec");
		if (!cap_value_object_get(spec, "finalizers")) {
			cap_value *f = cap_value_array();
			cap_value_array_append(f, cap_value_string("kubernetes"));
			cap_value_object_set(spec, "finalizers", f);
		}
		cap_value *st = obj_at(obj, "status");
		set_str(st, "phase", "Active");
	} else if (is(t, "", "persistentvolumeclaims")) {
		spec = obj_at(obj, "spec");
		set_str(spec, "volumeMode", "Filesystem");
		set_str(obj_at(obj, "status"), "phase", "Pending");
	} else if (is(t, "networking.k8s.io", "ingresses")) {
		(void)spec;
	} else if (is(t, "autoscaling", "horizontalpodautoscalers")) {
		spec = obj_at(obj, "spec");
		set_int(spec, "minReplicas", 1);
	}
}
