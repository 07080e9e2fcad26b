/* Tests for the repository cache: trees per commit, shallow fetch, sharing, eviction, isolation. */
#include "cap_test.h"

#include "base/error.h"
#include "git/cache.h"
#include "git/remote.h"
#include "git_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

/* A cache rooted at the fixture's folder subdir with options o (whose root is set here). */
static cap_git_cache *open_cache_in(const git_fixture *f, const char *subdir,
				    cap_git_cache_options o)
{
	cap_buf root = CAP_BUF_INIT;
	cap_buf_printf(&root, "%s/%s", f->dir.ptr, subdir);
	o.root = root.ptr;
	cap_git_cache *c = NULL;
	if (cap_git_cache_open(&c, &o) != 0)
		fail_msg("%s", cap_error_last());
	cap_buf_release(&root);
	return c;
}

static cap_git_cache *open_cache(const git_fixture *f, uint64_t max_bytes, int ttl_ms)
{
	return open_cache_in(f, "cache",
			     (cap_git_cache_options){.max_bytes = max_bytes,
						     .timeout_ms = 20000,
						     .refs_ttl_ms = ttl_ms});
}

static void read_in_tree(cap_buf *out, const cap_git_tree *t, const char *rel)
{
	cap_buf p = CAP_BUF_INIT;
	cap_buf_printf(&p, "%s/%s", cap_git_tree_path(t), rel);
	cap_buf_clear(out);
	cap_test_read_file(out, p.ptr);
	cap_buf_release(&p);
}

static bool tree_exists(const git_fixture *f, const char *commit)
{
	cap_buf p = CAP_BUF_INIT;
	cap_buf_printf(&p, "%s/cache/trees/%s", f->dir.ptr, commit);
	bool e = access(p.ptr, F_OK) == 0;
	cap_buf_release(&p);
	return e;
}

static cap_git_tree *get(cap_git_cache *c, const char *url, const char *rev)
{
	cap_git_tree *t = NULL;
	if (cap_git_cache_get(&t, c, url, rev, NULL) != 0)
		fail_msg("'%s': %s", rev, cap_error_last());
	return t;
}

static void extracts_a_commit_once_into_a_read_only_tree(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_git_cache *c = open_cache(&f, 0, 0);
	cap_git_tree *t = get(c, f.url.ptr, "main");
	assert_string_equal(cap_git_tree_commit(t), f.c[4]);
	cap_buf text = CAP_BUF_INIT, p = CAP_BUF_INIT;
	read_in_tree(&text, t, "app/config.yaml");
	assert_string_equal(text.ptr, "v: 4\n");
	read_in_tree(&text, t, "app/sub/list.yaml");
	assert_string_equal(text.ptr, "kind: List\n");
	struct stat st;
	cap_buf_printf(&p, "%s/README.md", cap_git_tree_path(t));
	assert_int_equal(stat(p.ptr, &st), 0);
	assert_int_equal(st.st_mode & 0222, 0);
	assert_true(st.st_mode & 0100);
	assert_int_equal(stat(cap_git_tree_path(t), &st), 0);
	assert_int_equal(st.st_mode & 0222, 0);
	cap_buf_clear(&p);
	cap_buf_printf(&p, "%s/.git", cap_git_tree_path(t));
	assert_int_not_equal(access(p.ptr, F_OK), 0);

	cap_git_tree *again = get(c, f.url.ptr, "refs/heads/main");
	assert_string_equal(cap_git_tree_path(again), cap_git_tree_path(t));
	cap_git_cache_stats s;
	cap_git_cache_stats_get(c, &s);
	assert_int_equal(s.extractions, 1);
	assert_int_equal(s.fetches, 1);
	assert_int_equal(s.ls_remotes, 2);
	assert_true(s.bytes > 0);
	cap_git_tree_release(again);
	cap_git_tree_release(t);
	cap_git_cache_free(c);

	/* A new process finds the tree and the repository where it left them. */
	c = open_cache(&f, 0, 0);
	t = NULL;
	assert_int_equal(cap_git_cache_checkout(&t, c, f.url.ptr, f.c[4], NULL), 0);
	cap_git_cache_stats_get(c, &s);
	assert_int_equal(s.extractions, 0);
	assert_int_equal(s.fetches, 0);
	cap_git_tree_release(t);
	cap_git_cache_free(c);
	cap_buf_release(&text);
	cap_buf_release(&p);
	fixture_free(&f);
}

