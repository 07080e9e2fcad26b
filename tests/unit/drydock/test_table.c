/* Tests for server-side printing: Accept negotiation and human ages. */
#include "cap_test.h"

#include "drydock/table.h"

static void table_is_negotiated_from_accept(void **state)
{
	assert_string_equal(dd_table_wanted("application/json;as=Table;v=v1;g=meta.k8s.io,"
					    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
					    "application/json"),
			    "v1");
	assert_null(dd_table_wanted("application/json"));
	assert_null(dd_table_wanted(NULL));
}

static void ages_read_like_kubectl(void **state)
{
	char b[32];
	dd_table_age(b, sizeof(b), 5);
	assert_string_equal(b, "5s");
	dd_table_age(b, sizeof(b), 119);
	assert_string_equal(b, "119s");
	dd_table_age(b, sizeof(b), 200);
	assert_string_equal(b, "3m20s");
	dd_table_age(b, sizeof(b), 3600 * 5 + 60 * 7);
	assert_string_equal(b, "5h7m");
	dd_table_age(b, sizeof(b), 3600 * 30);
	assert_string_equal(b, "30h");
	dd_table_age(b, sizeof(b), 86400 * 3 + 3600 * 2);
	assert_string_equal(b, "3d2h");
	dd_table_age(b, sizeof(b), 86400 * 400);
	assert_string_equal(b, "400d");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(table_is_negotiated_from_accept),
	    cmocka_unit_test(ages_read_like_kubectl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
