/* Tests for ls-remote and revision resolution over file://, git://, HTTP with auth and ssh. */
#include "cap_test.h"

#include "base/error.h"
#include "git/remote.h"
#include "git_fixture.h"

#include <sys/stat.h>
#include <time.h>

static void parses_refs_with_peeled_tags_and_symrefs(void **state)
{
	const char text[] = "ref: refs/heads/main\tHEAD\n"
			    "1111111111111111111111111111111111111111\tHEAD\n"
			    "1111111111111111111111111111111111111111\trefs/heads/main\n"
			    "2222222222222222222222222222222222222222\trefs/tags/v1\n"
			    "3333333333333333333333333333333333333333\trefs/tags/v1^{}\n";
	cap_git_refs r = CAP_GIT_REFS_INIT;
	assert_int_equal(cap_git_refs_parse(&r, text, sizeof(text) - 1), 0);
	assert_int_equal(r.len, 3);
	const cap_git_ref *head = cap_git_refs_find(&r, "HEAD");
	assert_string_equal(head->symref, "refs/heads/main");
	const cap_git_ref *tag = cap_git_refs_find(&r, "refs/tags/v1");
	assert_string_equal(tag->sha, "2222222222222222222222222222222222222222");
	assert_string_equal(tag->peeled, "3333333333333333333333333333333333333333");
	char out[41];
	assert_int_equal(cap_git_refs_resolve(out, &r, "v1", NULL), 0);
	assert_string_equal(out, "3333333333333333333333333333333333333333");
	cap_git_refs_release(&r);
	assert_int_equal(cap_git_refs_parse(&r, "junk\n", 5), CAP_EINVALID);
}