static void fetches_a_fixed_commit_shallow(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_git_cache *c = open_cache(&f, 0, 0);
	cap_git_tree *t = NULL;
	assert_int_equal(cap_git_cache_checkout(&t, c, f.url.ptr, f.c[2], NULL), 0);
	cap_buf text = CAP_BUF_INIT;
	read_in_tree(&text, t, "app/config.yaml");
	assert_string_equal(text.ptr, "v: 2\n");
	cap_git_cache_stats s;
	cap_git_cache_stats_get(c, &s);
	assert_int_equal(s.fetches, 1);
	assert_int_equal(s.ls_remotes, 0); /* a full SHA needs no ls-remote */
	/* Only the one commit came over: its parent is not in the cache. */
	cap_buf out = CAP_BUF_INIT;
	assert_int_equal(cap_test_run(&out, "ls -d '%s'/cache/repos/*/shallow", f.dir.ptr), 0);
	assert_int_not_equal(cap_test_run(NULL,
					  "GIT_DIR=$(ls -d '%s'/cache/repos/*/ | head -1) "
					  "git cat-file -e %s 2>/dev/null",
					  f.dir.ptr, f.c[1]),
			     0);
	cap_git_tree_release(t);
	cap_git_cache_free(c);
	cap_buf_release(&text);
	cap_buf_release(&out);
	fixture_free(&f);
}

static void short_sha_resolves_after_a_fetch(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_git_cache *c = open_cache(&f, 0, 0);
	char shortsha[10], out[41];
	memcpy(shortsha, f.c[1], 9);
	shortsha[9] = '\0';
	assert_int_equal(cap_git_cache_resolve(out, c, f.url.ptr, shortsha, NULL), 0);
	assert_string_equal(out, f.c[1]);
	assert_int_equal(cap_git_cache_resolve(out, c, f.url.ptr, "abcdef1234", NULL),
			 CAP_ENOTFOUND);
	assert_int_equal(cap_git_cache_resolve(out, c, f.url.ptr, "no-such-branch", NULL),
			 CAP_ENOTFOUND);
	assert_non_null(strstr(cap_error_last(), "'no-such-branch'"));
	/* Semver through the cache too. */
	assert_int_equal(cap_git_cache_resolve(out, c, f.url.ptr, "^1.2", NULL), 0);
	assert_string_equal(out, f.c[3]);
	cap_git_cache_free(c);
	fixture_free(&f);
}

struct worker {
	cap_git_cache *c;
	const char *url;
	const char *rev;
	cap_git_tree *tree;
	int rc;
	char err[256];
	atomic_bool done;
};

static void *checkout_worker(void *p)
{
	struct worker *w = p;
	w->rc = cap_git_cache_get(&w->tree, w->c, w->url, w->rev, NULL);
	snprintf(w->err, sizeof(w->err), "%s", cap_error_last());
	return NULL;
}

static void concurrent_readers_share_one_extraction(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_git_cache *c = open_cache(&f, 0, -1);
	enum { N = 12 };
	struct worker w[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		w[i] = (struct worker){.c = c, .url = f.url.ptr, .rev = i % 2 ? "v1.2.5" : "1.2.*"};
		pthread_create(&th[i], NULL, checkout_worker, &w[i]);
	}
	cap_buf text = CAP_BUF_INIT;
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		if (w[i].rc)
			fail_msg("worker %d: %s", i, w[i].err);
		assert_string_equal(cap_git_tree_commit(w[i].tree), f.c[3]);
		read_in_tree(&text, w[i].tree, "app/config.yaml");
		assert_string_equal(text.ptr, "v: 3\n");
	}
	cap_git_cache_stats s;
	cap_git_cache_stats_get(c, &s);
	assert_int_equal(s.extractions, 1);
	assert_int_equal(s.fetches, 1);
	assert_int_equal(s.ls_remotes, 1);
	assert_int_equal(s.refs_shared, N - 1);
	for (int i = 0; i < N; i++)
		cap_git_tree_release(w[i].tree);
	cap_git_cache_free(c);
	cap_buf_release(&text);
	fixture_free(&f);
}

