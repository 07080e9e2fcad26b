/* Table columns and cells per kind, computed from live objects as the API server's printers compute
 * them. */
#include "drydock/table.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/time.h"
#include "drydock/status.h"
#include "value/json.h"

const char *dd_table_wanted(const char *accept)
{
	const char *p = accept ? accept : "";
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (memmem(p, len, "as=Table", 8) && memmem(p, len, "g=meta.k8s.io", 13))
			return memmem(p, len, "v=v1beta1", 9) ? "v1beta1" : "v1";
		if (memmem(p, len, "application/json", 16))
			return NULL;
		p += len;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return NULL;
}

dd_table_object dd_table_include(const char *include_object)
{
	if (include_object && strcmp(include_object, "None") == 0)
		return DD_TABLE_NONE;
	if (include_object && strcmp(include_object, "Object") == 0)
		return DD_TABLE_OBJECT;
	return DD_TABLE_METADATA;
}

void dd_table_age(char *out, size_t n, int64_t s)
{
	if (s < -1) {
		snprintf(out, n, "<invalid>");
		return;
	}
	if (s < 0)
		s = 0;
	if (s < 120) {
		snprintf(out, n, "%llds", (long long)s);
		return;
	}
	int64_t m = s / 60, h = s / 3600, d = h / 24;
	if (m < 10) {
		if (s % 60)
			snprintf(out, n, "%lldm%llds", (long long)m, (long long)(s % 60));
		else
			snprintf(out, n, "%lldm", (long long)m);
	} else if (m < 180) {
		snprintf(out, n, "%lldm", (long long)m);
	} else if (h < 8) {
		if (m % 60)
			snprintf(out, n, "%lldh%lldm", (long long)h, (long long)(m % 60));
		else
			snprintf(out, n, "%lldh", (long long)h);
	} else if (h < 48) {
		snprintf(out, n, "%lldh", (long long)h);
	} else if (h < 24 * 8) {
		if (h % 24)
			snprintf(out, n, "%lldd%lldh", (long long)d, (long long)(h % 24));
		else
			snprintf(out, n, "%lldd", (long long)d);
	} else if (h < 24 * 365 * 2) {
		snprintf(out, n, "%lldd", (long long)d);
	} else if (h < 24 * 365 * 8) {
		if (d % 365)
			snprintf(out, n, "%lldy%lldd", (long long)(d / 365), (long long)(d % 365));
		else
			snprintf(out, n, "%lldy", (long long)(d / 365));
	} else {
		snprintf(out, n, "%lldy", (long long)(d / 365));
	}
}

typedef struct col {
	const char *name, *type, *format;
	int priority;
} col;

#define NAME                                                                                       \
	{                                                                                          \
		"Name", "string", "name", 0                                                        \
	}
#define AGE                                                                                        \
	{                                                                                          \
		"Age", "string", "", 0                                                             \
	}

static const col deploy_cols[] = {NAME,
				  {"Ready", "string", "", 0},
				  {"Up-to-date", "string", "", 0},
				  {"Available", "string", "", 0},
				  AGE,
				  {"Containers", "string", "", 1},
				  {"Images", "string", "", 1},
				  {"Selector", "string", "", 1},
				  {0}};
static const col rs_cols[] = {NAME,
			      {"Desired", "integer", "", 0},
			      {"Current", "integer", "", 0},
			      {"Ready", "integer", "", 0},
			      AGE,
			      {"Containers", "string", "", 1},
			      {"Images", "string", "", 1},
			      {"Selector", "string", "", 1},
			      {0}};
static const col pod_cols[] = {NAME,
			       {"Ready", "string", "", 0},
			       {"Status", "string", "", 0},
			       {"Restarts", "string", "", 0},
			       AGE,
			       {"IP", "string", "", 1},
			       {"Node", "string", "", 1},
			       {"Nominated Node", "string", "", 1},
			       {"Readiness Gates", "string", "", 1},
			       {0}};
static const col svc_cols[] = {NAME,
			       {"Type", "string", "", 0},
			       {"Cluster-IP", "string", "", 0},
			       {"External-IP", "string", "", 0},
			       {"Port(s)", "string", "", 0},
			       AGE,
			       {"Selector", "string", "", 1},
			       {0}};
