/* Remote access through the git command: credential plumbing, ls-remote and revision resolution. */
#include "git/remote.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/strvec.h"
#include "git/semver.h"
#include "git/url.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_ulong process_count;

unsigned long cap_git_process_count(void)
{
	return atomic_load(&process_count);
}

void cap_git_refs_release(cap_git_refs *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->len; i++) {
		free(r->items[i].name);
		free(r->items[i].symref);
	}
	free(r->items);
	*r = (cap_git_refs)CAP_GIT_REFS_INIT;
}

static cap_git_ref *refs_add(cap_git_refs *r, const char *name, size_t name_len)
{
	if (r->len == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->items = cap_realloc(r->items, r->cap * sizeof(*r->items));
	}
	cap_git_ref *ref = &r->items[r->len++];
	memset(ref, 0, sizeof(*ref));
	ref->name = cap_strndup(name, name_len);
	return ref;
}

void cap_git_refs_copy(cap_git_refs *out, const cap_git_refs *src)
{
	*out = (cap_git_refs)CAP_GIT_REFS_INIT;
	for (size_t i = 0; i < src->len; i++) {
		const cap_git_ref *s = &src->items[i];
		cap_git_ref *d = refs_add(out, s->name, strlen(s->name));
		memcpy(d->sha, s->sha, sizeof(d->sha));
		memcpy(d->peeled, s->peeled, sizeof(d->peeled));
		d->symref = s->symref ? cap_strdup(s->symref) : NULL;
	}
}

const cap_git_ref *cap_git_refs_find(const cap_git_refs *r, const char *name)
{
	for (size_t i = 0; i < r->len; i++)
		if (strcmp(r->items[i].name, name) == 0)
			return &r->items[i];
	return NULL;
}

static cap_git_ref *refs_find_n(cap_git_refs *r, const char *name, size_t n)
{
	for (size_t i = 0; i < r->len; i++)
		if (strlen(r->items[i].name) == n && memcmp(r->items[i].name, name, n) == 0)
			return &r->items[i];
	return NULL;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool cap_git_is_commit_sha(const char *s)
{
	return s && strlen(s) == 40 && all_hex(s, 40);
}

bool cap_git_is_short_sha(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 7 && n < 40 && all_hex(s, n);
}

int cap_git_refs_parse(cap_git_refs *out, const char *text, size_t len)
{
	cap_git_refs r = CAP_GIT_REFS_INIT;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *tab = memchr(p, '\t', (size_t)(eol - p));
		if (eol > p && !tab)
			goto bad;
		if (tab) {
			const char *name = tab + 1;
			size_t name_len = (size_t)(eol - name);
			if (strncmp(p, "ref: ", 5) == 0) {
				cap_git_ref *ref = refs_find_n(&r, name, name_len);
				if (!ref)
					ref = refs_add(&r, name, name_len);
				free(ref->symref);
				ref->symref = cap_strndup(p + 5, (size_t)(tab - p - 5));
			} else {
				if (tab - p != 40 || !all_hex(p, 40))
					goto bad;
				bool peeled = name_len > 3 && memcmp(eol - 3, "^{}", 3) == 0;
				if (peeled)
					name_len -= 3;
				cap_git_ref *ref = refs_find_n(&r, name, name_len);
				if (!ref)
					ref = refs_add(&r, name, name_len);
				memcpy(peeled ? ref->peeled : ref->sha, p, 40);
			}
		}
		p = nl ? nl + 1 : end;
	}
	*out = r;
	return 0;
bad:
	cap_git_refs_release(&r);
	return cap_error_set(CAP_EINVALID, "cannot parse ls-remote output line '%.*s'",
			     (int)strcspn(p, "\n") > 80 ? 80 : (int)strcspn(p, "\n"), p);
}

/* The commit a ref stands for: an annotated tag's peeled commit, else its own SHA. */
static const char *ref_commit(const cap_git_ref *ref)
{
	return ref->peeled[0] ? ref->peeled : ref->sha;
}

