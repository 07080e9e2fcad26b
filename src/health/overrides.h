/* Custom health checks from argocd-cm: resource.customizations.health.<group>_<kind> and the old
 * form. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "health/health.h"
#include "value/value.h"

/*
 * One override: key is "group/Kind" ("Kind" for the core group) and may hold glob wildcards
 * (an asterisk for any run of characters, '?' for one); the per-key form's "all" becomes a key
 * that matches every kind.
 */
typedef struct cap_health_override {
	char *key;
	char *health_lua; /* the script; NULL when this key has no health check */
	bool use_open_libs;
} cap_health_override;

/* Owned by its creator; freed with cap_health_overrides_free. Read-only once built: shareable. */
struct cap_health_overrides {
	cap_health_override *items;
	size_t len;
};

/*
 * Reads the health customisations of an argocd-cm ConfigMap (the whole object, or just its
 * data map). The older `resource.customizations` key (YAML map of "group/Kind" to
 * {health.lua, health.lua.useOpenLibs}) is read first; the per-key form
 * `resource.customizations.health.<group>_<kind>` and `…useOpenLibs.<group>_<kind>` then
 * override it. Other customisation types (actions, ignoreDifferences, …) are accepted and left
 * to their own readers. CAP_EINVALID with a message naming the key for malformed entries.
 */
int cap_health_overrides_from_configmap(cap_health_overrides **out, const cap_value *cm);

/* Reads an argocd-cm YAML file (the first document) and calls the function above. */
int cap_health_overrides_load_file(cap_health_overrides **out, const char *path);

void cap_health_overrides_free(cap_health_overrides *ov);

/*
 * The override with a health script for group/kind: an exact key first, then the first
 * wildcard key (in the ConfigMap's order) that matches. NULL when none (ov may be NULL).
 */
const cap_health_override *cap_health_overrides_find(const cap_health_overrides *ov,
						     const char *group, const char *kind);