static const col cm_cols[] = {NAME, {"Data", "integer", "", 0}, AGE, {0}};
static const col secret_cols[] = {
    NAME, {"Type", "string", "", 0}, {"Data", "integer", "", 0}, AGE, {0}};
static const col ns_cols[] = {NAME, {"Status", "string", "", 0}, AGE, {0}};
static const col sa_cols[] = {NAME, {"Secrets", "string", "", 0}, AGE, {0}};
static const col node_cols[] = {NAME, {"Status", "string", "", 0},  {"Roles", "string", "", 0},
				AGE,  {"Version", "string", "", 0}, {0}};
static const col sts_cols[] = {NAME,
			       {"Ready", "string", "", 0},
			       AGE,
			       {"Containers", "string", "", 1},
			       {"Images", "string", "", 1},
			       {0}};
static const col ds_cols[] = {NAME,
			      {"Desired", "integer", "", 0},
			      {"Current", "integer", "", 0},
			      {"Ready", "integer", "", 0},
			      {"Up-to-date", "integer", "", 0},
			      {"Available", "integer", "", 0},
			      {"Node Selector", "string", "", 0},
			      AGE,
			      {0}};
static const col job_cols[] = {NAME,
			       {"Status", "string", "", 0},
			       {"Completions", "string", "", 0},
			       {"Duration", "string", "", 0},
			       AGE,
			       {0}};
static const col event_cols[] = {{"Last Seen", "string", "", 0}, {"Type", "string", "", 0},
				 {"Reason", "string", "", 0},	 {"Object", "string", "", 0},
				 {"Message", "string", "", 0},	 {0}};
static const col ingress_cols[] = {NAME,
				   {"Class", "string", "", 0},
				   {"Hosts", "string", "", 0},
				   {"Address", "string", "", 0},
				   {"Ports", "string", "", 0},
				   AGE,
				   {0}};
static const col cronjob_cols[] = {NAME,
				   {"Schedule", "string", "", 0},
				   {"Timezone", "string", "", 0},
				   {"Suspend", "boolean", "", 0},
				   {"Active", "integer", "", 0},
				   {"Last Schedule", "string", "", 0},
				   AGE,
				   {0}};
static const col pvc_cols[] = {NAME,
			       {"Status", "string", "", 0},
			       {"Volume", "string", "", 0},
			       {"Capacity", "string", "", 0},
			       {"Access Modes", "string", "", 0},
			       {"StorageClass", "string", "", 0},
			       {"VolumeAttributesClass", "string", "", 0},
			       AGE,
			       {0}};
static const col hpa_cols[] = {NAME,
			       {"Reference", "string", "", 0},
			       {"Targets", "string", "", 0},
			       {"MinPods", "string", "", 0},
			       {"MaxPods", "string", "", 0},
			       {"Replicas", "string", "", 0},
			       AGE,
			       {0}};
static const col crd_cols[] = {NAME, {"Created At", "date", "", 0}, {0}};
static const col default_cols[] = {NAME, AGE, {0}};

static const col *columns_for(const dd_rtype *t)
{
	if (t->crd)
		return NULL;
	const char *g = t->group, *r = t->resource;
	if (!strcmp(g, "apps") && !strcmp(r, "deployments"))
		return deploy_cols;
	if (!strcmp(g, "apps") && !strcmp(r, "replicasets"))
		return rs_cols;
	if (!strcmp(g, "apps") && !strcmp(r, "statefulsets"))
		return sts_cols;
	if (!strcmp(g, "apps") && !strcmp(r, "daemonsets"))
		return ds_cols;
	if (!strcmp(g, "batch") && !strcmp(r, "jobs"))
		return job_cols;
	if (!strcmp(g, "apiextensions.k8s.io"))
		return crd_cols;
	if (!strcmp(g, "networking.k8s.io") && !strcmp(r, "ingresses"))
		return ingress_cols;
	if (!strcmp(g, "batch") && !strcmp(r, "cronjobs"))
		return cronjob_cols;
	if (!strcmp(g, "autoscaling") && !strcmp(r, "horizontalpodautoscalers"))
		return hpa_cols;
	if (*g)
		return default_cols;
	if (!strcmp(r, "pods"))
		return pod_cols;
	if (!strcmp(r, "events"))
		return event_cols;
	if (!strcmp(r, "persistentvolumeclaims"))
		return pvc_cols;
	if (!strcmp(r, "services"))
		return svc_cols;
	if (!strcmp(r, "configmaps"))
		return cm_cols;
	if (!strcmp(r, "secrets"))
		return secret_cols;
	if (!strcmp(r, "namespaces"))
		return ns_cols;
	if (!strcmp(r, "serviceaccounts"))
		return sa_cols;
	if (!strcmp(r, "nodes"))
		return node_cols;
	return default_cols;
}

