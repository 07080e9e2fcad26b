/* Server-side apply against every server-side apply row of Argo CD's diff fixtures. */

/*
 * The rows: those of ../shared/data/argocd/fixtures/diff/expected.tsv whose options name
 * structured-merge-diff or server-side-diff.
 *
 * What is compared. Each row applies its config to its live object as manager
 * "argocd-controller" with force (Argo CD syncs with --force-conflicts, and its
 * structured-merge diff calls the merge with force), using the shared smd-schema.yaml.
 *  - Rows with a *-predicted-live.json (what the API server's dry-run apply returned, or what the
 *    Go test's mocked dry-runner returns) compare our result with it exactly, after two steps
 *    applied to both sides alike: every managedFields entry's "time" is dropped (ours is the
 *    apply's own time), and each JSON pointer the row lists under "outside" is removed. Those
 *    pointers name what the API server's other stages wrote into the reply and server-side apply
 *    does not produce: defaulting (protocol: TCP, resources: {}), a mutating webhook's edits,
 *    controllers (the deployment revision annotation), the generation bump, or a hand-written
 *    managedFields entry in the fixture; each carries its reason. A row whose reply was
 *    recorded from a different object (composite-key) compares /spec and the applier's entry.
 *  - Every row checks that the config is contained in our result (an applied value wins),
 *    and then the assertions of its note column, saying for each whether server-side apply meets
 *    it, or why it belongs to the diff engine (defaulting, normalisation, webhook handling).
 */
#include "cap_test.h"
#include "schema_fixture.h"

#include "base/alloc.h"
#include "base/error.h"
#include "base/strvec.h"
#include "patch/ssa.h"
#include "schema/smd.h"
#include "value/json.h"
#include "value/pointer.h"
#include "value/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cap_smd_schema schema = CAP_SMD_SCHEMA_INIT;

typedef struct outside {
	const char *pointer;
	const char *reason;
} outside;

typedef struct result {
	cap_value *ours, *live, *config, *predicted;
} result;

typedef struct row {
	const char *case_name;
	const char *config, *live, *predicted;
	bool compare;	   /* compare with predicted (else it only serves the check) */
	const char *scope; /* compare only this pointer ("" or NULL: the whole object) */
	const outside *outside;
	void (*check)(const result *r);
} row;

static cap_value *load(const char *file)
{
	cap_buf rel = CAP_BUF_INIT, path = CAP_BUF_INIT;
	cap_value *v = NULL;
	cap_buf_printf(&rel, "argocd/fixtures/diff/%s", file);
	cap_test_shared_path(&path, rel.ptr);
	if (strstr(file, ".json")) {
		if (cap_json_parse_file(&v, path.ptr, NULL))
			fail_msg("%s", cap_error_last());
	} else {
		cap_value *docs = NULL;
		if (cap_yaml_parse_file(&docs, path.ptr, NULL))
			fail_msg("%s", cap_error_last());
		v = cap_value_ref(cap_value_array_get(docs, 0));
		cap_value_free(docs);
	}
	cap_buf_release(&rel);
	cap_buf_release(&path);
	return v;
}

static cap_value *at(const cap_value *v, const char *pointer)
{
	cap_value *out = NULL;
	if (!*pointer)
		return (cap_value *)v;
	return cap_pointer_get(&out, v, pointer) ? NULL : out;
}

static size_t len_at(const cap_value *v, const char *pointer)
{
	return cap_value_array_len(at(v, pointer));
}

static const char *str_at(const cap_value *v, const char *pointer)
{
	return cap_value_get_string(at(v, pointer));
}

/* Drops "time" from every managedFields entry. */
static void drop_times(cap_value *obj)
{
	cap_value *e;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(obj, "metadata", "managedFields", NULL), i, e)
	cap_value_object_del(e, "time");
}

/*
 * True when config is contained in ours: objects member by member, lists item by item (each
 * config item contained in some item of ours, since merged lists may hold more), scalars equal.
 */
