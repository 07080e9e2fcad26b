/* Repository credentials and their source: Argo CD repository and repo-creds Secrets. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "value/value.h"

/*
 * Credentials for one repository. Every string is owned (malloc'd) and may be NULL. They are
 * handed to git only through the environment of the git process and private 0600 files,
 * never in a URL, an argv or a message.
 */
typedef struct cap_git_creds {
	char *username;	       /* HTTPS basic auth; defaults to "git" when only a password is set */
	char *password;	       /* HTTPS password or token */
	char *bearer_token;    /* HTTPS "Authorization: Bearer" token */
	char *ssh_private_key; /* PEM/OpenSSH private key text */
	bool insecure;	       /* skip TLS verification / SSH host key checking */
	bool force_basic_auth; /* send basic auth up front instead of waiting for a 401 */
	char *tls_client_cert; /* PEM client certificate for HTTPS, with tls_client_key */
	char *tls_client_key;
	char *proxy;	/* proxy URL for this repository (may carry credentials) */
	char *no_proxy; /* hosts that bypass the proxy */
} cap_git_creds;

#define CAP_GIT_CREDS_INIT                                                                         \
	{                                                                                          \
		NULL, NULL, NULL, NULL, false, false, NULL, NULL, NULL, NULL                       \
	}

void cap_git_creds_release(cap_git_creds *c);
/* Deep copy of src into out (out is overwritten, not released). src may be NULL. */
void cap_git_creds_copy(cap_git_creds *out, const cap_git_creds *src);
/* True when c carries nothing to authenticate with (NULL counts as empty). */
bool cap_git_creds_empty(const cap_git_creds *c);

/*
 * One Secret labelled argocd.argoproj.io/secret-type: repository (a repository) or repo-creds
 * (a template for every repository whose URL starts with url). Owned strings; release with
 * cap_git_repo_secret_release.
 */
typedef struct cap_git_repo_secret {
	char *name; /* metadata.name */
	char *url;
	char *type;    /* "git" (default) or "helm" */
	char *project; /* may be NULL */
	bool is_template;
	cap_git_creds creds;
} cap_git_repo_secret;

/*
 * Reads a Secret object (the JSON value of a v1 Secret): fields come from base64 `data` or
 * plain `stringData` (stringData wins, as the API server merges it). CAP_ENOTFOUND when the
 * Secret is not labelled as a repository or repo-creds; CAP_EINVALID when it has no url or bad
 * base64 (the message names the Secret and field, never the value).
 */
int cap_git_repo_secret_parse(cap_git_repo_secret *out, const cap_value *secret);
void cap_git_repo_secret_release(cap_git_repo_secret *s);

/*
 * A set of repository Secrets for looking credentials up by URL. Not thread-safe while being
 * filled; lookups from many threads are fine once it is built (rebuild a new one on change).
 */
typedef struct cap_git_credstore cap_git_credstore;

cap_git_credstore *cap_git_credstore_new(void);
void cap_git_credstore_free(cap_git_credstore *s);
/* Parses and adds a Secret; returns what cap_git_repo_secret_parse returns. */
int cap_git_credstore_add_secret(cap_git_credstore *s, const cap_value *secret);
/* Takes ownership of an already parsed entry (its contents; *entry is emptied). */
void cap_git_credstore_add(cap_git_credstore *s, cap_git_repo_secret *entry);
/*
 * The credentials for url: a repository Secret for the same URL (normalised) first, else the
 * repo-creds template with the longest URL prefix of it, else NULL. Borrowed from the store.
 */
const cap_git_creds *cap_git_credstore_lookup(const cap_git_credstore *s, const char *url);
/* The repository Secret whose URL is url, or NULL: for its project and type. Borrowed. */
const cap_git_repo_secret *cap_git_credstore_find_repo(const cap_git_credstore *s, const char *url);
