/* Tests for cap_wildcard_match: '*' and '?' as Argo CD applies them to group and kind patterns. */
#include "cap_test.h"

#include "base/wildcard.h"

static void star_matches_any_run_including_none_and_slashes(void **state)
{
	assert_true(cap_wildcard_match("*", ""));
	assert_true(cap_wildcard_match("*", "apps"));
	assert_true(cap_wildcard_match("*", "apps/Deployment"));
	assert_true(cap_wildcard_match("*.k8s.io", "networking.k8s.io"));
	assert_false(cap_wildcard_match("*.k8s.io", "apps"));
	assert_true(cap_wildcard_match("*.upbound.io/*", "s3.aws.upbound.io/Bucket"));
	assert_false(cap_wildcard_match("*.upbound.io/*", "upbound.io/Bucket"));
}

static void question_mark_matches_one_byte(void **state)
{
	assert_true(cap_wildcard_match("Deploy?ent", "Deployment"));
	assert_true(cap_wildcard_match("apps/?eployment", "apps/Deployment"));
	assert_false(cap_wildcard_match("Deploy?ent", "Deploy"));
}

static void later_stars_backtrack(void **state)
{
	assert_true(cap_wildcard_match("a*b*c", "aXbYbZc"));
	assert_false(cap_wildcard_match("a*b*c", "aXbYbZ"));
}

static void empty_pattern_matches_only_empty_text(void **state)
{
	assert_true(cap_wildcard_match("", ""));
	assert_false(cap_wildcard_match("", "x"));
	assert_false(cap_wildcard_match("", "apps"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(star_matches_any_run_including_none_and_slashes),
	    cmocka_unit_test(question_mark_matches_one_byte),
	    cmocka_unit_test(later_stars_backtrack),
	    cmocka_unit_test(empty_pattern_matches_only_empty_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