static bool contained(const cap_value *config, const cap_value *ours)
{
	const char *key;
	cap_value *v, *item, *other;
	size_t i, j;

	if (cap_value_is_object(config)) {
		if (!cap_value_is_object(ours))
			return false;
		CAP_VALUE_OBJECT_FOREACH(config, key, v)
		{
			if (!contained(v, cap_value_object_get(ours, key)))
				return false;
		}
		return true;
	}
	if (cap_value_is_array(config)) {
		if (!cap_value_is_array(ours))
			return false;
		CAP_VALUE_ARRAY_FOREACH(config, i, item)
		{
			bool found = false;
			CAP_VALUE_ARRAY_FOREACH(ours, j, other)
			{
				if (contained(item, other)) {
					found = true;
					break;
				}
			}
			if (!found)
				return false;
		}
		return true;
	}
	return ours && cap_value_equal(config, ours);
}

static void run_row(const row *rw)
{
	result r = {NULL, load(rw->live), load(rw->config),
		    rw->predicted ? load(rw->predicted) : NULL};
	cap_ssa_options o = {
	    .manager = "argocd-controller", .force = true, .time = "2030-01-01T00:00:00Z"};
	if (cap_ssa_apply(&r.ours, &schema, r.live, r.config, &o))
		fail_msg("%s: %s", rw->case_name, cap_error_last());
	if (!contained(r.config, r.ours))
		fail_msg("%s: the result lacks values the config sets: %s", rw->case_name,
			 cap_json_to_string(r.ours, CAP_JSON_SORT_KEYS));
	if (rw->compare) {
		cap_value *ours = cap_value_deep_copy(at(r.ours, rw->scope ? rw->scope : ""));
		cap_value *pred = cap_value_deep_copy(at(r.predicted, rw->scope ? rw->scope : ""));
		drop_times(ours);
		drop_times(pred);
		for (const outside *x = rw->outside; x && x->pointer; x++) {
			/* both sides lose it; it must exist on at least one to be worth naming */
			int a = cap_pointer_remove(ours, x->pointer);
			int b = cap_pointer_remove(pred, x->pointer);
			if (a && b)
				fail_msg("%s: '%s' (%s) is on neither side", rw->case_name,
					 x->pointer, x->reason);
		}
		if (!cap_value_equal(ours, pred))
			fail_msg("%s: result differs from the predicted live object\nours: %s\n"
				 "predicted: %s",
				 rw->case_name, cap_json_to_string(ours, CAP_JSON_SORT_KEYS),
				 cap_json_to_string(pred, CAP_JSON_SORT_KEYS));
		cap_value_free(ours);
		cap_value_free(pred);
	}
	if (rw->check)
		rw->check(&r);
	cap_value_free(r.ours);
	cap_value_free(r.live);
	cap_value_free(r.config);
	cap_value_free(r.predicted);
}

#define LAST_APPLIED "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"

/* --- TestServerSideDiff rows --- */

static void check_configmap(const result *r)
{
	/* predicted data keys {key1,key2}; normalized live keeps {key1,key2,key3} */
	assert_int_equal(cap_value_object_len(at(r->ours, "/data")), 2);
	assert_non_null(at(r->ours, "/data/key1"));
	assert_non_null(at(r->ours, "/data/key2"));
	assert_int_equal(cap_value_object_len(at(r->live, "/data")), 3);
}

static void check_label_deletion(const result *r)
{
	/* label delete-me absent in predicted live, present in live */
	assert_null(at(r->ours, "/metadata/labels/delete-me"));
	assert_non_null(at(r->live, "/metadata/labels/delete-me"));
}

static void check_service(const result *r)
{
	/* internalTrafficPolicy=Cluster: live has it and nobody withdrew it, so the result keeps
	 * it. No last-applied annotation: neither side has one. The result's text holds 'port'
	 * and 'selector'. labels.event comes from the mutating webhook: whether it shows is the
	 * diff engine's ignore-mutation-webhook option, and removing sessionAffinity from both
	 * sides is the diff engine's normalizer; apply keeps sessionAffinity as live has it. */
	assert_string_equal(str_at(r->ours, "/spec/internalTrafficPolicy"), "Cluster");
	assert_null(at(r->ours, LAST_APPLIED));
	char *text = cap_json_to_string(r->ours, 0);
	assert_non_null(strstr(text, "port"));
	assert_non_null(strstr(text, "selector"));
	free(text);
	assert_string_equal(str_at(r->ours, "/spec/sessionAffinity"), "None");
	assert_null(at(r->ours, "/metadata/labels/event"));
	assert_string_equal(str_at(r->predicted, "/metadata/labels/event"),
			    "FROM-MUTATION-WEBHOOK");
}

