/* Label and field selector parsing and matching, with the API server's accepted fields per
 * resource. */
#include "drydock/select.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/vec.h"

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '/';
}

static const char *word(const char **p, cap_arena *a)
{
	const char *s = *p;
	while (key_char(**p))
		(*p)++;
	return cap_arena_strndup(a, s, (size_t)(*p - s));
}

static const char **one(cap_arena *a, const char *v)
{
	const char **vals = cap_arena_calloc(a, 2, sizeof(char *));
	vals[0] = v;
	return vals;
}

static int bad(const char *text)
{
	return cap_error_set(CAP_EINVALID,
			     "unable to parse requirement: found '%s', expected: "
			     "identifier",
			     text);
}

static int parse(dd_selector *out, const char *text, cap_arena *a, bool fields)
{
	CAP_VEC_OF(dd_sel_req) reqs = CAP_VEC_INIT;
	const char *p = text ? text : "";
	int rc = 0;
	skip_ws(&p);
	while (*p) {
		dd_sel_req r = {0};
		skip_ws(&p);
		if (*p == '!' && !fields) {
			p++;
			skip_ws(&p);
			r.op = DD_SEL_NOTEXIST;
			r.key = word(&p, a);
			if (!*r.key) {
				rc = bad(p);
				goto out;
			}
			r.values = one(a, NULL);
		} else {
			if (fields) {
				const char *s = p;
				while (*p && *p != '=' && *p != '!' && *p != ',')
					p++;
				r.key = cap_arena_strndup(a, s, (size_t)(p - s));
			} else {
				r.key = word(&p, a);
			}
			if (!*r.key) {
				rc = bad(p);
				goto out;
			}
			skip_ws(&p);
			if (p[0] == '=' && p[1] == '=') {
				r.op = DD_SEL_EQ;
				p += 2;
			} else if (p[0] == '=') {
				r.op = DD_SEL_EQ;
				p += 1;
			} else if (p[0] == '!' && p[1] == '=') {
				r.op = DD_SEL_NE;
				p += 2;
			} else if (!fields && (*p == '>' || *p == '<')) {
				r.op = *p == '>' ? DD_SEL_GT : DD_SEL_LT;
				p++;
			} else if (!fields && strncmp(p, "notin", 5) == 0 &&
				   (p[5] == ' ' || p[5] == '(')) {
				r.op = DD_SEL_NOTIN;
				p += 5;
			} else if (!fields && strncmp(p, "in", 2) == 0 &&
				   (p[2] == ' ' || p[2] == '(')) {
				r.op = DD_SEL_IN;
				p += 2;
			} else if (*p == ',' || *p == '\0') {
				if (fields) {
					rc = cap_error_set(
					    CAP_EINVALID,
					    "invalid selector: '%s'; can't understand '%s'", text,
					    r.key);
					goto out;
				}
				r.op = DD_SEL_EXISTS;
				r.values = one(a, NULL);
			} else {
				rc = bad(p);
				goto out;
			}
			skip_ws(&p);
			if (r.op == DD_SEL_IN || r.op == DD_SEL_NOTIN) {
				if (*p != '(') {
					rc = cap_error_set(
					    CAP_EINVALID,
					    "unable to parse requirement: found '%s', "
					    "expected: '('",
					    p);
					goto out;
				}
				p++;
				cap_vec vals = CAP_VEC_INIT;
				for (;;) {
					skip_ws(&p);
					const char *w = word(&p, a);
					cap_vec_push(&vals, (void *)w);
					skip_ws(&p);
					if (*p == ',') {
						p++;
						continue;
					}
					if (*p == ')') {
						p++;
						break;
					}
					cap_vec_release(&vals);
					rc = cap_error_set(
					    CAP_EINVALID,
					    "unable to parse requirement: found '%s', "
					    "expected: ',', ')' or identifier",
					    p);
					goto out;
				}
				r.values = cap_arena_calloc(a, vals.len + 1, sizeof(char *));
				for (size_t i = 0; i < vals.len; i++)
					r.values[i] = vals.items[i];
				cap_vec_release(&vals);
			} else if (r.op != DD_SEL_EXISTS) {
				const char *s = p;
				if (fields) {
					while (*p && *p != ',')
						p++;
					r.values = one(a, cap_arena_strndup(a, s, (size_t)(p - s)));
				} else {
					r.values = one(a, word(&p, a));
				}
			}
		}
		CAP_VEC_PUSH(&reqs, r);
		skip_ws(&p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p) {
			rc = cap_error_set(CAP_EINVALID,
					   "unable to parse requirement: found '%s', expected: ','",
					   p);
			goto out;
		}
	}
	out->len = reqs.len;
	out->reqs = cap_arena_memdup(a, reqs.items ? (void *)reqs.items : (void *)"",
				     reqs.len * sizeof(dd_sel_req));
out:
	CAP_VEC_RELEASE(&reqs);
	return rc;
}

int dd_selector_parse_labels(dd_selector *out, const char *text, cap_arena *arena)
{
	return parse(out, text, arena, false);
}

int dd_selector_parse_fields(dd_selector *out, const char *text, cap_arena *arena)
{
	return parse(out, text, arena, true);
}

