/* The built-in health checks, one per kind, as Argo CD's gitops-engine defines them. */
#pragma once

#include "health/health.h"
#include "health/object.h"

/* A built-in check: fills out (already initialised) for obj, whose gvk is given. */
typedef void (*cap_health_check_fn)(cap_health *out, const cap_value *obj,
				    const cap_health_gvk *gvk);

/* The check for group/kind, or NULL when there is none. */
cap_health_check_fn cap_health_builtin_find(const char *group, const char *kind);

/* Sets out to status with a printf-style message. */
void cap_health_setf(cap_health *out, cap_health_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Marks out failed for an apiVersion the check does not know: "unsupported <label> GVK: …". */
void cap_health_unsupported(cap_health *out, const char *label, const cap_health_gvk *gvk);

void cap_health_check_deployment(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_statefulset(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_daemonset(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_replicaset(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_pod(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_hpa(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_service(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_ingress(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_pvc(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_job(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_apiservice(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_crd(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
void cap_health_check_workflow(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk);
