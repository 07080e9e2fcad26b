/* Built-in defaulting: the values a real API server fills into Deployments, Pods, Services and friends. */
#include "drydock/defaults.h"

#include <string.h>

bool dd_defaults_has_generation(const dd_rtype *t)
{
	if (t->crd)
		return true;
	static const char *const kinds[] = {"apps/deployments", "apps/replicasets",
		"apps/statefulsets", "apps/daemonsets", "batch/jobs", "batch/cronjobs",
		"networking.k8s.io/ingresses", "networking.k8s.io/networkpolicies",
		"policy/poddisruptionbudgets", "autoscaling/horizontalpodautoscalers",
		"/replicationcontrollers", "apiextensions.k8s.io/customresourcedefinitions",
		"admissionregistration.k8s.io/validatingwebhookconfigurations",
		"admissionregistration.k8s.io/mutatingwebhookconfigurations", NULL};
	for (const char *const *k = kinds; *k; k++) {
		const char *slash = strchr(*k, '/');
		if (strncmp(*k, t->group, (size_t)(slash - *k)) == 0 &&
		    strlen(t->group) == (size_t)(slash - *k) && strcmp(slash + 1, t->resource) == 0)
			return true;
	}
	return false;
}

void dd_defaults_apply(dd_cluster *c, const dd_rtype *t, cap_value *obj, const cap_value *old)
{
	(void)c;
	(void)t;
	(void)obj;
	(void)old;
}
