/* Tests for the diff engine's options and rules beyond Argo CD's fixtures. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/error.h"
#include "diff/diff.h"
#include "diff/ignore.h"
#include "value/json.h"
#include "value/yaml.h"

#include <pthread.h>
#include <string.h>

/* Diffs config against live (YAML texts) and returns modified; the result goes to *out. */
static bool run(cap_diff_result *out, const char *config, const char *live,
		const cap_diff_options *o)
{
	cap_value *c = config ? cap_test_yaml(config) : NULL,
		  *l = live ? cap_test_yaml(live) : NULL;
	if (cap_diff(out, c, l, o))
		fail_msg("diff failed: %s", cap_error_last());
	cap_value_free(c);
	cap_value_free(l);
	return out->modified;
}

static bool modified(const char *config, const char *live, const cap_diff_options *o)
{
	cap_diff_result r = CAP_DIFF_RESULT_INIT;
	bool m = run(&r, config, live, o);
	cap_diff_result_release(&r);
	return m;
}

static const char cm_config[] =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n"
    "data: {a: '1'}\n";

static void server_metadata_and_status_never_count(void **state)
{
	assert_false(modified(
	    cm_config,
	    "apiVersion: v1\nkind: ConfigMap\n"
	    "metadata: {name: c, namespace: n, uid: u, resourceVersion: '9', generation: 3,\n"
	    "  creationTimestamp: '2026-01-01T00:00:00Z', selfLink: /x,\n"
	    "  managedFields: [{manager: m, operation: Update}]}\n"
	    "data: {a: '1'}\nstatus: {phase: whatever}\n",
	    NULL));
}

static void status_mode_off_compares_status(void **state)
{
	const char *cfg = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			  "spec: {size: 1}\nstatus: {ready: true}\n";
	const char *live = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			   "spec: {size: 1}\nstatus: {ready: false}\n";
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	assert_false(modified(cfg, live, &o));
	o.status = CAP_DIFF_STATUS_CRD;
	assert_true(modified(cfg, live, &o));
	o.status = CAP_DIFF_STATUS_OFF;
	assert_true(modified(cfg, live, &o));
}

static void live_only_fields_do_not_count_for_custom_resources(void **state)
{
	const char *cfg = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			  "spec: {size: 1}\n";
	assert_false(modified(cfg,
			      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			      "spec: {size: 1, defaulted: x}\n",
			      NULL));
	assert_true(modified(cfg,
			     "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			     "spec: {size: 2}\n",
			     NULL));
}

static void removals_from_last_applied_count(void **state)
{
	const char *live =
	    "apiVersion: example.com/v1\nkind: Widget\n"
	    "metadata:\n  name: w\n  annotations:\n"
	    "    kubectl.kubernetes.io/last-applied-configuration: "
	    "'{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"},"
	    "\"spec\":{\"size\":1,\"color\":\"red\"}}'\n"
	    "spec: {size: 1, color: red, defaulted: x}\n";
	cap_diff_result r = CAP_DIFF_RESULT_INIT;
	assert_true(run(&r,
			"apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
			"spec: {size: 1}\n",
			live, NULL));
	assert_null(cap_value_dig(r.predicted_live, "spec", "color", NULL));
	assert_non_null(cap_value_dig(r.predicted_live, "spec", "defaulted", NULL));
	/* the annotation itself is never compared or shown */
	assert_null(cap_value_dig(r.normalized_live, "metadata", "annotations", NULL));
	cap_diff_result_release(&r);
}