static void one_ls_remote_serves_every_app_within_the_interval(void **state)
{
	git_fixture f;
	fixture_make(&f);
	pid_t pid;
	cap_buf url = CAP_BUF_INIT;
	fixture_http_src(&f, "bob", "t0ken-abc", &pid, &url);
	cap_git_creds creds = {.username = "bob", .password = "t0ken-abc"};
	cap_git_cache *c = open_cache(&f, 0, 60000);
	char out[41];
	/* A poll of 40 apps on one repository, at assorted revisions. */
	const char *revs[] = {"main", "HEAD", "feature", "v1.2.0", "1.2.*"};
	for (int i = 0; i < 40; i++) {
		if (cap_git_cache_resolve(out, c, url.ptr, revs[i % 5], &creds) != 0)
			fail_msg("%s", cap_error_last());
	}
	cap_git_tree *t = NULL;
	assert_int_equal(cap_git_cache_checkout(&t, c, url.ptr, out, &creds), 0);
	assert_int_equal(cap_git_cache_requests(c), 2); /* one ls-remote, one fetch */
	assert_int_equal(fixture_http_requests(&f, "200 GET /src/info/refs"), 2);
	cap_git_cache_refresh(c, url.ptr);
	assert_int_equal(cap_git_cache_resolve(out, c, url.ptr, "main", &creds), 0);
	assert_int_equal(cap_git_cache_requests(c), 3);
	/* Wrong credentials: refused, and the secret stays out of the message. */
	cap_git_cache_refresh(c, url.ptr);
	cap_git_creds wrong = {.username = "bob", .password = "not-the-t0ken"};
	assert_int_equal(cap_git_cache_resolve(out, c, url.ptr, "main", &wrong), CAP_EAUTH);
	assert_null(strstr(cap_error_last(), "not-the-t0ken"));
	fixture_kill(pid);
	cap_git_tree_release(t);
	cap_git_cache_free(c);
	cap_buf_release(&url);
	fixture_free(&f);
}

static void evicts_least_recently_used_trees_but_never_leased_ones(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_git_cache *c = open_cache(&f, 0, -1);
	for (int i = 1; i <= 4; i++) {
		cap_git_tree *t = NULL;
		assert_int_equal(cap_git_cache_checkout(&t, c, f.url.ptr, f.c[i], NULL), 0);
		cap_git_tree_release(t);
	}
	cap_git_tree *t1 = NULL, *t3 = NULL;
	assert_int_equal(cap_git_cache_checkout(&t1, c, f.url.ptr, f.c[1], NULL), 0);
	cap_git_tree_release(t1); /* c1 is now the most recently used */
	cap_git_cache_stats s;
	cap_git_cache_stats_get(c, &s);
	assert_int_equal(cap_git_cache_trim(c, s.bytes - 1), 1);
	assert_false(tree_exists(&f, f.c[2]));
	assert_true(tree_exists(&f, f.c[1]));
	assert_true(tree_exists(&f, f.c[3]));

	assert_int_equal(cap_git_cache_checkout(&t3, c, f.url.ptr, f.c[3], NULL), 0);
	cap_git_cache_trim(c, 0);
	assert_true(tree_exists(&f, f.c[3]));
	assert_false(tree_exists(&f, f.c[1]));
	assert_false(tree_exists(&f, f.c[4]));
	cap_buf text = CAP_BUF_INIT;
	read_in_tree(&text, t3, "app/config.yaml");
	assert_string_equal(text.ptr, "v: 3\n");
	cap_git_cache_stats_get(c, &s);
	assert_int_equal(s.evicted_trees, 3);
	assert_int_equal(s.evicted_repos, 1);
	cap_git_tree_release(t3);
	cap_git_cache_trim(c, 0);
	assert_false(tree_exists(&f, f.c[3]));
	cap_git_cache_stats_get(c, &s);
	assert_int_equal(s.bytes, 0);

	/* The repository comes back on demand after its eviction. */
	cap_git_tree *t = get(c, f.url.ptr, "feature");
	read_in_tree(&text, t, "app/config.yaml");
	assert_string_equal(text.ptr, "v: 2\n");
	cap_git_tree_release(t);
	cap_git_cache_free(c);

	/* With a budget, older trees go as new ones arrive. */
	c = open_cache(&f, 1, -1);
	t = get(c, f.url.ptr, "v1.0.0");
	cap_git_tree_release(t);
	t = get(c, f.url.ptr, "v1.2.5");
	assert_false(tree_exists(&f, f.c[1]));
	assert_true(tree_exists(&f, f.c[3]));
	cap_git_tree_release(t);
	cap_git_cache_free(c);
	cap_buf_release(&text);
	fixture_free(&f);
}

