/* Built-in health checks against Argo CD's own fixtures and expectations (expected.tsv). */
#include "cap_test.h"

#include "base/alloc.h"
#include "base/error.h"
#include "health/health.h"
#include "value/yaml.h"

#include "fixture_table.h"

#include <stdio.h>
#include <string.h>

/*
 * statefulset-ondelete.yaml repeats `updateStrategy: {type: OnDelete}` under spec with the same
 * value twice. Argo CD's Go YAML reader keeps the last key; Capstan's reader refuses duplicate
 * keys as kubectl's strict decoding does. The row is still checked: the second, identical
 * occurrence is dropped from the text before parsing, which leaves the object Argo CD sees.
 */
static const char DUPLICATE_FILE[] = "statefulset-ondelete.yaml";
static const char DUPLICATE_BLOCK[] = "\n  updateStrategy:\n    type: OnDelete\n";

/* Loads the first document of a YAML file; fails the test when it cannot. */
static cap_value *load(const char *path)
{
	cap_buf text = CAP_BUF_INIT;
	cap_test_read_file(&text, path);
	size_t plen = strlen(path), dlen = strlen(DUPLICATE_FILE);
	if (plen >= dlen && strcmp(path + plen - dlen, DUPLICATE_FILE) == 0) {
		char *first = strstr(text.ptr, DUPLICATE_BLOCK);
		char *second = first ? strstr(first + 1, DUPLICATE_BLOCK) : NULL;
		assert_non_null(second);
		size_t blen = strlen(DUPLICATE_BLOCK) - 1; /* keep one newline */
		memmove(second, second + blen, text.len - (size_t)(second - text.ptr) - blen + 1);
		text.len -= blen;
	}
	cap_value *docs = NULL;
	if (cap_yaml_parse_stream(&docs, text.ptr, text.len, path, NULL) != 0)
		fail_msg("%s", cap_error_last());
	cap_buf_release(&text);
	cap_value *doc = cap_value_ref(cap_value_array_get(docs, 0));
	cap_value_free(docs);
	assert_non_null(doc);
	return doc;
}

/* One row of Argo CD's table: the fixture's health with no overrides, as GetResourceHealth(obj,
 * nil). */
static void argo_cd_fixture_row(void **state)
{
	const struct fixture_row *row = *state;
	cap_buf path = CAP_BUF_INIT;
	cap_test_shared_path(&path, "argocd/fixtures/health/");
	cap_buf_puts(&path, row->file);
	cap_value *obj = load(path.ptr);
	cap_health h;
	assert_int_equal(cap_health_assess(&h, obj, NULL), 0);
	const char *got = h.status == CAP_HEALTH_NONE ? "none" : cap_health_status_name(h.status);
	if (strcmp(got, row->status) != 0)
		fail_msg("expected status %s, got %s (%s)", row->status, got, h.message);
	if (row->message && strcmp(row->message, h.message) != 0)
		fail_msg("expected message '%s', got '%s'", row->message, h.message);
	cap_health_release(&h);
	cap_value_free(obj);
	cap_buf_release(&path);
}

/* Runs the check on a YAML snippet and compares status and message. */
static void expect(const char *yaml, cap_health_status status, const char *message)
{
	cap_value *obj = NULL;
	if (cap_yaml_parse(&obj, yaml, strlen(yaml), "inline", NULL) != 0)
		fail_msg("%s", cap_error_last());
	cap_health h;
	assert_int_equal(cap_health_assess(&h, obj, NULL), 0);
	if (h.status != status || (message && strcmp(h.message, message) != 0))
		fail_msg("expected %s '%s', got %s '%s'", cap_health_status_name(status),
			 message ? message : "*", cap_health_status_name(h.status), h.message);
	cap_health_release(&h);
	cap_value_free(obj);
}

