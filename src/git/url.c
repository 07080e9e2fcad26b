/* Repository URL normalisation, comparison and credential scrubbing. */
#include "git/url.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Length of "scheme://" at the start of url, or 0. */
static size_t scheme_len(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p || p == url)
		return 0;
	for (const char *q = url; q < p; q++)
		if (!isalnum((unsigned char)*q) && *q != '+' && *q != '-' && *q != '.')
			return 0;
	return (size_t)(p - url) + 3;
}

/* scp-like syntax: [user@]host:path with no scheme and no slash before the colon. */
static bool is_scp_like(const char *url)
{
	if (scheme_len(url))
		return false;
	const char *colon = strchr(url, ':');
	const char *slash = strchr(url, '/');
	return colon && colon != url && (!slash || slash > colon);
}

bool cap_git_url_is_ssh(const char *url)
{
	return strncasecmp(url, "ssh://", 6) == 0 || strncasecmp(url, "git+ssh://", 10) == 0 ||
	       is_scp_like(url);
}

bool cap_git_url_is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static void put_lower(cap_buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cap_buf_putc(out, (char)tolower((unsigned char)s[i]));
}

void cap_git_url_normalize(cap_buf *out, const char *url)
{
	while (isspace((unsigned char)*url))
		url++;
	size_t len = strlen(url);
	while (len && isspace((unsigned char)url[len - 1]))
		len--;
	size_t start = out->len;
	size_t sl = scheme_len(url);
	const char *rest;
	if (sl) {
		put_lower(out, url, sl);
		rest = url + sl;
	} else if (is_scp_like(url)) {
		cap_buf_puts(out, "ssh://");
		rest = url;
	} else {
		cap_buf_put(out, url, len);
		goto trim;
	}
	/* Authority: user info keeps its case, the host is lowered; scp's ':' becomes '/'. */
	const char *end = url + len;
	const char *auth_end = rest;
	while (auth_end < end && *auth_end != '/' && !(!sl && *auth_end == ':'))
		auth_end++;
	const char *at = memrchr(rest, '@', (size_t)(auth_end - rest));
	const char *host = at ? at + 1 : rest;
	cap_buf_put(out, rest, (size_t)(host - rest));
	put_lower(out, host, (size_t)(auth_end - host));
	if (!sl && auth_end < end) {
		cap_buf_putc(out, '/');
		auth_end++;
	}
	cap_buf_put(out, auth_end, (size_t)(end - auth_end));
trim:
	for (;;) {
		size_t n = out->len - start;
		if (n > 1 && out->ptr[out->len - 1] == '/')
			cap_buf_truncate(out, out->len - 1);
		else if (n > 4 && strcasecmp(out->ptr + out->len - 4, ".git") == 0)
			cap_buf_truncate(out, out->len - 4);
		else
			break;
	}
}

bool cap_git_url_same(const char *a, const char *b)
{
	cap_buf x = CAP_BUF_INIT, y = CAP_BUF_INIT;
	cap_git_url_normalize(&x, a);
	cap_git_url_normalize(&y, b);
	bool same = x.len == y.len && strcasecmp(x.ptr, y.ptr) == 0;
	cap_buf_release(&x);
	cap_buf_release(&y);
	return same;
}

void cap_git_url_scrub(cap_buf *out, const char *url)
{
	size_t sl = scheme_len(url);
	if (!sl) {
		cap_buf_puts(out, url);
		return;
	}
	const char *auth = url + sl;
	size_t auth_len = strcspn(auth, "/?#");
	const char *at = memrchr(auth, '@', auth_len);
	if (!at) {
		cap_buf_puts(out, url);
		return;
	}
	cap_buf_put(out, url, sl);
	cap_buf_puts(out, "***");
	cap_buf_puts(out, at);
}