static void a_commit_is_served_only_through_a_repository_that_has_it(void **state)
{
	git_fixture a, b;
	fixture_make(&a);
	fixture_make(&b);
	fixture_commit(&a, "private", a.c[0]);
	cap_git_cache *c = open_cache(&a, 0, 0);
	cap_git_tree *t = NULL;
	assert_int_equal(cap_git_cache_checkout(&t, c, a.url.ptr, a.c[0], NULL), 0);
	cap_git_tree_release(t);
	t = NULL;
	assert_int_equal(cap_git_cache_checkout(&t, c, b.url.ptr, a.c[0], NULL), CAP_ENOTFOUND);
	assert_null(t);
	cap_git_cache_free(c);
	fixture_free(&a);
	fixture_free(&b);
}

static void symlinks_may_not_leave_the_repository(void **state)
{
	git_fixture f;
	fixture_make(&f);
	char inside[41], outside[41];
	fixture_git(&f, "ln -s sub/list.yaml app/link.yaml && ln -s ../app/./sub app/dir && "
			"git add -A && git commit -q -m links");
	fixture_sha(&f, "HEAD", inside);
	fixture_git(&f, "ln -s ../../../etc/passwd app/sub/evil && git add -A && "
			"git commit -q -m evil");
	fixture_sha(&f, "HEAD", outside);
	cap_git_cache *c = open_cache(&f, 0, 0);
	cap_git_tree *t = NULL;
	assert_int_equal(cap_git_cache_checkout(&t, c, f.url.ptr, inside, NULL), 0);
	cap_buf text = CAP_BUF_INIT;
	read_in_tree(&text, t, "app/link.yaml");
	assert_string_equal(text.ptr, "kind: List\n");
	cap_git_tree_release(t);
	t = NULL;
	assert_int_equal(cap_git_cache_checkout(&t, c, f.url.ptr, outside, NULL), CAP_EPERM);
	assert_non_null(strstr(cap_error_last(), "'app/sub/evil'"));
	assert_false(tree_exists(&f, outside));
	fixture_git(&f, "rm app/sub/evil && ln -s /etc/passwd app/abs && git add -A && "
			"git commit -q -m absolute");
	fixture_sha(&f, "HEAD", outside);
	assert_int_equal(cap_git_cache_checkout(&t, c, f.url.ptr, outside, NULL), CAP_EPERM);
	assert_non_null(strstr(cap_error_last(), "'app/abs'"));
	cap_git_cache_free(c);
	c = open_cache_in(&f, "cache-oob", (cap_git_cache_options){.allow_oob_symlinks = true});
	assert_int_equal(cap_git_cache_checkout(&t, c, f.url.ptr, outside, NULL), 0);
	cap_git_tree_release(t);
	cap_git_cache_free(c);
	cap_buf_release(&text);
	fixture_free(&f);
}