static const cap_git_ref *find_prefixed(const cap_git_refs *r, const char *prefix, const char *rev)
{
	cap_buf name = CAP_BUF_INIT;
	cap_buf_printf(&name, "%s%s", prefix, rev);
	const cap_git_ref *ref = cap_git_refs_find(r, name.ptr);
	cap_buf_release(&name);
	return ref;
}

static int resolve_semver(char out[41], const cap_git_refs *refs, const cap_semver_constraint *c)
{
	cap_semver best = {0};
	const cap_git_ref *best_ref = NULL;
	for (size_t i = 0; i < refs->len; i++) {
		const cap_git_ref *ref = &refs->items[i];
		if (strncmp(ref->name, "refs/tags/", 10) != 0 || !ref->sha[0])
			continue;
		cap_semver v;
		if (cap_semver_parse(&v, ref->name + 10) != 0)
			continue;
		if (cap_semver_constraint_check(c, &v) &&
		    (!best_ref || cap_semver_compare(&v, &best) > 0)) {
			cap_semver_release(&best);
			best = v;
			best_ref = ref;
		} else {
			cap_semver_release(&v);
		}
	}
	cap_error_clear();
	cap_semver_release(&best);
	if (!best_ref)
		return CAP_ENOTFOUND;
	memcpy(out, ref_commit(best_ref), 41);
	return 0;
}