static void quantities_and_defaults_match_the_api_server(void **state)
{
	const char *cfg =
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
	    "spec:\n  selector: {matchLabels: {a: b}}\n"
	    "  template:\n    metadata: {labels: {a: b}}\n    spec:\n"
	    "      containers:\n      - name: c\n        image: nginx\n"
	    "        ports: [{containerPort: 80}]\n"
	    "        resources: {limits: {cpu: 1000m, memory: 1024Mi}, requests: {cpu: 0.5}}\n";
	const char *live =
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
	    "spec:\n  replicas: 1\n  revisionHistoryLimit: 10\n"
	    "  progressDeadlineSeconds: 600\n  selector: {matchLabels: {a: b}}\n"
	    "  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: "
	    "25%}}\n"
	    "  template:\n    metadata: {labels: {a: b}, creationTimestamp: null}\n    spec:\n"
	    "      containers:\n      - name: c\n        image: nginx\n"
	    "        imagePullPolicy: Always\n"
	    "        terminationMessagePath: /dev/termination-log\n"
	    "        terminationMessagePolicy: File\n"
	    "        ports: [{containerPort: 80, protocol: TCP}]\n"
	    "        resources: {limits: {cpu: '1', memory: 1Gi}, requests: {cpu: 500m}}\n"
	    "      restartPolicy: Always\n      dnsPolicy: ClusterFirst\n"
	    "      schedulerName: default-scheduler\n      securityContext: {}\n"
	    "      terminationGracePeriodSeconds: 30\n";
	assert_false(modified(cfg, live, NULL));
}

static void only_config_or_only_live(void **state)
{
	cap_diff_result r = CAP_DIFF_RESULT_INIT;
	assert_true(run(&r, cm_config, NULL, NULL));
	assert_null(r.normalized_live);
	assert_non_null(r.predicted_live);
	cap_diff_result_release(&r);
	assert_false(run(&r, NULL, cm_config, NULL));
	assert_null(r.predicted_live);
	cap_diff_result_release(&r);
	assert_int_equal(cap_diff(&r, NULL, NULL, NULL), CAP_EINVALID);
}

static void tracking_annotation_is_written_into_config(void **state)
{
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	o.tracking_key = "argocd.argoproj.io/tracking-id";
	o.tracking_value = "app:/ConfigMap:n/c";
	const char *live = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n"
			   "  annotations: {argocd.argoproj.io/tracking-id: 'app:/ConfigMap:n/c'}\n"
			   "data: {a: '1'}\n";
	assert_false(modified(cm_config, live, &o));
	/* a live object without the mark must gain it */
	assert_true(modified(cm_config, cm_config, &o));
	assert_false(modified(cm_config, cm_config, NULL));
}

static void tracking_is_back_filled_on_labelled_live_objects(void **state)
{
	const char *cfg = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
			  "  annotations: {argocd.argoproj.io/tracking-id: 'app:/ConfigMap:n/c'}\n"
			  "data: {a: '1'}\n";
	const char *live =
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
	    "  labels: {app.kubernetes.io/instance: app}\n"
	    "  annotations:\n"
	    "    kubectl.kubernetes.io/last-applied-configuration: '{\"apiVersion\":\"v1\","
	    "\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"labels\":{"
	    "\"app.kubernetes.io/instance\":\"app\"}},\"data\":{\"a\":\"1\"}}'\n"
	    "data: {a: '1'}\n";
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	/* without the rule: the label is deleted and the annotation added */
	assert_true(modified(cfg, live, &o));
	o.instance_label = "app.kubernetes.io/instance";
	cap_diff_result r = CAP_DIFF_RESULT_INIT;
	assert_false(run(&r, cfg, live, &o));
	assert_non_null(cap_value_dig(r.normalized_live, "metadata", "annotations",
				      "argocd.argoproj.io/tracking-id", NULL));
	assert_null(cap_value_dig(r.normalized_live, "metadata", "labels", NULL));
	cap_diff_result_release(&r);
}

static void secret_string_data_equals_data(void **state)
{
	assert_false(modified("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
			      "stringData: {password: secret}\n",
			      "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"
			      "data: {password: c2VjcmV0}\ntype: Opaque\n",
			      NULL));
}

static int dry_run_calls;