static void col_def(cap_buf *out, const char *name, const char *type, const char *format,
		    int priority, bool first)
{
	cap_buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
	dd_json_quote(out, name);
	cap_buf_printf(out, ",\"type\":\"%s\",\"format\":\"%s\",\"description\":", type, format);
	dd_json_quote(out, name);
	cap_buf_printf(out, ",\"priority\":%d}", priority);
}

void dd_table_begin(cap_buf *out, const dd_rtype *t, const char *version, uint64_t rv,
		    const char *cont, size_t remaining, bool columns)
{
	cap_buf_printf(out,
		       "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/%s\",\"metadata\":{"
		       "\"resourceVersion\":\"%llu\"",
		       version ? version : "v1", (unsigned long long)rv);
	if (cont)
		cap_buf_printf(out, ",\"continue\":\"%s\",\"remainingItemCount\":%zu", cont,
			       remaining);
	cap_buf_puts(out, "},\"columnDefinitions\":[");
	if (columns) {
		const col *cols = columns_for(t);
		if (cols) {
			for (size_t i = 0; cols[i].name; i++)
				col_def(out, cols[i].name, cols[i].type, cols[i].format,
					cols[i].priority, i == 0);
		} else {
			col_def(out, "Name", "string", "name", 0, true);
			bool age = false;
			size_t i;
			cap_value *pc;
			CAP_VALUE_ARRAY_FOREACH(t->printer_columns, i, pc)
			{
				const char *n = cap_value_dig_string(pc, "name", NULL) ?: "";
				if (!strcmp(n, "Age"))
					age = true;
				col_def(
				    out, n, cap_value_dig_string(pc, "type", NULL) ?: "string",
				    cap_value_dig_string(pc, "format", NULL) ?: "",
				    (int)cap_value_get_int(cap_value_object_get(pc, "priority")),
				    false);
			}
			if (!age)
				col_def(out, "Age", "date", "", 0, false);
		}
	}
	cap_buf_puts(out, "],\"rows\":[");
}

void dd_table_end(cap_buf *out)
{
	cap_buf_puts(out, "]}");
}

static void cell_str(cap_buf *out, const char *s)
{
	cap_buf_putc(out, ',');
	dd_json_quote(out, s ? s : "");
}

static void cell_int(cap_buf *out, int64_t v)
{
	cap_buf_printf(out, ",%lld", (long long)v);
}

static int64_t ival(const cap_value *v, ...) __attribute__((sentinel));
static int64_t ival(const cap_value *v, ...)
{
	va_list ap;
	va_start(ap, v);
	const char *k;
	while (v && (k = va_arg(ap, const char *)))
		v = cap_value_object_get(v, k);
	va_end(ap);
	return cap_value_get_int(v);
}

static void containers_images(const cap_value *podspec, cap_buf *names, cap_buf *images)
{
	size_t i;
	cap_value *c;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(podspec, "containers"), i, c)
	{
		cap_buf_printf(names, "%s%s", i ? "," : "",
			       cap_value_dig_string(c, "name", NULL) ?: "");
		cap_buf_printf(images, "%s%s", i ? "," : "",
			       cap_value_dig_string(c, "image", NULL) ?: "");
	}
}