int cap_git_refs_resolve(char out[41], const cap_git_refs *refs, const char *revision,
			 bool *out_is_short)
{
	if (out_is_short)
		*out_is_short = false;
	const char *rev = revision && *revision ? revision : "HEAD";
	if (cap_git_is_commit_sha(rev)) {
		for (int i = 0; i < 40; i++)
			out[i] = (char)tolower((unsigned char)rev[i]);
		out[40] = '\0';
		return 0;
	}
	const cap_git_ref *ref = cap_git_refs_find(refs, rev);
	static const char *const prefixes[] = {"refs/heads/", "refs/tags/", "refs/"};
	for (size_t i = 0; !ref && i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		ref = find_prefixed(refs, prefixes[i], rev);
	if (ref && ref->symref && !ref->sha[0]) {
		const cap_git_ref *target = cap_git_refs_find(refs, ref->symref);
		ref = target && target->sha[0] ? target : NULL;
	}
	if (ref && ref->sha[0]) {
		memcpy(out, ref_commit(ref), 41);
		return 0;
	}
	cap_semver_constraint *c;
	if (cap_semver_constraint_parse(&c, rev) == 0) {
		int rc = resolve_semver(out, refs, c);
		cap_semver_constraint_free(c);
		if (rc == 0)
			return 0;
		if (!cap_git_is_short_sha(rev))
			return cap_error_set(CAP_ENOTFOUND, "no tag satisfies the constraint '%s'",
					     rev);
	}
	cap_error_clear();
	if (cap_git_is_short_sha(rev)) {
		if (out_is_short)
			*out_is_short = true;
		return cap_error_set(CAP_ENOTFOUND,
				     "'%s' is not a ref; it may be a short commit SHA", rev);
	}
	return cap_error_set(CAP_ENOTFOUND, "unable to resolve '%s' to a commit SHA", rev);
}

/* --- sessions ------------------------------------------------------------------------------ */

/*
 * An inline credential helper (run by git through sh, so no file to execute: works where the
 * temporary directory is mounted noexec) that answers from the child's environment.
 */
static const char credential_helper[] =
    "!f() { test \"$1\" = get || exit 0; "
    "printf 'username=%s\\npassword=%s\\n' \"$CAP_GIT_USERNAME\" \"$CAP_GIT_PASSWORD\"; }; f";

static int write_private(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -1;
	if (cap_write_all(fd, data, strlen(data)) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int make_private_dir(cap_git_session *s, const char *tmp_root)
{
	if (s->private_dir)
		return 0;
	const char *tmp = tmp_root ? tmp_root : getenv("TMPDIR");
	cap_buf dir = CAP_BUF_INIT;
	cap_buf_printf(&dir, "%s/capstan-git-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir.ptr)) { /* mkdtemp makes it 0700 */
		int rc = cap_error_set(CAP_EIO, "cannot make a private directory in '%s': %s",
				       tmp && *tmp ? tmp : "/tmp", strerror(errno));
		cap_buf_release(&dir);
		return rc;
	}
	s->private_dir = cap_buf_detach(&dir, NULL);
	return 0;
}

/* The private files a session may write; all removed by cap_git_session_release. */
static const char *const private_files[] = {"ssh-key", "tls-cert", "tls-key"};

/* Writes data to <private_dir>/name with mode and leaves its path in path_out. */
static int put_private_file(cap_git_session *s, const cap_git_transport *t, const char *name,
			    const char *data, mode_t mode, cap_buf *path_out)
{
	int rc = make_private_dir(s, t ? t->tmp_root : NULL);
	if (rc)
		return rc;
	cap_buf_clear(path_out);
	cap_buf_printf(path_out, "%s/%s", s->private_dir, name);
	cap_buf body = CAP_BUF_INIT;
	cap_buf_puts(&body, data);
	if (body.len && body.ptr[body.len - 1] != '\n')
		cap_buf_putc(&body, '\n'); /* ssh rejects a key without a final newline */
	int w = write_private(path_out->ptr, body.ptr, mode);
	explicit_bzero(body.ptr, body.len);
	cap_buf_release(&body);
	if (w != 0)
		return cap_error_set(CAP_EIO, "cannot write the private file '%s': %s", name,
				     strerror(errno));
	return 0;
}

/* Quotes a path for the shell command line git gives GIT_SSH_COMMAND to. */
static void put_shell_quoted(cap_buf *b, const char *s)
{
	cap_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			cap_buf_puts(b, "'\\''");
		else
			cap_buf_putc(b, *s);
	}
	cap_buf_putc(b, '\'');
}

/*
 * Configuration given to git through GIT_CONFIG_COUNT/KEY/VALUE: unlike -c, it never shows in
 * a process listing, so secrets (headers, proxy passwords) may go there.
 */
static void config_env(cap_strvec *env, unsigned *n, const char *key, const char *value)
{
	cap_strvec_pushf(env, "GIT_CONFIG_KEY_%u=%s", *n, key);
	cap_strvec_pushf(env, "GIT_CONFIG_VALUE_%u=%s", *n, value);
	(*n)++;
}

/* The host of an http(s) URL, without user information or port. */
static void url_host(cap_buf *out, const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return;
	p += 3;
	size_t n = strcspn(p, "/?#");
	const char *at = memrchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (*p == '[') {
		const char *close = memchr(p, ']', n);
		if (close)
			n = (size_t)(close - p) + 1;
	} else {
		const char *colon = memchr(p, ':', n);
		if (colon)
			n = (size_t)(colon - p);
	}
	for (size_t i = 0; i < n; i++)
		cap_buf_putc(out, (char)tolower((unsigned char)p[i]));
}

static int setup_http(cap_git_session *s, const char *url, const cap_git_creds *creds,
		      const cap_git_transport *t, unsigned *ncfg)
{
	int rc = 0;
	cap_buf path = CAP_BUF_INIT, v = CAP_BUF_INIT;
	if (creds && creds->insecure)
		config_env(&s->env, ncfg, "http.sslVerify", "false");
	if (t && t->tls_certs_dir) {
		cap_buf host = CAP_BUF_INIT;
		url_host(&host, url);
		cap_buf_printf(&path, "%s/%s", t->tls_certs_dir, host.ptr);
		if (host.len && !strchr(host.ptr, '/') && access(path.ptr, R_OK) == 0)
			config_env(&s->env, ncfg, "http.sslCAInfo", path.ptr);
		cap_buf_release(&host);
	}
	if (creds && creds->tls_client_cert && creds->tls_client_key) {
		if ((rc = put_private_file(s, t, "tls-cert", creds->tls_client_cert, 0600, &path)))
			goto out;
		config_env(&s->env, ncfg, "http.sslCert", path.ptr);
		if ((rc = put_private_file(s, t, "tls-key", creds->tls_client_key, 0600, &path)))
			goto out;
		config_env(&s->env, ncfg, "http.sslKey", path.ptr);
	}
	if (creds && creds->bearer_token) {
		cap_buf_printf(&v, "Authorization: Bearer %s", creds->bearer_token);
		config_env(&s->env, ncfg, "http.extraHeader", v.ptr);
	} else if (creds && creds->force_basic_auth && (creds->username || creds->password)) {
		/* Sent up front, for servers that answer 404 instead of asking. */
		cap_buf plain = CAP_BUF_INIT;
		cap_buf_printf(&plain, "%s:%s", creds->username ? creds->username : "git",
			       creds->password ? creds->password : "");
		char *enc = cap_malloc(plain.len / 3 * 4 + 8);
		EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)plain.ptr,
				(int)plain.len);
		cap_buf_printf(&v, "Authorization: Basic %s", enc);
		config_env(&s->env, ncfg, "http.extraHeader", v.ptr);
		explicit_bzero(enc, strlen(enc));
		explicit_bzero(plain.ptr, plain.len);
		free(enc);
		cap_buf_release(&plain);
	}
	if (creds && creds->proxy)
		config_env(&s->env, ncfg, "http.proxy", creds->proxy);
	if (creds && creds->no_proxy) {
		cap_strvec_pushf(&s->env, "NO_PROXY=%s", creds->no_proxy);
		cap_strvec_pushf(&s->env, "no_proxy=%s", creds->no_proxy);
	}
out:
	if (v.len)
		explicit_bzero(v.ptr, v.len);
	cap_buf_release(&v);
	cap_buf_release(&path);
	return rc;
}

