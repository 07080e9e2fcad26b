/* Tests for the order in which a scale-down deletes pods (the ReplicaSet controller's ranking). */
#include "cap_test.h"
#include "value_fixture.h"

#include <stdio.h>

#include "drydock/pod_rank.h"

/* A pod: node ("" unscheduled), phase, Ready since (NULL: not ready), restarts, created, cost. */
static cap_value *pod(const char *name, const char *node, const char *phase,
		      const char *ready_since, int restarts, const char *created, const char *cost)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "metadata: {name: %s, creationTimestamp: '%s'%s%s%s}\n"
		 "spec: {nodeName: '%s'}\n"
		 "status:\n  phase: %s\n"
		 "  conditions: [{type: Ready, status: '%s', lastTransitionTime: '%s'}]\n"
		 "  containerStatuses: [{name: c, restartCount: %d}]\n",
		 name, created,
		 cost ? ", annotations: {controller.kubernetes.io/pod-deletion-cost: '" : "",
		 cost ? cost : "", cost ? "'}" : "", node, phase, ready_since ? "True" : "False",
		 ready_since ? ready_since : created, restarts);
	return cap_test_yaml(text);
}

#define OLD "2026-01-01T00:00:00Z"
#define NEW "2026-01-01T00:05:00Z"

/* Asserts that first goes before second, and not the other way round. */
static void before(cap_value *first, cap_value *second)
{
	assert_true(dd_pod_deletion_cmp(first, second) < 0);
	assert_true(dd_pod_deletion_cmp(second, first) > 0);
	cap_value_free(first);
	cap_value_free(second);
}

static void unscheduled_pods_go_first(void **state)
{
	before(pod("a", "", "Pending", NULL, 0, OLD, NULL),
	       pod("b", "drydock", "Pending", NULL, 0, NEW, NULL));
}

static void pending_before_unknown_before_running(void **state)
{
	before(pod("a", "n", "Pending", NULL, 0, OLD, NULL),
	       pod("b", "n", "Unknown", NULL, 0, NEW, NULL));
	before(pod("a", "n", "Unknown", NULL, 0, OLD, NULL),
	       pod("b", "n", "Running", NULL, 0, NEW, NULL));
}

static void not_ready_goes_before_ready_even_when_older(void **state)
{
	before(pod("old", "n", "Running", NULL, 0, OLD, NULL),
	       pod("new", "n", "Running", NEW, 0, NEW, NULL));
}

static void lower_deletion_cost_goes_first(void **state)
{
	before(pod("a", "n", "Running", OLD, 0, OLD, "-5"),
	       pod("b", "n", "Running", NEW, 0, NEW, NULL));
}

static void ready_for_less_time_goes_first(void **state)
{
	before(pod("a", "n", "Running", NEW, 0, OLD, NULL),
	       pod("b", "n", "Running", OLD, 0, NEW, NULL));
}

static void more_restarts_go_first(void **state)
{
	before(pod("a", "n", "Running", OLD, 3, OLD, NULL),
	       pod("b", "n", "Running", OLD, 1, NEW, NULL));
}

static void newer_pods_go_first_then_by_name(void **state)
{
	before(pod("a", "n", "Running", OLD, 0, NEW, NULL),
	       pod("b", "n", "Running", OLD, 0, OLD, NULL));
	before(pod("b", "n", "Running", OLD, 0, OLD, NULL),
	       pod("a", "n", "Running", OLD, 0, OLD, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(unscheduled_pods_go_first),
	    cmocka_unit_test(pending_before_unknown_before_running),
	    cmocka_unit_test(not_ready_goes_before_ready_even_when_older),
	    cmocka_unit_test(lower_deletion_cost_goes_first),
	    cmocka_unit_test(ready_for_less_time_goes_first),
	    cmocka_unit_test(more_restarts_go_first),
	    cmocka_unit_test(newer_pods_go_first_then_by_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
