/* Sync engine on drydock: each sync option as a user sees it in results and in the cluster. */
#include "cap_test.h"

#include "engine_harness.h"

#define CM "{apiVersion: v1, kind: ConfigMap, metadata: {name: %s}, data: {v: '%s'}}"
/* A ConfigMap with a sync-options annotation. */
#define CM_OPT                                                                                     \
	"{apiVersion: v1, kind: ConfigMap, metadata: {name: %s, annotations: "                     \
	"{argocd.argoproj.io/sync-options: '%s'}}, data: {v: '1'}}"
#define CM_WAVE                                                                                    \
	"{apiVersion: v1, kind: ConfigMap, metadata: {name: %s, annotations: "                     \
	"{argocd.argoproj.io/sync-wave: '%d'}}}"

static int setup(void **state)
{
	return eng_cluster_start(state, false);
}

static int teardown(void **state)
{
	return eng_cluster_stop(state);
}

static void prune_false_keeps_the_object(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "prune-false", true);
	eng_add(&a, CM, "a", "1");
	cap_value_free(eng_create(&a, CM_OPT, "x", "Prune=false"));
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "ConfigMap", "a", "Synced", "configmap/a created");
	eng_expect(&a, "ConfigMap", "x", "PruneSkipped", "ignored (no prune)");
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "x", true));
	eng_app_release(&a);
}

static void without_pruning_extraneous_objects_stay(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "prune-off", true);
	a.req.prune = false;
	eng_add(&a, CM, "a", "1");
	cap_value_free(eng_create(&a, CM, "x", "1"));
	cap_value_free(eng_create(&a, CM_OPT, "x2", "Prune=false"));
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "ConfigMap", "x", "PruneSkipped", "ignored (requires pruning)");
	/* the operation not pruning is the reason given first, as Argo CD gives it */
	eng_expect(&a, "ConfigMap", "x2", "PruneSkipped", "ignored (requires pruning)");
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "x", true));
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "x2", true));
	eng_app_release(&a);
}

static void prune_confirm_waits_for_approval(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "prune-confirm", true);
	eng_add(&a, CM, "a", "1");
	cap_value_free(eng_create(&a, CM_OPT, "x", "Prune=confirm"));
	cap_value_free(eng_create(&a, CM_OPT, "x2", "Prune=confirm"));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(eng_step(&a), CAP_SYNC_OP_RUNNING);
		assert_string_equal(a.out.message,
				    "Waiting for pruning confirmation of v1/ConfigMap/x and 1 more "
				    "resources");
	}
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "x", true));
	assert_int_equal(eng_index(&a, "ConfigMap", "x", NULL), -1);
	a.req.prune_confirmed = true;
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "ConfigMap", "x", "Pruned", "pruned");
	eng_expect(&a, "ConfigMap", "x2", "Pruned", "pruned");
	eng_expect(&a, "ConfigMap", "a", "Synced", "configmap/a created");
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "x", false));
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "x2", false));
	eng_app_release(&a);
}

static void prune_last_prunes_after_the_last_wave(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "prune-last", true);
	eng_add(&a, CM_WAVE, "a", 0);
	eng_add(&a, CM_WAVE, "b", 1);
	cap_value_free(eng_create(&a, CM_OPT, "x", "PruneLast=true"));
	cap_value_free(eng_create(&a, CM, "z", "1"));
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "ConfigMap", "x", "Pruned", "pruned");
	eng_expect(&a, "ConfigMap", "z", "Pruned", "pruned");
	/* z is pruned in its wave, before the applies; x once b, the last wave, was applied */
	int z = eng_index(&a, "ConfigMap", "z", NULL), ia = eng_index(&a, "ConfigMap", "a", NULL),
	    b = eng_index(&a, "ConfigMap", "b", NULL), x = eng_index(&a, "ConfigMap", "x", NULL);
	if (!(z < ia && ia < b && b < x)) {
		eng_dump(&a);
		fail_msg("order z %d < a %d < b %d < x %d", z, ia, b, x);
	}
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "x", false));
	eng_app_release(&a);
}

static void prunes_wait_for_deletion_before_the_next_wave(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "prune-pending", true);
	/* pruned in reverse wave order: x first; a finalizer keeps it terminating */
	cap_value_free(
	    eng_create(&a, "{apiVersion: v1, kind: ConfigMap, metadata: {name: x, finalizers: "
			   "[example.com/hold], annotations: {argocd.argoproj.io/sync-wave: "
			   "'1'}}}"));
	cap_value_free(eng_create(&a, CM_WAVE, "w", 0));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(eng_step(&a), CAP_SYNC_OP_RUNNING);
		cap_time_sleep_ms(50);
	}
	assert_string_equal(a.out.message, "waiting for deletion of /ConfigMap/x");
	eng_expect(&a, "ConfigMap", "x", "Pruned", "pruned");
	assert_int_equal(eng_index(&a, "ConfigMap", "w", NULL), -1);
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "w", true));
	cap_buf out = CAP_BUF_INIT;
	assert_int_equal(cap_drydock_kubectl(&a.c->dd, NULL,
					     "patch configmap x -n %s --type merge -p "
					     "'{\"metadata\":{\"finalizers\":null}}' >/dev/null",
					     a.name),
			 0);
	cap_buf_release(&out);
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "ConfigMap", "w", "Pruned", "pruned");
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "w", false));
	eng_app_release(&a);
}