/* The expected.tsv notes these Workflow cases, built inline in Argo CD's tests. */
static void argo_workflow_follows_its_phase(void **state)
{
	expect("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nstatus:\n  phase: Running\n"
	       "  message: This node is running\n",
	       CAP_HEALTH_PROGRESSING, "This node is running");
	expect("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nstatus:\n  phase: Succeeded\n"
	       "  message: This node is has succeeded\n",
	       CAP_HEALTH_HEALTHY, "This node is has succeeded");
	expect("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n", CAP_HEALTH_PROGRESSING, "");
	expect("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nstatus: {phase: Error}\n",
	       CAP_HEALTH_DEGRADED, "");
}

static void deployment_messages_name_the_rollout_step(void **state)
{
	expect("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, generation: 2}\n"
	       "spec: {replicas: 3}\nstatus: {observedGeneration: 2, replicas: 3, "
	       "updatedReplicas: 1}\n",
	       CAP_HEALTH_PROGRESSING,
	       "Waiting for rollout to finish: 1 out of 3 new replicas have been updated...");
	expect("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, generation: 2}\n"
	       "spec: {replicas: 3}\nstatus: {observedGeneration: 2, replicas: 5, "
	       "updatedReplicas: 3}\n",
	       CAP_HEALTH_PROGRESSING,
	       "Waiting for rollout to finish: 2 old replicas are pending termination...");
	expect("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, generation: 2}\n"
	       "spec: {replicas: 3}\nstatus: {observedGeneration: 2, replicas: 3, "
	       "updatedReplicas: 3, availableReplicas: 2}\n",
	       CAP_HEALTH_PROGRESSING,
	       "Waiting for rollout to finish: 2 of 3 updated replicas are available...");
	expect("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, generation: 3}\n"
	       "status: {observedGeneration: 2}\n",
	       CAP_HEALTH_PROGRESSING,
	       "Waiting for rollout to finish: observed deployment generation less than "
	       "desired generation");
	expect("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nstatus:\n"
	       "  conditions: [{type: Progressing, reason: ProgressDeadlineExceeded}]\n",
	       CAP_HEALTH_DEGRADED, "Deployment \"web\" exceeded its progress deadline");
	expect("apiVersion: apps/v1\nkind: Deployment\nspec: {paused: true}\n",
	       CAP_HEALTH_SUSPENDED, "Deployment is paused");
}

static void statefulset_and_daemonset_messages(void **state)
{
	expect("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {generation: 1}\n"
	       "spec: {replicas: 3}\nstatus: {observedGeneration: 1, readyReplicas: 1}\n",
	       CAP_HEALTH_PROGRESSING, "Waiting for 2 pods to be ready...");
	expect("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {generation: 1}\n"
	       "spec:\n  replicas: 3\n  updateStrategy:\n    type: RollingUpdate\n"
	       "    rollingUpdate: {partition: 1}\n"
	       "status: {observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1}\n",
	       CAP_HEALTH_PROGRESSING,
	       "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been "
	       "updated...");
	expect("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {generation: 1}\n"
	       "spec: {replicas: 2}\nstatus: {observedGeneration: 1, readyReplicas: 2, "
	       "currentRevision: a, updateRevision: b, updatedReplicas: 1}\n",
	       CAP_HEALTH_PROGRESSING,
	       "waiting for statefulset rolling update to complete 1 pods at revision b...");
	expect("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {generation: 1}\n"
	       "spec: {replicas: 2}\nstatus: {observedGeneration: 1, readyReplicas: 2, "
	       "currentRevision: b, updateRevision: b, currentReplicas: 2}\n",
	       CAP_HEALTH_HEALTHY, "statefulset rolling update complete 2 pods at revision b...");
	expect("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, generation: 1}\n"
	       "status: {observedGeneration: 1, desiredNumberScheduled: 3, "
	       "updatedNumberScheduled: 1}\n",
	       CAP_HEALTH_PROGRESSING,
	       "Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have "
	       "been updated...");
	expect("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, generation: 1}\n"
	       "status: {observedGeneration: 1, desiredNumberScheduled: 3, "
	       "updatedNumberScheduled: 3, numberAvailable: 2}\n",
	       CAP_HEALTH_PROGRESSING,
	       "Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are "
	       "available...");
}

