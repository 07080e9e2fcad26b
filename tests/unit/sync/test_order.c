/* Tests for the full sync order: phases, waves, kinds, mirrored prunes, PruneLast, moves, samples.
 */
#include "cap_test.h"

#include <string.h>

#include "base/alloc.h"
#include "sync/order.h"
#include "sync/wave.h"
#include "value/json.h"
#include "value/yaml.h"

/* Steps built from objects as the operation runner will build them. */
typedef struct steps {
	cap_sync_step items[64];
	cap_kube_key keys[64];
	size_t len;
} steps;

static void add_object(steps *s, const cap_value *obj, bool prune, bool prune_last)
{
	unsigned phases =
	    prune ? CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_SYNC) : cap_sync_hook_phases(obj);
	for (int p = 0; p < CAP_SYNC_PHASE_COUNT; p++) {
		if (!(phases & CAP_SYNC_HOOK_BIT(p)))
			continue;
		assert_true(s->len < 64);
		cap_kube_key *k = &s->keys[s->len];
		cap_kube_key_init(k);
		assert_int_equal(cap_kube_key_from_object(k, obj), 0);
		if (!k->namespace[0]) /* as Argo CD fills the destination namespace in */
			cap_kube_key_set_member(&k->namespace, "default");
		cap_sync_step *st = &s->items[s->len++];
		memset(st, 0, sizeof(*st));
		st->key = k;
		st->target = prune ? NULL : obj;
		st->phase = (cap_sync_phase)p;
		assert_int_equal(cap_sync_wave_of(&st->wave, obj), 0);
		st->prune = prune;
		st->prune_last = prune_last;
	}
}

static void add_all(steps *s, const cap_value *docs, bool prune)
{
	size_t i;
	cap_value *o;
	CAP_VALUE_ARRAY_FOREACH(docs, i, o)
	add_object(s, o, prune, false);
}

static void release(steps *s)
{
	for (size_t i = 0; i < s->len; i++)
		cap_kube_key_release(&s->keys[i]);
	s->len = 0;
}

/* "Phase/wave Kind/name" (plus " prune") per step, separated by "; ". */
static void describe(cap_buf *out, const steps *s)
{
	cap_buf_clear(out);
	for (size_t i = 0; i < s->len; i++)
		cap_buf_printf(out, "%s%s/%lld %s/%s%s", i ? "; " : "",
			       cap_sync_phase_name(s->items[i].phase), (long long)s->items[i].wave,
			       s->items[i].key->kind, s->items[i].key->name,
			       s->items[i].prune ? " prune" : "");
}

static cap_value *json(const char *text)
{
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, text, strlen(text), "test", NULL), 0);
	return v;
}

#define OBJ(api, kind, name, annotations)                                                          \
	"{\"apiVersion\":\"" api "\",\"kind\":\"" kind "\",\"metadata\":{\"name\":\"" name         \
	"\",\"annotations\":{" annotations "}}}"
#define WAVE(n) "\"argocd.argoproj.io/sync-wave\":\"" #n "\""
#define HOOK(t) "\"argocd.argoproj.io/hook\":\"" t "\""

static void phases_then_waves_then_kinds_then_names(void **state)
{
	cap_value *docs = json("[" OBJ("apps/v1", "Deployment", "web", "") "," OBJ("v1", "Service", "web", "") "," OBJ(
	    "v1", "ConfigMap",
	    "b",
	    "") "," OBJ("v1", "ConfigMap", "a",
			"") "," OBJ("batch/v1", "Job", "smoke",
				    HOOK(
					"PostSync")) "," OBJ("batch/v1", "Job", "migrate",
							     HOOK(
								 "PreSync")) "," OBJ("batch/v1",
										     "Job", "cleanup",
										     HOOK(
											 "SyncFai"
											 "l")) "," OBJ("v1",
												       "Secret",
												       "late",
												       WAVE(
													   1)) "," OBJ("example.io/v1",
														       "Widget",
														       "w",
														       "") "," OBJ("batch/v1",
																   "Job",
																   "both",
																   HOOK(
																       "PreSync,PostSync")) "," OBJ("v1",
																				    "ServiceAccount",
																				    "early",
																				    WAVE(
																					-1)) "]");
	steps s = {0};
	cap_buf d = CAP_BUF_INIT;
	add_all(&s, docs, false);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	assert_string_equal(d.ptr,
			    "PreSync/0 Job/both; PreSync/0 Job/migrate; "
			    "Sync/-1 ServiceAccount/early; "
			    "Sync/0 ConfigMap/a; Sync/0 ConfigMap/b; Sync/0 Service/web; "
			    "Sync/0 Deployment/web; Sync/0 Widget/w; Sync/1 Secret/late; "
			    "PostSync/0 Job/both; PostSync/0 Job/smoke; SyncFail/0 Job/cleanup");
	assert_int_equal(cap_sync_order_group(s.items, s.len, 0), 2);
	assert_int_equal(cap_sync_order_group(s.items, s.len, 2), 1);
	assert_int_equal(cap_sync_order_group(s.items, s.len, 3), 5);
	assert_int_equal(cap_sync_order_group(s.items, s.len, s.len), 0);
	release(&s);
	cap_buf_release(&d);
	cap_value_free(docs);
}

