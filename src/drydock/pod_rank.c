/* The ReplicaSet controller's ranking of pods to delete on a scale-down. */
#include "drydock/pod_rank.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DELETION_COST "controller.kubernetes.io/pod-deletion-cost"

static const char *str(const cap_value *v)
{
	const char *s = cap_value_get_string(v);
	return s ? s : "";
}

/* Pending 0, Unknown 1, Running 2; anything else sorts with Pending (Kubernetes does too). */
static int phase_rank(const cap_value *pod)
{
	const char *p = str(cap_value_dig(pod, "status", "phase", NULL));
	if (!strcmp(p, "Running"))
		return 2;
	if (!strcmp(p, "Unknown"))
		return 1;
	return 0;
}

/* The Ready condition when it is True, else NULL. */
static const cap_value *ready_condition(const cap_value *pod)
{
	size_t i;
	cap_value *c;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(pod, "status", "conditions", NULL), i, c)
	{
		if (!strcmp(str(cap_value_object_get(c, "type")), "Ready"))
			return strcmp(str(cap_value_object_get(c, "status")), "True") ? NULL : c;
	}
	return NULL;
}

static int64_t deletion_cost(const cap_value *pod)
{
	const char *s = str(cap_value_dig(pod, "metadata", "annotations", DELETION_COST, NULL));
	return *s ? strtoll(s, NULL, 10) : 0;
}

static int64_t max_restarts(const cap_value *pod)
{
	int64_t most = 0;
	size_t i;
	cap_value *cs;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(pod, "status", "containerStatuses", NULL), i, cs)
	{
		int64_t n = cap_value_get_int(cap_value_object_get(cs, "restartCount"));
		if (n > most)
			most = n;
	}
	return most;
}

/* RFC 3339 times of one format compare as text; an empty one ranks first (newest). */
static int newer_first(const char *a, const char *b)
{
	if (!*a || !*b)
		return (*a != 0) - (*b != 0);
	return -strcmp(a, b);
}

static int by(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

int dd_pod_deletion_cmp(const cap_value *a, const cap_value *b)
{
	bool sa = *str(cap_value_dig(a, "spec", "nodeName", NULL)),
	     sb = *str(cap_value_dig(b, "spec", "nodeName", NULL));
	if (sa != sb)
		return sa ? 1 : -1;
	int r;
	if ((r = by(phase_rank(a), phase_rank(b))))
		return r;
	const cap_value *ra = ready_condition(a), *rb = ready_condition(b);
	if ((ra != NULL) != (rb != NULL))
		return ra ? 1 : -1;
	if ((r = by(deletion_cost(a), deletion_cost(b))))
		return r;
	if (ra && (r = newer_first(str(cap_value_object_get(ra, "lastTransitionTime")),
				   str(cap_value_object_get(rb, "lastTransitionTime")))))
		return r;
	if ((r = by(max_restarts(b), max_restarts(a))))
		return r;
	if ((r = newer_first(str(cap_value_dig(a, "metadata", "creationTimestamp", NULL)),
			     str(cap_value_dig(b, "metadata", "creationTimestamp", NULL)))))
		return r;
	return -strcmp(str(cap_value_dig(a, "metadata", "name", NULL)),
		       str(cap_value_dig(b, "metadata", "name", NULL)));
}
