/* Tests for the per-thread error convention: set, prefix, clear, names, thread isolation. */
#include "cap_test.h"

#include "base/error.h"

#include <pthread.h>
#include <string.h>

static void set_returns_code_and_keeps_message(void **state)
{
	int rc = cap_error_set(CAP_ENOTFOUND, "cannot find '%s'", "apps/web.yaml");
	assert_int_equal(rc, CAP_ENOTFOUND);
	assert_int_equal(cap_error_last_code(), CAP_ENOTFOUND);
	assert_string_equal(cap_error_last(), "cannot find 'apps/web.yaml'");
}

static void prefix_adds_context_in_front(void **state)
{
	cap_error_set(CAP_EINVALID, "line 3: bad indent");
	int rc = cap_error_prefix("cannot render '%s': ", "guestbook");
	assert_int_equal(rc, CAP_EINVALID);
	assert_string_equal(cap_error_last(), "cannot render 'guestbook': line 3: bad indent");
}

static void prefix_without_error_reports_generic(void **state)
{
	cap_error_clear();
	assert_int_equal(cap_error_prefix("context: "), CAP_EGENERIC);
	assert_string_equal(cap_error_last(), "context: ");
}

static void clear_forgets_the_error(void **state)
{
	cap_error_set(CAP_EIO, "boom");
	cap_error_clear();
	assert_int_equal(cap_error_last_code(), 0);
	assert_string_equal(cap_error_last(), "");
}

static void long_messages_are_truncated_safely(void **state)
{
	char big[10000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cap_error_set(CAP_ELIMIT, "%s", big);
	assert_true(strlen(cap_error_last()) < sizeof(big));
	cap_error_prefix("%s", big);
	assert_true(strlen(cap_error_last()) < sizeof(big));
}

static void every_code_has_a_name(void **state)
{
	assert_string_equal(cap_error_name(CAP_ENOTFOUND), "not found");
	assert_string_equal(cap_error_name(CAP_ECONFLICT), "conflict");
	assert_string_equal(cap_error_name(CAP_ETIMEOUT), "timed out");
	for (int code = CAP_ECANCELED; code <= CAP_EGENERIC; code++)
		assert_true(strlen(cap_error_name(code)) > 0);
	assert_string_equal(cap_error_name(-999), "error");
}

static void *other_thread(void *arg)
{
	cap_error_set(CAP_EAUTH, "other thread");
	return NULL;
}

static void errors_are_per_thread(void **state)
{
	cap_error_set(CAP_EPERM, "main thread");
	pthread_t t;
	pthread_create(&t, NULL, other_thread, NULL);
	pthread_join(t, NULL);
	assert_int_equal(cap_error_last_code(), CAP_EPERM);
	assert_string_equal(cap_error_last(), "main thread");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(set_returns_code_and_keeps_message),
	    cmocka_unit_test(prefix_adds_context_in_front),
	    cmocka_unit_test(prefix_without_error_reports_generic),
	    cmocka_unit_test(clear_forgets_the_error),
	    cmocka_unit_test(long_messages_are_truncated_safely),
	    cmocka_unit_test(every_code_has_a_name),
	    cmocka_unit_test(errors_are_per_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
