/* Argo CD's diff fixtures: every row of expected.tsv, with the mutations and extra assertions its
 * notes state. */
#include "cap_test.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/strvec.h"
#include "diff/diff.h"
#include "diff/text.h"
#include "value/json.h"
#include "value/pointer.h"
#include "value/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURES "argocd/fixtures/diff/"

typedef struct row {
	char *name, *config, *live, *options, *note;
	bool expected;
} row;

static cap_value *load(const char *file)
{
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT;
	cap_value *v = NULL;
	cap_test_shared_path(&path, FIXTURES);
	cap_buf_puts(&path, file);
	cap_test_read_file(&text, path.ptr);
	if (cap_yaml_parse(&v, text.ptr, text.len, path.ptr, NULL))
		fail_msg("cannot parse %s: %s", path.ptr, cap_error_last());
	cap_buf_release(&path);
	cap_buf_release(&text);
	return v;
}

/* The value of option key in a ';'-separated options cell, or NULL. */
static const char *option(const row *r, const char *key, cap_buf *val)
{
	cap_strvec parts = CAP_STRVEC_INIT;
	const char *found = NULL;
	cap_strvec_split(&parts, r->options, ';', true);
	for (size_t i = 0; i < parts.len && !found; i++) {
		size_t n = strlen(key);
		if (!strncmp(parts.items[i], key, n) &&
		    (parts.items[i][n] == '=' || parts.items[i][n] == '\0')) {
			cap_buf_sets(val, parts.items[i][n] ? parts.items[i] + n + 1 : "");
			found = val->ptr;
		}
	}
	cap_strvec_release(&parts);
	return found;
}

static void remove_session_affinity(cap_value *obj, void *ctx)
{
	if (cap_pointer_remove(obj, "/spec/sessionAffinity"))
		cap_error_clear();
}

static void set_string(cap_value *obj, const char *ptr, const char *s)
{
	assert_int_equal(cap_pointer_set(obj, ptr, cap_value_string(s)), 0);
}

/* Counts lines of text equal to line. */
static int count_lines(const char *text, const char *want)
{
	int n = 0;
	size_t len = strlen(want);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l == len && !memcmp(p, want, len))
			n++;
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

static size_t len_at(const cap_value *obj, const char *ptr)
{
	cap_value *v = NULL;
	if (cap_pointer_get(&v, obj, ptr)) {
		cap_error_clear();
		return 0;
	}
	return cap_value_is_array(v) ? cap_value_array_len(v) : cap_value_object_len(v);
}

static const char *string_at(const cap_value *obj, const char *ptr)
{
	cap_value *v = NULL;
	if (cap_pointer_get(&v, obj, ptr)) {
		cap_error_clear();
		return NULL;
	}
	return cap_value_get_string(v);
}

static bool has_last_applied(const cap_value *obj)
{
	return cap_value_dig(obj, "metadata", "annotations", CAP_DIFF_LAST_APPLIED, NULL) != NULL;
}

