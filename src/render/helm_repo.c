/* Charts from Helm repositories: index.yaml over HTTP(S), version selection, download, unpack. */
#include "render/internal.h"

#include "base/error.h"
#include "base/hashmap.h"
#include "git/creds.h"
#include "git/semver.h"
#include "git/url.h"
#include "render/paths.h"
#include "value/yaml.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INDEX_BYTES (64u << 20)
#define MAX_CHART_BYTES (100u << 20)

typedef struct download {
	cap_buf *body;
	size_t limit;
	bool too_big;
} download;

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	download *d = arg;
	if (d->body->len + size * n > d->limit) {
		d->too_big = true;
		return 0;
	}
	cap_buf_put(d->body, data, size * n);
	return size * n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* GETs url into body; messages quote the URL without credentials. */
/* The host (and port) part of an http(s) URL, for the same-host rule of credentials. */
static void host_of(cap_buf *out, const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	cap_buf_clear(out);
	cap_buf_put(out, p, n);
}

static void set_creds(CURL *c, const cap_git_creds *cr)
{
	if (cr->bearer_token) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, cr->bearer_token);
	} else if (cr->password || cr->username) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, cr->username ? cr->username : "");
		curl_easy_setopt(c, CURLOPT_PASSWORD, cr->password ? cr->password : "");
	}
	if (cr->tls_client_cert && cr->tls_client_key) {
		struct curl_blob cert = {cr->tls_client_cert, strlen(cr->tls_client_cert),
					 CURL_BLOB_COPY};
		struct curl_blob key = {cr->tls_client_key, strlen(cr->tls_client_key),
					CURL_BLOB_COPY};
		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
	}
}

