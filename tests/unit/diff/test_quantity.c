/* Tests for resource quantity canonical forms, as the API server writes quantities back. */
#include "cap_test.h"

#include "base/buf.h"
#include "diff/quantity.h"

#include <string.h>

static const char *const canonical[][2] = {
    {"1000m", "1"},	 {"1500m", "1500m"},   {"0.5", "500m"},
    {"1", "1"},		 {"1024Mi", "1Gi"},    {"1536Mi", "1536Mi"},
    {"0.5Gi", "512Mi"},	 {"1000Ki", "1000Ki"}, {"1000", "1k"},
    {"1500", "1500"},	 {"100u", "100u"},     {"1e3", "1e3"},
    {"1E6", "1e6"},	 {"0", "0"},	       {"0Gi", "0"},
    {"512", "512"},	 {"2048Ki", "2Mi"},    {"0.1", "100m"},
    {"1.5Gi", "1536Mi"}, {"1n", "1n"},	       {"0.0000000001", "1n"},
    {"-1Gi", "-1Gi"},	 {"500Mi", "500Mi"},   {"+2", "2"},
    {"1k", "1k"},	 {"2000k", "2M"},      {"128974848", "128974848"},
    {"129e6", "129e6"},	 {"123Mi", "123Mi"},   {"100Ki", "100Ki"},
    {"1Ki", "1Ki"},	 {"0.5Ki", "512"},     {"10G", "10G"},
    {"1000E", "1000E"},	 {".5", "500m"},       {"5.", "5"},
};

static void canonical_forms(void **state)
{
	cap_buf out = CAP_BUF_INIT;
	for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
		cap_buf_clear(&out);
		const char *in = canonical[i][0];
		if (!cap_quantity_canonical(&out, in, strlen(in)))
			fail_msg("'%s' refused", in);
		if (strcmp(out.ptr, canonical[i][1]))
			fail_msg("'%s' gave '%s', want '%s'", in, out.ptr, canonical[i][1]);
	}
	cap_buf_release(&out);
}

static void not_quantities_are_refused(void **state)
{
	static const char *const bad[] = {"",	"abc", "1.2.3", "1Zi", "Mi",  "1 Gi", "--1",
					  "1e", "1e+", "0x10",	"1mi", "1Gb", "."};
	cap_buf out = CAP_BUF_INIT;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cap_quantity_canonical(&out, bad[i], strlen(bad[i])))
			fail_msg("'%s' accepted as '%s'", bad[i], out.ptr);
		assert_int_equal(out.len, 0);
	}
	cap_buf_release(&out);
}

static void equal_amounts_share_one_form(void **state)
{
	static const char *const same[][2] = {
	    {"1", "1000m"}, {"1Gi", "1024Mi"}, {"0.5", "500m"}, {"1Mi", "1024Ki"}};
	cap_buf a = CAP_BUF_INIT, b = CAP_BUF_INIT;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		cap_buf_clear(&a);
		cap_buf_clear(&b);
		assert_true(cap_quantity_canonical(&a, same[i][0], strlen(same[i][0])));
		assert_true(cap_quantity_canonical(&b, same[i][1], strlen(same[i][1])));
		assert_string_equal(a.ptr, b.ptr);
	}
	cap_buf_release(&a);
	cap_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(canonical_forms),
	    cmocka_unit_test(not_quantities_are_refused),
	    cmocka_unit_test(equal_amounts_share_one_form),
	};
	return cmocka_run_group_tests_name("diff/quantity", tests, NULL, NULL);
}
