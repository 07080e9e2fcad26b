/* Discovery documents: aggregated (apidiscovery.k8s.io v2 and v2beta1) and legacy (/api, /apis,
 * group-version lists). */
#pragma once

#include "base/buf.h"
#include "drydock/registry.h"

/*
 * Which aggregated discovery version an Accept header asks for first: "v2", "v2beta1", or
 * NULL when it prefers the legacy documents.
 */
const char *dd_discovery_aggregated_version(const char *accept);
/* The Content-Type for an aggregated answer in that version (static string). */
const char *dd_discovery_content_type(const char *version);

/* APIGroupDiscoveryList for /api (core) or /apis (every other group, CRDs included). */
void dd_discovery_aggregated(const dd_registry *r, bool core, const char *version, cap_buf *out);
/* APIVersions for /api. */
void dd_discovery_api_versions(const char *server_address, cap_buf *out);
/* APIGroupList for /apis. */
void dd_discovery_group_list(const dd_registry *r, cap_buf *out);
/* APIGroup for /apis/G; CAP_ENOTFOUND when not served. */
int dd_discovery_group(const dd_registry *r, const char *group, cap_buf *out);
/* APIResourceList for /api/v1 or /apis/G/V; CAP_ENOTFOUND when not served. */
int dd_discovery_resource_list(const dd_registry *r, const char *group, const char *version,
			       cap_buf *out);
