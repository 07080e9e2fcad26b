/* The API server's checks that GitOps tools trip over most: workload selectors and templates,
 * container fields, immutability. */
#include "drydock/validate.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "drydock/status.h"

/* Go's %#v of a map[string]string, keys in order: map[string]string{"a":"b"}. */
static void go_map(cap_buf *out, const cap_value *m)
{
	cap_buf_puts(out, "map[string]string{");
	const char *keys[64];
	size_t n = 0;
	const char *k;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(m, k, v)
	{
		(void)v;
		if (n < 64)
			keys[n++] = k;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *x = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = x;
		}
	for (size_t i = 0; i < n; i++) {
		cap_buf_printf(out, "%s", i ? ", " : "");
		dd_json_quote(out, keys[i]);
		cap_buf_putc(out, ':');
		dd_json_quote(out, cap_value_get_string(cap_value_object_get(m, keys[i])) ?: "");
	}
	cap_buf_putc(out, '}');
}

static bool invalid(dd_response *res, const dd_rtype *t, const cap_value *obj, const char *field,
		    const char *reason, const char *detail)
{
	dd_status_invalid(res, t, cap_value_dig_string((cap_value *)obj, "metadata", "name", NULL),
			  field, reason, detail);
	return false;
}

static bool check_containers(const dd_rtype *t, const cap_value *obj, const cap_value *podspec,
			     const char *prefix, dd_response *res)
{
	cap_value *cs = cap_value_object_get(podspec, "containers");
	char field[256];
	if (cap_value_array_len(cs) == 0) {
		snprintf(field, sizeof(field), "%s.containers", prefix);
		return invalid(res, t, obj, field, "FieldValueRequired", "Required value");
	}
	size_t i;
	cap_value *c;
	CAP_VALUE_ARRAY_FOREACH(cs, i, c)
	{
		const char *name = cap_value_dig_string(c, "name", NULL);
		const char *image = cap_value_dig_string(c, "image", NULL);
		if (!name || !*name) {
			snprintf(field, sizeof(field), "%s.containers[%zu].name", prefix, i);
			return invalid(res, t, obj, field, "FieldValueRequired", "Required value");
		}
		if (!image || !*image) {
			snprintf(field, sizeof(field), "%s.containers[%zu].image", prefix, i);
			return invalid(res, t, obj, field, "FieldValueRequired", "Required value");
		}
	}
	return true;
}

static bool is(const dd_rtype *t, const char *group, const char *resource)
{
	return !t->crd && strcmp(t->group, group) == 0 && strcmp(t->resource, resource) == 0;
}

static bool check_workload(const dd_rtype *t, const cap_value *obj, const cap_value *old,
			   dd_response *res)
{
	cap_value *spec = cap_value_object_get(obj, "spec");
	cap_value *sel = cap_value_object_get(spec, "selector");
	bool job = is(t, "batch", "jobs");
	if (!cap_value_is_object(sel)) {
		if (job)
			return check_containers(t, obj,
						cap_value_dig(spec, "template", "spec", NULL),
						"spec.template.spec", res);
		return invalid(res, t, obj, "spec.selector", "FieldValueRequired",
			       "Required value");
	}
	cap_value *ml = cap_value_object_get(sel, "matchLabels");
	cap_value *labels = cap_value_dig(spec, "template", "metadata", "labels", NULL);
	if (cap_value_object_len(ml) == 0 &&
	    cap_value_array_len(cap_value_object_get(sel, "matchExpressions")) == 0 && !job)
		return invalid(
		    res, t, obj, "spec.selector", "FieldValueInvalid",
		    "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
		    "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector "
		    "is invalid for deployment");
	const char *k;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(ml, k, v)
	{
		const char *have = cap_value_get_string(cap_value_object_get(labels, k));
		if (!have || strcmp(have, cap_value_get_string(v) ?: "") != 0) {
			cap_buf d = CAP_BUF_INIT;
			cap_buf_puts(&d, "Invalid value: ");
			go_map(&d, labels);
			cap_buf_puts(&d, ": `selector` does not match template `labels`");
			bool ok = invalid(res, t, obj, "spec.template.metadata.labels",
					  "FieldValueInvalid", d.ptr);
			cap_buf_release(&d);
			return ok;
		}
	}
	if (old && !job) {
		cap_value *old_sel = cap_value_dig((cap_value *)old, "spec", "selector", NULL);
		if (old_sel && !cap_value_equal(old_sel, sel)) {
			cap_buf d = CAP_BUF_INIT;
			cap_buf_puts(&d, "Invalid value: v1.LabelSelector{MatchLabels:");
			go_map(&d, ml);
			cap_buf_puts(
			    &d, ", MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field "
				"is immutable");
			bool ok = invalid(res, t, obj, "spec.selector", "FieldValueInvalid", d.ptr);
			cap_buf_release(&d);
			return ok;
		}
	}
	return check_containers(t, obj, cap_value_dig(spec, "template", "spec", NULL),
				"spec.template.spec", res);
}

bool dd_validate_object(const dd_rtype *t, const cap_value *obj, const cap_value *old,
			dd_response *res)
{
	if (t->crd)
		return true;
	if (is(t, "apps", "deployments") || is(t, "apps", "replicasets") ||
	    is(t, "apps", "statefulsets") || is(t, "apps", "daemonsets") || is(t, "batch", "jobs"))
		return check_workload(t, obj, old, res);
	if (is(t, "", "pods"))
		return check_containers(t, obj, cap_value_object_get(obj, "spec"), "spec", res);
	if (is(t, "", "services") && old) {
		const char *was = cap_value_dig_string((cap_value *)old, "spec", "clusterIP", NULL);
		const char *now = cap_value_dig_string((cap_value *)obj, "spec", "clusterIP", NULL);
		if (was && now && strcmp(was, now) != 0 && strcmp(was, "None") != 0 && *was) {
			char d[256];
			snprintf(d, sizeof(d), "Invalid value: \"%s\": field is immutable", now);
			return invalid(res, t, obj, "spec.clusterIPs[0]", "FieldValueInvalid", d);
		}
	}
	return true;
}