static void describes_a_commit_with_its_tags(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_git_cache *c = open_cache(&f, 0, -1);
	cap_git_commit_info info;
	assert_int_equal(cap_git_cache_commit_info(&info, c, f.url.ptr, f.c[2], NULL), 0);
	assert_string_equal(info.sha, f.c[2]);
	assert_string_equal(info.author, "Capstan Test <test@capstan.invalid>");
	assert_string_equal(info.message, "set 2");
	assert_true(info.date > 1600000000);
	assert_int_equal(info.tags.len, 1);
	assert_string_equal(info.tags.items[0], "v1.2.0");
	cap_git_commit_info_release(&info);
	assert_int_equal(cap_git_cache_commit_info(
			     &info, c, f.url.ptr, "0123456789012345678901234567890123456789", NULL),
			 CAP_ENOTFOUND);
	cap_git_cache_free(c);
	fixture_free(&f);
}

static void submodules_are_filled_from_their_own_repositories(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_buf out = CAP_BUF_INIT;
	/* lib, and lib/inner inside it, both added by relative URL. */
	assert_int_equal(
	    cap_test_run(NULL,
			 "cd '%s' && git init -q -b main inner && cd inner && "
			 "echo deep > deep.txt && git add -A && git commit -q -m i && "
			 "cd .. && git init -q -b main lib && cd lib && "
			 "echo shared > lib.yaml && git add -A && git commit -q -m l && "
			 "git -c protocol.file.allow=always submodule add -q ../inner "
			 "inner && git commit -q -m sub && cd ../src && "
			 "git -c protocol.file.allow=always submodule add -q ../lib "
			 "vendor/lib && git commit -q -m vendor >/dev/null 2>&1",
			 f.dir.ptr),
	    0);
	char head[41];
	fixture_sha(&f, "HEAD", head);
	cap_git_cache *c = open_cache(&f, 0, 0);
	cap_git_tree *t = NULL;
	if (cap_git_cache_checkout(&t, c, f.url.ptr, head, NULL) != 0)
		fail_msg("%s", cap_error_last());
	read_in_tree(&out, t, "vendor/lib/lib.yaml");
	assert_string_equal(out.ptr, "shared\n");
	read_in_tree(&out, t, "vendor/lib/inner/deep.txt");
	assert_string_equal(out.ptr, "deep\n");
	read_in_tree(&out, t, "app/config.yaml");
	assert_string_equal(out.ptr, "v: 4\n");
	cap_git_tree_release(t);
	cap_git_cache_free(c);

	/* Over HTTP: relative URLs resolve on the same server, which gets the same credentials. */
	pid_t pid;
	cap_buf url = CAP_BUF_INIT;
	fixture_http_src(&f, "dave", "d4ve-pw", &pid, &url);
	cap_git_creds creds = {.username = "dave", .password = "d4ve-pw"};
	c = open_cache_in(&f, "cache-http", (cap_git_cache_options){0});
	if (cap_git_cache_checkout(&t, c, url.ptr, head, &creds) != 0)
		fail_msg("%s", cap_error_last());
	read_in_tree(&out, t, "vendor/lib/inner/deep.txt");
	assert_string_equal(out.ptr, "deep\n");
	cap_git_tree_release(t);
	/* A submodule may not point the server at its own disk. */
	fixture_git(&f, "git config -f .gitmodules submodule.vendor/lib.url file:///etc && "
			"git commit -q -am local");
	fixture_sha(&f, "HEAD", head);
	assert_int_equal(cap_git_cache_checkout(&t, c, url.ptr, head, &creds), CAP_EPERM);
	assert_non_null(strstr(cap_error_last(), "'file:///etc'"));
	cap_git_cache_free(c);
	fixture_kill(pid);
	cap_buf_release(&url);

	/* Without submodules the directory stays empty. */
	c = open_cache_in(&f, "cache-nosub", (cap_git_cache_options){.skip_submodules = true});
	assert_int_equal(cap_git_cache_checkout(&t, c, f.url.ptr, head, NULL), 0);
	cap_buf p = CAP_BUF_INIT;
	cap_buf_printf(&p, "%s/vendor/lib/lib.yaml", cap_git_tree_path(t));
	assert_int_not_equal(access(p.ptr, F_OK), 0);
	cap_git_tree_release(t);
	cap_git_cache_free(c);
	cap_buf_release(&p);
	cap_buf_release(&out);
	fixture_free(&f);
}

