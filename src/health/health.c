/* Health statuses and the assessment of one object: deletion, custom Lua check, built-in check. */
#include "health/health.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "health/builtin.h"
#include "health/lua.h"
#include "health/object.h"
#include "health/overrides.h"

static const char *const names[] = {"",	       "Healthy",  "Suspended", "Progressing",
				    "Missing", "Degraded", "Unknown"};

const char *cap_health_status_name(cap_health_status status)
{
	return (unsigned)status < sizeof(names) / sizeof(names[0]) ? names[status] : "";
}

int cap_health_status_parse(cap_health_status *out, const char *name)
{
	for (size_t i = 1; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (cap_health_status)i;
			return 0;
		}
	}
	return cap_error_set(CAP_EINVALID, "unknown health status '%s'", name);
}

bool cap_health_is_worse(cap_health_status current, cap_health_status candidate)
{
	return candidate != CAP_HEALTH_NONE && candidate > current;
}

void cap_health_init(cap_health *h)
{
	h->status = CAP_HEALTH_NONE;
	h->message = NULL;
	h->failed = false;
}

void cap_health_release(cap_health *h)
{
	if (!h)
		return;
	free(h->message);
	cap_health_init(h);
}

void cap_health_set(cap_health *h, cap_health_status status, const char *message)
{
	char *copy = cap_strdup(message ? message : "");
	free(h->message);
	h->status = status;
	h->message = copy;
}

int cap_health_assess(cap_health *out, const cap_value *obj, const cap_health_overrides *overrides)
{
	if (!cap_value_is_object(obj))
		return cap_error_set(CAP_EINVALID,
				     "cannot assess health: the resource is not an object");
	cap_health h;
	cap_health_init(&h);

	if (cap_health_has(obj, "metadata", "deletionTimestamp", NULL) &&
	    !cap_health_has_hook_finalizer(obj)) {
		cap_health_set(&h, CAP_HEALTH_PROGRESSING, "Pending deletion");
		*out = h;
		return 0;
	}

	cap_health_gvk gvk;
	cap_health_gvk_of(&gvk, obj);
	const cap_health_override *ov = cap_health_overrides_find(overrides, gvk.group, gvk.kind);
	if (ov) {
		if (cap_health_lua_eval(&h, ov->health_lua, obj, ov->use_open_libs) != 0) {
			cap_health_set(&h, CAP_HEALTH_UNKNOWN, cap_error_last());
			h.failed = true;
		}
		*out = h;
		return 0;
	}

	cap_health_check_fn check = cap_health_builtin_find(gvk.group, gvk.kind);
	if (check) {
		cap_health_set(&h, CAP_HEALTH_UNKNOWN, "");
		check(&h, obj, &gvk);
	} else {
		cap_health_set(&h, CAP_HEALTH_NONE, "");
	}
	*out = h;
	return 0;
}