static int setup_ssh(cap_git_session *s, const cap_git_creds *creds, const cap_git_transport *t)
{
	cap_buf cmd = CAP_BUF_INIT, path = CAP_BUF_INIT;
	int rc = 0;
	cap_buf_puts(&cmd, "ssh -F /dev/null -o BatchMode=yes");
	if (creds && creds->ssh_private_key) {
		if ((rc = put_private_file(s, t, "ssh-key", creds->ssh_private_key, 0600, &path)))
			goto out;
		cap_buf_puts(&cmd, " -o IdentitiesOnly=yes -i ");
		put_shell_quoted(&cmd, path.ptr);
	}
	if (creds && creds->insecure) {
		cap_buf_puts(&cmd, " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null");
	} else {
		cap_buf_puts(&cmd, " -o StrictHostKeyChecking=yes");
		if (t && t->known_hosts) {
			cap_buf_puts(&cmd, " -o UserKnownHostsFile=");
			put_shell_quoted(&cmd, t->known_hosts);
		}
	}
	if (creds && creds->proxy)
		cap_strvec_pushf(&s->env, "ALL_PROXY=%s", creds->proxy);
	cap_strvec_pushf(&s->env, "GIT_SSH_COMMAND=%s", cmd.ptr);
out:
	cap_buf_release(&cmd);
	cap_buf_release(&path);
	return rc;
}

int cap_git_session_init(cap_git_session *s, const char *url, const cap_git_creds *creds,
			 const cap_git_transport *transport)
{
	memset(s, 0, sizeof(*s));
	cap_strvec_init(&s->argv);
	cap_strvec_init(&s->env);
	static const char *const prefix[] = {"git",	  "-c", "protocol.version=2",	  "-c",
					     "gc.auto=0", "-c", "maintenance.auto=false", NULL};
	cap_strvec_pushv(&s->argv, prefix);
	cap_strvec_push(&s->env, "GIT_TERMINAL_PROMPT=0");
	cap_strvec_push(&s->env, "GIT_CONFIG_NOSYSTEM=1");
	cap_strvec_push(&s->env, "GIT_CONFIG_GLOBAL=/dev/null");
	/* ext:: and fd:: would run commands; only real transports are allowed. */
	cap_strvec_push(&s->env, "GIT_ALLOW_PROTOCOL=file:git:http:https:ssh");
	int rc = 0;
	unsigned ncfg = 0;
	/* No credential helper but ours: an empty value resets the list, then ours follows. */
	config_env(&s->env, &ncfg, "credential.helper", "");
	if (creds && (creds->username || creds->password)) {
		config_env(&s->env, &ncfg, "credential.helper", credential_helper);
		cap_strvec_pushf(&s->env, "CAP_GIT_USERNAME=%s",
				 creds->username ? creds->username : "git");
		cap_strvec_pushf(&s->env, "CAP_GIT_PASSWORD=%s",
				 creds->password ? creds->password : "");
	}
	if (cap_git_url_is_http(url))
		rc = setup_http(s, url, creds, transport, &ncfg);
	else if (cap_git_url_is_ssh(url))
		rc = setup_ssh(s, creds, transport);
	if (ncfg)
		cap_strvec_pushf(&s->env, "GIT_CONFIG_COUNT=%u", ncfg);
	s->argv_base = s->argv.len;
	if (rc)
		cap_git_session_release(s);
	return rc;
}