static void signatures_are_checked_against_a_keyring(void **state)
{
	if (!cap_test_have_program("gpg"))
		skip();
	git_fixture f;
	fixture_make(&f);
	cap_buf fpr = CAP_BUF_INIT, home = CAP_BUF_INIT, empty = CAP_BUF_INIT;
	assert_int_equal(
	    cap_test_run(&fpr,
			 "cd '%s' && mkdir -m 700 gpg-sign gpg-trust gpg-empty && "
			 "export GNUPGHOME=\"$PWD/gpg-sign\" && "
			 "gpg -q --batch --passphrase '' --quick-gen-key 'Capstan Test "
			 "<test@capstan.invalid>' ed25519 sign never 2>/dev/null && "
			 "gpg --export | GNUPGHOME=\"$PWD/gpg-trust\" gpg -q --batch --import "
			 "2>/dev/null && cd src && git -c user.signingkey=test@capstan.invalid "
			 "commit -q -S --allow-empty -m signed 2>/dev/null && "
			 "gpg --list-keys --with-colons 2>/dev/null | sed -n "
			 "'s/^fpr:*\\([0-9A-F]*\\):$/\\1/p' "
			 "| head -1",
			 f.dir.ptr),
	    0);
	assert_true(fpr.len >= 40);
	char signed_commit[41];
	fixture_sha(&f, "HEAD", signed_commit);
	cap_buf_printf(&home, "%s/gpg-trust", f.dir.ptr);
	cap_buf_printf(&empty, "%s/gpg-empty", f.dir.ptr);
	cap_git_cache *c = open_cache(&f, 0, 0);
	cap_git_signature sig;
	if (cap_git_cache_verify_commit(&sig, c, f.url.ptr, signed_commit, home.ptr, NULL) != 0)
		fail_msg("%s", cap_error_last());
	assert_int_equal(sig.status, CAP_GIT_SIG_GOOD);
	assert_memory_equal(sig.key_id, fpr.ptr + 24, 16);
	assert_string_equal(sig.signer, "Capstan Test <test@capstan.invalid>");
	cap_git_signature_release(&sig);
	assert_int_equal(
	    cap_git_cache_verify_commit(&sig, c, f.url.ptr, signed_commit, empty.ptr, NULL), 0);
	assert_int_equal(sig.status, CAP_GIT_SIG_UNKNOWN_KEY);
	assert_memory_equal(sig.key_id, fpr.ptr + 24, 16);
	assert_null(sig.signer);
	cap_git_signature_release(&sig);
	assert_int_equal(cap_git_cache_verify_commit(&sig, c, f.url.ptr, f.c[1], home.ptr, NULL),
			 0);
	assert_int_equal(sig.status, CAP_GIT_SIG_UNSIGNED);
	assert_string_equal(sig.key_id, "");
	cap_git_signature_release(&sig);
	cap_git_cache_free(c);
	cap_test_run(NULL,
		     "for h in gpg-sign gpg-trust gpg-empty; do GNUPGHOME='%s'/$h gpgconf --kill "
		     "all 2>/dev/null; done",
		     f.dir.ptr);
	cap_buf_release(&fpr);
	cap_buf_release(&home);
	cap_buf_release(&empty);
	fixture_free(&f);
}

static int count_in(const git_fixture *f, const char *sub)
{
	cap_buf out = CAP_BUF_INIT;
	cap_test_run(&out, "ls -A '%s/cache/%s' | wc -l", f->dir.ptr, sub);
	int n = atoi(out.ptr);
	cap_buf_release(&out);
	return n;
}