static void resolves_every_revision_form(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_git_refs refs = CAP_GIT_REFS_INIT;
	assert_int_equal(cap_git_ls_remote(&refs, f.url.ptr, NULL, 10000), 0);
	struct {
		const char *rev;
		int commit;
	} cases[] = {
	    {"", 4},
	    {"HEAD", 4},
	    {"main", 4},
	    {"refs/heads/main", 4},
	    {"feature", 2},
	    {"v1.0.0", 1},
	    {"v1.2.0", 2},
	    {"refs/tags/v1.2.0", 2},
	    {"1.2.*", 3},
	    {">=1.0.0 <2.0.0", 3},
	    {"^1.0", 3},
	    {"~1.2.0", 3},
	    {"~1.0", 1},
	    {"*", 3},
	    {">=2.0.0-alpha", 4},
	    {"1.0.0", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[41];
		if (cap_git_refs_resolve(out, &refs, cases[i].rev, NULL) != 0)
			fail_msg("'%s': %s", cases[i].rev, cap_error_last());
		if (strcmp(out, f.c[cases[i].commit]) != 0)
			fail_msg("'%s' resolved to %s, want c%d", cases[i].rev, out,
				 cases[i].commit);
	}
	char out[41];
	assert_int_equal(cap_git_refs_resolve(out, &refs, f.c[2], NULL), 0);
	assert_string_equal(out, f.c[2]);
	bool is_short = false;
	char shortsha[9];
	memcpy(shortsha, f.c[1], 8);
	shortsha[8] = '\0';
	assert_int_equal(cap_git_refs_resolve(out, &refs, shortsha, &is_short), CAP_ENOTFOUND);
	assert_true(is_short);
	assert_int_equal(cap_git_refs_resolve(out, &refs, "no-such-branch", &is_short),
			 CAP_ENOTFOUND);
	assert_false(is_short);
	assert_non_null(strstr(cap_error_last(), "'no-such-branch'"));
	assert_int_equal(cap_git_refs_resolve(out, &refs, ">=9.0.0", NULL), CAP_ENOTFOUND);
	assert_non_null(strstr(cap_error_last(), "'>=9.0.0'"));
	cap_git_refs_release(&refs);
	fixture_free(&f);
}

static void missing_repository_and_bad_urls_fail_cleanly(void **state)
{
	cap_git_refs refs = CAP_GIT_REFS_INIT;
	assert_int_equal(cap_git_ls_remote(&refs, "file:///nonexistent/capstan/repo", NULL, 10000),
			 CAP_ENOTFOUND);
	assert_non_null(strstr(cap_error_last(), "'file:///nonexistent/capstan/repo'"));
	assert_int_equal(cap_git_ls_remote(&refs, "--upload-pack=touch /tmp/x", NULL, 10000),
			 CAP_EINVALID);
	/* ext:: would run a command: only real transports are allowed. */
	assert_int_not_equal(cap_git_ls_remote(&refs, "ext::sh -c true", NULL, 10000), 0);
	assert_int_equal(refs.len, 0);
}

static void lists_refs_over_git_daemon(void **state)
{
	git_fixture f;
	fixture_make(&f);
	pid_t pid;
	int port = fixture_daemon_start(&f, &pid);
	cap_buf url = CAP_BUF_INIT;
	cap_buf_printf(&url, "git://127.0.0.1:%d/src", port);
	cap_git_refs refs = CAP_GIT_REFS_INIT;
	int rc = cap_git_ls_remote(&refs, url.ptr, NULL, 10000);
	fixture_kill(pid);
	assert_int_equal(rc, 0);
	char out[41];
	assert_int_equal(cap_git_refs_resolve(out, &refs, "HEAD", NULL), 0);
	assert_string_equal(out, f.c[4]);
	cap_git_refs_release(&refs);
	cap_buf_release(&url);
	fixture_free(&f);
}

static void http_basic_auth_accepts_good_and_refuses_wrong_credentials(void **state)
{
	git_fixture f;
	fixture_make(&f);
	pid_t pid;
	cap_buf url = CAP_BUF_INIT;
	int port = fixture_http_src(&f, "alice", "pa55-w0rd-XYZ", &pid, &url);

	cap_git_creds good = {.username = "alice", .password = "pa55-w0rd-XYZ"};
	cap_git_refs refs = CAP_GIT_REFS_INIT;
	int rc = cap_git_ls_remote(&refs, url.ptr, &good, 10000);
	if (rc)
		fail_msg("%s", cap_error_last());
	char out[41];
	assert_int_equal(cap_git_refs_resolve(out, &refs, "feature", NULL), 0);
	assert_string_equal(out, f.c[2]);
	cap_git_refs_release(&refs);

	cap_git_creds wrong = {.username = "alice", .password = "wrong-secret-123"};
	assert_int_equal(cap_git_ls_remote(&refs, url.ptr, &wrong, 10000), CAP_EAUTH);
	assert_null(strstr(cap_error_last(), "wrong-secret-123"));
	assert_non_null(strstr(cap_error_last(), url.ptr));
	assert_int_equal(cap_git_ls_remote(&refs, url.ptr, NULL, 10000), CAP_EAUTH);

	/* Credentials written into the URL never reach a message either. */
	cap_buf inurl = CAP_BUF_INIT;
	cap_buf_printf(&inurl, "http://alice:leaked-pass-999@127.0.0.1:%d/nope", port);
	assert_int_not_equal(cap_git_ls_remote(&refs, inurl.ptr, NULL, 10000), 0);
	assert_null(strstr(cap_error_last(), "leaked-pass-999"));

	fixture_kill(pid);
	cap_buf_release(&inurl);
	cap_buf_release(&url);
	fixture_free(&f);
}

static void basic_auth_up_front_and_bearer_tokens(void **state)
{
	git_fixture f;
	fixture_make(&f);
	setenv("CAP_TEST_GIT_TOKEN", "bearer-tok-777", 1);
	pid_t pid;
	cap_buf url = CAP_BUF_INIT;
	fixture_http_src(&f, "carol", "c4rol-pw", &pid, &url);
	unsetenv("CAP_TEST_GIT_TOKEN");
	cap_git_refs refs = CAP_GIT_REFS_INIT;

	cap_git_creds forced = {
	    .username = "carol", .password = "c4rol-pw", .force_basic_auth = true};
	assert_int_equal(cap_git_ls_remote(&refs, url.ptr, &forced, 10000), 0);
	cap_git_refs_release(&refs);
	assert_int_equal(fixture_http_requests(&f, "401"), 0);
	assert_int_equal(fixture_http_requests(&f, "200"), 2); /* info/refs and ls-refs */

	cap_git_creds lazy = {.username = "carol", .password = "c4rol-pw"};
	assert_int_equal(cap_git_ls_remote(&refs, url.ptr, &lazy, 10000), 0);
	cap_git_refs_release(&refs);
	assert_int_equal(fixture_http_requests(&f, "401"), 1);

	cap_git_creds bearer = {.bearer_token = "bearer-tok-777"};
	assert_int_equal(cap_git_ls_remote(&refs, url.ptr, &bearer, 10000), 0);
	assert_non_null(cap_git_refs_find(&refs, "refs/tags/v1.2.0"));
	cap_git_refs_release(&refs);
	cap_git_creds bad = {.bearer_token = "bearer-tok-wrong"};
	assert_int_not_equal(cap_git_ls_remote(&refs, url.ptr, &bad, 10000), 0);
	assert_null(strstr(cap_error_last(), "bearer-tok-wrong"));
	fixture_kill(pid);
	cap_buf_release(&url);
	fixture_free(&f);
}

/* A stand-in ssh that records how it was called and runs the remote command locally. */
static void write_fake_ssh(const char *dir)
{
	cap_buf script = CAP_BUF_INIT, path = CAP_BUF_INIT;
	cap_buf_printf(&script,
		       "#!/bin/sh\n"
		       "log='%s/ssh.log'\n"
		       "key=''\n"
		       "for a in \"$@\"; do\n"
		       "  [ \"$prev\" = -i ] && key=\"$a\"\n"
		       "  prev=\"$a\"; last=\"$a\"\n"
		       "done\n"
		       "echo \"args: $*\" >> \"$log\"\n"
		       "[ -n \"$key\" ] && echo \"keymode: $(stat -c %%a \"$key\")\" >> \"$log\"\n"
		       "[ -n \"$key\" ] && echo \"key: $(head -1 \"$key\")\" >> \"$log\"\n"
		       "exec sh -c \"$last\"\n",
		       dir);
	cap_buf_printf(&path, "%s/bin/ssh", dir);
	cap_test_run(NULL, "mkdir -p '%s/bin'", dir);
	cap_buf_write_file_atomic(&script, path.ptr);
	chmod(path.ptr, 0755);
	cap_buf_release(&script);
	cap_buf_release(&path);
}

static void ssh_key_goes_to_a_private_file_that_is_removed(void **state)
{
	git_fixture f;
	fixture_make(&f);
	write_fake_ssh(f.dir.ptr);
	const char *old = getenv("PATH");
	cap_buf saved = CAP_BUF_INIT, path = CAP_BUF_INIT, url = CAP_BUF_INIT, log = CAP_BUF_INIT;
	cap_buf_puts(&saved, old ? old : "/usr/bin:/bin");
	cap_buf_printf(&path, "%s/bin:%s", f.dir.ptr, saved.ptr);
	setenv("PATH", path.ptr, 1);
	cap_buf_printf(&url, "git@capstan-test.invalid:%s", f.repo.ptr);
	cap_git_creds creds = {.ssh_private_key =
				   "-----BEGIN TEST KEY-----\nAAAA\n-----END TEST KEY-----",
			       .insecure = true};
	cap_git_refs refs = CAP_GIT_REFS_INIT;
	int rc = cap_git_ls_remote(&refs, url.ptr, &creds, 10000);
	setenv("PATH", saved.ptr, 1);
	if (rc)
		fail_msg("%s", cap_error_last());
	assert_non_null(cap_git_refs_find(&refs, "refs/heads/main"));
	cap_buf_printf(&log, "%s/ssh.log", f.dir.ptr);
	cap_buf text = CAP_BUF_INIT;
	cap_test_read_file(&text, log.ptr);
	assert_non_null(strstr(text.ptr, "keymode: 600"));
	assert_non_null(strstr(text.ptr, "key: -----BEGIN TEST KEY-----"));
	assert_non_null(strstr(text.ptr, "StrictHostKeyChecking=no"));
	assert_non_null(strstr(text.ptr, "git@capstan-test.invalid"));
	/* The key file is gone once the command finished. */
	const char *args = strstr(text.ptr, "-i ");
	assert_non_null(args);
	char keypath[512];
	assert_int_equal(sscanf(args + 3, "%511s", keypath), 1);
	assert_int_not_equal(access(keypath, F_OK), 0);
	cap_git_refs_release(&refs);
	cap_buf_release(&text);
	cap_buf_release(&saved);
	cap_buf_release(&path);
	cap_buf_release(&url);
	cap_buf_release(&log);
	fixture_free(&f);
}

static void hung_remote_times_out(void **state)
{
	cap_buf url = CAP_BUF_INIT;
	int s = fixture_silent_listener(&url);
	cap_git_refs refs = CAP_GIT_REFS_INIT;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cap_git_ls_remote(&refs, url.ptr, NULL, 700), CAP_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(took < 5.0);
	assert_non_null(strstr(cap_error_last(), "did not finish within 700 ms"));
	close(s);
	cap_buf_release(&url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_refs_with_peeled_tags_and_symrefs),
	    cmocka_unit_test(resolves_every_revision_form),
	    cmocka_unit_test(missing_repository_and_bad_urls_fail_cleanly),
	    cmocka_unit_test(lists_refs_over_git_daemon),
	    cmocka_unit_test(http_basic_auth_accepts_good_and_refuses_wrong_credentials),
	    cmocka_unit_test(basic_auth_up_front_and_bearer_tokens),
	    cmocka_unit_test(ssh_key_goes_to_a_private_file_that_is_removed),
	    cmocka_unit_test(hung_remote_times_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
