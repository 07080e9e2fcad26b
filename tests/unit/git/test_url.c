/* Tests for repository URL normalisation, comparison and credential scrubbing. */
#include "cap_test.h"

#include "git/url.h"

static void expect_norm(const char *in, const char *want)
{
	cap_buf b = CAP_BUF_INIT;
	cap_git_url_normalize(&b, in);
	assert_string_equal(b.ptr, want);
	cap_buf_release(&b);
}

static void normalises_case_suffix_and_scp_syntax(void **state)
{
	expect_norm("HTTPS://GitHub.com/Org/Repo.git", "https://github.com/Org/Repo");
	expect_norm("  https://github.com/org/repo/  ", "https://github.com/org/repo");
	expect_norm("git@GitHub.com:org/repo.git", "ssh://git@github.com/org/repo");
	expect_norm("ssh://git@host:2222/org/repo", "ssh://git@host:2222/org/repo");
	expect_norm("file:///tmp/x/repo.git/", "file:///tmp/x/repo");
	expect_norm("https://User@Host/p", "https://User@host/p");
}

static void same_repository_in_different_spellings(void **state)
{
	assert_true(
	    cap_git_url_same("https://github.com/org/repo", "https://GITHUB.com/org/repo.git"));
	assert_true(
	    cap_git_url_same("git@github.com:org/repo", "ssh://git@github.com/org/repo.git"));
	assert_false(
	    cap_git_url_same("https://github.com/org/repo", "https://github.com/org/repo2"));
}

static void scrubs_user_information(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	cap_git_url_scrub(&b, "https://alice:s3cret@example.com/org/repo");
	assert_string_equal(b.ptr, "https://***@example.com/org/repo");
	cap_buf_clear(&b);
	cap_git_url_scrub(&b, "https://example.com/a@b");
	assert_string_equal(b.ptr, "https://example.com/a@b");
	cap_buf_clear(&b);
	cap_git_url_scrub(&b, "git@github.com:org/repo");
	assert_string_equal(b.ptr, "git@github.com:org/repo");
	cap_buf_release(&b);
}

static void classifies_transports(void **state)
{
	assert_true(cap_git_url_is_ssh("git@github.com:org/repo"));
	assert_true(cap_git_url_is_ssh("ssh://git@github.com/org/repo"));
	assert_false(cap_git_url_is_ssh("https://github.com/org/repo"));
	assert_false(cap_git_url_is_ssh("/srv/git/repo"));
	assert_true(cap_git_url_is_http("HTTPS://x/y"));
	assert_false(cap_git_url_is_http("file:///x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(normalises_case_suffix_and_scp_syntax),
	    cmocka_unit_test(same_repository_in_different_spellings),
	    cmocka_unit_test(scrubs_user_information),
	    cmocka_unit_test(classifies_transports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