static void prune_waves_are_mirrored_and_come_first_in_their_wave(void **state)
{
	cap_value *live = json("[" OBJ("v1", "ConfigMap", "w0", WAVE(0)) "," OBJ(
	    "v1", "ConfigMap", "w5", WAVE(5)) "," OBJ("apps/v1", "Deployment", "w9",
						      WAVE(9)) "," OBJ("v1", "Service", "w9",
								       WAVE(9)) "]");
	cap_value *desired = json("[" OBJ("v1", "Secret", "s", WAVE(0)) "]");
	steps s = {0};
	cap_buf d = CAP_BUF_INIT;
	add_all(&s, live, true);
	add_all(&s, desired, false);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	/* 0 and 9 swap, 5 stays; deletions in reverse kind order, before the wave's applies */
	assert_string_equal(d.ptr, "Sync/0 Deployment/w9 prune; Sync/0 Service/w9 prune; "
				   "Sync/0 Secret/s; Sync/5 ConfigMap/w5 prune; "
				   "Sync/9 ConfigMap/w0 prune");
	release(&s);
	cap_buf_release(&d);
	cap_value_free(live);
	cap_value_free(desired);
}

static void prune_last_runs_after_the_last_wave(void **state)
{
	cap_value *live = json("[" OBJ("v1", "ConfigMap", "old",
				       WAVE(1)) "," OBJ("v1", "Secret", "older", WAVE(-2)) "]");
	cap_value *desired = json("[" OBJ("v1", "Service", "a", WAVE(3)) "," OBJ(
	    "batch/v1", "Job", "after", HOOK("PostSync")) "]");
	steps s = {0};
	cap_buf d = CAP_BUF_INIT;
	add_object(&s, cap_value_array_get(live, 0), true, true); /* PruneLast=true on it */
	add_object(&s, cap_value_array_get(live, 1), true, false);
	add_all(&s, desired, false);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	/* prune waves -2 and 1 swap first; then old, marked PruneLast, follows wave 3 */
	assert_string_equal(d.ptr, "Sync/1 Secret/older prune; Sync/3 Service/a; "
				   "Sync/4 ConfigMap/old prune; PostSync/0 Job/after");
	release(&s);

	/* the app's PruneLast=true moves every prune */
	add_all(&s, live, true);
	add_all(&s, desired, false);
	cap_sync_order(s.items, s.len, true);
	describe(&d, &s);
	assert_string_equal(d.ptr, "Sync/3 Service/a; Sync/4 ConfigMap/old prune; "
				   "Sync/4 Secret/older prune; PostSync/0 Job/after");
	release(&s);
	cap_buf_release(&d);
	cap_value_free(live);
	cap_value_free(desired);
}

static void namespaces_and_crds_move_before_their_first_dependent(void **state)
{
	cap_value *docs = json(
	    "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\","
	    "\"namespace\":\"team\",\"annotations\":{" WAVE(
		-1) "}}},"
		    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"team\","
		    "\"annotations\":{" WAVE(
			5) "}}},"
			   "{\"apiVersion\":\"example.io/"
			   "v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\","
			   "\"annotations\":{" WAVE(
			       -3) "}}},"
				   "{\"apiVersion\":\"apiextensions.k8s.io/"
				   "v1\",\"kind\":\"CustomResourceDefinition\","
				   "\"metadata\":{\"name\":\"widgets.example.io\"},\"spec\":{"
				   "\"group\":\"example.io\","
				   "\"names\":{\"kind\":\"Widget\"}}},"
				   "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{"
				   "\"name\":\"svc\"}}]");
	steps s = {0};
	cap_buf d = CAP_BUF_INIT;
	add_all(&s, docs, false);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	assert_string_equal(d.ptr,
			    "Sync/-3 CustomResourceDefinition/widgets.example.io; "
			    "Sync/-3 Widget/w; Sync/-1 Namespace/team; Sync/-1 ConfigMap/cfg; "
			    "Sync/0 Service/svc");
	release(&s);
	cap_buf_release(&d);
	cap_value_free(docs);
}

