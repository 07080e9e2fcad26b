/* Tests for sync waves: the annotation, Helm's hook-weight fallback and unreadable waves. */
#include "cap_test.h"

#include <string.h>

#include "base/error.h"
#include "sync/wave.h"
#include "value/json.h"

static int wave_of(int64_t *out, const char *annotations)
{
	cap_buf json = CAP_BUF_INIT;
	cap_value *v = NULL;
	cap_buf_printf(&json,
		       "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
		       "\"settings\",\"namespace\":\"default\",\"annotations\":%s}}",
		       annotations);
	assert_int_equal(cap_json_parse(&v, json.ptr, json.len, "test", NULL), 0);
	int rc = cap_sync_wave_of(out, v);
	cap_value_free(v);
	cap_buf_release(&json);
	return rc;
}

static void sync_wave_annotation_may_be_negative(void **state)
{
	int64_t w = 99;
	assert_int_equal(wave_of(&w, "{\"argocd.argoproj.io/sync-wave\":\"5\"}"), 0);
	assert_int_equal(w, 5);
	assert_int_equal(wave_of(&w, "{\"argocd.argoproj.io/sync-wave\":\"-3\"}"), 0);
	assert_int_equal(w, -3);
	assert_int_equal(wave_of(&w, "{\"argocd.argoproj.io/sync-wave\":\"+2\"}"), 0);
	assert_int_equal(w, 2);
}

static void helm_hook_weight_then_zero(void **state)
{
	int64_t w = 99;
	assert_int_equal(wave_of(&w, "{\"helm.sh/hook-weight\":\"-10\"}"), 0);
	assert_int_equal(w, -10);
	assert_int_equal(
	    wave_of(&w, "{\"helm.sh/hook-weight\":\"-10\",\"argocd.argoproj.io/sync-wave\":\"1\"}"),
	    0);
	assert_int_equal(w, 1);
	assert_int_equal(wave_of(&w, "{\"helm.sh/hook-weight\":\"heavy\"}"), 0);
	assert_int_equal(w, 0);
	w = 99;
	assert_int_equal(wave_of(&w, "{}"), 0);
	assert_int_equal(w, 0);
}

static void unreadable_wave_names_the_object(void **state)
{
	int64_t w = 7;
	assert_int_equal(wave_of(&w, "{\"argocd.argoproj.io/sync-wave\":\"soon\"}"), CAP_EINVALID);
	assert_string_equal(cap_error_last(),
			    "invalid sync wave 'soon' on 'ConfigMap default/settings'");
	assert_int_equal(w, 7);
	assert_int_equal(wave_of(&w, "{\"argocd.argoproj.io/sync-wave\":\" 1\"}"), CAP_EINVALID);
	assert_int_equal(wave_of(&w, "{\"argocd.argoproj.io/sync-wave\":\"\"}"), CAP_EINVALID);
	assert_int_equal(wave_of(&w, "{\"argocd.argoproj.io/sync-wave\":\"99999999999999999999\"}"),
			 CAP_EINVALID);
}

static void wave_delay_is_two_seconds(void **state)
{
	assert_int_equal(CAP_SYNC_WAVE_DELAY_MS, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sync_wave_annotation_may_be_negative),
	    cmocka_unit_test(helm_hook_weight_then_zero),
	    cmocka_unit_test(unreadable_wave_names_the_object),
	    cmocka_unit_test(wave_delay_is_two_seconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