/* Proxy and TLS settings apply to every request to the repository; secrets only as allowed. */
static void set_transport(CURL *c, const cap_git_creds *cr, bool send_secrets)
{
	if (!cr)
		return;
	if (cr->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (cr->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, cr->proxy);
	if (cr->no_proxy)
		curl_easy_setopt(c, CURLOPT_NOPROXY, cr->no_proxy);
	if (send_secrets)
		set_creds(c, cr);
}

/*
 * GETs url into body; messages quote the URL without credentials. Credentials go to the
 * repository's own host, and elsewhere only when the source sets passCredentials, as Helm does.
 */
static int http_get(cap_buf *body, const char *url, size_t limit, const cap_render_ctx *ctx)
{
	const cap_git_creds *cr = ctx->req->chart_creds;
	bool send = false;
	if (cr) {
		cap_buf a = CAP_BUF_INIT, b = CAP_BUF_INIT;
		host_of(&a, url);
		host_of(&b, ctx->req->source->repo_url ? ctx->req->source->repo_url : "");
		send = !strcmp(a.ptr, b.ptr) || ctx->req->source->helm.pass_credentials;
		cap_buf_release(&a);
		cap_buf_release(&b);
	}
	cap_buf shown = CAP_BUF_INIT;
	download d = {body, limit, false};
	long status = 0;
	int rc = 0;
	pthread_once(&curl_once, curl_init_once);
	CURL *c = curl_easy_init();
	cap_git_url_scrub(&shown, url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ctx->opts.timeout_ms);
	set_transport(c, cr, send);
	CURLcode cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (d.too_big)
		rc = cap_error_set(CAP_ELIMIT, "'%s' is larger than %zu bytes", shown.ptr, limit);
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		rc = cap_error_set(CAP_ETIMEOUT, "cannot get '%s': timed out", shown.ptr);
	else if (cc != CURLE_OK)
		rc = cap_error_set(CAP_EUNAVAILABLE, "cannot get '%s': %s", shown.ptr,
				   curl_easy_strerror(cc));
	else if (status == 401 || status == 403)
		rc = cap_error_set(CAP_EAUTH, "cannot get '%s': HTTP %ld", shown.ptr, status);
	else if (status == 404)
		rc = cap_error_set(CAP_ENOTFOUND, "cannot get '%s': HTTP 404", shown.ptr);
	else if (status >= 400)
		rc =
		    cap_error_set(CAP_EUNAVAILABLE, "cannot get '%s': HTTP %ld", shown.ptr, status);
	curl_easy_cleanup(c);
	cap_buf_release(&shown);
	return rc;
}

/*
 * Picks the entry for version: an exact match first, else the highest version satisfying it as a
 * constraint ("" and "*" take the latest release), as Argo CD resolves targetRevision for charts.
 */
static int pick_version(cap_value **out, const cap_value *entries, const char *chart,
			const char *version)
{
	cap_semver_constraint *con = NULL;
	cap_semver best_v = {0};
	cap_value *best = NULL, *e;
	size_t i;
	const char *want = version && *version ? version : "*";
	CAP_VALUE_ARRAY_FOREACH(entries, i, e)
	{
		const char *v = cap_value_dig_string(e, "version", NULL);
		if (v && !strcmp(v, want)) {
			*out = e;
			return 0;
		}
	}
	if (cap_semver_constraint_parse(&con, want) != 0)
		return cap_error_set(CAP_ENOTFOUND, "chart '%s' version '%s' not found", chart,
				     want);
	CAP_VALUE_ARRAY_FOREACH(entries, i, e)
	{
		cap_semver sv;
		const char *v = cap_value_dig_string(e, "version", NULL);
		if (!v || cap_semver_parse(&sv, v) != 0)
			continue;
		if (cap_semver_constraint_check(con, &sv) &&
		    (!best || cap_semver_compare(&sv, &best_v) > 0)) {
			cap_semver_release(&best_v);
			best_v = sv;
			best = e;
		} else {
			cap_semver_release(&sv);
		}
	}
	cap_semver_release(&best_v);
	cap_semver_constraint_free(con);
	if (!best)
		return cap_error_set(CAP_ENOTFOUND, "chart '%s' has no version matching '%s'",
				     chart, want);
	*out = best;
	return 0;
}

/* The chart archive's URL: absolute as given, else relative to the repository. */
static void archive_url(cap_buf *out, const char *repo_url, const char *u)
{
	if (strstr(u, "://")) {
		cap_buf_sets(out, u);
		return;
	}
	cap_buf_sets(out, repo_url);
	while (out->len && out->ptr[out->len - 1] == '/')
		cap_buf_truncate(out, out->len - 1);
	cap_buf_printf(out, "/%s", u);
}

static bool safe_name(const char *s)
{
	return *s && !strstr(s, "..") && !strchr(s, '/');
}

static int download_chart(const char *dest, const char *url, cap_render_ctx *ctx)
{
	cap_buf body = CAP_BUF_INIT, tgz = CAP_BUF_INIT, staging = CAP_BUF_INIT, out = CAP_BUF_INIT;
	int rc = http_get(&body, url, MAX_CHART_BYTES, ctx);
	if (rc)
		goto done;
	cap_buf_printf(&staging, "%s.tmp-%d-%lx", dest, (int)getpid(),
		       (unsigned long)pthread_self());
	cap_render_remove_tree(staging.ptr);
	if (mkdir(staging.ptr, 0700) != 0) {
		rc = cap_error_set(CAP_EIO, "cannot make '%s': %s", staging.ptr, strerror(errno));
		goto done;
	}
	cap_buf_printf(&tgz, "%s/chart.tgz", staging.ptr);
	if ((rc = cap_buf_write_file_atomic(&body, tgz.ptr)))
		goto done;
	const char *argv[] = {
	    "tar", "-xzf", tgz.ptr, "-C", staging.ptr, "--no-same-owner", "--no-same-permissions",
	    NULL};
	if ((rc = cap_render__run(&out, argv, staging.ptr, ctx))) {
		cap_error_prefix("cannot unpack chart: ");
		goto done;
	}
	unlink(tgz.ptr);
	/* Readers of other threads may have won the race: theirs is as good as ours. */
	if (rename(staging.ptr, dest) != 0 && errno != ENOTEMPTY && errno != EEXIST)
		rc =
		    cap_error_set(CAP_EIO, "cannot store chart in '%s': %s", dest, strerror(errno));
done:
	if (staging.len)
		cap_render_remove_tree(staging.ptr);
	cap_buf_release(&body);
	cap_buf_release(&tgz);
	cap_buf_release(&staging);
	cap_buf_release(&out);
	return rc;
}

int cap_render__helm_fetch(cap_buf *out, const char *repo_url, const char *chart,
			   const char *version, const char *dir, cap_render_ctx *ctx)
{
	cap_buf index_url = CAP_BUF_INIT, body = CAP_BUF_INIT, url = CAP_BUF_INIT;
	cap_buf dest = CAP_BUF_INIT, chart_dir = CAP_BUF_INIT;
	cap_value *index = NULL, *entry = NULL;
	char real[PATH_MAX];
	int rc = 0;
	if (!repo_url || !safe_name(chart))
		return cap_error_set(CAP_EINVALID, "invalid chart '%s' or repository", chart);
	if (strncmp(repo_url, "http://", 7) && strncmp(repo_url, "https://", 8))
		return cap_error_set(CAP_EUNSUPPORTED,
				     "helm repository URL must be http(s) (OCI is not supported)");
	archive_url(&index_url, repo_url, "index.yaml");
	if ((rc = http_get(&body, index_url.ptr, MAX_INDEX_BYTES, ctx)))
		goto done;
	cap_parse_limits limits = cap_parse_limits_default;
	limits.max_bytes = MAX_INDEX_BYTES;
	limits.max_alias_nodes = 100000;
	if ((rc = cap_yaml_parse(&index, body.ptr, body.len, "index.yaml", &limits)))
		goto done;
	cap_value *entries = cap_value_dig(index, "entries", chart, NULL);
	if (!cap_value_is_array(entries)) {
		rc = cap_error_set(CAP_ENOTFOUND, "chart '%s' not found in repository", chart);
		goto done;
	}
	if ((rc = pick_version(&entry, entries, chart, version)))
		goto done;
	const char *ver = cap_value_dig_string(entry, "version", NULL);
	const char *u =
	    cap_value_get_string(cap_value_array_get(cap_value_dig(entry, "urls", NULL), 0));
	if (!u || !ver || !safe_name(ver)) {
		rc = cap_error_set(CAP_EINVALID, "chart '%s' has no download URL in index.yaml",
				   chart);
		goto done;
	}
	/* One folder per (repository, chart, version): charts are immutable once published. */
	cap_buf_printf(&dest, "%s/chart-%016llx-%s-%s", dir,
		       (unsigned long long)cap_hash_bytes(repo_url, strlen(repo_url)), chart, ver);
	if (access(dest.ptr, F_OK) != 0) {
		archive_url(&url, repo_url, u);
		if ((rc = download_chart(dest.ptr, url.ptr, ctx)))
			goto done;
	}
	cap_buf_printf(&chart_dir, "%s/%s", dest.ptr, chart);
	if (!realpath(chart_dir.ptr, real)) {
		rc = cap_error_set(CAP_ENOTFOUND, "chart archive of '%s' has no folder '%s'", chart,
				   chart);
		goto done;
	}
	cap_buf_sets(out, real);
done:
	cap_value_free(index);
	cap_buf_release(&index_url);
	cap_buf_release(&body);
	cap_buf_release(&url);
	cap_buf_release(&dest);
	cap_buf_release(&chart_dir);
	return rc;
}