/* Every YAML document of the named files of one sample app, in one array. */
static cap_value *sample(const char *app, const char *const *files)
{
	cap_value *all = cap_value_array();
	for (; *files; files++) {
		cap_buf rel = CAP_BUF_INIT, path = CAP_BUF_INIT;
		cap_value *docs = NULL;
		size_t i;
		cap_value *o;
		cap_buf_printf(&rel, "argocd/e2e-apps/%s/%s", app, *files);
		cap_test_shared_path(&path, rel.ptr);
		assert_int_equal(cap_yaml_parse_file(&docs, path.ptr, NULL), 0);
		CAP_VALUE_ARRAY_FOREACH(docs, i, o)
		cap_value_array_append(all, cap_value_ref(o));
		cap_value_free(docs);
		cap_buf_release(&rel);
		cap_buf_release(&path);
	}
	return all;
}

static void sample_apps_run_in_the_order_argo_cd_documents(void **state)
{
	steps s = {0};
	cap_buf d = CAP_BUF_INIT;

	/* hook: the Sync hook runs with the Sync phase's resources */
	cap_value *docs = sample("hook", (const char *const[]){"hook.yaml", "pod.yaml", NULL});
	add_all(&s, docs, false);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	assert_string_equal(d.ptr, "Sync/0 Pod/hook; Sync/0 Pod/pod");
	release(&s);
	cap_value_free(docs);

	/* sync-waves: cm-1 in wave 1 before cm-2 in wave 2 */
	docs = sample("sync-waves", (const char *const[]){"cm-2.yaml", "cm-1.yaml", NULL});
	add_all(&s, docs, false);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	assert_string_equal(d.ptr, "Sync/1 ConfigMap/cm-1; Sync/2 ConfigMap/cm-2");
	release(&s);
	cap_value_free(docs);

	/* syncwaves-prune-order: created sa & role, rolebinding, pod; pruned in reverse */
	docs =
	    sample("syncwaves-prune-order", (const char *const[]){"pod.yaml", "rbac.yaml", NULL});
	add_all(&s, docs, false);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	assert_string_equal(d.ptr,
			    "Sync/0 ServiceAccount/modify-pods-sa; Sync/0 Role/modify-pods-role; "
			    "Sync/1 RoleBinding/modify-pods-rolebinding; "
			    "Sync/2 Pod/pod-with-finalizers");
	release(&s);
	add_all(&s, docs, true);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	assert_string_equal(d.ptr, "Sync/0 Pod/pod-with-finalizers prune; "
				   "Sync/1 RoleBinding/modify-pods-rolebinding prune; "
				   "Sync/2 Role/modify-pods-role prune; "
				   "Sync/2 ServiceAccount/modify-pods-sa prune");
	release(&s);
	cap_value_free(docs);

	/* crd-creation: both CRDs before any instance */
	docs =
	    sample("crd-creation", (const char *const[]){"crd-instances.yaml", "crd.yaml", NULL});
	add_all(&s, docs, false);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	assert_string_equal(d.ptr,
			    "Sync/0 CustomResourceDefinition/clusterdummies.argoproj.io; "
			    "Sync/0 CustomResourceDefinition/dummies.argoproj.io; "
			    "Sync/0 ClusterDummy/cluster-dummy-crd-instance; "
			    "Sync/0 Dummy/dummy-crd-instance; Sync/0 Dummy/dummy-crd-instance");
	assert_string_equal(s.items[3].key->namespace, "default");
	assert_string_equal(s.items[4].key->namespace, "kube-system");
	release(&s);
	cap_value_free(docs);

	/* hook-and-deployment: the Sync hook Job after the Deployment, in kind order */
	docs = sample("hook-and-deployment",
		      (const char *const[]){"hook.yaml", "deployment.yaml", NULL});
	add_all(&s, docs, false);
	cap_sync_order(s.items, s.len, false);
	describe(&d, &s);
	assert_string_equal(d.ptr, "Sync/0 Deployment/my-deployment; Sync/0 Job/my-hook");
	assert_true(cap_sync_hook_is_hook(s.items[1].target));
	release(&s);
	cap_value_free(docs);
	cap_buf_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(phases_then_waves_then_kinds_then_names),
	    cmocka_unit_test(prune_waves_are_mirrored_and_come_first_in_their_wave),
	    cmocka_unit_test(prune_last_runs_after_the_last_wave),
	    cmocka_unit_test(namespaces_and_crds_move_before_their_first_dependent),
	    cmocka_unit_test(sample_apps_run_in_the_order_argo_cd_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