static void apply_out_of_sync_only_leaves_synced_objects_alone(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "out-of-sync-only", true);
	cap_sync_option_set_add(&a.options, "ApplyOutOfSyncOnly=true");
	cap_value *made = eng_create(&a, CM, "a", "live");
	char *rv = strdup(cap_value_dig_string(made, "metadata", "resourceVersion", NULL));
	cap_value_free(made);
	eng_add(&a, CM, "a", "git");
	eng_add(&a, CM, "b", "git");
	a.in_sync[0] = true; /* as the comparison said: a needs nothing */
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_int_equal(eng_index(&a, "ConfigMap", "a", NULL), -1);
	eng_expect(&a, "ConfigMap", "b", "Synced", "configmap/b created");
	char *now = eng_meta(&a, "v1", "ConfigMap", "a", "resourceVersion");
	assert_string_equal(now, rv);
	cap_buf out = CAP_BUF_INIT;
	assert_int_equal(cap_drydock_kubectl(&a.c->dd, &out,
					     "get configmap a -n %s -o jsonpath={.data.v}", a.name),
			 0);
	assert_string_equal(out.ptr, "live");
	cap_buf_release(&out);
	free(now);
	free(rv);
	eng_app_release(&a);
}

static void server_side_apply_and_a_resource_opting_out(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "ssa", true);
	cap_sync_option_set_add(&a.options, "ServerSideApply=true");
	eng_add(&a, CM, "a", "1");
	eng_add(&a, CM_OPT, "b", "ServerSideApply=false");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "ConfigMap", "a", "Synced", "configmap/a serverside-applied");
	eng_expect(&a, "ConfigMap", "b", "Synced", "configmap/b created");
	cap_value *live = eng_get(&a, "v1", "ConfigMap", "a");
	cap_value *mf = cap_value_dig(live, "metadata", "managedFields", NULL), *e;
	bool argocd_applied = false;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(mf, i, e)
	{
		argocd_applied =
		    argocd_applied ||
		    (!strcmp(cap_value_dig_string(e, "manager", NULL) ?: "", "argocd-controller") &&
		     !strcmp(cap_value_dig_string(e, "operation", NULL) ?: "", "Apply"));
	}
	assert_true(argocd_applied);
	/* no last-applied annotation on a, as server-side apply keeps none */
	assert_null(cap_value_dig(live, "metadata", "annotations",
				  "kubectl.kubernetes.io/last-applied-configuration", NULL));
	cap_value_free(live);
	eng_app_release(&a);
}

static void replace_puts_the_object(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "replace", true);
	cap_value *made = eng_create(&a, CM, "a", "old");
	char *uid = strdup(cap_value_dig_string(made, "metadata", "uid", NULL));
	cap_value_free(made);
	eng_add(&a, "{apiVersion: v1, kind: ConfigMap, metadata: {name: a, annotations: "
		    "{argocd.argoproj.io/sync-options: Replace=true}}, data: {v: new}}");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "ConfigMap", "a", "Synced", "configmap/a replaced");
	cap_value *live = eng_get(&a, "v1", "ConfigMap", "a");
	assert_string_equal(cap_value_dig_string(live, "data", "v", NULL), "new");
	assert_string_equal(cap_value_dig_string(live, "metadata", "uid", NULL), uid);
	cap_value_free(live);
	free(uid);
	eng_app_release(&a);
}

static void replace_with_force_recreates(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "replace-force", true);
	cap_value *made = eng_create(&a, CM, "a", "old");
	char *uid = strdup(cap_value_dig_string(made, "metadata", "uid", NULL));
	cap_value_free(made);
	eng_add(&a, CM_OPT, "a", "Replace=true,Force=true");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_string_equal(eng_field(&a, "ConfigMap", "a", "status"), "Synced");
	assert_non_null(strstr(eng_field(&a, "ConfigMap", "a", "message"), "configmap/a replaced"));
	char *now = eng_meta(&a, "v1", "ConfigMap", "a", "uid");
	assert_true(*now);
	assert_string_not_equal(now, uid);
	free(now);
	free(uid);
	eng_app_release(&a);
}