static void replicaset_failure_condition_is_degraded(void **state)
{
	expect("apiVersion: apps/v1\nkind: ReplicaSet\nstatus:\n  conditions:\n"
	       "  - {type: ReplicaFailure, status: 'True', message: quota exceeded}\n",
	       CAP_HEALTH_DEGRADED, "quota exceeded");
	expect("apiVersion: apps/v1\nkind: ReplicaSet\nspec: {replicas: 2}\n"
	       "status: {availableReplicas: 1}\n",
	       CAP_HEALTH_PROGRESSING,
	       "Waiting for rollout to finish: 1 out of 2 new replicas are available...");
	expect("apiVersion: apps/v1\nkind: ReplicaSet\nspec: {replicas: 2}\n"
	       "status: {availableReplicas: 2}\n",
	       CAP_HEALTH_HEALTHY, "");
}

static void pod_failure_messages(void **state)
{
	expect("apiVersion: v1\nkind: Pod\nspec: {restartPolicy: Never}\nstatus:\n  phase: Failed\n"
	       "  containerStatuses:\n  - name: main\n    state: {terminated: {exitCode: 3}}\n",
	       CAP_HEALTH_DEGRADED, "container \"main\" failed with exit code 3");
	expect(
	    "apiVersion: v1\nkind: Pod\nspec: {restartPolicy: Never}\nstatus:\n  phase: Failed\n"
	    "  initContainerStatuses:\n  - name: init\n    state: {terminated: {reason: OOMKilled, "
	    "exitCode: 137}}\n",
	    CAP_HEALTH_DEGRADED, "OOMKilled");
	expect("apiVersion: v1\nkind: Pod\nspec: {restartPolicy: Always}\nstatus:\n"
	       "  phase: Pending\n  containerStatuses:\n"
	       "  - state: {waiting: {reason: ErrImagePull, message: a}}\n"
	       "  - state: {waiting: {reason: CreateContainerConfigError, message: b}}\n"
	       "  - state: {waiting: {reason: ContainerCreating, message: c}}\n",
	       CAP_HEALTH_DEGRADED, "a, b");
	/* A hook pod waiting on its image is still progressing. */
	expect("apiVersion: v1\nkind: Pod\nspec: {restartPolicy: Never}\nstatus:\n"
	       "  phase: Pending\n  containerStatuses:\n"
	       "  - state: {waiting: {reason: ImagePullBackOff, message: a}}\n",
	       CAP_HEALTH_PROGRESSING, "");
	expect("apiVersion: v1\nkind: Pod\nstatus: {phase: Running}\n", CAP_HEALTH_UNKNOWN, "");
}

static void load_balancers_wait_for_an_address(void **state)
{
	expect("apiVersion: v1\nkind: Service\nspec: {type: LoadBalancer}\n",
	       CAP_HEALTH_PROGRESSING, "");
	expect("apiVersion: networking.k8s.io/v1\nkind: Ingress\nstatus:\n  loadBalancer:\n"
	       "    ingress: [{ip: 10.0.0.1}]\n",
	       CAP_HEALTH_HEALTHY, "");
	expect("apiVersion: v1\nkind: PersistentVolumeClaim\nstatus: {phase: Lost}\n",
	       CAP_HEALTH_DEGRADED, "");
	expect("apiVersion: v1\nkind: PersistentVolumeClaim\n", CAP_HEALTH_UNKNOWN, "");
}

