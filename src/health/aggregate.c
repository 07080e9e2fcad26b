/* Argo CD's application health aggregation over managed resources. */
#include "health/aggregate.h"

#include <string.h>

#include "health/object.h"

static bool same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* An app managing its own Application object must not judge itself by it. */
static bool is_self(const cap_value *app, const cap_value *live)
{
	if (!app)
		return false;
	cap_health_gvk gvk;
	cap_health_gvk_of(&gvk, live);
	return strcmp(gvk.group, "argoproj.io") == 0 && strcmp(gvk.kind, "Application") == 0 &&
	       same_str(cap_health_str(live, "metadata", "name", NULL),
			cap_health_str(app, "metadata", "name", NULL)) &&
	       same_str(cap_health_str(live, "metadata", "namespace", NULL),
			cap_health_str(app, "metadata", "namespace", NULL)) &&
	       same_str(cap_health_str(live, "metadata", "uid", NULL),
			cap_health_str(app, "metadata", "uid", NULL));
}

void cap_health_aggregate(cap_health_status *out, cap_health_resource *resources, size_t n,
			  const cap_health_overrides *overrides, const cap_value *app)
{
	cap_health_status app_status = CAP_HEALTH_HEALTHY;
	bool contains = false, contains_live = false;

	for (size_t i = 0; i < n; i++) {
		cap_health_resource *r = &resources[i];
		cap_health_release(&r->health);
		if (r->target && cap_health_is_skip_hook(r->target))
			continue;
		if (r->live && cap_health_is_hook(r->live))
			continue;
		contains = true;
		if (r->live)
			contains_live = true;
		const char *ignore =
		    r->live
			? cap_health_annotation(r->live, "argocd.argoproj.io/ignore-healthcheck")
			: NULL;
		if (ignore && strcmp(ignore, "true") == 0)
			continue;
		if (!r->live) {
			/* Missing shows on the resource; OutOfSync already tells the app. */
			cap_health_set(&r->health, CAP_HEALTH_MISSING, "");
			continue;
		}
		if (is_self(app, r->live))
			continue;
		if (cap_health_assess(&r->health, r->live, overrides) != 0)
			continue;
		cap_health_status s = r->health.status;
		if (s == CAP_HEALTH_NONE)
			continue;
		bool child_app = strcmp(r->group ? r->group : "", "argoproj.io") == 0 &&
				 same_str(r->kind, "Application");
		if (child_app && (s == CAP_HEALTH_MISSING || s == CAP_HEALTH_UNKNOWN))
			continue;
		if (cap_health_is_worse(app_status, s))
			app_status = s;
	}
	if (contains && !contains_live && cap_health_is_worse(app_status, CAP_HEALTH_MISSING))
		app_status = CAP_HEALTH_MISSING;
	*out = app_status;
}