static const outside service_outside[] = {
    {"/metadata/labels",
     "the mutating webhook replaced the labels with event=FROM-MUTATION-WEBHOOK"},
    {"/metadata/managedFields/0/fieldsV1/f:metadata",
     "with the webhook's labels the applier's ownership of its label went too"},
    {NULL, NULL},
};

static void check_webhook_undo(const result *r)
{
	/* One container on both sides. Its ports are the applied two (8081/UDP, 80/TCP): the
	 * unowned 8080 beside them is dropped, as the reply shows. requests cpu=500m and
	 * memory=512Mi: argocd-controller owned them and no longer sends them, so apply removes
	 * them (and its ownership); the reply has them because the mutating webhook writes them
	 * back. Seeing them on both sides is the diff engine's webhook handling. */
	const char *c = "/spec/template/spec/containers";
	assert_int_equal(len_at(r->ours, c), 1);
	assert_int_equal(len_at(r->predicted, c), 1);
	assert_int_equal(len_at(r->live, c), 1);
	assert_true(cap_value_equal(at(r->ours, "/spec/template/spec/containers/0/ports"),
				    at(r->predicted, "/spec/template/spec/containers/0/ports")));
	assert_null(at(r->ours, "/spec/template/spec/containers/0/resources"));
	assert_string_equal(
	    str_at(r->predicted, "/spec/template/spec/containers/0/resources/requests/cpu"),
	    "500m");
	assert_string_equal(
	    str_at(r->live, "/spec/template/spec/containers/0/resources/requests/memory"), "512Mi");
	cap_value *mine = at(r->ours, "/metadata/managedFields/0/fieldsV1/f:spec/f:template/f:spec/"
				      "f:containers/k:{\"name\":\"nginx\"}");
	assert_non_null(mine);
	assert_null(cap_value_object_get(mine, "f:resources"));
	assert_non_null(cap_value_dig(mine, "f:ports",
				      "k:{\"containerPort\":8081,\"protocol\":\"UDP\"}", NULL));
}

static void check_nested(const result *r)
{
	/* containers[0]: ports [80,443] against live's 1 port; env [ENV_VAR1,ENV_VAR2] against 1 */
	const char *c0 = "/spec/template/spec/containers/0";
	char p[128];
	snprintf(p, sizeof(p), "%s/ports", c0);
	assert_int_equal(len_at(r->ours, p), 2);
	assert_int_equal(len_at(r->live, p), 1);
	assert_int_equal(cap_value_get_int(
			     at(r->ours, "/spec/template/spec/containers/0/ports/1/containerPort")),
			 443);
	snprintf(p, sizeof(p), "%s/env", c0);
	assert_int_equal(len_at(r->ours, p), 2);
	assert_int_equal(len_at(r->live, p), 1);
	assert_string_equal(str_at(r->ours, "/spec/template/spec/containers/0/env/1/name"),
			    "ENV_VAR2");
}

static const outside nested_outside[] = {
    {"/metadata/annotations/deployment.kubernetes.io~1revision",
     "the deployment controller bumps the revision"},
    {"/spec/template/spec/containers/0/ports/1/protocol", "defaulted to TCP by the API server"},
    {"/metadata/managedFields",
     "the fixture's entry is hand-written: it marks lists with '.', claims the defaulted "
     "protocol, and leaves out resources and automountServiceAccountToken, which the config sets"},
    {NULL, NULL},
};

static void check_manual_apply(const result *r)
{
	/* containers[0]: ports [80,40] against live's 1 port. The container kubectl added by
	 * hand (idle) is kept: kubectl-client-side-apply owns it. No last-applied annotation on
	 * either side is the diff engine's normalisation; live carries none, nor does ours. */
	assert_int_equal(len_at(r->ours, "/spec/template/spec/containers/0/ports"), 2);
	assert_int_equal(len_at(r->live, "/spec/template/spec/containers/0/ports"), 1);
	assert_int_equal(cap_value_get_int(
			     at(r->ours, "/spec/template/spec/containers/0/ports/1/containerPort")),
			 40);
	assert_string_equal(str_at(r->ours, "/spec/template/spec/containers/1/name"), "idle");
	assert_null(at(r->ours, LAST_APPLIED));
}