void cap_git_session_reset(cap_git_session *s)
{
	while (s->argv.len > s->argv_base)
		cap_strvec_pop(&s->argv);
}

void cap_git_session_release(cap_git_session *s)
{
	if (!s)
		return;
	if (s->private_dir) {
		cap_buf p = CAP_BUF_INIT;
		for (size_t i = 0; i < sizeof(private_files) / sizeof(private_files[0]); i++) {
			cap_buf_clear(&p);
			cap_buf_printf(&p, "%s/%s", s->private_dir, private_files[i]);
			unlink(p.ptr);
		}
		rmdir(s->private_dir);
		cap_buf_release(&p);
		free(s->private_dir);
	}
	for (size_t i = 0; i < s->env.len; i++)
		explicit_bzero(s->env.items[i], strlen(s->env.items[i]));
	cap_strvec_release(&s->env);
	cap_strvec_release(&s->argv);
	memset(s, 0, sizeof(*s));
}

/* Replaces every occurrence of secret in b with "***". */
static void mask(cap_buf *b, const char *secret)
{
	if (!secret || strlen(secret) < 3)
		return; /* too short to mask without mangling the message */
	size_t n = strlen(secret);
	cap_buf out = CAP_BUF_INIT;
	const char *p = b->ptr;
	const char *hit;
	while ((hit = strstr(p, secret))) {
		cap_buf_put(&out, p, (size_t)(hit - p));
		cap_buf_puts(&out, "***");
		p = hit + n;
	}
	cap_buf_puts(&out, p);
	cap_buf_release(b);
	*b = out;
}

/* Masks "scheme://user:pass@" user information anywhere in a message. */
static void scrub_urls(cap_buf *b)
{
	cap_buf out = CAP_BUF_INIT;
	const char *p = b->ptr;
	const char *sep;
	while ((sep = strstr(p, "://"))) {
		const char *auth = sep + 3;
		size_t n = strcspn(auth, "/ \t'\"@");
		cap_buf_put(&out, p, (size_t)(auth - p));
		if (auth[n] == '@') {
			cap_buf_puts(&out, "***");
			p = auth + n;
		} else {
			p = auth;
		}
	}
	cap_buf_puts(&out, p);
	cap_buf_release(b);
	*b = out;
}