static void apiservice_reports_reason_and_message(void **state)
{
	expect("apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nstatus:\n  conditions:\n"
	       "  - {type: Available, status: 'False', reason: MissingEndpoints, message: none}\n",
	       CAP_HEALTH_PROGRESSING, "MissingEndpoints: none");
	expect("apiVersion: apiregistration.k8s.io/v1\nkind: APIService\n", CAP_HEALTH_PROGRESSING,
	       "Waiting to be processed");
}

static void crd_must_be_established_and_accepted(void **state)
{
	const char *head = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n";
	char buf[512];
	expect(head, CAP_HEALTH_PROGRESSING, "Status conditions not found");
	snprintf(
	    buf, sizeof(buf),
	    "%sstatus:\n  conditions:\n"
	    "  - {type: NamesAccepted, status: 'True'}\n  - {type: Established, status: 'True'}\n",
	    head);
	expect(buf, CAP_HEALTH_HEALTHY, "CRD is healthy");
	snprintf(buf, sizeof(buf),
		 "%sstatus:\n  conditions:\n"
		 "  - {type: NamesAccepted, status: 'False', message: 'plural is taken'}\n"
		 "  - {type: Established, status: 'False', message: 'not yet'}\n",
		 head);
	expect(buf, CAP_HEALTH_DEGRADED, "CRD names have not been accepted: not yet");
	snprintf(buf, sizeof(buf),
		 "%sstatus:\n  conditions:\n"
		 "  - {type: Established, status: 'False', message: 'installing'}\n",
		 head);
	expect(buf, CAP_HEALTH_DEGRADED, "CRD is not established: installing");
	snprintf(buf, sizeof(buf),
		 "%sstatus:\n  conditions:\n"
		 "  - {type: Established, status: 'True'}\n"
		 "  - {type: Terminating, status: 'True', message: 'instances remain'}\n",
		 head);
	expect(buf, CAP_HEALTH_PROGRESSING, "CRD is being terminated: instances remain");
	snprintf(
	    buf, sizeof(buf),
	    "%sstatus:\n  conditions:\n"
	    "  - {type: Established, status: 'True'}\n"
	    "  - {type: NonStructuralSchema, status: 'True', message: 'spec.x: type missing'}\n",
	    head);
	expect(buf, CAP_HEALTH_DEGRADED, "Schema violations found: spec.x: type missing");
}

static void hpa_messages_and_bad_annotation(void **state)
{
	expect("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n",
	       CAP_HEALTH_PROGRESSING, "Waiting to Autoscale");
	cap_value *obj = NULL;
	const char *yaml = "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n"
			   "  annotations: {autoscaling.alpha.kubernetes.io/conditions: '[{'}\n";
	assert_int_equal(cap_yaml_parse(&obj, yaml, strlen(yaml), "inline", NULL), 0);
	cap_health h;
	assert_int_equal(cap_health_assess(&h, obj, NULL), 0);
	assert_int_equal(h.status, CAP_HEALTH_UNKNOWN);
	assert_true(h.failed);
	assert_non_null(strstr(h.message, "failed to convert conditions annotation to typed"));
	cap_health_release(&h);
	cap_value_free(obj);
}

static void unsupported_versions_are_unknown_with_the_gvk(void **state)
{
	expect("apiVersion: apps/v1beta2\nkind: Deployment\n", CAP_HEALTH_UNKNOWN,
	       "unsupported Deployment GVK: apps/v1beta2, Kind=Deployment");
	expect("apiVersion: autoscaling/v3\nkind: HorizontalPodAutoscaler\n", CAP_HEALTH_UNKNOWN,
	       "unsupported HPA GVK: autoscaling/v3, Kind=HorizontalPodAutoscaler");
}