static bool in_values(const dd_sel_req *r, const char *v)
{
	for (const char **p = r->values; *p; p++)
		if (strcmp(*p, v) == 0)
			return true;
	return false;
}

static bool match_one(const dd_sel_req *r, const char *v /* NULL: absent */)
{
	switch (r->op) {
	case DD_SEL_EQ:
		return v && strcmp(v, r->values[0]) == 0;
	case DD_SEL_NE:
		return !v || strcmp(v, r->values[0]) != 0;
	case DD_SEL_IN:
		return v && in_values(r, v);
	case DD_SEL_NOTIN:
		return !v || !in_values(r, v);
	case DD_SEL_EXISTS:
		return v != NULL;
	case DD_SEL_NOTEXIST:
		return v == NULL;
	case DD_SEL_GT:
	case DD_SEL_LT: {
		if (!v)
			return false;
		char *e1, *e2;
		long long a = strtoll(v, &e1, 10), b = strtoll(r->values[0], &e2, 10);
		if (*e1 || *e2)
			return false;
		return r->op == DD_SEL_GT ? a > b : a < b;
	}
	}
	return false;
}

bool dd_selector_match_labels(const dd_selector *sel, const cap_value *obj)
{
	if (!sel || sel->len == 0)
		return true;
	cap_value *labels = cap_value_dig((cap_value *)obj, "metadata", "labels", NULL);
	for (size_t i = 0; i < sel->len; i++) {
		const char *v =
		    cap_value_get_string(cap_value_object_get(labels, sel->reqs[i].key));
		if (!match_one(&sel->reqs[i], v))
			return false;
	}
	return true;
}

const char *dd_field_value(const cap_value *obj, const char *key, char *tmp, size_t tmp_len)
{
	const cap_value *cur = obj;
	const char *p = key;
	while (*p && cur) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		cur = cap_value_object_getn(cur, p, len);
		p += len + (dot ? 1 : 0);
		if (!dot)
			break;
	}
	switch (cap_value_kind_of(cur)) {
	case CAP_VALUE_STRING:
		return cap_value_get_string(cur);
	case CAP_VALUE_BOOL:
		return cap_value_get_bool(cur) ? "true" : "false";
	case CAP_VALUE_INT:
		snprintf(tmp, tmp_len, "%lld", (long long)cap_value_get_int(cur));
		return tmp;
	default:
		return "";
	}
}

bool dd_selector_match_fields(const dd_selector *sel, const cap_value *obj)
{
	if (!sel)
		return true;
	char tmp[32];
	for (size_t i = 0; i < sel->len; i++) {
		const char *v = dd_field_value(obj, sel->reqs[i].key, tmp, sizeof(tmp));
		if (!match_one(&sel->reqs[i], v))
			return false;
	}
	return true;
}

static const char *const pod_fields[] = {"spec.nodeName",
					 "spec.restartPolicy",
					 "spec.schedulerName",
					 "spec.serviceAccountName",
					 "spec.hostNetwork",
					 "status.phase",
					 "status.podIP",
					 "status.podIPs",
					 "status.nominatedNodeName",
					 NULL};
static const char *const event_fields[] = {"involvedObject.kind",
					   "involvedObject.namespace",
					   "involvedObject.name",
					   "involvedObject.uid",
					   "involvedObject.apiVersion",
					   "involvedObject.resourceVersion",
					   "involvedObject.fieldPath",
					   "reason",
					   "reportingComponent",
					   "source",
					   "type",
					   NULL};
static const char *const secret_fields[] = {"type", NULL};
static const char *const ns_fields[] = {"status.phase", NULL};
static const char *const node_fields[] = {"spec.unschedulable", NULL};
static const char *const rs_fields[] = {"status.replicas", NULL};
static const char *const job_fields[] = {"status.successful", NULL};

int dd_selector_check_fields(const dd_selector *sel, const char *group, const char *resource)
{
	for (size_t i = 0; sel && i < sel->len; i++) {
		const char *k = sel->reqs[i].key;
		if (strcmp(k, "metadata.name") == 0 || strcmp(k, "metadata.namespace") == 0)
			continue;
		const char *const *allowed = NULL;
		if (!*group && strcmp(resource, "pods") == 0)
			allowed = pod_fields;
		else if (strcmp(resource, "events") == 0)
			allowed = event_fields;
		else if (!*group && strcmp(resource, "secrets") == 0)
			allowed = secret_fields;
		else if (!*group && strcmp(resource, "namespaces") == 0)
			allowed = ns_fields;
		else if (!*group && strcmp(resource, "nodes") == 0)
			allowed = node_fields;
		else if (strcmp(resource, "replicasets") == 0 ||
			 strcmp(resource, "replicationcontrollers") == 0)
			allowed = rs_fields;
		else if (strcmp(resource, "jobs") == 0)
			allowed = job_fields;
		bool ok = false;
		for (const char *const *a = allowed; a && *a; a++)
			if (strcmp(*a, k) == 0)
				ok = true;
		if (!ok)
			return cap_error_set(CAP_EINVALID, "field label not supported: %s", k);
	}
	return 0;
}
