/* Fault injection rules parsed from --faults and drawn per request with a seeded generator. */
#include "drydock/faults.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/time.h"
#include "drydock/status.h"

typedef struct rule {
	char verb[16];
	char what[16];
	double rate;
} rule;

/*
 * Rules are read under the read side of rules_lock and replaced whole under the write side, so
 * the runtime endpoint can change them while requests are being served.
 */
struct dd_faults {
	rule *rules;
	size_t len;
	char *spec;
	uint64_t state;
	pthread_mutex_t lock; /* the random generator */
	pthread_rwlock_t rules_lock;
};

static double draw(dd_faults *f)
{
	pthread_mutex_lock(&f->lock);
	f->state ^= f->state << 13;
	f->state ^= f->state >> 7;
	f->state ^= f->state << 17;
	uint64_t x = f->state;
	pthread_mutex_unlock(&f->lock);
	return (double)(x >> 11) / (double)(1ull << 53);
}

/* Parses spec into a new rule array; *seed is set when the spec names one. */
static int parse_rules(rule **out, size_t *out_len, uint64_t *seed, const char *spec)
{
	rule *rules = NULL;
	size_t len = 0;
	char *dup = cap_strdup(spec ? spec : "");
	char *save;
	for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			goto bad;
		*eq = '\0';
		char *val = eq + 1;
		if (strcmp(tok, "seed") == 0) {
			*seed = strtoull(val, NULL, 10) | 1;
			continue;
		}
		rule r = {.verb = "*"};
		char *colon = strchr(tok, ':');
		const char *what = tok;
		if (colon) {
			*colon = '\0';
			snprintf(r.verb, sizeof(r.verb), "%s", tok);
			what = colon + 1;
		}
		static const char *const kinds[] = {"500",     "429",   "503", "409", "drop",
						    "latency", "stall", NULL};
		bool ok = false;
		for (const char *const *k = kinds; *k; k++)
			if (strcmp(*k, what) == 0)
				ok = true;
		if (!ok)
			goto bad;
		snprintf(r.what, sizeof(r.what), "%s", what);
		char *end;
		r.rate = strtod(val, &end);
		if (end == val)
			goto bad;
		if (*end == '%') {
			r.rate /= 100.0;
			end++;
		}
		if (*end)
			goto bad;
		rules = cap_realloc(rules, (len + 1) * sizeof(rule));
		rules[len++] = r;
	}
	free(dup);
	*out = rules;
	*out_len = len;
	return 0;
bad:
	free(dup);
	free(rules);
	return cap_error_set(CAP_EINVALID, "cannot parse fault spec '%s'", spec);
}

