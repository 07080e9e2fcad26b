/* Tests for include/exclude globs: wildcards across folders, classes, alternatives, escapes. */
#include "cap_test.h"

#include "render/glob.h"

static void star_matches_across_folders(void **state)
{
	assert_true(cap_render_glob_match("*.yaml", "a.yaml"));
	assert_true(cap_render_glob_match("*.yaml", "sub/a.yaml"));
	assert_false(cap_render_glob_match("*.yaml", "a.yml"));
	assert_true(cap_render_glob_match("sub/*", "sub/deeper/x.json"));
	assert_true(cap_render_glob_match("*", ""));
}

static void question_mark_and_classes(void **state)
{
	assert_true(cap_render_glob_match("pod-?.yaml", "pod-1.yaml"));
	assert_false(cap_render_glob_match("pod-?.yaml", "pod-12.yaml"));
	assert_true(cap_render_glob_match("pod-[12].yaml", "pod-2.yaml"));
	assert_false(cap_render_glob_match("pod-[!12].yaml", "pod-2.yaml"));
	assert_true(cap_render_glob_match("pod-[a-c].yaml", "pod-b.yaml"));
}

static void braces_give_alternatives(void **state)
{
	assert_true(cap_render_glob_match("{cm.yaml,svc.json}", "cm.yaml"));
	assert_true(cap_render_glob_match("{cm.yaml,svc.json}", "svc.json"));
	assert_false(cap_render_glob_match("{cm.yaml,svc.json}", "role.yml"));
	assert_true(cap_render_glob_match("*.{yaml,yml}", "sub/x.yml"));
	assert_true(cap_render_glob_match("{a,b{c,d}}.yaml", "bd.yaml"));
	assert_false(cap_render_glob_match("{a,b{c,d}}.yaml", "b.yaml"));
	assert_true(cap_render_glob_match("x{,-old}.yaml", "x.yaml"));
}

static void escapes_are_literal(void **state)
{
	assert_true(cap_render_glob_match("\\{a\\}.yaml", "{a}.yaml"));
	assert_false(cap_render_glob_match("\\*.yaml", "a.yaml"));
	assert_true(cap_render_glob_match("\\*.yaml", "*.yaml"));
}

static void malformed_or_huge_patterns_match_nothing(void **state)
{
	assert_false(cap_render_glob_match("{a,b", "a"));
	/* 4^6 = 4096 alternatives: over the limit */
	assert_false(cap_render_glob_match("{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}",
					   "aaaaaa"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(star_matches_across_folders),
	    cmocka_unit_test(question_mark_and_classes),
	    cmocka_unit_test(braces_give_alternatives),
	    cmocka_unit_test(escapes_are_literal),
	    cmocka_unit_test(malformed_or_huge_patterns_match_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
