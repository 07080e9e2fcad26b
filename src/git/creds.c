/* Repository credentials from Argo CD repository and repo-creds Secrets, looked up by URL. */
#include "git/creds.h"

#include "base/alloc.h"
#include "base/base64.h"
#include "base/buf.h"
#include "base/error.h"
#include "git/url.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SECRET_TYPE_LABEL "argocd.argoproj.io/secret-type"

static void free_secret_string(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void cap_git_creds_release(cap_git_creds *c)
{
	if (!c)
		return;
	free(c->username);
	free_secret_string(c->password);
	free_secret_string(c->bearer_token);
	free_secret_string(c->ssh_private_key);
	free(c->tls_client_cert);
	free_secret_string(c->tls_client_key);
	free_secret_string(c->proxy);
	free(c->no_proxy);
	*c = (cap_git_creds)CAP_GIT_CREDS_INIT;
}

static char *dup_or_null(const char *s)
{
	return s ? cap_strdup(s) : NULL;
}

void cap_git_creds_copy(cap_git_creds *out, const cap_git_creds *src)
{
	*out = (cap_git_creds)CAP_GIT_CREDS_INIT;
	if (!src)
		return;
	out->username = dup_or_null(src->username);
	out->password = dup_or_null(src->password);
	out->bearer_token = dup_or_null(src->bearer_token);
	out->ssh_private_key = dup_or_null(src->ssh_private_key);
	out->insecure = src->insecure;
	out->force_basic_auth = src->force_basic_auth;
	out->tls_client_cert = dup_or_null(src->tls_client_cert);
	out->tls_client_key = dup_or_null(src->tls_client_key);
	out->proxy = dup_or_null(src->proxy);
	out->no_proxy = dup_or_null(src->no_proxy);
}

bool cap_git_creds_empty(const cap_git_creds *c)
{
	return !c || (!c->username && !c->password && !c->bearer_token && !c->ssh_private_key &&
		      !c->tls_client_cert && !c->proxy && !c->insecure);
}

/* Decodes standard base64 text that must not hold NUL bytes; NULL when malformed. */
static char *base64_decode(const char *in, size_t len)
{
	cap_buf b = CAP_BUF_INIT;
	if (cap_base64_decode(&b, in, len, CAP_BASE64_STRICT) || memchr(b.ptr, '\0', b.len)) {
		cap_buf_release(&b);
		return NULL;
	}
	return cap_buf_detach(&b, NULL);
}

/* A field from stringData, else base64 data; *out is NULL when absent or empty. */
static int secret_field(char **out, const cap_value *secret, const char *name, const char *field)
{
	*out = NULL;
	const char *plain = cap_value_dig_string(secret, "stringData", field, NULL);
	if (plain) {
		*out = *plain ? cap_strdup(plain) : NULL;
		return 0;
	}
	cap_value *enc = cap_value_dig(secret, "data", field, NULL);
	if (!enc || cap_value_is_null(enc))
		return 0;
	const char *text = cap_value_get_string(enc);
	char *dec = text ? base64_decode(text, cap_value_string_len(enc)) : NULL;
	if (!dec)
		return cap_error_set(CAP_EINVALID, "secret '%s' field '%s' is not valid base64",
				     name, field);
	if (!*dec) {
		free(dec);
		return 0;
	}
	*out = dec;
	return 0;
}

int cap_git_repo_secret_parse(cap_git_repo_secret *out, const cap_value *secret)
{
	const char *name = cap_value_dig_string(secret, "metadata", "name", NULL);
	const char *kind =
	    cap_value_dig_string(secret, "metadata", "labels", SECRET_TYPE_LABEL, NULL);
	if (!name)
		name = "";
	if (!kind || (strcmp(kind, "repository") && strcmp(kind, "repo-creds")))
		return cap_error_set(CAP_ENOTFOUND, "secret '%s' is not a repository secret", name);
	cap_git_repo_secret s = {0};
	char *insecure = NULL, *force = NULL;
	static const char *const fields[] = {"url",
					     "type",
					     "project",
					     "username",
					     "password",
					     "bearerToken",
					     "sshPrivateKey",
					     "insecure",
					     "forceHttpBasicAuth",
					     "tlsClientCertData",
					     "tlsClientCertKey",
					     "proxy",
					     "noProxy"};
	char **slots[] = {&s.url,
			  &s.type,
			  &s.project,
			  &s.creds.username,
			  &s.creds.password,
			  &s.creds.bearer_token,
			  &s.creds.ssh_private_key,
			  &insecure,
			  &force,
			  &s.creds.tls_client_cert,
			  &s.creds.tls_client_key,
			  &s.creds.proxy,
			  &s.creds.no_proxy};
	int rc = 0;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && !rc; i++)
		rc = secret_field(slots[i], secret, name, fields[i]);
	s.creds.insecure = insecure && strcasecmp(insecure, "true") == 0;
	s.creds.force_basic_auth = force && strcasecmp(force, "true") == 0;
	free(insecure);
	free(force);
	if (!rc && !s.url)
		rc = cap_error_set(CAP_EINVALID, "secret '%s' has no url", name);
	s.name = cap_strdup(name);
	s.is_template = strcmp(kind, "repo-creds") == 0;
	if (!s.type)
		s.type = cap_strdup("git");
	if (rc) {
		cap_git_repo_secret_release(&s);
		return rc;
	}
	*out = s;
	return 0;
}