static void selector_text(const cap_value *sel, cap_buf *out)
{
	const char *k;
	cap_value *v;
	size_t n = 0;
	CAP_VALUE_OBJECT_FOREACH(cap_value_object_get(sel, "matchLabels"), k, v)
	{
		cap_buf_printf(out, "%s%s=%s", n++ ? "," : "", k, cap_value_get_string(v) ?: "");
	}
	if (!n && !cap_value_is_object(sel))
		cap_buf_puts(out, "<none>");
}

static void age_of(const cap_value *obj, char *buf, size_t n)
{
	const char *ts =
	    cap_value_dig_string((cap_value *)obj, "metadata", "creationTimestamp", NULL);
	int64_t t;
	if (!ts || cap_time_parse_rfc3339(&t, ts) < 0) {
		snprintf(buf, n, "<unknown>");
		return;
	}
	dd_table_age(buf, n, cap_time_wall_s() - t);
}

static void pod_cells(cap_buf *out, const cap_value *v)
{
	cap_value *st = cap_value_object_get(v, "status");
	size_t total =
	    cap_value_array_len(cap_value_dig((cap_value *)v, "spec", "containers", NULL));
	size_t ready = 0, i;
	int64_t restarts = 0;
	const char *reason = cap_value_dig_string(st, "phase", NULL) ?: "Pending";
	cap_value *cs;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(st, "containerStatuses"), i, cs)
	{
		if (cap_value_get_bool(cap_value_object_get(cs, "ready")))
			ready++;
		restarts += cap_value_get_int(cap_value_object_get(cs, "restartCount"));
		const char *w = cap_value_dig_string(cs, "state", "waiting", "reason", NULL);
		const char *t = cap_value_dig_string(cs, "state", "terminated", "reason", NULL);
		if (w && *w)
			reason = w;
		else if (t && *t)
			reason = t;
	}
	if (cap_value_dig((cap_value *)v, "metadata", "deletionTimestamp", NULL))
		reason = "Terminating";
	char buf[64];
	snprintf(buf, sizeof(buf), "%zu/%zu", ready, total);
	cell_str(out, buf);
	cell_str(out, reason);
	snprintf(buf, sizeof(buf), "%lld", (long long)restarts);
	cell_str(out, buf);
	age_of(v, buf, sizeof(buf));
	cell_str(out, buf);
	cell_str(out, cap_value_dig_string(st, "podIP", NULL) ?: "<none>");
	cell_str(out, cap_value_dig_string((cap_value *)v, "spec", "nodeName", NULL) ?: "<none>");
	cell_str(out, "<none>");
	cell_str(out, "<none>");
}

static void svc_cells(cap_buf *out, const cap_value *v)
{
	cap_value *spec = cap_value_object_get(v, "spec");
	const char *type = cap_value_dig_string(spec, "type", NULL) ?: "ClusterIP";
	cell_str(out, type);
	cell_str(out, cap_value_dig_string(spec, "clusterIP", NULL) ?: "<none>");
	const char *ext = "<none>";
	if (!strcmp(type, "LoadBalancer"))
		ext = "<pending>";
	else if (!strcmp(type, "ExternalName"))
		ext = cap_value_dig_string(spec, "externalName", NULL) ?: "<none>";
	cell_str(out, ext);
	cap_buf ports = CAP_BUF_INIT;
	size_t i;
	cap_value *p;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "ports"), i, p)
	{
		cap_buf_printf(&ports, "%s%lld", i ? "," : "",
			       (long long)cap_value_get_int(cap_value_object_get(p, "port")));
		if (cap_value_object_get(p, "nodePort"))
			cap_buf_printf(
			    &ports, ":%lld",
			    (long long)cap_value_get_int(cap_value_object_get(p, "nodePort")));
		cap_buf_printf(&ports, "/%s", cap_value_dig_string(p, "protocol", NULL) ?: "TCP");
	}
	cell_str(out, ports.len ? ports.ptr : "<none>");
	cap_buf_release(&ports);
	char buf[64];
	age_of(v, buf, sizeof(buf));
	cell_str(out, buf);
	cap_buf sel = CAP_BUF_INIT;
	const char *k;
	cap_value *x;
	size_t n = 0;
	CAP_VALUE_OBJECT_FOREACH(cap_value_object_get(spec, "selector"), k, x)
	{
		cap_buf_printf(&sel, "%s%s=%s", n++ ? "," : "", k, cap_value_get_string(x) ?: "");
	}
	cell_str(out, n ? sel.ptr : "<none>");
	cap_buf_release(&sel);
}

