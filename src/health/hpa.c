/* Built-in check for HorizontalPodAutoscaler: v1 conditions annotation, v2* status conditions. */
#include "health/builtin.h"

#include <string.h>

#include "base/error.h"
#include "value/json.h"

static const char *const WAITING = "Waiting to Autoscale";

static bool is_degraded(const cap_value *c)
{
	static const char *const states[][2] = {
	    {"AbleToScale", "FailedGetScale"},
	    {"AbleToScale", "FailedUpdateScale"},
	    {"ScalingActive", "FailedGetResourceMetric"},
	    {"ScalingActive", "FailedGetObjectMetric"},
	    {"ScalingActive", "FailedGetPodsMetric"},
	    {"ScalingActive", "FailedGetExternalMetric"},
	    {"ScalingActive", "FailedComputeMetricsReplicas"},
	    {"ScalingActive", "InvalidSelector"},
	};
	const char *type = cap_health_str(c, "type", NULL);
	const char *reason = cap_health_str(c, "reason", NULL);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(type, states[i][0]) == 0 && strcmp(reason, states[i][1]) == 0)
			return true;
	return false;
}

static bool is_healthy(const cap_value *c)
{
	const char *type = cap_health_str(c, "type", NULL);
	return (strcmp(type, "AbleToScale") == 0 || strcmp(type, "ScalingLimited") == 0) &&
	       strcmp(cap_health_str(c, "status", NULL), "True") == 0;
}

/* Any degraded condition wins; otherwise the first healthy one; otherwise still waiting. */
static void check_conditions(cap_health *out, const cap_value *conds)
{
	size_t i;
	cap_value *c;
	CAP_VALUE_ARRAY_FOREACH(conds, i, c)
	{
		if (is_degraded(c)) {
			cap_health_set(out, CAP_HEALTH_DEGRADED,
				       cap_health_str(c, "message", NULL));
			return;
		}
	}
	CAP_VALUE_ARRAY_FOREACH(conds, i, c)
	{
		if (is_healthy(c)) {
			cap_health_set(out, CAP_HEALTH_HEALTHY, cap_health_str(c, "message", NULL));
			return;
		}
	}
	cap_health_set(out, CAP_HEALTH_PROGRESSING, WAITING);
}

void cap_health_check_hpa(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (strcmp(gvk->version, "v2") == 0 || strcmp(gvk->version, "v2beta1") == 0 ||
	    strcmp(gvk->version, "v2beta2") == 0) {
		const cap_value *conds = cap_value_dig(obj, "status", "conditions", NULL);
		if (cap_value_is_array(conds))
			check_conditions(out, conds);
		else
			cap_health_set(out, CAP_HEALTH_PROGRESSING, WAITING);
		return;
	}
	if (strcmp(gvk->version, "v1") != 0) {
		cap_health_unsupported(out, "HPA", gvk);
		return;
	}
	const char *ann = cap_health_annotation(obj, "autoscaling.alpha.kubernetes.io/conditions");
	if (!ann) {
		cap_health_set(out, CAP_HEALTH_PROGRESSING, WAITING);
		return;
	}
	cap_value *conds = NULL;
	if (cap_json_parse(&conds, ann, strlen(ann), "conditions annotation", NULL) != 0 ||
	    !(cap_value_is_array(conds) || cap_value_is_null(conds))) {
		cap_health_setf(out, CAP_HEALTH_UNKNOWN,
				"failed to convert conditions annotation to typed: %s",
				conds ? "not a list of conditions" : cap_error_last());
		out->failed = true;
		cap_value_free(conds);
		return;
	}
	if (cap_value_array_len(conds) == 0)
		cap_health_set(out, CAP_HEALTH_PROGRESSING, WAITING);
	else
		check_conditions(out, conds);
	cap_value_free(conds);
}
