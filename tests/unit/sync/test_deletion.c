/* Tests for deleting an Application's resources: keep and confirm rules, highest wave first. */
#include "cap_test.h"

#include <string.h>

#include "sync/deletion.h"
#include "sync/hook.h"
#include "value/json.h"

static cap_value *parse(const char *text)
{
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, text, strlen(text), "test", NULL), 0);
	return v;
}

/* A ConfigMap named name with the given annotations object. */
static cap_value *cm(const char *name, const char *annotations)
{
	cap_buf json = CAP_BUF_INIT;
	cap_buf_printf(
	    &json,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s\","
	    "\"namespace\":\"default\",\"annotations\":%s}}",
	    name, annotations);
	cap_value *v = parse(json.ptr);
	cap_buf_release(&json);
	return v;
}

static cap_sync_deletion_decision decide(const char *annotations)
{
	cap_value *obj = cm("x", annotations);
	cap_sync_deletion_decision d = cap_sync_deletion_decide(obj);
	cap_value_free(obj);
	return d;
}

static void ordinary_objects_are_deleted(void **state)
{
	(void)state;
	assert_int_equal(decide("{}"), CAP_SYNC_DELETION_DELETE);
	assert_int_equal(decide("{\"argocd.argoproj.io/sync-options\":\"Delete=true\"}"),
			 CAP_SYNC_DELETION_DELETE);
	assert_int_equal(decide("{\"argocd.argoproj.io/sync-options\":\"Prune=false\"}"),
			 CAP_SYNC_DELETION_DELETE);
}

static void delete_false_and_helm_keep_stay(void **state)
{
	(void)state;
	assert_int_equal(decide("{\"argocd.argoproj.io/sync-options\":\"Delete=false\"}"),
			 CAP_SYNC_DELETION_KEEP);
	assert_int_equal(
	    decide("{\"argocd.argoproj.io/sync-options\":\"Prune=false, Delete=false\"}"),
	    CAP_SYNC_DELETION_KEEP);
	assert_int_equal(decide("{\"helm.sh/resource-policy\":\"keep\"}"), CAP_SYNC_DELETION_KEEP);
}

static void delete_confirm_needs_approval(void **state)
{
	(void)state;
	assert_int_equal(decide("{\"argocd.argoproj.io/sync-options\":\"Delete=confirm\"}"),
			 CAP_SYNC_DELETION_NEEDS_CONFIRM);
}

static void crds_stay(void **state)
{
	(void)state;
	cap_value *crd = parse("{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":"
			       "\"CustomResourceDefinition\",\"metadata\":{\"name\":\"a.b.c\"}}");
	assert_int_equal(cap_sync_deletion_decide(crd), CAP_SYNC_DELETION_KEEP);
	cap_value_free(crd);
}

static unsigned hook_types(const char *annotations)
{
	cap_value *obj = cm("x", annotations);
	unsigned t = cap_sync_deletion_hook_types(obj);
	cap_value_free(obj);
	return t;
}

static void deletion_hooks_from_argo_and_helm(void **state)
{
	(void)state;
	unsigned pre = CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_PRE_DELETE);
	unsigned post = CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_POST_DELETE);
	assert_int_equal(hook_types("{}"), 0);
	assert_int_equal(hook_types("{\"argocd.argoproj.io/hook\":\"PreSync\"}"), 0);
	assert_int_equal(hook_types("{\"argocd.argoproj.io/hook\":\"PreDelete\"}"), pre);
	assert_int_equal(hook_types("{\"argocd.argoproj.io/hook\":\"PostSync, PostDelete\"}"),
			 post);
	assert_int_equal(hook_types("{\"helm.sh/hook\":\"pre-delete\"}"), pre);
	assert_int_equal(hook_types("{\"helm.sh/hook\":\"post-install,post-delete\"}"), post);
	assert_int_equal(hook_types("{\"helm.sh/hook\":\"pre-delete,post-delete\"}"), pre | post);
}