int dd_faults_parse(dd_faults **out, const char *spec)
{
	dd_faults *f = cap_calloc(1, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	pthread_rwlock_init(&f->rules_lock, NULL);
	f->state = 0x9E3779B97F4A7C15ull ^ cap_time_now_ns();
	f->spec = cap_strdup("");
	int rc = dd_faults_set(f, spec);
	if (rc) {
		dd_faults_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

int dd_faults_set(dd_faults *f, const char *spec)
{
	rule *rules = NULL;
	size_t len = 0;
	uint64_t seed = 0;
	int rc = parse_rules(&rules, &len, &seed, spec);
	if (rc)
		return rc;
	pthread_rwlock_wrlock(&f->rules_lock);
	free(f->rules);
	free(f->spec);
	f->rules = rules;
	f->len = len;
	f->spec = cap_strdup(spec ? spec : "");
	pthread_rwlock_unlock(&f->rules_lock);
	if (seed) {
		pthread_mutex_lock(&f->lock);
		f->state = seed;
		pthread_mutex_unlock(&f->lock);
	}
	return 0;
}

void dd_faults_free(dd_faults *f)
{
	if (!f)
		return;
	free(f->rules);
	free(f->spec);
	pthread_mutex_destroy(&f->lock);
	pthread_rwlock_destroy(&f->rules_lock);
	free(f);
}

bool dd_faults_admin(dd_faults *f, const dd_request *req, dd_response *res)
{
	if (strcmp(req->path, DD_FAULTS_ADMIN_PATH) != 0)
		return false;
	const char *m = req->method;
	if (strcmp(m, "PUT") == 0 || strcmp(m, "POST") == 0 || strcmp(m, "DELETE") == 0) {
		char *spec = strcmp(m, "DELETE") == 0 ? cap_strdup("")
						      : cap_memdup(req->body, req->body_len);
		size_t n = strlen(spec);
		while (n && (spec[n - 1] == '\n' || spec[n - 1] == '\r' || spec[n - 1] == ' '))
			spec[--n] = '\0';
		int rc = dd_faults_set(f, spec);
		free(spec);
		if (rc) {
			dd_status_error(res, 400, "BadRequest", cap_error_last(), NULL, NULL, NULL);
			return true;
		}
	} else if (strcmp(m, "GET") != 0) {
		dd_status_error(res, 405, "MethodNotAllowed",
				"the server does not allow this method on the requested resource",
				NULL, NULL, NULL);
		return true;
	}
	pthread_rwlock_rdlock(&f->rules_lock);
	res->status = 200;
	res->content_type = "text/plain";
	cap_buf_puts(&res->body, f->spec);
	cap_buf_putc(&res->body, '\n');
	pthread_rwlock_unlock(&f->rules_lock);
	return true;
}

const char *dd_faults_verb(const dd_request *req)
{
	const char *m = req->method;
	if (strcmp(m, "GET") == 0) {
		if (req->query.watch)
			return "watch";
		return "get"; /* rules for "list" match every read */
	}
	if (strcmp(m, "POST") == 0)
		return "create";
	if (strcmp(m, "PUT") == 0)
		return "update";
	if (strcmp(m, "PATCH") == 0)
		return "patch";
	if (strcmp(m, "DELETE") == 0)
		return "delete";
	return "other";
}

static bool verb_matches(const rule *r, const char *verb)
{
	if (strcmp(r->verb, "*") == 0)
		return true;
	if (strcmp(r->verb, verb) == 0)
		return true;
	return strcmp(r->verb, "list") == 0 && strcmp(verb, "get") == 0;
}

bool dd_faults_apply(dd_faults *f, const dd_request *req, dd_response *res)
{
	if (strncmp(req->path, "/api", 4) != 0)
		return false;
	/* discovery stays reliable so clients can start */
	const char *verb = dd_faults_verb(req);
	bool write = strcmp(verb, "create") == 0 || strcmp(verb, "update") == 0 ||
		     strcmp(verb, "patch") == 0 || strcmp(verb, "delete") == 0;
	bool injected = false;
	uint64_t stall_ms = 0;
	pthread_rwlock_rdlock(&f->rules_lock);
	for (size_t i = 0; i < f->len && !injected; i++) {
		const rule *r = &f->rules[i];
		if (!verb_matches(r, verb))
			continue;
		if (strcmp(r->what, "latency") == 0) {
			cap_time_sleep_ms((uint64_t)r->rate);
			continue;
		}
		if (strcmp(r->what, "drop") == 0)
			continue;
		if (strcmp(r->what, "409") == 0 && !write)
			continue;
		if (draw(f) >= r->rate)
			continue;
		injected = true;
		if (strcmp(r->what, "stall") == 0)
			stall_ms = DD_FAULTS_STALL_MS;
		else if (strcmp(r->what, "500") == 0)
			dd_status_error(res, 500, "InternalError",
					"Internal error occurred: injected fault", NULL, NULL,
					NULL);
		else if (strcmp(r->what, "429") == 0)
			dd_status_error(
			    res, 429, "TooManyRequests",
			    "the server has received too many requests and has asked us "
			    "to try again later",
			    NULL, NULL, NULL);
		else if (strcmp(r->what, "503") == 0)
			dd_status_error(res, 503, "ServiceUnavailable",
					"the server is currently unable to handle the request",
					NULL, NULL, NULL);
		else
			dd_status_error(
			    res, 409, "Conflict",
			    "Operation cannot be fulfilled: the object has been modified; "
			    "please apply your changes to the latest version and try again",
			    NULL, NULL, NULL);
	}
	pthread_rwlock_unlock(&f->rules_lock);
	if (stall_ms) {
		/* the connection hangs, then ends as the API server ends a request past its deadline */
		cap_time_sleep_ms(stall_ms);
		dd_status_error(res, 504, "Timeout",
				"Timeout: request did not complete within requested timeout - "
				"context deadline exceeded",
				NULL, NULL, NULL);
	}
	return injected;
}

bool dd_faults_drop_watch(dd_faults *f)
{
	double rate = -1;
	pthread_rwlock_rdlock(&f->rules_lock);
	for (size_t i = 0; i < f->len && rate < 0; i++)
		if (strcmp(f->rules[i].what, "drop") == 0 &&
		    (strcmp(f->rules[i].verb, "*") == 0 || strcmp(f->rules[i].verb, "watch") == 0))
			rate = f->rules[i].rate;
	pthread_rwlock_unlock(&f->rules_lock);
	return rate >= 0 && draw(f) < rate;
}
