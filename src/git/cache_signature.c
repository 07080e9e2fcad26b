/* GnuPG signatures of cached commits, read from `git verify-commit --raw` status lines. */
#include "git/cache_internal.h"

#include "base/alloc.h"
#include "base/error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void cap_git_signature_release(cap_git_signature *sig)
{
	if (!sig)
		return;
	free(sig->signer);
	memset(sig, 0, sizeof(*sig));
}

/* Copies the last 16 hex digits of the word at p (a key ID or a fingerprint) into key_id. */
static void take_key_id(char key_id[17], const char *p)
{
	size_t n = 0;
	while (isxdigit((unsigned char)p[n]))
		n++;
	if (n < 16)
		return;
	memcpy(key_id, p + n - 16, 16);
	key_id[16] = '\0';
}

/* Reads the "[GNUPG:] KEYWORD args" lines gpg writes through git. */
static void parse_status(cap_git_signature *sig, const char *text)
{
	sig->status = CAP_GIT_SIG_UNSIGNED;
	bool good = false, expired = false, revoked = false, bad = false, missing = false;
	for (const char *line = strstr(text, "[GNUPG:] "); line;
	     line = strstr(line + 1, "[GNUPG:] ")) {
		const char *kw = line + 9;
		size_t kw_len = strcspn(kw, " \n");
		const char *arg = kw[kw_len] == ' ' ? kw + kw_len + 1 : kw + kw_len;
		if (kw_len == 7 && !strncmp(kw, "GOODSIG", 7)) {
			good = true;
			take_key_id(sig->key_id, arg);
			const char *uid = strchr(arg, ' ');
			if (uid && !sig->signer)
				sig->signer = cap_strndup(uid + 1, strcspn(uid + 1, "\n"));
		} else if ((kw_len == 6 && !strncmp(kw, "EXPSIG", 6)) ||
			   (kw_len == 9 && !strncmp(kw, "EXPKEYSIG", 9))) {
			expired = true;
			take_key_id(sig->key_id, arg);
		} else if (kw_len == 9 && !strncmp(kw, "REVKEYSIG", 9)) {
			revoked = true;
			take_key_id(sig->key_id, arg);
		} else if (kw_len == 6 && !strncmp(kw, "BADSIG", 6)) {
			bad = true;
			take_key_id(sig->key_id, arg);
		} else if (kw_len == 6 && !strncmp(kw, "ERRSIG", 6)) {
			take_key_id(sig->key_id, arg);
			missing = true;
		} else if (kw_len == 9 && !strncmp(kw, "VALIDSIG", 9)) {
			take_key_id(sig->key_id, arg);
		}
	}
	if (bad)
		sig->status = CAP_GIT_SIG_BAD;
	else if (revoked)
		sig->status = CAP_GIT_SIG_REVOKED;
	else if (expired)
		sig->status = CAP_GIT_SIG_EXPIRED;
	else if (good)
		sig->status = CAP_GIT_SIG_GOOD;
	else if (missing)
		sig->status = CAP_GIT_SIG_UNKNOWN_KEY;
	if (sig->status != CAP_GIT_SIG_GOOD) {
		free(sig->signer);
		sig->signer = NULL;
	}
}

int cap_git_cache_verify_commit(cap_git_signature *out, cap_git_cache *c, const char *url,
				const char *commit, const char *gnupg_home,
				const cap_git_creds *creds)
{
	char sha[41];
	int err = cap_git_cache__commit_args(sha, url, commit);
	if (err)
		return err;
	if (!gnupg_home || !*gnupg_home)
		return cap_error_set(CAP_EINVALID,
				     "verifying signatures needs a keyring directory");
	repo *r = cap_git_cache__repo_get(c, url);
	int rc = cap_git_cache__ensure_commit(c, r, url, creds, sha);
	cap_proc_result res = CAP_PROC_RESULT_INIT;
	if (rc == 0) {
		cap_git_session s;
		rc = cap_git_session_init(&s, "", NULL, NULL);
		if (rc == 0) {
			cap_strvec_pushf(&s.env, "GNUPGHOME=%s", gnupg_home);
			const char *args[] = {"verify-commit", "--raw", sha, NULL};
			cap_strvec_pushv(&s.argv, args);
			/* A bad or missing signature is a verdict, not an error: only the status
			 * counts. */
			rc = cap_git_session_run(&s, &res, "cannot verify a commit of", r->key,
						 NULL, r->dir, cap_git_cache__timeout(c));
			if (rc != CAP_ETIMEOUT && res.exit_code >= 0)
				rc = 0;
			cap_git_session_release(&s);
		}
	}
	cap_git_cache__repo_put(c, r);
	if (rc == 0) {
		cap_git_signature sig = {0};
		parse_status(&sig, res.err.ptr);
		*out = sig;
		cap_error_clear();
	}
	cap_proc_result_release(&res);
	return rc;
}