/* The extra assertions of the notes column, by case name. */
static void check_note(const row *r, const cap_diff_result *res)
{
	const cap_value *p = res->predicted_live, *l = res->normalized_live;
	const char *n = r->name;
	if (!strcmp(n, "TestThreeWayDiffExample2WithDifference")) {
		cap_buf text = CAP_BUF_INIT;
		cap_diff_text_objects(&text, l, p, CAP_DIFF_TEXT_NORMAL);
		assert_int_equal(count_lines(text.ptr, ">     foo: bar"), 1);
		assert_int_equal(count_lines(text.ptr, "<     release: elasticsearch4"), 1);
		assert_int_equal(count_lines(text.ptr, ">     chart: elasticsearch-1.7.1"), 1);
		assert_int_equal(count_lines(text.ptr, "<     chart: elasticsearch-1.7.0"), 1);
		cap_buf_release(&text);
	} else if (!strcmp(n, "TestStructuredMergeDiff/will_apply_default_values")) {
		assert_string_equal(string_at(p, "/spec/internalTrafficPolicy"), "Cluster");
		assert_string_equal(string_at(l, "/spec/internalTrafficPolicy"), "Cluster");
		assert_false(has_last_applied(p));
		assert_false(has_last_applied(l));
	} else if (!strcmp(n, "TestStructuredMergeDiff/will_remove_entries_in_list")) {
		assert_int_equal(len_at(p, "/spec/ports"), 2);
	} else if (!strcmp(n, "TestStructuredMergeDiff/"
			      "will_remove_previously_added_fields_not_present_in_desired_state")) {
		assert_string_equal(string_at(p, "/spec/type"), "ClusterIP");
	} else if (!strcmp(n, "TestStructuredMergeDiff/will_apply_service_with_multiple_ports")) {
		assert_int_equal(len_at(p, "/spec/ports"), 5);
	} else if (!strcmp(n, "TestStructuredMergeDiff/will_apply_deployment_defaults_correctly")) {
		const char *c0 = "/spec/template/spec/containers/0/resources";
		char ptr[256];
		assert_int_equal(len_at(p, "/spec/template/spec/containers"), 1);
		for (int i = 0; i < 6; i++) {
			snprintf(ptr, sizeof(ptr), "%s/%s/%s", c0, i < 3 ? "requests" : "limits",
				 (const char *[]){"cpu", "memory", "storage"}[i % 3]);
			/* Go's ResourceList.Cpu() and friends read an absent quantity as "0" */
			const char *q = string_at(p, ptr);
			assert_string_equal(q ? q : "0", "0");
		}
		assert_string_equal(string_at(p, "/spec/strategy/rollingUpdate/maxSurge"), "25%");
		assert_string_equal(string_at(p, "/spec/template/spec/dnsPolicy"), "ClusterFirst");
	} else if (strstr(n, "mutation_webhook_by_default") ||
		   strstr(n, "will_include_mutation_webhook_modifications")) {
		bool include = strstr(n, "include") != NULL;
		assert_string_equal(string_at(p, "/spec/internalTrafficPolicy"), "Cluster");
		assert_string_equal(string_at(l, "/spec/internalTrafficPolicy"), "Cluster");
		assert_false(has_last_applied(p));
		assert_false(has_last_applied(l));
		const char *event = string_at(p, "/metadata/labels/event");
		if (include)
			assert_true(event && *event);
		else
			assert_true(!event || !*event);
	} else if (strstr(n, "undoing_changes_done_by_webhook")) {
		const char *c = "/spec/template/spec/containers";
		for (int side = 0; side < 2; side++) {
			const cap_value *o = side ? l : p;
			assert_int_equal(len_at(o, c), 1);
			assert_string_equal(
			    string_at(o, "/spec/template/spec/containers/0/resources/requests/cpu"),
			    "500m");
			assert_string_equal(
			    string_at(o,
				      "/spec/template/spec/containers/0/resources/requests/memory"),
			    "512Mi");
		}
	} else if (strstr(n, "will_include_nested_fields_like_ports_and_env")) {
		const char *c = "/spec/template/spec/containers/0";
		char ptr[128];
		snprintf(ptr, sizeof(ptr), "%s/ports", c);
		assert_int_equal(len_at(p, ptr), 2);
		assert_int_equal(len_at(l, ptr), 1);
		snprintf(ptr, sizeof(ptr), "%s/env", c);
		assert_int_equal(len_at(p, ptr), 2);
		assert_int_equal(len_at(l, ptr), 1);
	} else if (strstr(n, "will_add_an_extra_container_using_kubectl_apply")) {
		assert_int_equal(len_at(p, "/spec/template/spec/containers/0/ports"), 2);
		assert_int_equal(len_at(l, "/spec/template/spec/containers/0/ports"), 1);
		assert_false(has_last_applied(p));
		assert_false(has_last_applied(l));
	} else if (strstr(n, "will_reflect_deletion_of_labels_in_predicted_live")) {
		assert_null(cap_value_dig(p, "metadata", "labels", "delete-me", NULL));
		assert_non_null(cap_value_dig(l, "metadata", "labels", "delete-me", NULL));
	} else if (strstr(n, "will_respect_ignoreDifferences")) {
		char *pt = cap_json_to_string(p, 0), *lt = cap_json_to_string(l, 0);
		assert_non_null(strstr(pt, "port"));
		assert_non_null(strstr(pt, "selector"));
		assert_null(strstr(pt, "sessionAffinity"));
		assert_null(strstr(lt, "sessionAffinity"));
		free(pt);
		free(lt);
	} else if (strstr(n, "will_preserve_composite_key_fields_during_diff")) {
		assert_int_equal(len_at(p, "/spec/template/spec/containers"), 2);
		assert_string_equal(string_at(p, "/spec/template/spec/containers/0/name"), "nginx");
		assert_int_equal(len_at(p, "/spec/template/spec/containers/0/ports"), 3);
		assert_int_equal(len_at(l, "/spec/template/spec/containers/0/ports"), 2);
		assert_string_equal(string_at(p, "/spec/template/spec/containers/0/ports/2/name"),
				    "metrics");
		assert_false(has_last_applied(p));
	} else if (strstr(n, "will_detect_ConfigMap_data_key_removal")) {
		assert_int_equal(len_at(p, "/data"), 2);
		assert_int_equal(len_at(l, "/data"), 3);
	}
}

