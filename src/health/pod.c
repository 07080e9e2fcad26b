/* Built-in check for core/v1 Pod: restart policies, waiting reasons, readiness, failures. */
#include "health/builtin.h"

#include <string.h>

#include "base/buf.h"
#include "base/slice.h"

/* A waiting reason that means the container will not start by itself. */
static bool is_error_reason(const char *reason)
{
	cap_slice r = cap_slice_from_cstr(reason);
	return cap_slice_has_prefix(r, "Err") || cap_slice_has_suffix(r, "Error") ||
	       cap_slice_has_suffix(r, "BackOff");
}

/* The message a failed container leaves, or "". */
static void fail_message(cap_buf *out, const cap_value *ctr)
{
	const cap_value *term = cap_value_dig(ctr, "state", "terminated", NULL);
	if (!term || cap_value_is_null(term))
		return;
	const char *msg = cap_health_str(term, "message", NULL);
	if (*msg) {
		cap_buf_puts(out, msg);
	} else if (strcmp(cap_health_str(term, "reason", NULL), "OOMKilled") == 0) {
		cap_buf_puts(out, "OOMKilled");
	} else if (cap_health_int(term, "exitCode", NULL) != 0) {
		cap_buf_printf(out, "container \"%s\" failed with exit code %lld",
			       cap_health_str(ctr, "name", NULL),
			       (long long)cap_health_int(term, "exitCode", NULL));
	}
}

static bool pod_ready(const cap_value *pod)
{
	const cap_value *c =
	    cap_health_condition(cap_value_dig(pod, "status", "conditions", NULL), "Ready");
	return c && strcmp(cap_health_str(c, "status", NULL), "True") == 0;
}

/* A long-running pod that is running: ready, crashed before, or on its way. */
static void running_health(cap_health *out, const cap_value *pod, const char *message)
{
	if (pod_ready(pod)) {
		cap_health_set(out, CAP_HEALTH_HEALTHY, message);
		return;
	}
	const cap_value *statuses = cap_value_dig(pod, "status", "containerStatuses", NULL);
	size_t i;
	cap_value *s;
	if (cap_value_is_array(statuses)) {
		CAP_VALUE_ARRAY_FOREACH(statuses, i, s)
		{
			if (cap_health_has(s, "lastState", "terminated", NULL)) {
				cap_health_set(out, CAP_HEALTH_DEGRADED, message);
				return;
			}
		}
	}
	cap_health_set(out, CAP_HEALTH_PROGRESSING, message);
}

void cap_health_check_pod(cap_health *out, const cap_value *pod, const cap_health_gvk *gvk)
{
	if (gvk->group[0] || strcmp(gvk->version, "v1") != 0) {
		cap_health_unsupported(out, "Pod", gvk);
		return;
	}
	const char *policy = cap_health_str(pod, "spec", "restartPolicy", NULL);
	const char *message = cap_health_str(pod, "status", "message", NULL);
	const char *phase = cap_health_str(pod, "status", "phase", NULL);
	bool always = strcmp(policy, "Always") == 0;
	/* Hooks keep their finite-life treatment even when annotated. */
	bool ignore_policy =
	    cap_health_annotation(pod, "argocd.argoproj.io/ignore-restart-policy") &&
	    !cap_health_is_hook(pod);

	/*
	 * Only long-running pods turn Degraded on a waiting error: a hook pod that waits on an
	 * image pull must not fail the sync before the image shows up.
	 */
	if (always || ignore_policy) {
		const cap_value *statuses = cap_value_dig(pod, "status", "containerStatuses", NULL);
		cap_buf msgs = CAP_BUF_INIT;
		bool degraded = false;
		size_t i;
		cap_value *s;
		if (cap_value_is_array(statuses)) {
			CAP_VALUE_ARRAY_FOREACH(statuses, i, s)
			{
				const cap_value *waiting =
				    cap_value_dig(s, "state", "waiting", NULL);
				if (!waiting || cap_value_is_null(waiting))
					continue;
				if (!is_error_reason(cap_health_str(waiting, "reason", NULL)))
					continue;
				if (degraded)
					cap_buf_puts(&msgs, ", ");
				cap_buf_puts(&msgs, cap_health_str(waiting, "message", NULL));
				degraded = true;
			}
		}
		if (degraded) {
			cap_health_set(out, CAP_HEALTH_DEGRADED, msgs.ptr);
			cap_buf_release(&msgs);
			return;
		}
		cap_buf_release(&msgs);
	}

	if (strcmp(phase, "Pending") == 0) {
		cap_health_set(out, CAP_HEALTH_PROGRESSING, message);
	} else if (strcmp(phase, "Succeeded") == 0) {
		cap_health_set(out, CAP_HEALTH_HEALTHY, message);
	} else if (strcmp(phase, "Failed") == 0) {
		if (*message) {
			cap_health_set(out, CAP_HEALTH_DEGRADED, message);
			return;
		}
		static const char *const lists[] = {"initContainerStatuses", "containerStatuses"};
		cap_buf fail = CAP_BUF_INIT;
		for (size_t l = 0; l < 2 && !fail.len; l++) {
			const cap_value *statuses = cap_value_dig(pod, "status", lists[l], NULL);
			size_t i;
			cap_value *s;
			if (!cap_value_is_array(statuses))
				continue;
			CAP_VALUE_ARRAY_FOREACH(statuses, i, s)
			{
				fail_message(&fail, s);
				if (fail.len)
					break;
			}
		}
		cap_health_set(out, CAP_HEALTH_DEGRADED, fail.ptr);
		cap_buf_release(&fail);
	} else if (strcmp(phase, "Running") == 0 && (always || ignore_policy)) {
		running_health(out, pod, message);
	} else if (strcmp(phase, "Running") == 0 &&
		   (strcmp(policy, "OnFailure") == 0 || strcmp(policy, "Never") == 0)) {
		/* Finite pods, typically hooks: running is progress, not health. */
		cap_health_set(out, CAP_HEALTH_PROGRESSING, message);
	} else {
		cap_health_set(out, CAP_HEALTH_UNKNOWN, message);
	}
}