static void validate_false_accepts_unknown_fields(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "validate", true);
	eng_add(&a,
		"{apiVersion: v1, kind: ConfigMap, metadata: {name: a, annotations: "
		"{argocd.argoproj.io/sync-options: Validate=false}}, bogus: 1, data: {v: '1'}}");
	/*
	 * without Validate=false no fieldValidation is asked either: Argo CD's kubectl sends none,
	 * so the server's default (Warn) accepts the field too
	 */
	eng_add(&a, "{apiVersion: v1, kind: ConfigMap, metadata: {name: b}, bogus: 1}");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "ConfigMap", "a", "Synced", "configmap/a created");
	eng_expect(&a, "ConfigMap", "b", "Synced", "configmap/b created");
	cap_value *live = eng_get(&a, "v1", "ConfigMap", "a");
	assert_non_null(live);
	assert_string_equal(cap_value_dig_string(live, "data", "v", NULL), "1");
	cap_value_free(live);
	eng_app_release(&a);
}

static void create_namespace_with_managed_metadata(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "created-ns", false);
	cap_sync_option_set_add(&a.options, "CreateNamespace=true");
	cap_value *meta = NULL;
	const char *m = "{labels: {team: payments}, annotations: {owner: ops}}";
	assert_int_equal(cap_yaml_parse(&meta, m, strlen(m), "test", NULL), 0);
	a.req.managed_namespace_metadata = meta;
	eng_add(&a, CM, "a", "1");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "Namespace", "created-ns", "Synced", "namespace/created-ns created");
	assert_string_equal(eng_field(&a, "Namespace", "created-ns", "syncPhase"), "PreSync");
	eng_expect(&a, "ConfigMap", "a", "Synced", "configmap/a created");
	assert_true(eng_index(&a, "Namespace", "created-ns", NULL) <
		    eng_index(&a, "ConfigMap", "a", NULL));
	cap_buf out = CAP_BUF_INIT;
	assert_int_equal(cap_drydock_kubectl(&a.c->dd, &out,
					     "get namespace created-ns -o "
					     "jsonpath='{.metadata.labels.team} "
					     "{.metadata.annotations.owner}'"),
			 0);
	assert_string_equal(out.ptr, "payments ops");
	cap_buf_release(&out);
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "a", true));
	/* the next operation finds it with its metadata: nothing to do for it */
	eng_new_operation(&a);
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	assert_int_equal(eng_index(&a, "Namespace", "created-ns", NULL), -1);
	eng_expect(&a, "ConfigMap", "a", "Synced", "configmap/a unchanged");
	cap_value_free(meta);
	eng_app_release(&a);
}

#define CRD                                                                                        \
	"{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, metadata: {name: "  \
	"%ss.%s}, spec: {group: %s, scope: Namespaced, names: {plural: %ss, singular: %s, kind: "  \
	"%s}, versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: "       \
	"{type: "                                                                                  \
	"object, x-kubernetes-preserve-unknown-fields: true}}}]}}"
#define CR "{apiVersion: %s/v1, kind: %s, metadata: {name: w}, spec: {size: 3}}"

static void custom_resource_missing_its_crd_is_not_valid(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "crd-missing", true);
	eng_add(&a, CM, "a", "1");
	eng_add(&a, CR, "missing.example.com", "Widget");
	eng_run_expect(&a, CAP_SYNC_OP_FAILED, NULL);
	assert_non_null(strstr(a.out.message, "one or more synchronization tasks are not valid"));
	eng_expect(&a, "Widget", "w", "SyncFailed",
		   "The Kubernetes API could not find missing.example.com/Widget for requested "
		   "resource crd-missing/w. Make sure the \"Widget\" CRD is installed on the "
		   "destination cluster.");
	/* nothing ran */
	assert_int_equal(eng_index(&a, "ConfigMap", "a", NULL), -1);
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "a", false));
	eng_app_release(&a);
}

static void custom_resource_with_its_crd_in_the_sync(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "crd-in-sync", true);
	a.extra_kinds[0] = "gadget.example.com/v1 Gadget";
	eng_add(&a, CR, "gadget.example.com", "Gadget");
	eng_add(&a, CRD, "gadget", "gadget.example.com", "gadget.example.com", "gadget", "gadget",
		"Gadget");
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "Gadget", "w", "Synced", "gadget.gadget.example.com/w created");
	assert_true(eng_index(&a, "CustomResourceDefinition", "gadgets.gadget.example.com", NULL) <
		    eng_index(&a, "Gadget", "w", NULL));
	cap_buf out = CAP_BUF_INIT;
	assert_int_equal(cap_drydock_kubectl(&a.c->dd, &out,
					     "get gadgets.gadget.example.com w -n %s -o "
					     "jsonpath={.spec.size}",
					     a.name),
			 0);
	assert_string_equal(out.ptr, "3");
	cap_buf_release(&out);
	eng_app_release(&a);
}

