/* Discovery documents generated from the registry, in the shapes and orders kubectl reads. */
#include "drydock/discovery.h"

#include <string.h>

#include "base/error.h"
#include "drydock/status.h"

const char *dd_discovery_aggregated_version(const char *accept)
{
	const char *p = accept ? accept : "";
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (memmem(p, len, "as=APIGroupDiscoveryList", 24) &&
		    memmem(p, len, "g=apidiscovery.k8s.io", 21)) {
			if (memmem(p, len, "v=v2beta1", 9))
				return "v2beta1";
			if (memmem(p, len, "v=v2", 4))
				return "v2";
		} else if (memmem(p, len, "application/json", 16)) {
			return NULL;
		}
		p += len;
		if (*p == ',')
			p++;
		while (*p == ' ')
			p++;
	}
	return NULL;
}

const char *dd_discovery_content_type(const char *version)
{
	if (version && strcmp(version, "v2beta1") == 0)
		return "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
	return "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
}

static void str_array(cap_buf *out, const cap_strvec *v)
{
	cap_buf_putc(out, '[');
	for (size_t i = 0; i < v->len; i++) {
		if (i)
			cap_buf_putc(out, ',');
		dd_json_quote(out, v->items[i]);
	}
	cap_buf_putc(out, ']');
}

static void aggregated_resource(cap_buf *out, const dd_rtype *t)
{
	cap_buf_puts(out, "{\"resource\":");
	dd_json_quote(out, t->resource);
	cap_buf_puts(out, ",\"responseKind\":{\"group\":\"\",\"kind\":");
	dd_json_quote(out, t->kind);
	cap_buf_printf(out, ",\"version\":\"\"},\"scope\":\"%s\",\"singularResource\":",
		       t->namespaced ? "Namespaced" : "Cluster");
	dd_json_quote(out, t->singular);
	if (t->short_names.len) {
		cap_buf_puts(out, ",\"shortNames\":");
		str_array(out, &t->short_names);
	}
	if (t->categories.len) {
		cap_buf_puts(out, ",\"categories\":");
		str_array(out, &t->categories);
	}
	cap_buf_puts(out, ",\"verbs\":");
	str_array(out, &t->verbs);
	if (t->nsubs) {
		cap_buf_puts(out, ",\"subresources\":[");
		for (size_t i = 0; i < t->nsubs; i++) {
			const dd_subresource *s = &t->subs[i];
			if (i)
				cap_buf_putc(out, ',');
			cap_buf_puts(out, "{\"subresource\":");
			dd_json_quote(out, s->name);
			cap_buf_puts(out, ",\"responseKind\":{\"group\":");
			dd_json_quote(out, s->group);
			cap_buf_puts(out, ",\"kind\":");
			dd_json_quote(out, s->kind);
			cap_buf_puts(out, ",\"version\":");
			dd_json_quote(out, s->version);
			cap_buf_puts(out, "},\"verbs\":");
			str_array(out, &s->verbs);
			cap_buf_putc(out, '}');
		}
		cap_buf_putc(out, ']');
	}
	cap_buf_putc(out, '}');
}

static void aggregated_group(cap_buf *out, const dd_registry *r, const dd_group *g)
{
	cap_buf_puts(out, "{\"metadata\":{");
	if (*g->name) {
		cap_buf_puts(out, "\"name\":");
		dd_json_quote(out, g->name);
		cap_buf_putc(out, ',');
	}
	cap_buf_puts(out, "\"creationTimestamp\":null},\"versions\":[");
	for (size_t v = 0; v < g->versions.len; v++) {
		const char *ver = g->versions.items[v];
		if (v)
			cap_buf_putc(out, ',');
		cap_buf_puts(out, "{\"version\":");
		dd_json_quote(out, ver);
		cap_buf_puts(out, ",\"resources\":[");
		bool first = true;
		for (size_t i = 0; i < r->types.len; i++) {
			const dd_rtype *t = r->types.items[i];
			if (strcmp(t->group, g->name) != 0 || strcmp(t->version, ver) != 0)
				continue;
			if (!first)
				cap_buf_putc(out, ',');
			first = false;
			aggregated_resource(out, t);
		}
		cap_buf_puts(out, "],\"freshness\":\"Current\"}");
	}
	cap_buf_puts(out, "]}");
}

void dd_discovery_aggregated(const dd_registry *r, bool core, const char *version, cap_buf *out)
{
	cap_buf_printf(out,
		       "{\"kind\":\"APIGroupDiscoveryList\",\"apiVersion\":"
		       "\"apidiscovery.k8s.io/%s\",\"metadata\":{},\"items\":[",
		       version);
	bool first = true;
	for (size_t i = 0; i < r->groups.len; i++) {
		const dd_group *g = r->groups.items[i];
		if ((*g->name == '\0') != core)
			continue;
		if (!first)
			cap_buf_putc(out, ',');
		first = false;
		aggregated_group(out, r, g);
	}
	cap_buf_puts(out, "]}");
}