static void two_caches_share_one_root(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_git_cache *a = open_cache(&f, 0, 0), *b = open_cache(&f, 0, 0);
	assert_int_equal(count_in(&f, "tmp"), 4); /* a work directory and its lock each */
	cap_git_tree *ta = NULL, *tb = NULL;
	assert_int_equal(cap_git_cache_checkout(&ta, a, f.url.ptr, f.c[2], NULL), 0);
	/* b does not know a extracted it: its own extraction finds the tree in place. */
	assert_int_equal(cap_git_cache_checkout(&tb, b, f.url.ptr, f.c[2], NULL), 0);
	assert_string_equal(cap_git_tree_path(ta), cap_git_tree_path(tb));
	cap_buf text = CAP_BUF_INIT;
	read_in_tree(&text, tb, "app/config.yaml");
	assert_string_equal(text.ptr, "v: 2\n");
	assert_int_equal(count_in(&f, "trees"), 1);
	cap_git_tree_release(ta);
	cap_git_tree_release(tb);
	cap_git_cache_free(a);
	assert_int_equal(count_in(&f, "tmp"), 2);
	cap_git_cache_free(b);
	assert_int_equal(count_in(&f, "tmp"), 0);
	cap_buf_release(&text);
	fixture_free(&f);
}

static void lists_the_files_two_commits_differ_in(void **state)
{
	git_fixture f;
	fixture_make(&f);
	char other[41];
	fixture_git(&f, "mkdir -p other && echo x > other/x.yaml && git add -A && "
			"git commit -q -m other");
	fixture_sha(&f, "HEAD", other);
	cap_git_cache *c = open_cache(&f, 0, 0);
	cap_strvec changed = CAP_STRVEC_INIT;
	assert_int_equal(cap_git_cache_changed_files(&changed, c, f.url.ptr, f.c[1], f.c[4], NULL),
			 0);
	assert_int_equal(changed.len, 1);
	assert_string_equal(changed.items[0], "app/config.yaml");
	cap_strvec_release(&changed);
	assert_int_equal(cap_git_cache_changed_files(&changed, c, f.url.ptr, f.c[4], other, NULL),
			 0);
	assert_int_equal(changed.len, 1);
	assert_string_equal(changed.items[0], "other/x.yaml");

	/* The app at "app" is untouched by that commit; one at "other" is not. */
	cap_strvec paths = CAP_STRVEC_INIT;
	cap_strvec_push(&paths, "app");
	assert_false(cap_git_paths_touched(&changed, &paths));
	cap_strvec_push(&paths, "/other/");
	assert_true(cap_git_paths_touched(&changed, &paths));
	cap_strvec_release(&paths);
	const char *yes[] = {"other", "./other", "other/x.yaml", "other/*.yaml", ".", "/"};
	const char *no[] = {"othe", "other/y.yaml", "*.yaml", "app/other"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		cap_strvec_push(&paths, yes[i]);
		if (!cap_git_paths_touched(&changed, &paths))
			fail_msg("'%s' should be touched", yes[i]);
		cap_strvec_pop(&paths);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		cap_strvec_push(&paths, no[i]);
		if (cap_git_paths_touched(&changed, &paths))
			fail_msg("'%s' should not be touched", no[i]);
		cap_strvec_pop(&paths);
	}
	/* Nothing known about either side: assume a change, as Argo CD does. */
	assert_true(cap_git_paths_touched(&changed, &paths));
	cap_strvec_release(&changed);
	cap_strvec_push(&paths, "app");
	assert_true(cap_git_paths_touched(&changed, &paths));
	cap_strvec_release(&paths);
	cap_git_cache_free(c);
	fixture_free(&f);
}

static void *hung_worker(void *p)
{
	struct worker *w = p;
	char out[41];
	w->rc = cap_git_cache_resolve(out, w->c, w->url, "main", NULL);
	atomic_store(&w->done, true);
	return NULL;
}