static void skip_dry_run_lets_a_sync_start_before_the_crd_exists(void **state)
{
	eng_app a;
	eng_app_init(&a, state, "crd-skip", true);
	a.extra_kinds[0] = "later.example.com/v1 Sprocket";
	eng_add(&a, CM_WAVE, "a", 0);
	eng_add(&a,
		"{apiVersion: later.example.com/v1, kind: Sprocket, metadata: {name: w, "
		"annotations: {argocd.argoproj.io/sync-wave: '1', argocd.argoproj.io/sync-options: "
		"SkipDryRunOnMissingResource=true}}, spec: {size: 3}}");
	assert_int_equal(eng_step(&a), CAP_SYNC_OP_RUNNING);
	eng_expect(&a, "ConfigMap", "a", "Synced", "configmap/a created");
	/* the CRD arrives while the sync runs (another app, a controller) */
	cap_value *crd = NULL;
	char text[1024];
	snprintf(text, sizeof(text), CRD, "sprocket", "later.example.com", "later.example.com",
		 "sprocket", "sprocket", "Sprocket");
	assert_int_equal(cap_yaml_parse(&crd, text, strlen(text), "test", NULL), 0);
	assert_int_equal(cap_kube_create(a.c->client, NULL, crd, NULL), 0);
	cap_value_free(crd);
	eng_run_expect(&a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(&a, "Sprocket", "w", "Synced", "sprocket.later.example.com/w created");
	eng_app_release(&a);
}

/* An extraneous ConfigMap p owning an unlabelled ConfigMap c; prunes p with policy. */
static void prune_owner(eng_app *a, void **state, const char *name, const char *policy)
{
	eng_app_init(a, state, name, true);
	char opt[64];
	snprintf(opt, sizeof(opt), "PrunePropagationPolicy=%s", policy);
	cap_sync_option_set_add(&a->options, opt);
	cap_value *p = eng_create(a, CM, "p", "1");
	char child[512];
	snprintf(child, sizeof(child),
		 "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: %s, "
		 "ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: p, uid: %s}]}}",
		 name, cap_value_dig_string(p, "metadata", "uid", NULL));
	cap_value_free(p);
	cap_value *c = NULL;
	assert_int_equal(cap_yaml_parse(&c, child, strlen(child), "test", NULL), 0);
	assert_int_equal(cap_kube_create(a->c->client, NULL, c, NULL), 0);
	cap_value_free(c);
	eng_add(a, CM, "a", "1");
	eng_run_expect(a, CAP_SYNC_OP_SUCCEEDED, NULL);
	eng_expect(a, "ConfigMap", "p", "Pruned", "pruned");
	/* the owned child is not the app's: no prune of its own */
	assert_int_equal(eng_index(a, "ConfigMap", "c", NULL), -1);
	assert_true(eng_wait_exists(a, "v1", "ConfigMap", "p", false));
}

static void prune_propagation_orphan_keeps_dependents(void **state)
{
	eng_app a;
	prune_owner(&a, state, "propagation-orphan", "orphan");
	cap_time_sleep_ms(500); /* time for the garbage collector to act, were it to */
	cap_value *c = eng_get(&a, "v1", "ConfigMap", "c");
	assert_non_null(c);
	assert_null(cap_value_dig(c, "metadata", "ownerReferences", NULL));
	cap_value_free(c);
	eng_app_release(&a);
}

static void prune_propagation_background_deletes_dependents(void **state)
{
	eng_app a;
	prune_owner(&a, state, "propagation-background", "background");
	assert_true(eng_wait_exists(&a, "v1", "ConfigMap", "c", false));
	eng_app_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(prune_false_keeps_the_object),
	    cmocka_unit_test(without_pruning_extraneous_objects_stay),
	    cmocka_unit_test(prune_confirm_waits_for_approval),
	    cmocka_unit_test(prune_last_prunes_after_the_last_wave),
	    cmocka_unit_test(prunes_wait_for_deletion_before_the_next_wave),
	    cmocka_unit_test(apply_out_of_sync_only_leaves_synced_objects_alone),
	    cmocka_unit_test(server_side_apply_and_a_resource_opting_out),
	    cmocka_unit_test(replace_puts_the_object),
	    cmocka_unit_test(replace_with_force_recreates),
	    cmocka_unit_test(validate_false_accepts_unknown_fields),
	    cmocka_unit_test(create_namespace_with_managed_metadata),
	    cmocka_unit_test(custom_resource_missing_its_crd_is_not_valid),
	    cmocka_unit_test(custom_resource_with_its_crd_in_the_sync),
	    cmocka_unit_test(skip_dry_run_lets_a_sync_start_before_the_crd_exists),
	    cmocka_unit_test(prune_propagation_orphan_keeps_dependents),
	    cmocka_unit_test(prune_propagation_background_deletes_dependents),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
