/* Parsing of API paths and query strings into dd_path and dd_query. */
#include "drydock/url.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define MAX_SEGMENTS 10

int dd_path_parse(dd_path *out, const char *path, cap_arena *arena)
{
	const char *seg[MAX_SEGMENTS];
	size_t n = 0;
	dd_path p = {
	    .group = "", .version = "", .ns = "", .resource = "", .name = "", .subresource = ""};

	if (!path || path[0] != '/')
		return cap_error_set(CAP_ENOTFOUND, "not an api path");
	const char *s = path;
	while (*s) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (n == MAX_SEGMENTS)
			return cap_error_set(CAP_ENOTFOUND, "path has too many segments");
		seg[n++] = cap_arena_strndup(arena, s, len);
		s += len;
	}
	size_t i = 0;
	if (n >= 1 && strcmp(seg[0], "api") == 0) {
		p.core = true;
		i = 1;
		if (n >= 2)
			p.version = seg[i++];
	} else if (n >= 1 && strcmp(seg[0], "apis") == 0) {
		i = 1;
		if (n >= 2)
			p.group = seg[i++];
		if (n >= 3)
			p.version = seg[i++];
	} else {
		return cap_error_set(CAP_ENOTFOUND, "not an api path");
	}
	if (i < n && strcmp(seg[i], "watch") == 0) {
		p.watch_prefix = true;
		i++;
	}
	size_t rest = n - i;
	const char **r = seg + i;
	if (rest == 0) {
		/* group or group-version root */
	} else if (strcmp(r[0], "namespaces") == 0 && rest >= 3 &&
		   !(rest == 3 && (strcmp(r[2], "status") == 0 || strcmp(r[2], "finalize") == 0))) {
		p.ns = r[1];
		p.resource = r[2];
		if (rest >= 4)
			p.name = r[3];
		if (rest >= 5)
			p.subresource = r[4];
		if (rest > 5)
			return cap_error_set(CAP_ENOTFOUND, "path has too many segments");
	} else {
		p.resource = r[0];
		if (rest >= 2)
			p.name = r[1];
		if (rest >= 3)
			p.subresource = r[2];
		if (rest > 3)
			return cap_error_set(CAP_ENOTFOUND, "path has too many segments");
	}
	*out = p;
	return 0;
}

void dd_query_init(dd_query *q)
{
	memset(q, 0, sizeof(*q));
	q->limit = -1;
	q->timeout_seconds = -1;
	q->grace_period_seconds = -1;
}

static int parse_int(int64_t *out, const char *key, const char *value)
{
	char *end;
	if (!*value) {
		*out = -1;
		return 0;
	}
	long long v = strtoll(value, &end, 10);
	if (*end || v < 0)
		return cap_error_set(CAP_EINVALID, "invalid value for %s: '%s'", key, value);
	*out = v;
	return 0;
}

static bool parse_bool(const char *v)
{
	return strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "True") == 0;
}

int dd_query_set(dd_query *q, const char *key, const char *value, cap_arena *arena)
{
	if (!value)
		value = "";
	const char *v = cap_arena_strdup(arena, value);
	if (strcmp(key, "labelSelector") == 0)
		q->label_selector = v;
	else if (strcmp(key, "fieldSelector") == 0)
		q->field_selector = v;
	else if (strcmp(key, "resourceVersion") == 0)
		q->resource_version = v;
	else if (strcmp(key, "resourceVersionMatch") == 0)
		q->resource_version_match = v;
	else if (strcmp(key, "continue") == 0)
		q->cont = v;
	else if (strcmp(key, "fieldManager") == 0)
		q->field_manager = v;
	else if (strcmp(key, "fieldValidation") == 0)
		q->field_validation = v;
	else if (strcmp(key, "propagationPolicy") == 0)
		q->propagation_policy = v;
	else if (strcmp(key, "pretty") == 0)
		q->pretty = v;
	else if (strcmp(key, "includeObject") == 0)
		q->include_object = v;
	else if (strcmp(key, "limit") == 0)
		return parse_int(&q->limit, key, v);
	else if (strcmp(key, "timeout") == 0)
		return 0; /* a Go duration ("32s") bounding the request; requests here are fast */
	else if (strcmp(key, "timeoutSeconds") == 0)
		return parse_int(&q->timeout_seconds, key, v);
	else if (strcmp(key, "gracePeriodSeconds") == 0)
		return parse_int(&q->grace_period_seconds, key, v);
	else if (strcmp(key, "watch") == 0)
		q->watch = parse_bool(v);
	else if (strcmp(key, "allowWatchBookmarks") == 0)
		q->allow_watch_bookmarks = parse_bool(v);
	else if (strcmp(key, "sendInitialEvents") == 0)
		q->send_initial_events = parse_bool(v);
	else if (strcmp(key, "verbose") == 0)
		q->verbose = true;
	else if (strcmp(key, "force") == 0)
		q->force = parse_bool(v);
	else if (strcmp(key, "orphanDependents") == 0) {
		q->orphan_dependents_set = true;
		q->orphan_dependents = parse_bool(v);
	} else if (strcmp(key, "dryRun") == 0) {
		if (strcmp(v, "All") == 0)
			q->dry_run = true;
		else if (*v)
			return cap_error_set(CAP_EINVALID,
					     "Invalid dry run value: %s, valid values are: All", v);
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *dd_url_decode(const char *s, size_t len, cap_arena *arena)
{
	char *out = cap_arena_alloc(arena, len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 &&
			   hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

int dd_query_parse(dd_query *q, const char *raw, size_t len, cap_arena *arena)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && raw[j] != '&')
			j++;
		size_t eq = i;
		while (eq < j && raw[eq] != '=')
			eq++;
		if (j > i) {
			char *key = dd_url_decode(raw + i, eq - i, arena);
			char *val = eq < j ? dd_url_decode(raw + eq + 1, j - eq - 1, arena)
					   : cap_arena_strdup(arena, "");
			int rc = dd_query_set(q, key, val, arena);
			if (rc < 0)
				return rc;
		}
		i = j + 1;
	}
	return 0;
}