/* A CRD printer column: the simple ".a.b" JSONPath forms. */
static void crd_cell(cap_buf *out, const cap_value *v, const cap_value *pc)
{
	const char *path = cap_value_dig_string((cap_value *)pc, "jsonPath", NULL) ?: "";
	const cap_value *at = v;
	char seg[256];
	const char *p = path;
	while (*p == '.' && at) {
		p++;
		size_t n = strcspn(p, ".[");
		snprintf(seg, sizeof(seg), "%.*s", (int)n, p);
		at = cap_value_object_get(at, seg);
		p += n;
	}
	if (*p)
		at = NULL;
	const char *type = cap_value_dig_string((cap_value *)pc, "type", NULL) ?: "string";
	if (!at) {
		cap_buf_puts(out, ",null");
	} else if (!strcmp(type, "date") && cap_value_is_string(at)) {
		int64_t t;
		char buf[64];
		if (cap_time_parse_rfc3339(&t, cap_value_get_string(at)) == 0)
			dd_table_age(buf, sizeof(buf), cap_time_wall_s() - t);
		else
			snprintf(buf, sizeof(buf), "%s", cap_value_get_string(at));
		cell_str(out, buf);
	} else {
		cap_buf_putc(out, ',');
		cap_json_print(out, at, CAP_JSON_COMPACT);
	}
}