static void deleting_objects_are_pending_deletion_unless_hook_finalized(void **state)
{
	expect("apiVersion: v1\nkind: ConfigMap\nmetadata: {deletionTimestamp: "
	       "'2026-01-01T00:00:00Z'}\n",
	       CAP_HEALTH_PROGRESSING, "Pending deletion");
	expect("apiVersion: batch/v1\nkind: Job\nmetadata:\n  deletionTimestamp: "
	       "'2026-01-01T00:00:00Z'\n  finalizers: [argocd.argoproj.io/hook-finalizer]\n"
	       "status:\n  conditions: [{type: Complete, status: 'True'}]\n",
	       CAP_HEALTH_HEALTHY, "");
}

static void kinds_without_checks_have_no_health(void **state)
{
	expect("apiVersion: v1\nkind: ConfigMap\n", CAP_HEALTH_NONE, "");
	expect("apiVersion: argoproj.io/v1alpha1\nkind: Application\n", CAP_HEALTH_NONE, "");
	assert_true(cap_health_has_builtin("apps", "Deployment"));
	assert_false(cap_health_has_builtin("", "ConfigMap"));
}

static void non_objects_are_refused(void **state)
{
	cap_value *s = cap_value_string("Pod");
	cap_health h = {CAP_HEALTH_HEALTHY, NULL, false};
	assert_int_equal(cap_health_assess(&h, s, NULL), CAP_EINVALID);
	assert_int_equal(h.status, CAP_HEALTH_HEALTHY);
	cap_value_free(s);
}

static void status_names_order_and_parse(void **state)
{
	assert_string_equal(cap_health_status_name(CAP_HEALTH_SUSPENDED), "Suspended");
	assert_string_equal(cap_health_status_name(CAP_HEALTH_NONE), "");
	cap_health_status s;
	assert_int_equal(cap_health_status_parse(&s, "Missing"), 0);
	assert_int_equal(s, CAP_HEALTH_MISSING);
	assert_int_equal(cap_health_status_parse(&s, "healthy"), CAP_EINVALID);
	assert_true(cap_health_is_worse(CAP_HEALTH_HEALTHY, CAP_HEALTH_SUSPENDED));
	assert_true(cap_health_is_worse(CAP_HEALTH_PROGRESSING, CAP_HEALTH_MISSING));
	assert_true(cap_health_is_worse(CAP_HEALTH_DEGRADED, CAP_HEALTH_UNKNOWN));
	assert_false(cap_health_is_worse(CAP_HEALTH_DEGRADED, CAP_HEALTH_MISSING));
	assert_false(cap_health_is_worse(CAP_HEALTH_HEALTHY, CAP_HEALTH_NONE));
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
	    cmocka_unit_test(argo_workflow_follows_its_phase),
	    cmocka_unit_test(deployment_messages_name_the_rollout_step),
	    cmocka_unit_test(statefulset_and_daemonset_messages),
	    cmocka_unit_test(replicaset_failure_condition_is_degraded),
	    cmocka_unit_test(pod_failure_messages),
	    cmocka_unit_test(load_balancers_wait_for_an_address),
	    cmocka_unit_test(apiservice_reports_reason_and_message),
	    cmocka_unit_test(crd_must_be_established_and_accepted),
	    cmocka_unit_test(hpa_messages_and_bad_annotation),
	    cmocka_unit_test(unsupported_versions_are_unknown_with_the_gvk),
	    cmocka_unit_test(deleting_objects_are_pending_deletion_unless_hook_finalized),
	    cmocka_unit_test(kinds_without_checks_have_no_health),
	    cmocka_unit_test(non_objects_are_refused),
	    cmocka_unit_test(status_names_order_and_parse),
	};
	/* Every row of Argo CD's table is its own case; none is skipped. */
	cap_buf tsv = CAP_BUF_INIT;
	cap_test_shared_path(&tsv, "argocd/fixtures/health/expected.tsv");
	int rc = fixture_table_run("health_builtin", fixed, CAP_ARRAY_SIZE(fixed), tsv.ptr,
				   argo_cd_fixture_row, 0, 50, NULL, NULL);
	cap_buf_release(&tsv);
	return rc;
}