static const char *names(const cap_value *arr, cap_buf *out)
{
	cap_buf_clear(out);
	for (size_t i = 0; i < cap_value_array_len(arr); i++)
		cap_buf_printf(
		    out, "%s%s", i ? " " : "",
		    cap_value_dig_string(cap_value_array_get(arr, i), "metadata", "name", NULL));
	return out->ptr ? out->ptr : "";
}

static void highest_wave_goes_first(void **state)
{
	(void)state;
	cap_value *objs = cap_value_array();
	cap_value_array_append(objs, cm("low", "{\"argocd.argoproj.io/sync-wave\":\"-1\"}"));
	cap_value_array_append(objs, cm("zero", "{}"));
	cap_value_array_append(objs, cm("high-a", "{\"argocd.argoproj.io/sync-wave\":\"5\"}"));
	cap_value_array_append(objs, cm("mid", "{\"argocd.argoproj.io/sync-wave\":\"2\"}"));
	cap_value_array_append(objs, cm("high-b", "{\"argocd.argoproj.io/sync-wave\":\"+5\"}"));
	cap_buf b = CAP_BUF_INIT;
	int64_t wave = 0;
	cap_value *next = cap_sync_deletion_next_wave(objs, &wave);
	assert_int_equal(wave, 5);
	assert_string_equal(names(next, &b), "high-a high-b");
	cap_value_free(next);

	/* once they are gone, the next wave down */
	cap_value *rest = cap_value_array();
	cap_value_array_append(rest, cap_value_ref(cap_value_array_get(objs, 0)));
	cap_value_array_append(rest, cap_value_ref(cap_value_array_get(objs, 1)));
	cap_value_array_append(rest, cap_value_ref(cap_value_array_get(objs, 3)));
	next = cap_sync_deletion_next_wave(rest, &wave);
	assert_int_equal(wave, 2);
	assert_string_equal(names(next, &b), "mid");
	cap_value_free(next);
	cap_value_free(rest);
	cap_value_free(objs);
	cap_buf_release(&b);
}

static void negative_waves_and_unreadable_waves(void **state)
{
	(void)state;
	cap_value *objs = cap_value_array();
	cap_value_array_append(objs, cm("a", "{\"argocd.argoproj.io/sync-wave\":\"-3\"}"));
	cap_value_array_append(objs, cm("b", "{\"argocd.argoproj.io/sync-wave\":\"-2\"}"));
	cap_buf b = CAP_BUF_INIT;
	int64_t wave = 0;
	cap_value *next = cap_sync_deletion_next_wave(objs, &wave);
	assert_int_equal(wave, -2);
	assert_string_equal(names(next, &b), "b");
	cap_value_free(next);
	/* an unreadable wave counts as 0, above the negative ones */
	cap_value_array_append(objs, cm("c", "{\"argocd.argoproj.io/sync-wave\":\"soon\"}"));
	next = cap_sync_deletion_next_wave(objs, &wave);
	assert_int_equal(wave, 0);
	assert_string_equal(names(next, &b), "c");
	cap_value_free(next);
	cap_value_free(objs);
	cap_buf_release(&b);
}

static void no_objects_no_wave(void **state)
{
	(void)state;
	cap_value *objs = cap_value_array();
	int64_t wave = 7;
	cap_value *next = cap_sync_deletion_next_wave(objs, &wave);
	assert_int_equal(cap_value_array_len(next), 0);
	assert_int_equal(wave, 0);
	cap_value_free(next);
	cap_value_free(objs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ordinary_objects_are_deleted),
	    cmocka_unit_test(delete_false_and_helm_keep_stay),
	    cmocka_unit_test(delete_confirm_needs_approval),
	    cmocka_unit_test(crds_stay),
	    cmocka_unit_test(deletion_hooks_from_argo_and_helm),
	    cmocka_unit_test(highest_wave_goes_first),
	    cmocka_unit_test(negative_waves_and_unreadable_waves),
	    cmocka_unit_test(no_objects_no_wave),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