static void a_hung_remote_does_not_block_other_repositories(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_buf hung = CAP_BUF_INIT;
	int s = fixture_silent_listener(&hung);
	cap_git_cache *c = open_cache_in(&f, "cache", (cap_git_cache_options){.timeout_ms = 30000});
	struct worker w = {.c = c, .url = hung.ptr};
	pthread_t th;
	pthread_create(&th, NULL, hung_worker, &w);
	usleep(100000);
	/* The other repository is served while the hung one still waits for its deadline. */
	cap_git_tree *t = get(c, f.url.ptr, "main");
	assert_false(atomic_load(&w.done));
	/* Closing the listener resets the waiting connection: the hung caller ends now. */
	close(s);
	s = -1;
	pthread_join(th, NULL);
	assert_int_not_equal(w.rc, 0);
	cap_git_tree_release(t);
	cap_git_cache_free(c);
	cap_buf_release(&hung);
	fixture_free(&f);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void a_down_remote_costs_one_deadline_per_interval(void **state)
{
	git_fixture f;
	fixture_make(&f);
	cap_buf hung = CAP_BUF_INIT;
	int s = fixture_silent_listener(&hung);
	cap_git_cache *c = open_cache_in(
	    &f, "cache", (cap_git_cache_options){.timeout_ms = 500, .refs_ttl_ms = 60000});
	char out[41];
	assert_int_equal(cap_git_cache_resolve(out, c, hung.ptr, "main", NULL), CAP_ETIMEOUT);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 20; i++)
		assert_int_equal(cap_git_cache_resolve(out, c, hung.ptr, "main", NULL),
				 CAP_ETIMEOUT);
	assert_true(seconds_since(&t0) < 0.4);
	assert_non_null(strstr(cap_error_last(), "did not finish"));
	cap_git_cache_stats st;
	cap_git_cache_stats_get(c, &st);
	assert_int_equal(st.ls_remotes, 1);
	/* A refresh (a webhook, a user) asks again. */
	cap_git_cache_refresh(c, hung.ptr);
	assert_int_equal(cap_git_cache_resolve(out, c, hung.ptr, "main", NULL), CAP_ETIMEOUT);
	cap_git_cache_stats_get(c, &st);
	assert_int_equal(st.ls_remotes, 2);
	cap_git_cache_free(c);
	close(s);
	cap_buf_release(&hung);
	fixture_free(&f);
}

static void remote_operations_respect_the_parallel_limit(void **state)
{
	enum { N = 4 };
	git_fixture f[N];
	for (int i = 0; i < N; i++)
		fixture_make(&f[i]);
	cap_git_cache *c =
	    open_cache_in(&f[0], "cache", (cap_git_cache_options){.max_remote_ops = 1});
	struct worker w[N];
	pthread_t th[N];
	for (int i = 0; i < N; i++) {
		w[i] = (struct worker){.c = c, .url = f[i].url.ptr, .rev = "feature"};
		pthread_create(&th[i], NULL, checkout_worker, &w[i]);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		if (w[i].rc)
			fail_msg("worker %d: %s", i, w[i].err);
		cap_git_tree_release(w[i].tree);
	}
	cap_git_cache_stats st;
	cap_git_cache_stats_get(c, &st);
	assert_int_equal(st.remote_ops_peak, 1);
	assert_int_equal(st.ls_remotes + st.fetches, 2 * N);
	cap_git_cache_free(c);
	for (int i = 0; i < N; i++)
		fixture_free(&f[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(extracts_a_commit_once_into_a_read_only_tree),
	    cmocka_unit_test(fetches_a_fixed_commit_shallow),
	    cmocka_unit_test(short_sha_resolves_after_a_fetch),
	    cmocka_unit_test(concurrent_readers_share_one_extraction),
	    cmocka_unit_test(one_ls_remote_serves_every_app_within_the_interval),
	    cmocka_unit_test(evicts_least_recently_used_trees_but_never_leased_ones),
	    cmocka_unit_test(a_commit_is_served_only_through_a_repository_that_has_it),
	    cmocka_unit_test(symlinks_may_not_leave_the_repository),
	    cmocka_unit_test(submodules_are_filled_from_their_own_repositories),
	    cmocka_unit_test(describes_a_commit_with_its_tags),
	    cmocka_unit_test(signatures_are_checked_against_a_keyring),
	    cmocka_unit_test(two_caches_share_one_root),
	    cmocka_unit_test(lists_the_files_two_commits_differ_in),
	    cmocka_unit_test(a_hung_remote_does_not_block_other_repositories),
	    cmocka_unit_test(a_down_remote_costs_one_deadline_per_interval),
	    cmocka_unit_test(remote_operations_respect_the_parallel_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
