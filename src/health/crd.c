/* Built-in check for apiextensions.k8s.io/v1 CustomResourceDefinition: established and accepted. */
#include "health/builtin.h"

#include <string.h>

static bool is_true(const cap_value *c)
{
	return strcmp(cap_health_str(c, "status", NULL), "True") == 0;
}

void cap_health_check_crd(cap_health *out, const cap_value *obj, const cap_health_gvk *gvk)
{
	if (strcmp(gvk->version, "v1") != 0) {
		cap_health_unsupported(out, "CustomResourceDefinition", gvk);
		return;
	}
	const cap_value *conds = cap_value_dig(obj, "status", "conditions", NULL);
	if (cap_value_array_len(conds) == 0) {
		cap_health_set(out, CAP_HEALTH_PROGRESSING, "Status conditions not found");
		return;
	}
	bool established = false, terminating = false, names_refused = false, violations = false;
	const char *msg = "";
	size_t i;
	cap_value *c;
	CAP_VALUE_ARRAY_FOREACH(conds, i, c)
	{
		const char *type = cap_health_str(c, "type", NULL);
		const char *status = cap_health_str(c, "status", NULL);
		if (strcmp(type, "Terminating") == 0 && is_true(c)) {
			terminating = true;
			msg = cap_health_str(c, "message", NULL);
		} else if (strcmp(type, "NamesAccepted") == 0 && strcmp(status, "False") == 0) {
			names_refused = true;
			msg = cap_health_str(c, "message", NULL);
		} else if (strcmp(type, "Established") == 0) {
			if (is_true(c))
				established = true;
			else
				msg = cap_health_str(c, "message", NULL);
		} else if (strcmp(type, "NonStructuralSchema") == 0 && is_true(c)) {
			violations = true;
			msg = cap_health_str(c, "message", NULL);
		}
	}
	if (terminating)
		cap_health_setf(out, CAP_HEALTH_PROGRESSING, "CRD is being terminated: %s", msg);
	else if (names_refused)
		cap_health_setf(out, CAP_HEALTH_DEGRADED, "CRD names have not been accepted: %s",
				msg);
	else if (!established)
		cap_health_setf(out, CAP_HEALTH_DEGRADED, "CRD is not established: %s", msg);
	else if (violations)
		cap_health_setf(out, CAP_HEALTH_DEGRADED, "Schema violations found: %s", msg);
	else
		cap_health_set(out, CAP_HEALTH_HEALTHY, "CRD is healthy");
}
