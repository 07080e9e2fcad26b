/* Tests for semver parsing, precedence and Masterminds-style constraints as Argo CD uses them. */
#include "cap_test.h"

#include "base/error.h"
#include "git/semver.h"

#include <string.h>

static bool matches(const char *constraint, const char *version)
{
	cap_semver_constraint *c;
	cap_semver v;
	if (cap_semver_constraint_parse(&c, constraint) != 0)
		fail_msg("constraint '%s' did not parse: %s", constraint, cap_error_last());
	if (cap_semver_parse(&v, version) != 0)
		fail_msg("version '%s' did not parse", version);
	bool ok = cap_semver_constraint_check(c, &v);
	cap_semver_release(&v);
	cap_semver_constraint_free(c);
	return ok;
}

static void parses_full_partial_and_prefixed_versions(void **state)
{
	cap_semver v;
	assert_int_equal(cap_semver_parse(&v, "v1.2.3-rc.1+build.7"), 0);
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 2);
	assert_int_equal(v.patch, 3);
	assert_string_equal(v.prerelease, "rc.1");
	assert_string_equal(v.metadata, "build.7");
	cap_semver_release(&v);
	assert_int_equal(cap_semver_parse(&v, "2"), 0);
	assert_int_equal(v.major, 2);
	assert_int_equal(v.minor, 0);
	cap_semver_release(&v);
	const char *bad[] = {"",  "main",   "1.2.3.4",	  "1..2", "1.2.",
			     "v", "1.2.3-", "1.2.3-a..b", "x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cap_semver_parse(&v, bad[i]), CAP_EINVALID);
}

static int cmp(const char *a, const char *b)
{
	cap_semver x, y;
	assert_int_equal(cap_semver_parse(&x, a), 0);
	assert_int_equal(cap_semver_parse(&y, b), 0);
	int c = cap_semver_compare(&x, &y);
	cap_semver_release(&x);
	cap_semver_release(&y);
	return c;
}

static void orders_by_semver_precedence(void **state)
{
	const char *order[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
			       "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
			       "1.0.0-rc.1",  "1.0.0",	       "1.0.1",
			       "1.10.0",      "2.0.0"};
	for (size_t i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
		assert_true(cmp(order[i], order[i + 1]) < 0);
		assert_true(cmp(order[i + 1], order[i]) > 0);
	}
	assert_int_equal(cmp("1.0.0+a", "1.0.0+b"), 0);
}

static void wildcards_and_partial_versions_match_a_range(void **state)
{
	assert_true(matches("1.2.*", "1.2.0"));
	assert_true(matches("1.2.*", "1.2.9"));
	assert_false(matches("1.2.*", "1.3.0"));
	assert_true(matches("1.2.x", "1.2.4"));
	assert_true(matches("1.2", "1.2.7"));
	assert_false(matches("1.2", "1.20.0"));
	assert_true(matches("1", "1.9.9"));
	assert_true(matches("*", "4.5.6"));
	assert_true(matches("1.2.3", "1.2.3"));
	assert_false(matches("1.2.3", "1.2.4"));
	assert_true(matches("=v1.2.3", "1.2.3"));
}

static void comparison_operators(void **state)
{
	assert_true(matches(">=1.0.0 <2.0.0", "1.5.0"));
	assert_false(matches(">=1.0.0 <2.0.0", "2.0.0"));
	assert_true(matches(">= 1.0.0, < 2.0.0", "1.0.0"));
	assert_true(matches(">1.2.3", "1.2.4"));
	assert_false(matches(">1.2.3", "1.2.3"));
	assert_false(matches(">1.2", "1.2.9"));
	assert_true(matches(">1.2", "1.3.0"));
	assert_true(matches("<=1.2", "1.2.9"));
	assert_false(matches("<=1.2", "1.3.0"));
	assert_true(matches("!=1.2.3", "1.2.4"));
	assert_false(matches("!=1.2.3", "1.2.3"));
	assert_false(matches("!=1.2.x", "1.2.8"));
	assert_true(matches("<1.2", "1.1.9"));
	assert_false(matches("<1.2", "1.2.0"));
}

static void tilde_and_caret(void **state)
{
	assert_true(matches("~1.2.3", "1.2.9"));
	assert_false(matches("~1.2.3", "1.3.0"));
	assert_false(matches("~1.2.3", "1.2.2"));
	assert_true(matches("~1", "1.9.0"));
	assert_false(matches("~1", "2.0.0"));
	assert_true(matches("~>1.2", "1.2.5"));
	assert_true(matches("^1.2", "1.9.0"));
	assert_false(matches("^1.2", "2.0.0"));
	assert_false(matches("^1.2", "1.1.0"));
	assert_true(matches("^0.2.3", "0.2.9"));
	assert_false(matches("^0.2.3", "0.3.0"));
	assert_true(matches("^0.0.3", "0.0.3"));
	assert_false(matches("^0.0.3", "0.0.4"));
}

static void ranges_and_alternatives(void **state)
{
	assert_true(matches("1.2 - 1.4.5", "1.3.0"));
	assert_true(matches("1.2 - 1.4.5", "1.4.5"));
	assert_false(matches("1.2 - 1.4.5", "1.4.6"));
	assert_true(matches("^1.0 || ^3.0", "3.1.0"));
	assert_false(matches("^1.0 || ^3.0", "2.1.0"));
}

static void prereleases_match_only_constraints_that_name_one(void **state)
{
	assert_false(matches(">=1.0.0", "2.0.0-rc.1"));
	assert_false(matches("*", "1.0.0-alpha"));
	assert_true(matches(">=2.0.0-alpha", "2.0.0-rc.1"));
	assert_false(matches(">=2.0.0-rc.2", "2.0.0-rc.1"));
}

static void rejects_what_is_not_a_constraint(void **state)
{
	const char *bad[] = {
	    "main", "HEAD", "", "feature/x", ">=", "1.2 -", "- 1.2", "=>>1", "1.2.3.4", "abc1234"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cap_semver_constraint *c = NULL;
		assert_int_equal(cap_semver_constraint_parse(&c, bad[i]), CAP_EINVALID);
		assert_null(c);
		assert_non_null(strstr(cap_error_last(), "not a semver constraint"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_full_partial_and_prefixed_versions),
	    cmocka_unit_test(orders_by_semver_precedence),
	    cmocka_unit_test(wildcards_and_partial_versions_match_a_range),
	    cmocka_unit_test(comparison_operators),
	    cmocka_unit_test(tilde_and_caret),
	    cmocka_unit_test(ranges_and_alternatives),
	    cmocka_unit_test(prereleases_match_only_constraints_that_name_one),
	    cmocka_unit_test(rejects_what_is_not_a_constraint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