/* In-test mutations the notes column describes, applied before the diff. */
static void mutate(const row *r, cap_value *config, cap_value *live)
{
	if (!strcmp(r->name, "TestThreeWayDiffExample2WithDifference")) {
		set_string(config, "/metadata/labels/foo", "bar");
		set_string(config, "/metadata/labels/chart", "elasticsearch-1.7.1");
		assert_int_equal(cap_pointer_remove(config, "/metadata/labels/release"), 0);
	} else if (!strcmp(r->name, "TestRedactedSecretData")) {
		set_string(config, "/data/wordpress-password", "++++++++");
		set_string(config, "/data/smtp-password", "++++++++");
		set_string(live, "/data/wordpress-password", "++++++++++++");
		set_string(live, "/data/smtp-password", "++++++++++++");
	}
}

static void run_row(const row *r)
{
	cap_value *config = load(r->config), *live = load(r->live), *predicted = NULL;
	cap_buf val = CAP_BUF_INIT;
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	/* gitops-engine's Diff compares status; its tests run without Argo CD's status rule */
	o.status = CAP_DIFF_STATUS_OFF;
	o.ignore_aggregated_roles =
	    option(r, "ignore-aggregated-roles", &val) && !strcmp(val.ptr, "true");
	/*
	 * gvk-parser=openapiv2.bin: the protobuf dump is absent by design; the same type
	 * information comes from the OpenAPI v2 swagger JSON (strategic merge) and the
	 * structured-merge schema, loaded by default.
	 */
	if (option(r, "structured-merge-diff", &val))
		o.mode = CAP_DIFF_STRUCTURED_MERGE;
	if (option(r, "server-side-diff", &val))
		o.mode = CAP_DIFF_SERVER_SIDE;
	if (option(r, "manager", &val))
		o.manager = "argocd-controller";
	if (option(r, "predicted-live", &val)) {
		predicted = load(val.ptr);
		o.predicted_live = predicted;
	}
	if (option(r, "ignore-mutation-webhook", &val) && !strcmp(val.ptr, "false"))
		o.include_mutation_webhook = true;
	if (option(r, "normalizer", &val)) {
		assert_string_equal(val.ptr, "remove-field:spec.sessionAffinity");
		o.normalize = remove_session_affinity;
	}
	mutate(r, config, live);

	cap_diff_result res = CAP_DIFF_RESULT_INIT;
	if (cap_diff(&res, config, live, &o))
		fail_msg("%s: %s", r->name, cap_error_last());
	if (res.modified != r->expected) {
		cap_buf text = CAP_BUF_INIT;
		cap_diff_text_objects(&text, res.normalized_live, res.predicted_live,
				      CAP_DIFF_TEXT_UNIFIED);
		fail_msg("%s: modified %d, expected %d\n%s", r->name, res.modified, r->expected,
			 text.ptr);
	}
	check_note(r, &res);
	cap_diff_result_release(&res);
	cap_value_free(config);
	cap_value_free(live);
	cap_value_free(predicted);
	cap_buf_release(&val);
}

static row *rows;
static size_t nrows;

static void read_rows(void)
{
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT;
	cap_test_shared_path(&path, FIXTURES "expected.tsv");
	cap_test_read_file(&text, path.ptr);
	cap_strvec lines = CAP_STRVEC_INIT;
	cap_strvec_split(&lines, text.ptr, '\n', true);
	bool header = true;
	for (size_t i = 0; i < lines.len; i++) {
		if (lines.items[i][0] == '#')
			continue;
		if (header) { /* the column names */
			header = false;
			continue;
		}
		cap_strvec cols = CAP_STRVEC_INIT;
		cap_strvec_split(&cols, lines.items[i], '\t', false);
		assert_true(cols.len >= 5);
		rows = realloc(rows, (nrows + 1) * sizeof(*rows));
		rows[nrows++] = (row){strdup(cols.items[0]),
				      strdup(cols.items[1]),
				      strdup(cols.items[2]),
				      strdup(cols.items[4]),
				      strdup(cols.len > 5 ? cols.items[5] : ""),
				      !strcmp(cols.items[3], "true")};
		cap_strvec_release(&cols);
	}
	cap_strvec_release(&lines);
	cap_buf_release(&path);
	cap_buf_release(&text);
}

static void fixture_row(void **state)
{
	run_row(*state);
}

int main(void)
{
	read_rows();
	struct CMUnitTest *tests = calloc(nrows, sizeof(*tests));
	for (size_t i = 0; i < nrows; i++)
		tests[i] = (struct CMUnitTest){rows[i].name, fixture_row, NULL, NULL, &rows[i]};
	if (nrows != 26)
		fprintf(stderr, "expected.tsv has %zu rows\n", nrows);
	return _cmocka_run_group_tests("diff/fixtures", tests, nrows, NULL, NULL);
}