static const outside manual_apply_outside[] = {
    {LAST_APPLIED, "the reply carries kubectl's client-side annotation; the diff engine strips "
		   "it from both sides"},
    {"/metadata/generation", "the API server bumps the generation when the spec changes"},
    {"/metadata/labels/mutation-test", "added by the mutating webhook"},
    {"/spec/template/spec/containers/0/ports/1/protocol", "defaulted to TCP by the API server"},
    {NULL, NULL},
};

static void check_composite_key(const result *r)
{
	/* 2 containers; containers[0] nginx with 3 ports (80/TCP, 443/TCP, 8080 name=metrics)
	 * against live's 2; no last-applied annotation. The protocol TCP values are the API
	 * server's defaults; the keys already carry them, from the schema's default. */
	assert_int_equal(len_at(r->ours, "/spec/template/spec/containers"), 2);
	assert_string_equal(str_at(r->ours, "/spec/template/spec/containers/0/name"), "nginx");
	assert_int_equal(len_at(r->ours, "/spec/template/spec/containers/0/ports"), 3);
	assert_int_equal(len_at(r->live, "/spec/template/spec/containers/0/ports"), 2);
	assert_string_equal(str_at(r->ours, "/spec/template/spec/containers/0/ports/2/name"),
			    "metrics");
	assert_null(at(r->ours, LAST_APPLIED));
	/* The reply's argocd-controller entry was written by an API server: ours is the same. */
	cap_value *ours = at(r->ours, "/metadata/managedFields/0");
	cap_value *theirs = at(r->predicted, "/metadata/managedFields/0");
	assert_string_equal(cap_value_dig_string(theirs, "manager", NULL), "argocd-controller");
	assert_string_equal(cap_value_dig_string(ours, "manager", NULL), "argocd-controller");
	assert_true(cap_value_equal(cap_value_object_get(ours, "fieldsV1"),
				    cap_value_object_get(theirs, "fieldsV1")));
}

static const outside composite_outside[] = {
    {"/template/metadata/creationTimestamp", "the API server writes a null creationTimestamp"},
    {"/template/spec/containers/0/ports/0/protocol", "defaulted to TCP by the API server"},
    {"/template/spec/containers/0/ports/1/protocol", "defaulted to TCP by the API server"},
    {"/template/spec/containers/0/ports/2/protocol", "defaulted to TCP by the API server"},
    {"/template/spec/containers/1/ports/0/protocol", "defaulted to TCP by the API server"},
    {"/template/spec/containers/0/resources", "defaulted to {} by the API server"},
    {"/template/spec/containers/1/resources", "defaulted to {} by the API server"},
    {NULL, NULL},
};

/* --- TestStructuredMergeDiff rows: no reply file; the note's assertions --- */

static void check_default_values(const result *r)
{
	/* Applied values win (rtmp targetPort 1936). internalTrafficPolicy=Cluster is the API
	 * server's default, which the diff engine's normalisation applies to both sides: neither
	 * live nor the merge has it. The last-applied annotation stays (kubectl-client-side-apply
	 * owns it); removing it from both sides is the diff engine's normalisation. */
	assert_int_equal(cap_value_get_int(at(r->ours, "/spec/ports/1/targetPort")), 1936);
	assert_null(at(r->live, "/spec/internalTrafficPolicy"));
	assert_null(at(r->ours, "/spec/internalTrafficPolicy"));
	assert_non_null(at(r->ours, LAST_APPLIED));
}

static void check_two_ports(const result *r)
{
	/* predicted live has 2 spec.ports: https was argocd-controller's alone and is withdrawn */
	assert_int_equal(len_at(r->ours, "/spec/ports"), 2);
	assert_int_equal(len_at(r->live, "/spec/ports"), 3);
}