void cap_git_repo_secret_release(cap_git_repo_secret *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->url);
	free(s->type);
	free(s->project);
	cap_git_creds_release(&s->creds);
	memset(s, 0, sizeof(*s));
}

struct cap_git_credstore {
	cap_git_repo_secret *items;
	size_t len, cap;
};

cap_git_credstore *cap_git_credstore_new(void)
{
	return cap_calloc(1, sizeof(cap_git_credstore));
}

void cap_git_credstore_free(cap_git_credstore *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->len; i++)
		cap_git_repo_secret_release(&s->items[i]);
	free(s->items);
	free(s);
}

void cap_git_credstore_add(cap_git_credstore *s, cap_git_repo_secret *entry)
{
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->items = cap_realloc(s->items, s->cap * sizeof(*s->items));
	}
	s->items[s->len++] = *entry;
	memset(entry, 0, sizeof(*entry));
}

int cap_git_credstore_add_secret(cap_git_credstore *s, const cap_value *secret)
{
	cap_git_repo_secret e;
	int rc = cap_git_repo_secret_parse(&e, secret);
	if (rc)
		return rc;
	cap_git_credstore_add(s, &e);
	return 0;
}

const cap_git_repo_secret *cap_git_credstore_find_repo(const cap_git_credstore *s, const char *url)
{
	for (size_t i = 0; s && i < s->len; i++)
		if (!s->items[i].is_template && cap_git_url_same(s->items[i].url, url))
			return &s->items[i];
	return NULL;
}

const cap_git_creds *cap_git_credstore_lookup(const cap_git_credstore *s, const char *url)
{
	const cap_git_repo_secret *repo = cap_git_credstore_find_repo(s, url);
	if (repo && !cap_git_creds_empty(&repo->creds))
		return &repo->creds;
	/* Templates match by a case-insensitive prefix of the URL as written, as Argo CD's do. */
	const cap_git_creds *best = NULL;
	size_t best_len = 0, url_len = strlen(url);
	for (size_t i = 0; s && i < s->len; i++) {
		const char *prefix = s->items[i].url;
		size_t n = strlen(prefix);
		if (!s->items[i].is_template || n < best_len || n > url_len)
			continue;
		if (strncasecmp(url, prefix, n) == 0) {
			best = &s->items[i].creds;
			best_len = n;
		}
	}
	if (!best && repo)
		best = &repo->creds;
	return best;
}
