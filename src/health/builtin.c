/* Built-in check dispatch, and the checks for Service, Ingress, PVC, Job, APIService, Workflow. */
#include "health/builtin.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

struct entry {
	const char *group;
	const char *kind;
	cap_health_check_fn fn;
};

static const struct entry checks[] = {
    {"apps", "Deployment", cap_health_check_deployment},
    {"apps", "StatefulSet", cap_health_check_statefulset},
    {"apps", "ReplicaSet", cap_health_check_replicaset},
    {"apps", "DaemonSet", cap_health_check_daemonset},
    {"extensions", "Ingress", cap_health_check_ingress},
    {"networking.k8s.io", "Ingress", cap_health_check_ingress},
    {"argoproj.io", "Workflow", cap_health_check_workflow},
    {"apiregistration.k8s.io", "APIService", cap_health_check_apiservice},
    {"apiextensions.k8s.io", "CustomResourceDefinition", cap_health_check_crd},
    {"", "Service", cap_health_check_service},
    {"", "PersistentVolumeClaim", cap_health_check_pvc},
    {"", "Pod", cap_health_check_pod},
    {"batch", "Job", cap_health_check_job},
    {"autoscaling", "HorizontalPodAutoscaler", cap_health_check_hpa},
};

cap_health_check_fn cap_health_builtin_find(const char *group, const char *kind)
{
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (strcmp(checks[i].group, group) == 0 && strcmp(checks[i].kind, kind) == 0)
			return checks[i].fn;
	return NULL;
}

bool cap_health_has_builtin(const char *group, const char *kind)
{
	return cap_health_builtin_find(group, kind) != NULL;
}

void cap_health_setf(cap_health *out, cap_health_status status, const char *fmt, ...)
{
	cap_buf b = CAP_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	cap_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	free(out->message);
	out->status = status;
	out->message = cap_buf_detach(&b, NULL);
}

void cap_health_unsupported(cap_health *out, const char *label, const cap_health_gvk *gvk)
{
	/* Go prints a GroupVersionKind as "group/version, Kind=kind". */
	cap_health_setf(out, CAP_HEALTH_UNKNOWN, "unsupported %s GVK: %s/%s, Kind=%s", label,
			gvk->group, gvk->version, gvk->kind);
	out->failed = true;
}

static bool is_core_v1(const cap_health_gvk *gvk)
{
	return gvk->group[0] == '\0' && strcmp(gvk->version, "v1") == 0;
}

void cap_health_check_service(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (!is_core_v1(gvk)) {
		cap_health_unsupported(out, "Service", gvk);
		return;
	}
	cap_health_status s = CAP_HEALTH_HEALTHY;
	if (strcmp(cap_health_str(obj, "spec", "type", NULL), "LoadBalancer") == 0) {
		const cap_value *ing =
		    cap_value_dig(obj, "status", "loadBalancer", "ingress", NULL);
		s = cap_value_array_len(ing) > 0 ? CAP_HEALTH_HEALTHY : CAP_HEALTH_PROGRESSING;
	}
	cap_health_set(out, s, "");
}

void cap_health_check_ingress(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	const cap_value *ing = cap_value_dig(obj, "status", "loadBalancer", "ingress", NULL);
	cap_health_set(
	    out, cap_value_array_len(ing) > 0 ? CAP_HEALTH_HEALTHY : CAP_HEALTH_PROGRESSING, "");
}

void cap_health_check_pvc(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (!is_core_v1(gvk)) {
		cap_health_unsupported(out, "PersistentVolumeClaim", gvk);
		return;
	}
	const char *phase = cap_health_str(obj, "status", "phase", NULL);
	cap_health_status s = CAP_HEALTH_UNKNOWN;
	if (strcmp(phase, "Lost") == 0)
		s = CAP_HEALTH_DEGRADED;
	else if (strcmp(phase, "Pending") == 0)
		s = CAP_HEALTH_PROGRESSING;
	else if (strcmp(phase, "Bound") == 0)
		s = CAP_HEALTH_HEALTHY;
	cap_health_set(out, s, "");
}

void cap_health_check_job(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (strcmp(gvk->version, "v1") != 0) {
		cap_health_unsupported(out, "Job", gvk);
		return;
	}
	bool failed = false, complete = false, suspended = false;
	const char *fail_msg = "", *message = "";
	const cap_value *conds = cap_value_dig(obj, "status", "conditions", NULL);
	size_t i;
	cap_value *c;
	if (cap_value_is_array(conds)) {
		CAP_VALUE_ARRAY_FOREACH(conds, i, c)
		{
			const char *type = cap_health_str(c, "type", NULL);
			if (strcmp(type, "Failed") == 0) {
				failed = complete = true;
				fail_msg = cap_health_str(c, "message", NULL);
			} else if (strcmp(type, "Complete") == 0) {
				complete = true;
				message = cap_health_str(c, "message", NULL);
			} else if (strcmp(type, "Suspended") == 0) {
				complete = true;
				message = cap_health_str(c, "message", NULL);
				if (strcmp(cap_health_str(c, "status", NULL), "True") == 0)
					suspended = true;
			}
		}
	}
	if (!complete)
		cap_health_set(out, CAP_HEALTH_PROGRESSING, message);
	else if (failed)
		cap_health_set(out, CAP_HEALTH_DEGRADED, fail_msg);
	else if (suspended)
		cap_health_set(out, CAP_HEALTH_SUSPENDED, message);
	else
		cap_health_set(out, CAP_HEALTH_HEALTHY, message);
}

void cap_health_check_apiservice(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (strcmp(gvk->version, "v1") != 0 && strcmp(gvk->version, "v1beta1") != 0) {
		cap_health_unsupported(out, "APIService", gvk);
		return;
	}
	const cap_value *conds = cap_value_dig(obj, "status", "conditions", NULL);
	const cap_value *c = cap_health_condition(conds, "Available");
	if (c) {
		bool ok = strcmp(cap_health_str(c, "status", NULL), "True") == 0;
		cap_health_setf(out, ok ? CAP_HEALTH_HEALTHY : CAP_HEALTH_PROGRESSING, "%s: %s",
				cap_health_str(c, "reason", NULL),
				cap_health_str(c, "message", NULL));
		return;
	}
	cap_health_set(out, CAP_HEALTH_PROGRESSING, "Waiting to be processed");
}

void cap_health_check_workflow(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	const char *phase = cap_health_str(obj, "status", "phase", NULL);
	const char *message = cap_health_str(obj, "status", "message", NULL);
	cap_health_status s = CAP_HEALTH_UNKNOWN;
	if (!*phase || strcmp(phase, "Pending") == 0 || strcmp(phase, "Running") == 0)
		s = CAP_HEALTH_PROGRESSING;
	else if (strcmp(phase, "Succeeded") == 0)
		s = CAP_HEALTH_HEALTHY;
	else if (strcmp(phase, "Failed") == 0 || strcmp(phase, "Error") == 0)
		s = CAP_HEALTH_DEGRADED;
	cap_health_set(out, s, message);
}