static void check_type_removed(const result *r)
{
	/* predicted live spec.type=ClusterIP: argocd-controller owned type (NodePort) and no
	 * longer sends it, so apply removes it and drops the ownership; ClusterIP is then the
	 * API server's default, applied by the diff engine's normalisation. */
	assert_string_equal(str_at(r->live, "/spec/type"), "NodePort");
	assert_null(at(r->ours, "/spec/type"));
	assert_null(at(r->ours, "/metadata/managedFields/0/fieldsV1/f:spec/f:type"));
	assert_int_equal(len_at(r->ours, "/spec/ports"), 3);
}

static void check_five_ports(const result *r)
{
	/* predicted live has 5 spec.ports */
	assert_int_equal(len_at(r->ours, "/spec/ports"), 5);
}

static void check_deployment_defaults(const result *r)
{
	/* 1 container; requests and limits cpu/memory/storage '0': the container has no
	 * quantities (resources: {}), which the Go test reads as zero quantities printing "0";
	 * maxSurge '25%' stays a string; dnsPolicy=ClusterFirst. expected_modified=false: apart
	 * from managedFields the merge equals live. */
	const char *c = "/spec/template/spec/containers";
	assert_int_equal(len_at(r->ours, c), 1);
	assert_int_equal(
	    cap_value_object_len(at(r->ours, "/spec/template/spec/containers/0/resources")), 0);
	assert_string_equal(str_at(r->ours, "/spec/strategy/rollingUpdate/maxSurge"), "25%");
	assert_string_equal(str_at(r->ours, "/spec/template/spec/dnsPolicy"), "ClusterFirst");
	cap_value *a = cap_value_deep_copy(r->ours), *b = cap_value_deep_copy(r->live);
	cap_pointer_remove(a, "/metadata/managedFields");
	cap_pointer_remove(b, "/metadata/managedFields");
	assert_true(cap_value_equal(a, b));
	cap_value_free(a);
	cap_value_free(b);
}

static const row rows[] = {
    {"TestStructuredMergeDiff/will_apply_default_values", "smd-service-config.yaml",
     "smd-service-live.yaml", NULL, false, NULL, NULL, check_default_values},
    {"TestStructuredMergeDiff/will_remove_entries_in_list", "smd-service-config-2-ports.yaml",
     "smd-service-live.yaml", NULL, false, NULL, NULL, check_two_ports},
    {"TestStructuredMergeDiff/will_remove_previously_added_fields_not_present_in_desired_state",
     "smd-service-config.yaml", "smd-service-live-with-type.yaml", NULL, false, NULL, NULL,
     check_type_removed},
    {"TestStructuredMergeDiff/will_apply_service_with_multiple_ports",
     "smd-service-config-ports.yaml", "smd-service-live.yaml", NULL, false, NULL, NULL,
     check_five_ports},
    {"TestStructuredMergeDiff/will_apply_deployment_defaults_correctly", "smd-deploy-config.yaml",
     "smd-deploy-live.yaml", NULL, false, NULL, NULL, check_deployment_defaults},
    {"TestServerSideDiff/will_ignore_modifications_done_by_mutation_webhook_by_default",
     "ssd-service-config.yaml", "ssd-service-live.yaml", "ssd-service-predicted-live.json", true,
     NULL, service_outside, check_service},
    {"TestServerSideDiff/will_test_removing_some_field_with_undoing_changes_done_by_webhook",
     "smd-deploy2-config.yaml", "smd-deploy2-live.yaml", "smd-deploy2-predicted-live.json", false,
     NULL, NULL, check_webhook_undo},
    {"TestServerSideDiff/will_include_mutation_webhook_modifications", "ssd-service-config.yaml",
     "ssd-service-live.yaml", "ssd-service-predicted-live.json", true, NULL, service_outside,
     check_service},
    {"TestServerSideDiff/will_include_nested_fields_like_ports_and_env",
     "ssd-deploy-nested-config.yaml", "ssd-deploy-nested-live.yaml",
     "ssd-deploy-nested-predicted-live.json", true, NULL, nested_outside, check_nested},
    {"TestServerSideDiff/"
     "will_add_an_extra_container_using_kubectl_apply_and_include_mutation_webhook",
     "ssd-deploy-with-manual-apply-config.yaml", "ssd-deploy-with-manual-apply-live.yaml",
     "ssd-deploy-with-manual-apply-predicted-live.json", true, NULL, manual_apply_outside,
     check_manual_apply},
    {"TestServerSideDiff/will_reflect_deletion_of_labels_in_predicted_live",
     "ssd-svc-no-label-config.yaml", "ssd-svc-label-live.yaml",
     "ssd-svc-no-label-predicted-live.json", true, NULL, NULL, check_label_deletion},
    {"TestServerSideDiff/will_respect_ignoreDifferences_when_full_normalization_is_not_skipped",
     "ssd-service-config.yaml", "ssd-service-live.yaml", "ssd-service-predicted-live.json", true,
     NULL, service_outside, check_service},
    {"TestServerSideDiff/will_preserve_composite_key_fields_during_diff",
     "ssd-deploy-composite-key-config.yaml", "ssd-deploy-composite-key-live.yaml",
     "ssd-deploy-composite-key-predicted-live.json", true, "/spec", composite_outside,
     check_composite_key},
    {"TestServerSideDiff/will_detect_ConfigMap_data_key_removal", "ssd-configmap-config.yaml",
     "ssd-configmap-live.yaml", "ssd-configmap-predicted-live.json", true, NULL, NULL,
     check_configmap},
};