static int fake_dry_run(cap_value **out, const cap_value *config, const char *manager, void *ctx)
{
	dry_run_calls++;
	assert_string_equal(manager, "argocd-controller");
	*out = cap_test_yaml(
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: n\n"
	    "  managedFields:\n  - {manager: argocd-controller, operation: Apply, "
	    "apiVersion: v1, fieldsType: FieldsV1, fieldsV1: {'f:data': {'f:a': {}}}}\n"
	    "data: {a: '2'}\n");
	return 0;
}

static void server_side_diff_asks_the_dry_runner(void **state)
{
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	o.mode = CAP_DIFF_SERVER_SIDE;
	cap_diff_result r = CAP_DIFF_RESULT_INIT;
	cap_value *c = cap_test_yaml(cm_config), *l = cap_test_yaml(cm_config);
	assert_int_equal(cap_diff(&r, c, l, &o), CAP_EINVALID);
	o.dry_run = fake_dry_run;
	assert_int_equal(cap_diff(&r, c, l, &o), 0);
	assert_int_equal(dry_run_calls, 1);
	assert_true(r.modified);
	assert_null(cap_value_dig(r.predicted_live, "metadata", "managedFields", NULL));
	cap_diff_result_release(&r);
	cap_value_free(c);
	cap_value_free(l);
}

static void ignore_extraneous_reads_compare_options(void **state)
{
	cap_value *a = cap_test_yaml("metadata: {annotations: {argocd.argoproj.io/compare-options: "
				     "'ServerSideDiff=true, IgnoreExtraneous'}}");
	cap_value *b = cap_test_yaml("metadata: {annotations: {argocd.argoproj.io/compare-options: "
				     "IgnoreExtraneousX}}");
	assert_true(cap_diff_ignore_extraneous(a));
	assert_false(cap_diff_ignore_extraneous(b));
	assert_false(cap_diff_ignore_extraneous(NULL));
	cap_value_free(a);
	cap_value_free(b);
}

static void modes_follow_annotations_and_app_options(void **state)
{
	cap_value *plain = cap_test_yaml("metadata: {name: a}");
	cap_value *ssd =
	    cap_test_yaml("metadata: {annotations: {argocd.argoproj.io/compare-options: "
			  "'IgnoreExtraneous,ServerSideDiff=true'}}");
	cap_value *no_ssd =
	    cap_test_yaml("metadata: {annotations: {argocd.argoproj.io/compare-options: "
			  "ServerSideDiff=false}}");
	cap_value *ssa = cap_test_yaml("metadata: {annotations: {argocd.argoproj.io/sync-options: "
				       "'Prune=false, ServerSideApply=true'}}");
	cap_value *no_ssa =
	    cap_test_yaml("metadata: {annotations: {argocd.argoproj.io/sync-options: "
			  "ServerSideApply=false}}");
	assert_int_equal(cap_diff_choose_mode(plain, false, false), CAP_DIFF_CLIENT_SIDE);
	assert_int_equal(cap_diff_choose_mode(ssd, false, false), CAP_DIFF_SERVER_SIDE);
	assert_int_equal(cap_diff_choose_mode(plain, true, false), CAP_DIFF_SERVER_SIDE);
	assert_int_equal(cap_diff_choose_mode(no_ssd, true, false), CAP_DIFF_CLIENT_SIDE);
	assert_int_equal(cap_diff_choose_mode(ssa, false, false), CAP_DIFF_STRUCTURED_MERGE);
	assert_int_equal(cap_diff_choose_mode(plain, false, true), CAP_DIFF_STRUCTURED_MERGE);
	assert_int_equal(cap_diff_choose_mode(no_ssa, false, true), CAP_DIFF_CLIENT_SIDE);
	assert_int_equal(cap_diff_choose_mode(ssa, true, false), CAP_DIFF_SERVER_SIDE);
	cap_value_free(plain);
	cap_value_free(ssd);
	cap_value_free(no_ssd);
	cap_value_free(ssa);
	cap_value_free(no_ssa);
}

