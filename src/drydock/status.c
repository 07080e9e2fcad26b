/* Status objects for failures and immediate deletes, worded as the API server words them. */
#include "drydock/status.h"

#include <stdio.h>
#include <string.h>

#include "value/json.h"

void dd_response_init(dd_response *res)
{
	memset(res, 0, sizeof(*res));
	cap_buf_init(&res->body);
	res->status = 200;
	res->content_type = "application/json";
}

void dd_response_release(dd_response *res)
{
	cap_buf_release(&res->body);
}

void dd_response_json(dd_response *res, int status, const char *json, size_t len)
{
	res->status = status;
	res->content_type = "application/json";
	cap_buf_clear(&res->body);
	cap_buf_put(&res->body, json, len);
}

void dd_json_quote(cap_buf *out, const char *s)
{
	cap_value *v = cap_value_string(s ? s : "");
	cap_json_print(out, v, CAP_JSON_COMPACT);
	cap_value_free(v);
}

void dd_status_error(dd_response *res, int code, const char *reason, const char *message,
		     const char *group, const char *kind, const char *name)
{
	cap_buf *b = &res->body;
	res->status = code;
	res->content_type = "application/json";
	res->watch = NULL;
	cap_buf_clear(b);
	cap_buf_puts(b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
			"\"status\":\"Failure\",\"message\":");
	dd_json_quote(b, message);
	if (reason && *reason) {
		cap_buf_puts(b, ",\"reason\":");
		dd_json_quote(b, reason);
	}
	if (kind || name) {
		cap_buf_puts(b, ",\"details\":{");
		const char *sep = "";
		if (name) {
			cap_buf_puts(b, "\"name\":");
			dd_json_quote(b, name);
			sep = ",";
		}
		if (group && *group) {
			cap_buf_printf(b, "%s\"group\":", sep);
			dd_json_quote(b, group);
			sep = ",";
		}
		if (kind) {
			cap_buf_printf(b, "%s\"kind\":", sep);
			dd_json_quote(b, kind);
		}
		cap_buf_putc(b, '}');
	}
	cap_buf_printf(b, ",\"code\":%d}", code);
}

void dd_status_not_found(dd_response *res, const dd_rtype *t, const char *name)
{
	cap_buf m = CAP_BUF_INIT;
	dd_rtype_qualified(t, &m);
	cap_buf_printf(&m, " \"%s\" not found", name);
	dd_status_error(res, 404, "NotFound", m.ptr, t->group, t->resource, name);
	cap_buf_release(&m);
}

void dd_status_already_exists(dd_response *res, const dd_rtype *t, const char *name)
{
	cap_buf m = CAP_BUF_INIT;
	dd_rtype_qualified(t, &m);
	cap_buf_printf(&m, " \"%s\" already exists", name);
	dd_status_error(res, 409, "AlreadyExists", m.ptr, t->group, t->resource, name);
	cap_buf_release(&m);
}

void dd_status_conflict(dd_response *res, const dd_rtype *t, const char *name)
{
	cap_buf m = CAP_BUF_INIT;
	cap_buf_puts(&m, "Operation cannot be fulfilled on ");
	dd_rtype_qualified(t, &m);
	cap_buf_printf(&m,
		       " \"%s\": the object has been modified; please apply your changes to "
		       "the latest version and try again",
		       name);
	dd_status_error(res, 409, "Conflict", m.ptr, t->group, t->resource, name);
	cap_buf_release(&m);
}

void dd_status_invalid(dd_response *res, const dd_rtype *t, const char *name, const char *field,
		       const char *cause_type, const char *detail)
{
	cap_buf m = CAP_BUF_INIT;
	cap_buf_puts(&m, t->kind);
	if (*t->group)
		cap_buf_printf(&m, ".%s", t->group);
	cap_buf_printf(&m, " \"%s\" is invalid: %s: %s", name ? name : "", field, detail);
	cap_buf *b = &res->body;
	res->status = 422;
	res->content_type = "application/json";
	cap_buf_clear(b);
	cap_buf_puts(b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
			"\"status\":\"Failure\",\"message\":");
	dd_json_quote(b, m.ptr);
	cap_buf_puts(b, ",\"reason\":\"Invalid\",\"details\":{\"name\":");
	dd_json_quote(b, name ? name : "");
	if (*t->group) {
		cap_buf_puts(b, ",\"group\":");
		dd_json_quote(b, t->group);
	}
	cap_buf_puts(b, ",\"kind\":");
	dd_json_quote(b, t->kind);
	cap_buf_puts(b, ",\"causes\":[{\"reason\":");
	dd_json_quote(b, cause_type);
	cap_buf_puts(b, ",\"message\":");
	dd_json_quote(b, detail);
	cap_buf_puts(b, ",\"field\":");
	dd_json_quote(b, field);
	cap_buf_puts(b, "}]},\"code\":422}");
	cap_buf_release(&m);
}

void dd_status_bad_request(dd_response *res, const char *message)
{
	dd_status_error(res, 400, "BadRequest", message, NULL, NULL, NULL);
}

void dd_status_method_not_allowed(dd_response *res, const char *method)
{
	char m[128];
	snprintf(m, sizeof(m), "the server does not allow this method on the requested resource");
	(void)method;
	dd_status_error(res, 405, "MethodNotAllowed", m, NULL, NULL, NULL);
}

void dd_status_success(dd_response *res, const dd_rtype *t, const char *name, const char *uid)
{
	cap_buf *b = &res->body;
	res->status = 200;
	cap_buf_clear(b);
	cap_buf_puts(b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
			"\"status\":\"Success\",\"details\":{\"name\":");
	dd_json_quote(b, name);
	if (*t->group) {
		cap_buf_puts(b, ",\"group\":");
		dd_json_quote(b, t->group);
	}
	cap_buf_puts(b, ",\"kind\":");
	dd_json_quote(b, t->resource);
	if (uid) {
		cap_buf_puts(b, ",\"uid\":");
		dd_json_quote(b, uid);
	}
	cap_buf_puts(b, "}}");
}