static int setup(void **state)
{
	cap_test_load_kubernetes_schema(&schema);
	return 0;
}

static int teardown(void **state)
{
	cap_smd_schema_release(&schema);
	return 0;
}

/*
 * The table covers exactly the rows of expected.tsv whose options name structured-merge-diff or
 * server-side-diff, with the same files. smd-deploy2's reply is a trimmed mock (no uid, no
 * defaults, no status); its row compares what its check names rather than the whole reply.
 */
static void table_matches_expected_tsv(void **state)
{
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT;
	cap_strvec lines = CAP_STRVEC_INIT;
	size_t matched = 0;
	cap_test_shared_path(&path, "argocd/fixtures/diff/expected.tsv");
	cap_test_read_file(&text, path.ptr);
	cap_strvec_split(&lines, text.ptr, '\n', true);
	for (size_t i = 0; i < lines.len; i++) {
		cap_strvec cols = CAP_STRVEC_INIT;
		if (lines.items[i][0] == '#')
			continue;
		cap_strvec_split(&cols, lines.items[i], '\t', false);
		if (cols.len >= 5 && (strstr(cols.items[4], "structured-merge-diff") ||
				      strstr(cols.items[4], "server-side-diff"))) {
			const row *found = NULL;
			for (size_t r = 0; r < CAP_ARRAY_SIZE(rows); r++)
				if (!strcmp(rows[r].case_name, cols.items[0]))
					found = &rows[r];
			if (!found)
				fail_msg("row '%s' is not covered", cols.items[0]);
			assert_string_equal(found->config, cols.items[1]);
			assert_string_equal(found->live, cols.items[2]);
			const char *pl = strstr(cols.items[4], "predicted-live=");
			assert_int_equal(pl != NULL, found->predicted != NULL);
			if (pl)
				assert_int_equal(
				    strncmp(pl + 15, found->predicted, strlen(found->predicted)),
				    0);
			matched++;
		}
		cap_strvec_release(&cols);
	}
	assert_int_equal(matched, CAP_ARRAY_SIZE(rows));
	cap_strvec_release(&lines);
	cap_buf_release(&text);
	cap_buf_release(&path);
}

static void row_applies_as_predicted(void **state)
{
	run_row(*state);
}

int main(void)
{
	struct CMUnitTest tests[1 + CAP_ARRAY_SIZE(rows)];

	tests[0] = (struct CMUnitTest)cmocka_unit_test(table_matches_expected_tsv);
	for (size_t i = 0; i < CAP_ARRAY_SIZE(rows); i++)
		tests[1 + i] = (struct CMUnitTest){rows[i].case_name, row_applies_as_predicted,
						   NULL, NULL, (void *)&rows[i]};
	return cmocka_run_group_tests(tests, setup, teardown);
}
