/* Tests for sync planning: Argo CD's kind order, waves, prune rules and CreateNamespace. */
#include "cap_test.h"

#include <string.h>

#include "sync/sync.h"
#include "value/json.h"

static cap_value *objs(const char *json)
{
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, json, strlen(json), "test", NULL), 0);
	return v;
}

/* "Kind/name:action" for each task, space-separated. */
static void describe(cap_buf *out, const cap_sync_plan *p)
{
	static const char *const actions[] = {"apply", "prune", "skip"};
	for (size_t i = 0; i < p->len; i++)
		cap_buf_printf(out, "%s%s/%s:%s", i ? " " : "", p->tasks[i].key.kind,
			       p->tasks[i].key.name, actions[p->tasks[i].action]);
}

#define OBJ(api, kind, name)                                                                       \
	"{\"apiVersion\":\"" api "\",\"kind\":\"" kind "\",\"metadata\":{\"name\":\"" name         \
	"\",\"namespace\":\"ns\"}}"

static void namespaces_and_crds_lead_then_kind_order(void **state)
{
	assert_true(cap_sync_kind_rank("Namespace") <
		    cap_sync_kind_rank("CustomResourceDefinition"));
	assert_true(cap_sync_kind_rank("CustomResourceDefinition") <
		    cap_sync_kind_rank("ConfigMap"));
	assert_true(cap_sync_kind_rank("ConfigMap") < cap_sync_kind_rank("Service"));
	assert_true(cap_sync_kind_rank("Service") < cap_sync_kind_rank("Deployment"));
	assert_true(cap_sync_kind_rank("Deployment") < cap_sync_kind_rank("Ingress"));
	assert_true(cap_sync_kind_rank("Ingress") < cap_sync_kind_rank("Rollout"));

	cap_value *desired = objs(
	    "[" OBJ("apps/v1", "Deployment", "web") "," OBJ("example.io/v1", "Widget", "w") "," OBJ(
		"v1", "Service",
		"web") "," OBJ("v1", "ConfigMap",
			       "b") "," OBJ("v1", "ConfigMap",
					    "a") "," OBJ("apiextensions.k8s.io/v1",
							 "CustomResourceDefinition",
							 "widgets.example.io") "," OBJ("v1",
										       "Namespace",
										       "ns") "]");
	cap_value *live = cap_value_array();
	cap_sync_plan p;
	cap_buf s = CAP_BUF_INIT;
	assert_int_equal(cap_sync_plan_build(&p, desired, live, NULL, NULL), 0);
	describe(&s, &p);
	assert_string_equal(s.ptr,
			    "Namespace/ns:apply CustomResourceDefinition/widgets.example.io:apply "
			    "ConfigMap/a:apply ConfigMap/b:apply Service/web:apply "
			    "Deployment/web:apply Widget/w:apply");
	cap_buf_release(&s);
	cap_sync_plan_release(&p);
	cap_value_free(desired);
	cap_value_free(live);
}

static void waves_order_before_kinds(void **state)
{
	cap_value *desired = objs(
	    "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"late\","
	    "\"annotations\":{\"argocd.argoproj.io/sync-wave\":\"2\"}}},"
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"early\","
	    "\"annotations\":{\"argocd.argoproj.io/sync-wave\":\"-1\"}}}," OBJ("v1", "Secret",
									       "s") "]");
	cap_value *live = cap_value_array();
	cap_sync_plan p;
	cap_buf s = CAP_BUF_INIT;
	assert_int_equal(cap_sync_plan_build(&p, desired, live, NULL, NULL), 0);
	describe(&s, &p);
	assert_string_equal(s.ptr, "Deployment/early:apply Secret/s:apply ConfigMap/late:apply");
	cap_buf_release(&s);
	cap_sync_plan_release(&p);
	cap_value_free(desired);
	cap_value_free(live);
}

static void extraneous_objects_prune_last_in_reverse_when_allowed(void **state)
{
	cap_value *desired = objs("[" OBJ("v1", "ConfigMap", "keep") "]");
	cap_value *live =
	    objs("[" OBJ("v1", "ConfigMap", "keep") "," OBJ("v1", "Service", "old") "," OBJ(
		"apps/v1", "Deployment",
		"old") ","
		       "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"kept\","
		       "\"namespace\":\"ns\",\"annotations\":{\"argocd.argoproj.io/sync-options\":"
		       "\"Prune=false\"}}},"
		       "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
		       "\"ignored\","
		       "\"namespace\":\"ns\",\"annotations\":{\"argocd.argoproj.io/"
		       "compare-options\":"
		       "\"IgnoreExtraneous\"}}}]");
	cap_sync_options o = {0};
	o.prune = true;
	cap_sync_plan p;
	cap_buf s = CAP_BUF_INIT;
	assert_int_equal(cap_sync_plan_build(&p, desired, live, NULL, &o), 0);
	describe(&s, &p);
	assert_string_equal(s.ptr, "ConfigMap/keep:apply Deployment/old:prune Service/old:prune "
				   "Secret/kept:skip");
	assert_non_null(p.tasks[0].live);
	cap_sync_plan_release(&p);

	o.prune = false;
	cap_buf_clear(&s);
	assert_int_equal(cap_sync_plan_build(&p, desired, live, NULL, &o), 0);
	describe(&s, &p);
	assert_string_equal(s.ptr, "ConfigMap/keep:apply Deployment/old:skip Service/old:skip "
				   "Secret/kept:skip");
	cap_sync_plan_release(&p);
	cap_buf_release(&s);
	cap_value_free(desired);
	cap_value_free(live);
}

static void create_namespace_leads_and_out_of_sync_only_skips_synced(void **state)
{
	cap_value *desired =
	    objs("[" OBJ("v1", "ConfigMap", "a") "," OBJ("v1", "ConfigMap", "b") "]");
	cap_value *live = cap_value_array();
	bool in_sync[] = {true, false};
	cap_sync_options o = {0};
	o.create_namespace = true;
	o.namespace = "ns";
	o.apply_out_of_sync_only = true;
	cap_sync_plan p;
	cap_buf s = CAP_BUF_INIT;
	assert_int_equal(cap_sync_plan_build(&p, desired, live, in_sync, &o), 0);
	describe(&s, &p);
	assert_string_equal(s.ptr, "Namespace/ns:apply ConfigMap/b:apply");
	cap_buf_release(&s);
	cap_sync_plan_release(&p);
	cap_value_free(desired);
	cap_value_free(live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(namespaces_and_crds_lead_then_kind_order),
	    cmocka_unit_test(waves_order_before_kinds),
	    cmocka_unit_test(extraneous_objects_prune_last_in_reverse_when_allowed),
	    cmocka_unit_test(create_namespace_leads_and_out_of_sync_only_skips_synced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
