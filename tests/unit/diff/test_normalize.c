/* Tests for normalisation: typed round-trip effects, per-kind rules, status, metadata, defaults. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/error.h"
#include "diff/normalize.h"
#include "schema/schema.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdlib.h>
#include <string.h>

static void assert_yaml(const cap_value *got, const char *want_text)
{
	cap_value *want = cap_test_yaml(want_text);
	if (!cap_value_equal(got, want)) {
		char *g = cap_json_to_string(got, CAP_JSON_SORT_KEYS);
		char *w = cap_json_to_string(want, CAP_JSON_SORT_KEYS);
		fail_msg("got  %s\nwant %s", g, w);
	}
	cap_value_free(want);
}

static void remarshal_canonicalises_quantities_and_drops_nulls(void **state)
{
	cap_value *obj = cap_test_yaml(
	    "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: null}\n"
	    "spec:\n  nodeName: null\n  overhead: {cpu: 1000m}\n"
	    "  volumes: [{name: v, emptyDir: {sizeLimit: 1024Mi}}]\n"
	    "  containers:\n  - name: c\n"
	    "    resources: {requests: {cpu: 0.25, memory: 1048576Ki}, limits: {cpu: 2}}\n");
	cap_diff_remarshal(obj, true, NULL);
	assert_yaml(obj,
		    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
		    "spec:\n  overhead: {cpu: '1'}\n"
		    "  volumes: [{name: v, emptyDir: {sizeLimit: 1Gi}}]\n"
		    "  containers:\n  - name: c\n"
		    "    resources: {requests: {cpu: 250m, memory: 1Gi}, limits: {cpu: '2'}}\n");
	cap_value_free(obj);
}

static const cap_schema_type *type_of(const char *api_version, const char *kind)
{
	const cap_schema *schema = NULL;
	if (cap_schema_default(&schema))
		fail_msg("no schema: %s", cap_error_last());
	return cap_schema_lookup(schema, api_version, kind);
}

static void empty_lists_and_maps_read_back_as_absent(void **state)
{
	cap_value *d =
	    cap_test_yaml("apiVersion: apps/v1\nkind: Deployment\n"
			  "metadata: {name: d, annotations: {}, labels: {}}\n"
			  "spec:\n  selector: {matchLabels: {a: b}}\n  template:\n    spec:\n"
			  "      nodeSelector: {}\n      tolerations: []\n      affinity: {}\n"
			  "      securityContext: {}\n      imagePullSecrets: []\n"
			  "      containers: [{name: c, image: x, env: [], resources: {}}]\n");
	cap_diff_remarshal(d, true, type_of("apps/v1", "Deployment"));
	assert_yaml(d, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
		       "spec:\n  selector: {matchLabels: {a: b}}\n  template:\n    spec:\n"
		       "      affinity: {}\n      securityContext: {}\n"
		       "      containers: [{name: c, image: x, resources: {}}]\n");
	cap_value *svc =
	    cap_test_yaml("apiVersion: v1\nkind: Service\nspec: {selector: {}, ports: []}\n");
	cap_diff_remarshal(svc, true, type_of("v1", "Service"));
	assert_yaml(svc, "apiVersion: v1\nkind: Service\nspec: {}\n");
	cap_value *role =
	    cap_test_yaml("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
			  "rules: [{verbs: [], apiGroups: []}]\n");
	cap_diff_remarshal(role, true, type_of("rbac.authorization.k8s.io/v1", "ClusterRole"));
	assert_yaml(role, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
			  "rules: [{verbs: []}]\n");
	cap_value_free(d);
	cap_value_free(svc);
	cap_value_free(role);
}

static void custom_resources_keep_nulls_and_other_maps(void **state)
{
	cap_value *obj = cap_test_yaml(
	    "apiVersion: example.com/v1\nkind: W\nspec: {a: null, hard: {x: '1000'},\n"
	    "  resources: {limits: {cpu: 1000m}}}\n");
	cap_diff_remarshal(obj, false, NULL);
	assert_yaml(obj, "apiVersion: example.com/v1\nkind: W\nspec: {a: null, hard: {x: '1000'},\n"
			 "  resources: {limits: {cpu: '1'}}}\n");
	cap_value_free(obj);
}

static void secrets_fold_string_data_and_null_values(void **state)
{
	cap_value *obj = cap_test_yaml(
	    "apiVersion: v1\nkind: Secret\nmetadata: {name: s, creationTimestamp: null}\n"
	    "data: {a: null, b: eA==}\nstringData: {b: 'y', c: ''}\n");
	cap_diff_normalize_kind(obj, false);
	assert_yaml(obj, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
			 "data: {a: '', b: eQ==, c: ''}\n");
	cap_value_free(obj);
}

static void roles_empty_rules_are_null_and_aggregated_rules_dropped(void **state)
{
	cap_value *role =
	    cap_test_yaml("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nrules: []\n");
	cap_diff_normalize_kind(role, false);
	assert_yaml(role, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nrules: null\n");
	const char *aggr = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
			   "aggregationRule: {clusterRoleSelectors: [{matchLabels: {a: b}}]}\n"
			   "rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]\n";
	cap_value *kept = cap_test_yaml(aggr), *dropped = cap_test_yaml(aggr);
	cap_diff_normalize_kind(kept, false);
	cap_diff_normalize_kind(dropped, true);
	assert_int_equal(cap_value_array_len(cap_value_object_get(kept, "rules")), 1);
	assert_true(cap_value_is_null(cap_value_object_get(dropped, "rules")));
	cap_value_free(role);
	cap_value_free(kept);
	cap_value_free(dropped);
}

static void endpoints_are_sorted(void **state)
{
	cap_value *ep = cap_test_yaml("apiVersion: v1\nkind: Endpoints\nsubsets:\n"
				      "- addresses: [{ip: 10.0.0.9}, {ip: 10.0.0.10}]\n"
				      "  ports: [{name: b, port: 2}, {name: a, port: 1}]\n");
	cap_diff_normalize_kind(ep, false);
	assert_yaml(ep, "apiVersion: v1\nkind: Endpoints\nsubsets:\n"
			"- addresses: [{ip: 10.0.0.10}, {ip: 10.0.0.9}]\n"
			"  ports: [{name: a, port: 1}, {name: b, port: 2}]\n");
	cap_value_free(ep);
}

static void status_modes(void **state)
{
	const char *crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
			  "spec: {preserveUnknownFields: false, group: g}\nstatus: {x: 1}\n";
	const char *pod = "apiVersion: v1\nkind: Pod\nstatus: {phase: Running}\n";
	cap_value *a = cap_test_yaml(crd), *b = cap_test_yaml(pod);
	cap_diff_normalize_status(a, CAP_DIFF_STATUS_CRD);
	cap_diff_normalize_status(b, CAP_DIFF_STATUS_CRD);
	assert_yaml(a, "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
		       "spec: {group: g}\n");
	assert_non_null(cap_value_object_get(b, "status"));
	cap_diff_normalize_status(b, CAP_DIFF_STATUS_OFF);
	assert_non_null(cap_value_object_get(b, "status"));
	cap_diff_normalize_status(b, CAP_DIFF_STATUS_ALL);
	assert_null(cap_value_object_get(b, "status"));
	cap_value_free(a);
	cap_value_free(b);
}

static void server_fields_are_stripped(void **state)
{
	cap_value *obj = cap_test_yaml(
	    "metadata:\n  name: x\n  uid: u\n  resourceVersion: '1'\n  generation: 2\n"
	    "  creationTimestamp: now\n  selfLink: /x\n  managedFields: []\n"
	    "  annotations: {kubectl.kubernetes.io/last-applied-configuration: '{}'}\n");
	cap_diff_strip_server_fields(obj);
	assert_yaml(obj, "metadata: {name: x}\n");
	cap_value_free(obj);
}

static void defaults_fill_what_the_api_server_fills(void **state)
{
	cap_value *svc = cap_test_yaml(
	    "apiVersion: v1\nkind: Service\nspec: {type: NodePort, ports: [{port: 80}]}\n");
	cap_diff_apply_defaults(svc);
	assert_yaml(svc,
		    "apiVersion: v1\nkind: Service\nspec: {type: NodePort, sessionAffinity: None,\n"
		    "  internalTrafficPolicy: Cluster, externalTrafficPolicy: Cluster,\n"
		    "  ports: [{port: 80, protocol: TCP, targetPort: 80}]}\n");
	cap_value *pod =
	    cap_test_yaml("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
			  "  - {name: a, image: 'nginx'}\n  - {name: b, image: 'nginx:1.2',"
			  " imagePullPolicy: Never, livenessProbe: {httpGet: {port: 80}}}\n");
	cap_diff_apply_defaults(pod);
	assert_yaml(
	    pod,
	    "apiVersion: v1\nkind: Pod\nspec:\n"
	    "  restartPolicy: Always\n  dnsPolicy: ClusterFirst\n"
	    "  schedulerName: default-scheduler\n  terminationGracePeriodSeconds: 30\n"
	    "  securityContext: {}\n  containers:\n"
	    "  - {name: a, image: nginx, imagePullPolicy: Always, resources: {},\n"
	    "     terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File}\n"
	    "  - {name: b, image: 'nginx:1.2', imagePullPolicy: Never, resources: {},\n"
	    "     terminationMessagePath: /dev/termination-log, terminationMessagePolicy: File,\n"
	    "     livenessProbe: {httpGet: {port: 80, scheme: HTTP}, timeoutSeconds: 1,\n"
	    "       periodSeconds: 10, successThreshold: 1, failureThreshold: 3}}\n");
	cap_value *cr = cap_test_yaml("apiVersion: example.com/v1\nkind: Service\nspec: {}\n");
	cap_diff_apply_defaults(cr);
	assert_yaml(cr, "apiVersion: example.com/v1\nkind: Service\nspec: {}\n");
	cap_value_free(svc);
	cap_value_free(pod);
	cap_value_free(cr);
}

static void builtin_groups(void **state)
{
	assert_true(cap_diff_builtin_group("v1"));
	assert_true(cap_diff_builtin_group("apps/v1"));
	assert_true(cap_diff_builtin_group("rbac.authorization.k8s.io/v1"));
	assert_false(cap_diff_builtin_group("argoproj.io/v1alpha1"));
	assert_false(cap_diff_builtin_group(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(remarshal_canonicalises_quantities_and_drops_nulls),
	    cmocka_unit_test(empty_lists_and_maps_read_back_as_absent),
	    cmocka_unit_test(custom_resources_keep_nulls_and_other_maps),
	    cmocka_unit_test(secrets_fold_string_data_and_null_values),
	    cmocka_unit_test(roles_empty_rules_are_null_and_aggregated_rules_dropped),
	    cmocka_unit_test(endpoints_are_sorted),
	    cmocka_unit_test(status_modes),
	    cmocka_unit_test(server_fields_are_stripped),
	    cmocka_unit_test(defaults_fill_what_the_api_server_fills),
	    cmocka_unit_test(builtin_groups),
	};
	return cmocka_run_group_tests_name("diff/normalize", tests, NULL, NULL);
}