void dd_discovery_api_versions(const char *server_address, cap_buf *out)
{
	cap_buf_puts(out, "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],"
			  "\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\","
			  "\"serverAddress\":");
	dd_json_quote(out, server_address);
	cap_buf_puts(out, "}]}");
}

static void group_body(cap_buf *out, const dd_group *g)
{
	cap_buf_puts(out, "\"name\":");
	dd_json_quote(out, g->name);
	cap_buf_puts(out, ",\"versions\":[");
	for (size_t v = 0; v < g->versions.len; v++) {
		if (v)
			cap_buf_putc(out, ',');
		cap_buf_printf(out, "{\"groupVersion\":\"%s/%s\",\"version\":\"%s\"}", g->name,
			       g->versions.items[v], g->versions.items[v]);
	}
	cap_buf_printf(out,
		       "],\"preferredVersion\":{\"groupVersion\":\"%s/%s\",\"version\":\"%s\"}",
		       g->name, g->versions.items[0], g->versions.items[0]);
}

void dd_discovery_group_list(const dd_registry *r, cap_buf *out)
{
	cap_buf_puts(out, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[");
	bool first = true;
	for (size_t i = 0; i < r->groups.len; i++) {
		const dd_group *g = r->groups.items[i];
		if (!*g->name || !g->versions.len)
			continue;
		if (!first)
			cap_buf_putc(out, ',');
		first = false;
		cap_buf_putc(out, '{');
		group_body(out, g);
		cap_buf_putc(out, '}');
	}
	cap_buf_puts(out, "]}");
}

int dd_discovery_group(const dd_registry *r, const char *group, cap_buf *out)
{
	const dd_group *g = dd_registry_group(r, group);
	if (!g || !*group || !g->versions.len)
		return cap_error_set(CAP_ENOTFOUND, "group '%s' not served", group);
	cap_buf_puts(out, "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",");
	group_body(out, g);
	cap_buf_putc(out, '}');
	return 0;
}

int dd_discovery_resource_list(const dd_registry *r, const char *group, const char *version,
			       cap_buf *out)
{
	bool any = false;
	cap_buf_puts(out, "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":");
	if (*group)
		cap_buf_printf(out, "\"%s/%s\"", group, version);
	else
		dd_json_quote(out, version);
	cap_buf_puts(out, ",\"resources\":[");
	for (size_t i = 0; i < r->types.len; i++) {
		const dd_rtype *t = r->types.items[i];
		if (strcmp(t->group, group) != 0 || strcmp(t->version, version) != 0)
			continue;
		if (any)
			cap_buf_putc(out, ',');
		any = true;
		cap_buf_puts(out, "{\"name\":");
		dd_json_quote(out, t->resource);
		cap_buf_puts(out, ",\"singularName\":");
		dd_json_quote(out, t->singular);
		cap_buf_printf(out,
			       ",\"namespaced\":%s,\"kind\":", t->namespaced ? "true" : "false");
		dd_json_quote(out, t->kind);
		cap_buf_puts(out, ",\"verbs\":");
		str_array(out, &t->verbs);
		if (t->short_names.len) {
			cap_buf_puts(out, ",\"shortNames\":");
			str_array(out, &t->short_names);
		}
		if (t->categories.len) {
			cap_buf_puts(out, ",\"categories\":");
			str_array(out, &t->categories);
		}
		cap_buf_putc(out, '}');
		for (size_t j = 0; j < t->nsubs; j++) {
			const dd_subresource *s = &t->subs[j];
			cap_buf_printf(out,
				       ",{\"name\":\"%s/%s\",\"singularName\":\"\","
				       "\"namespaced\":%s,",
				       t->resource, s->name, t->namespaced ? "true" : "false");
			if (*s->group)
				cap_buf_printf(out, "\"group\":\"%s\",\"version\":\"%s\",",
					       s->group, s->version);
			cap_buf_puts(out, "\"kind\":");
			dd_json_quote(out, s->kind);
			cap_buf_puts(out, ",\"verbs\":");
			str_array(out, &s->verbs);
			cap_buf_putc(out, '}');
		}
	}
	cap_buf_puts(out, "]}");
	if (!any && !(dd_registry_group(r, group) &&
		      cap_strvec_contains(&dd_registry_group(r, group)->versions, version)))
		return cap_error_set(CAP_ENOTFOUND, "group version not served");
	return 0;
}