static void cells(cap_buf *out, const dd_rtype *t, const cap_value *v)
{
	char age[64], buf[256];
	age_of(v, age, sizeof(age));
	const char *g = t->group, *r = t->resource;
	cap_value *spec = cap_value_object_get(v, "spec"), *st = cap_value_object_get(v, "status");
	if (t->crd) {
		bool has_age = false;
		size_t i;
		cap_value *pc;
		CAP_VALUE_ARRAY_FOREACH(t->printer_columns, i, pc)
		{
			if (!strcmp(cap_value_dig_string(pc, "name", NULL) ?: "", "Age"))
				has_age = true;
			crd_cell(out, v, pc);
		}
		if (!has_age)
			cell_str(out, age);
		return;
	}
	const col *cols = columns_for(t);
	if (cols == deploy_cols) {
		snprintf(buf, sizeof(buf), "%lld/%lld", (long long)ival(st, "readyReplicas", NULL),
			 (long long)ival(spec, "replicas", NULL));
		cell_str(out, buf);
		cell_int(out, ival(st, "updatedReplicas", NULL));
		cell_int(out, ival(st, "availableReplicas", NULL));
		cell_str(out, age);
	} else if (cols == rs_cols) {
		cell_int(out, ival(spec, "replicas", NULL));
		cell_int(out, ival(st, "replicas", NULL));
		cell_int(out, ival(st, "readyReplicas", NULL));
		cell_str(out, age);
	} else if (cols == sts_cols) {
		snprintf(buf, sizeof(buf), "%lld/%lld", (long long)ival(st, "readyReplicas", NULL),
			 (long long)ival(spec, "replicas", NULL));
		cell_str(out, buf);
		cell_str(out, age);
	} else if (cols == ds_cols) {
		cell_int(out, ival(st, "desiredNumberScheduled", NULL));
		cell_int(out, ival(st, "currentNumberScheduled", NULL));
		cell_int(out, ival(st, "numberReady", NULL));
		cell_int(out, ival(st, "updatedNumberScheduled", NULL));
		cell_int(out, ival(st, "numberAvailable", NULL));
		cell_str(out, "<none>");
		cell_str(out, age);
	} else if (cols == job_cols) {
		bool done = cap_value_object_get(st, "completionTime") != NULL;
		bool failed = ival(st, "failed", NULL) > 0;
		cell_str(out, done ? "Complete" : failed ? "Failed" : "Running");
		snprintf(buf, sizeof(buf), "%lld/%lld", (long long)ival(st, "succeeded", NULL),
			 (long long)(cap_value_object_get(spec, "completions")
					 ? ival(spec, "completions", NULL)
					 : 1));
		cell_str(out, buf);
		int64_t s0, s1;
		const char *a = cap_value_dig_string(st, "startTime", NULL);
		const char *b = cap_value_dig_string(st, "completionTime", NULL);
		if (a && cap_time_parse_rfc3339(&s0, a) == 0) {
			s1 = cap_time_wall_s();
			if (b)
				cap_time_parse_rfc3339(&s1, b);
			dd_table_age(buf, sizeof(buf), s1 - s0);
			cell_str(out, buf);
		} else {
			cell_str(out, "");
		}
		cell_str(out, age);
	} else if (cols == ingress_cols) {
		const char *cls = cap_value_dig_string(spec, "ingressClassName", NULL);
		cell_str(out, cls ? cls : "<none>");
		cap_buf hosts = CAP_BUF_INIT;
		size_t i;
		cap_value *rule;
		CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(spec, "rules"), i, rule)
		{
			const char *h = cap_value_dig_string(rule, "host", NULL);
			cap_buf_printf(&hosts, "%s%s", hosts.len ? "," : "", h ? h : "*");
		}
		cell_str(out, hosts.len ? hosts.ptr : "*");
		cap_buf_release(&hosts);
		cell_str(out, "");
		cell_str(out,
			 cap_value_array_len(cap_value_object_get(spec, "tls")) ? "80, 443" : "80");
		cell_str(out, age);
	} else if (cols == cronjob_cols) {
		cell_str(out, cap_value_dig_string(spec, "schedule", NULL));
		const char *tz = cap_value_dig_string(spec, "timeZone", NULL);
		cell_str(out, tz ? tz : "<none>");
		cap_buf_printf(out, ",%s",
			       cap_value_get_bool(cap_value_object_get(spec, "suspend")) ? "true"
											 : "false");
		cell_int(out, (int64_t)cap_value_array_len(cap_value_object_get(st, "active")));
		cell_str(out, "<none>");
		cell_str(out, age);
	} else if (cols == pvc_cols) {
		cell_str(out, cap_value_dig_string(st, "phase", NULL) ?: "Pending");
		cell_str(out, cap_value_dig_string(spec, "volumeName", NULL) ?: "");
		cell_str(out, cap_value_dig_string(st, "capacity", "storage", NULL) ?: "");
		cell_str(out, "");
		cell_str(out, cap_value_dig_string(spec, "storageClassName", NULL) ?: "<unset>");
		cell_str(out, "<unset>");
		cell_str(out, age);
	} else if (cols == hpa_cols) {
		snprintf(buf, sizeof(buf), "%s/%s",
			 cap_value_dig_string(spec, "scaleTargetRef", "kind", NULL) ?: "",
			 cap_value_dig_string(spec, "scaleTargetRef", "name", NULL) ?: "");
		cell_str(out, buf);
		cell_str(out, "<unknown>");
		snprintf(buf, sizeof(buf), "%lld",
			 (long long)(cap_value_object_get(spec, "minReplicas")
					 ? ival(spec, "minReplicas", NULL)
					 : 1));
		cell_str(out, buf);
		snprintf(buf, sizeof(buf), "%lld", (long long)ival(spec, "maxReplicas", NULL));
		cell_str(out, buf);
		snprintf(buf, sizeof(buf), "%lld", (long long)ival(st, "currentReplicas", NULL));
		cell_str(out, buf);
		cell_str(out, age);
	} else if (cols == event_cols) {
		const char *last = cap_value_dig_string((cap_value *)v, "lastTimestamp", NULL);
		int64_t ts;
		if (last && cap_time_parse_rfc3339(&ts, last) == 0)
			dd_table_age(buf, sizeof(buf), cap_time_wall_s() - ts);
		else
			snprintf(buf, sizeof(buf), "%s", age);
		cell_str(out, buf);
		cell_str(out, cap_value_dig_string((cap_value *)v, "type", NULL));
		cell_str(out, cap_value_dig_string((cap_value *)v, "reason", NULL));
		const char *k =
		    cap_value_dig_string((cap_value *)v, "involvedObject", "kind", NULL) ?: "";
		char obj[600];
		snprintf(
		    obj, sizeof(obj), "%c%s/%s", k[0] ? k[0] - 'A' + 'a' : ' ', k[0] ? k + 1 : "",
		    cap_value_dig_string((cap_value *)v, "involvedObject", "name", NULL) ?: "");
		for (char *q = obj; *q && *q != '/'; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q - 'A' + 'a');
		cell_str(out, obj);
		cell_str(out, cap_value_dig_string((cap_value *)v, "message", NULL));
	} else if (cols == crd_cols) {
		cell_str(out, cap_value_dig_string((cap_value *)v, "metadata", "creationTimestamp",
						   NULL));
	} else if (cols == pod_cols) {
		pod_cells(out, v);
		return;
	} else if (cols == svc_cols) {
		svc_cells(out, v);
		return;
	} else if (cols == cm_cols) {
		cell_int(out,
			 (int64_t)(cap_value_object_len(cap_value_object_get(v, "data")) +
				   cap_value_object_len(cap_value_object_get(v, "binaryData"))));
		cell_str(out, age);
	} else if (cols == secret_cols) {
		cell_str(out, cap_value_dig_string((cap_value *)v, "type", NULL));
		cell_int(out, (int64_t)cap_value_object_len(cap_value_object_get(v, "data")));
		cell_str(out, age);
	} else if (cols == ns_cols) {
		cell_str(out, cap_value_dig_string(st, "phase", NULL) ?: "Active");
		cell_str(out, age);
	} else if (cols == sa_cols) {
		snprintf(buf, sizeof(buf), "%zu",
			 cap_value_array_len(cap_value_object_get(v, "secrets")));
		cell_str(out, buf);
		cell_str(out, age);
	} else if (cols == node_cols) {
		cell_str(out, "Ready");
		cell_str(out, cap_value_dig((cap_value *)v, "metadata", "labels",
					    "node-role.kubernetes.io/control-plane", NULL)
				  ? "control-plane"
				  : "<none>");
		cell_str(out, age);
		cell_str(out, "v1.32.0");
	} else {
		cell_str(out, age);
	}
	if (cols == deploy_cols || cols == rs_cols || cols == sts_cols) {
		cap_buf names = CAP_BUF_INIT, images = CAP_BUF_INIT, sel = CAP_BUF_INIT;
		containers_images(cap_value_dig(spec, "template", "spec", NULL), &names, &images);
		cell_str(out, names.ptr);
		cell_str(out, images.ptr);
		if (cols != sts_cols) {
			selector_text(cap_value_object_get(spec, "selector"), &sel);
			cell_str(out, sel.ptr);
		}
		cap_buf_release(&names);
		cap_buf_release(&images);
		cap_buf_release(&sel);
	}
	(void)g;
	(void)r;
}

