/* Object field access and hook rules for the health checks. */
#include "health/object.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/slice.h"

void cap_health_gvk_of(cap_health_gvk *out, const cap_value *obj)
{
	const char *api = cap_value_get_string(cap_value_object_get(obj, "apiVersion"));
	const char *kind = cap_value_get_string(cap_value_object_get(obj, "kind"));
	out->group[0] = out->version[0] = '\0';
	out->kind = kind ? kind : "";
	if (!api)
		return;
	const char *slash = strchr(api, '/');
	if (!slash) {
		snprintf(out->version, sizeof(out->version), "%s", api);
		return;
	}
	size_t glen = (size_t)(slash - api);
	if (glen >= sizeof(out->group))
		glen = sizeof(out->group) - 1;
	memcpy(out->group, api, glen);
	out->group[glen] = '\0';
	snprintf(out->version, sizeof(out->version), "%s", slash + 1);
}

static const cap_value *vdig(const cap_value *v, va_list ap)
{
	const char *key;
	while (v && (key = va_arg(ap, const char *)))
		v = cap_value_object_get(v, key);
	return v;
}

int64_t cap_health_int(const cap_value *obj, ...)
{
	va_list ap;
	va_start(ap, obj);
	const cap_value *v = vdig(obj, ap);
	va_end(ap);
	if (cap_value_is_int(v))
		return cap_value_get_int(v);
	if (cap_value_is_real(v))
		return (int64_t)cap_value_get_real(v);
	return 0;
}

const char *cap_health_str(const cap_value *obj, ...)
{
	va_list ap;
	va_start(ap, obj);
	const cap_value *v = vdig(obj, ap);
	va_end(ap);
	const char *s = cap_value_get_string(v);
	return s ? s : "";
}

bool cap_health_has(const cap_value *obj, ...)
{
	va_list ap;
	va_start(ap, obj);
	const cap_value *v = vdig(obj, ap);
	va_end(ap);
	return v && !cap_value_is_null(v);
}

const char *cap_health_annotation(const cap_value *obj, const char *key)
{
	const cap_value *ann = cap_value_dig(obj, "metadata", "annotations", NULL);
	return cap_value_get_string(cap_value_object_get(ann, key));
}

const cap_value *cap_health_condition(const cap_value *conds, const char *type)
{
	size_t i;
	cap_value *c;
	if (!cap_value_is_array(conds))
		return NULL;
	CAP_VALUE_ARRAY_FOREACH(conds, i, c)
	{
		if (strcmp(cap_health_str(c, "type", NULL), type) == 0)
			return c;
	}
	return NULL;
}

/* Counts the hook types in the argocd.argoproj.io/hook annotation and whether one is Skip. */
static size_t hook_types(const char *ann, bool *has_skip)
{
	static const char *const known[] = {"PreSync",	"Sync",	      "PostSync",
					    "SyncFail", "PostDelete", "Skip"};
	size_t n = 0;
	*has_skip = false;
	cap_slice rest = cap_slice_from_cstr(ann), part;
	while (cap_slice_split(&rest, ',', &part)) {
		part = cap_slice_trim(part);
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			if (cap_slice_eq_cstr(part, known[i])) {
				n++;
				if (i == 5)
					*has_skip = true;
			}
		}
	}
	return n;
}

bool cap_health_is_skip_hook(const cap_value *obj)
{
	const char *ann = cap_health_annotation(obj, "argocd.argoproj.io/hook");
	if (!ann)
		return false;
	bool skip;
	size_t n = hook_types(ann, &skip);
	return skip && n == 1;
}

bool cap_health_is_hook(const cap_value *obj)
{
	if (cap_health_annotation(obj, "argocd.argoproj.io/hook"))
		return !cap_health_is_skip_hook(obj);
	const char *helm = cap_health_annotation(obj, "helm.sh/hook");
	return helm && strcmp(helm, "crd-install") != 0;
}

bool cap_health_has_hook_finalizer(const cap_value *obj)
{
	const cap_value *fin = cap_value_dig(obj, "metadata", "finalizers", NULL);
	size_t i;
	cap_value *f;
	if (!cap_value_is_array(fin))
		return false;
	CAP_VALUE_ARRAY_FOREACH(fin, i, f)
	{
		const char *s = cap_value_get_string(f);
		if (s && strcmp(s, "argocd.argoproj.io/hook-finalizer") == 0)
			return true;
	}
	return false;
}
