/* Request routing: version and health, discovery, OpenAPI, and the resource endpoints. */
#include "drydock/cluster.h"

#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "drydock/discovery.h"
#include "drydock/openapi.h"
#include "drydock/resource.h"
#include "drydock/status.h"

static void text(dd_response *res, int status, const char *body)
{
	res->status = status;
	res->content_type = "text/plain; charset=utf-8";
	cap_buf_clear(&res->body);
	cap_buf_puts(&res->body, body);
}

/* /healthz, /readyz, /livez: "ok", or the list of checks with ?verbose as the API server prints it.
 */
static void health(dd_request *req, dd_response *res, const char *which)
{
	const char *name = which + 1;
	size_t n = strcspn(name, "/?");
	if (!req->query.verbose) {
		text(res, 200, "ok");
		return;
	}
	cap_buf b = CAP_BUF_INIT;
	cap_buf_printf(&b,
		       "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]poststarthook/start-apiextensions-"
		       "controllers ok\n%.*s check passed\n",
		       (int)n, name);
	text(res, 200, b.ptr);
	cap_buf_release(&b);
}

static void version(dd_response *res)
{
	res->status = 200;
	cap_buf_puts(
	    &res->body,
	    "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-drydock\","
	    "\"gitCommit\":\"0000000000000000000000000000000000000000\","
	    "\"gitTreeState\":\"clean\",\"buildDate\":\"2026-01-01T00:00:00Z\","
	    "\"goVersion\":\"go1.23.0\",\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}");
}

static void not_found(dd_response *res)
{
	dd_status_error(res, 404, "NotFound", "the server could not find the requested resource",
			NULL, NULL, NULL);
	cap_buf_clear(&res->body);
	cap_buf_puts(&res->body,
		     "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
		     "\"status\":\"Failure\",\"message\":\"the server could not find the "
		     "requested resource\",\"reason\":\"NotFound\",\"details\":{},"
		     "\"code\":404}");
}

static void discovery(dd_cluster *c, dd_request *req, const dd_path *p, dd_response *res)
{
	if (strcmp(req->method, "GET") != 0) {
		dd_status_method_not_allowed(res, req->method);
		return;
	}
	dd_store_lock(&c->store);
	const char *agg = dd_discovery_aggregated_version(req->accept);
	int rc = 0;
	if (p->core && !*p->version) {
		if (agg) {
			dd_discovery_aggregated(&c->reg, true, agg, &res->body);
			res->content_type = dd_discovery_content_type(agg);
		} else {
			dd_discovery_api_versions(c->server_address, &res->body);
		}
	} else if (!p->core && !*p->group) {
		if (agg) {
			dd_discovery_aggregated(&c->reg, false, agg, &res->body);
			res->content_type = dd_discovery_content_type(agg);
		} else {
			dd_discovery_group_list(&c->reg, &res->body);
		}
	} else if (!p->core && !*p->version) {
		rc = dd_discovery_group(&c->reg, p->group, &res->body);
	} else {
		rc = dd_discovery_resource_list(&c->reg, p->core ? "" : p->group, p->version,
						&res->body);
	}
	dd_store_unlock(&c->store);
	if (rc < 0)
		not_found(res);
	else
		res->status = 200;
}

void dd_api_handle(dd_cluster *c, dd_request *req, dd_response *res)
{
	const char *path = req->path;
	if (strcmp(path, "/version") == 0 || strcmp(path, "/version/") == 0) {
		version(res);
		return;
	}
	if (strncmp(path, "/healthz", 8) == 0 || strncmp(path, "/readyz", 7) == 0 ||
	    strncmp(path, "/livez", 6) == 0) {
		health(req, res, path);
		return;
	}
	if (strcmp(path, "/") == 0) {
		res->status = 200;
		cap_buf_puts(&res->body, "{\"paths\":[\"/api\",\"/api/v1\",\"/apis\",\"/healthz\","
					 "\"/livez\",\"/openapi/v2\",\"/openapi/v3\",\"/readyz\","
					 "\"/version\"]}");
		return;
	}
	if (strncmp(path, "/openapi/", 9) == 0) {
		dd_openapi_handle(c, req, res);
		return;
	}
	dd_path p;
	if (dd_path_parse(&p, path, req->arena) < 0) {
		not_found(res);
		return;
	}
	if (!*p.resource) {
		discovery(c, req, &p, res);
		return;
	}
	if (!*p.version) {
		not_found(res);
		return;
	}
	dd_resource_handle(c, req, &p, res);
}