static bool has(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

/* Maps git's stderr to an error code: it is the only signal git gives. */
static int classify(const char *err)
{
	static const char *const auth[] = {"authentication failed",
					   "could not read username",
					   "could not read password",
					   "terminal prompts disabled",
					   "permission denied",
					   "requested url returned error: 401",
					   "requested url returned error: 403",
					   "host key verification failed",
					   NULL};
	static const char *const missing[] = {"repository not found",
					      "not found",
					      "does not appear to be a git repository",
					      "couldn't find remote ref",
					      "not our ref",
					      "does not exist",
					      "no such repository",
					      "returned error: 404",
					      NULL};
	static const char *const down[] = {
	    "could not resolve host", "connection refused",   "failed to connect",
	    "unable to connect",      "connection timed out", "network is unreachable",
	    "unable to access",	      "connection reset",     NULL};
	for (int i = 0; auth[i]; i++)
		if (has(err, auth[i]))
			return CAP_EAUTH;
	for (int i = 0; missing[i]; i++)
		if (has(err, missing[i]))
			return CAP_ENOTFOUND;
	for (int i = 0; down[i]; i++)
		if (has(err, down[i]))
			return CAP_EUNAVAILABLE;
	return CAP_EGENERIC;
}

/* The most telling line of git's stderr: the first "fatal:" line, else the last line. */
static void pick_line(cap_buf *out, const cap_buf *err)
{
	const char *fatal = strstr(err->ptr, "fatal:");
	const char *start = fatal;
	if (!start) {
		size_t end = err->len;
		while (end && isspace((unsigned char)err->ptr[end - 1]))
			end--;
		start = err->ptr + end;
		while (start > err->ptr && start[-1] != '\n')
			start--;
	}
	size_t n = strcspn(start, "\n");
	while (n && isspace((unsigned char)start[n - 1]))
		n--;
	cap_buf_put(out, start, n > 300 ? 300 : n);
}

int cap_git_session_run(cap_git_session *s, cap_proc_result *res, const char *what, const char *url,
			const cap_git_creds *creds, const char *git_dir, int timeout_ms)
{
	cap_proc_result local = CAP_PROC_RESULT_INIT;
	cap_proc_result *r = res ? res : &local;
	cap_strvec env = CAP_STRVEC_INIT;
	cap_strvec_pushv(&env, (const char *const *)s->env.items);
	if (git_dir)
		cap_strvec_pushf(&env, "GIT_DIR=%s", git_dir);
	cap_proc_opts o = {
	    .argv = (const char *const *)s->argv.items,
	    .env = (const char *const *)env.items,
	    .timeout_ms = timeout_ms,
	};
	atomic_fetch_add(&process_count, 1);
	int rc = cap_proc_run(r, &o);
	for (size_t i = 0; i < env.len; i++)
		explicit_bzero(env.items[i], strlen(env.items[i]));
	cap_strvec_release(&env);
	if (rc == 0 && r->exit_code == 0)
		goto out;
	cap_buf safe_url = CAP_BUF_INIT, line = CAP_BUF_INIT;
	cap_git_url_scrub(&safe_url, url ? url : "");
	if (rc == CAP_ETIMEOUT) {
		rc = cap_error_set(CAP_ETIMEOUT, "%s '%s': git did not finish within %d ms", what,
				   safe_url.ptr, timeout_ms);
	} else if (rc == 0) {
		pick_line(&line, &r->err);
		if (creds) {
			mask(&line, creds->password);
			mask(&line, creds->bearer_token);
		}
		scrub_urls(&line);
		rc = cap_error_set(classify(r->err.ptr), "%s '%s': %s", what, safe_url.ptr,
				   line.len ? line.ptr : "git failed");
	} else {
		cap_error_prefix("%s '%s': ", what, safe_url.ptr);
	}
	cap_buf_release(&safe_url);
	cap_buf_release(&line);
out:
	cap_proc_result_release(&local);
	return rc;
}

int cap_git_session_ls_remote(cap_git_refs *out, cap_git_session *s, const char *url,
			      const cap_git_creds *creds, int timeout_ms)
{
	if (!url || !*url || *url == '-')
		return cap_error_set(CAP_EINVALID, "'%s' is not a repository URL", url ? url : "");
	cap_git_session_reset(s);
	cap_strvec_push(&s->argv, "ls-remote");
	cap_strvec_push(&s->argv, "--symref");
	cap_strvec_push(&s->argv, url);
	cap_proc_result res = CAP_PROC_RESULT_INIT;
	int rc = cap_git_session_run(s, &res, "cannot list refs of", url, creds, NULL, timeout_ms);
	if (rc == 0)
		rc = cap_git_refs_parse(out, res.out.ptr, res.out.len);
	cap_proc_result_release(&res);
	cap_git_session_reset(s);
	return rc;
}

int cap_git_ls_remote(cap_git_refs *out, const char *url, const cap_git_creds *creds,
		      int timeout_ms)
{
	cap_git_session s;
	int rc = cap_git_session_init(&s, url ? url : "", creds, NULL);
	if (rc)
		return rc;
	rc = cap_git_session_ls_remote(out, &s, url, creds, timeout_ms);
	cap_git_session_release(&s);
	return rc;
}
