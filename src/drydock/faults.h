/* Fault injection: error rates per verb, spurious conflicts, dropped watches and latency, from a
 * --faults spec. */
#pragma once

#include <stdbool.h>

#include "drydock/http.h"

typedef struct dd_faults dd_faults;

/*
 * Parses a spec of comma-separated rules "VERB:WHAT=RATE" or "WHAT=RATE": WHAT is 500, 429,
 * 503, 409 (a spurious Conflict on writes), drop (a watch ends early), stall (the request hangs
 * for DD_FAULTS_STALL_MS, then ends with 504 Timeout) or latency (RATE is milliseconds); VERB is
 * get, list, watch, create, update, patch, delete or "*". Rates are fractions (0.1) or
 * percentages (10%). "seed=N" fixes the random sequence. An empty spec injects nothing.
 * CAP_EINVALID quoting the bad rule. *out is freed with dd_faults_free.
 */
int dd_faults_parse(dd_faults **out, const char *spec);

/* How long a stalled request hangs before it is answered. */
#define DD_FAULTS_STALL_MS 30000

/*
 * Replaces every rule with those of spec (same syntax), atomically with respect to requests
 * being served; on CAP_EINVALID the old rules stay.
 */
int dd_faults_set(dd_faults *f, const char *spec);

/* The runtime admin endpoint: GET shows the spec, PUT/POST (body: a spec) replaces it, DELETE
 * clears it. Not subject to faults itself; it needs the same token as the API. */
#define DD_FAULTS_ADMIN_PATH "/drydock/faults"

/* Serves DD_FAULTS_ADMIN_PATH into res and returns true; false for any other path. */
bool dd_faults_admin(dd_faults *f, const dd_request *req, dd_response *res);
void dd_faults_free(dd_faults *f);
/* The request's verb as the rules name it. */
const char *dd_faults_verb(const dd_request *req);
/*
 * Decides the fate of one request: fills res with an injected error and returns true, or
 * returns false to serve it normally. Adds the configured latency either way.
 */
bool dd_faults_apply(dd_faults *f, const dd_request *req, dd_response *res);
/* True when a watch should be dropped now (checked once per delivered batch). */
bool dd_faults_drop_watch(dd_faults *f);