typedef struct shared_inputs {
	const cap_value *config, *live;
	const cap_diff_options *o;
	int wrong;
} shared_inputs;

static void *diff_many(void *arg)
{
	shared_inputs *in = arg;
	for (int i = 0; i < 100; i++) {
		cap_diff_result r = CAP_DIFF_RESULT_INIT;
		if (cap_diff(&r, in->config, in->live, in->o) || !r.modified ||
		    cap_value_dig(r.predicted_live, "spec", "replicas", NULL))
			__atomic_add_fetch(&in->wrong, 1, __ATOMIC_RELAXED);
		cap_diff_result_release(&r);
	}
	return NULL;
}

static void threads_share_inputs_options_and_rules(void **state)
{
	cap_value *config =
	    cap_test_yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
			  "spec: {replicas: 3, paused: true}\n");
	cap_value *live =
	    cap_test_yaml("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
			  "spec: {replicas: 1, paused: false}\n");
	cap_diff_ignore *ig = cap_diff_ignore_new();
	cap_value *rules = cap_test_yaml(
	    "- {group: apps, kind: Deployment, jqPathExpressions: [.spec.replicas]}\n");
	assert_int_equal(cap_diff_ignore_add_app(ig, rules), 0);
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	o.ignore = ig;
	shared_inputs in = {config, live, &o, 0};
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, diff_many, &in), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(in.wrong, 0);
	cap_value_free(rules);
	cap_value_free(config);
	cap_value_free(live);
	cap_diff_ignore_free(ig);
}

static void key_changes_with_config_and_live_revision(void **state)
{
	cap_value *c1 = cap_test_yaml(cm_config),
		  *c2 = cap_test_yaml("apiVersion: v1\nkind: ConfigMap\n"
				      "metadata: {name: c, namespace: n}\ndata: {a: '2'}\n");
	cap_value *l1 = cap_test_yaml("metadata: {uid: u, resourceVersion: '1'}");
	cap_value *l2 = cap_test_yaml("metadata: {uid: u, resourceVersion: '2'}");
	uint64_t k = cap_diff_key(c1, l1, NULL);
	assert_true(k == cap_diff_key(c1, l1, NULL));
	assert_true(k != cap_diff_key(c2, l1, NULL));
	assert_true(k != cap_diff_key(c1, l2, NULL));
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	assert_true(k == cap_diff_key(c1, l1, &o)); /* NULL options are the defaults */
	o.status = CAP_DIFF_STATUS_OFF;
	assert_true(k != cap_diff_key(c1, l1, &o));
	cap_value_free(c1);
	cap_value_free(c2);
	cap_value_free(l1);
	cap_value_free(l2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(server_metadata_and_status_never_count),
	    cmocka_unit_test(status_mode_off_compares_status),
	    cmocka_unit_test(live_only_fields_do_not_count_for_custom_resources),
	    cmocka_unit_test(removals_from_last_applied_count),
	    cmocka_unit_test(quantities_and_defaults_match_the_api_server),
	    cmocka_unit_test(only_config_or_only_live),
	    cmocka_unit_test(tracking_annotation_is_written_into_config),
	    cmocka_unit_test(tracking_is_back_filled_on_labelled_live_objects),
	    cmocka_unit_test(secret_string_data_equals_data),
	    cmocka_unit_test(server_side_diff_asks_the_dry_runner),
	    cmocka_unit_test(ignore_extraneous_reads_compare_options),
	    cmocka_unit_test(modes_follow_annotations_and_app_options),
	    cmocka_unit_test(threads_share_inputs_options_and_rules),
	    cmocka_unit_test(key_changes_with_config_and_live_revision),
	};
	return cmocka_run_group_tests_name("diff/diff", tests, NULL, NULL);
}