void dd_table_row(cap_buf *out, const dd_rtype *t, const dd_obj *o, dd_table_object include,
		  const char *api_version)
{
	cap_buf_puts(out, "{\"cells\":[");
	if (columns_for(t) == event_cols) {
		/* events lead with Last Seen, not the name */
		cap_buf tmp = CAP_BUF_INIT;
		cells(&tmp, t, o->v);
		cap_buf_put(out, tmp.ptr + 1, tmp.len - 1);
		cap_buf_release(&tmp);
	} else {
		dd_json_quote(out, o->name);
		cells(out, t, o->v);
	}
	cap_buf_puts(out, "]");
	if (include == DD_TABLE_METADATA) {
		cap_value *meta = cap_value_deep_copy(cap_value_object_get(o->v, "metadata"));
		if (cap_value_object_get(meta, "managedFields"))
			cap_value_object_del(meta, "managedFields");
		cap_buf_puts(out, ",\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":"
				  "\"meta.k8s.io/v1\",\"metadata\":");
		cap_json_print(out, meta, CAP_JSON_COMPACT);
		cap_buf_puts(out, "}");
		cap_value_free(meta);
	} else if (include == DD_TABLE_OBJECT) {
		cap_buf_puts(out, ",\"object\":");
		dd_obj_write(out, o, api_version);
	}
	cap_buf_puts(out, "}");
}
