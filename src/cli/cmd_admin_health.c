/* `capstan admin settings resource-overrides health`: assess objects as the controller would. */
#include "cli/cmd_admin_health.h"

#include "base/error.h"
#include "cli/cmd_admin_resource_overrides.h"
#include "health/health.h"
#include "health/overrides.h"
#include "value/yaml.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan admin settings resource-overrides health RESOURCE_YAML_PATH\n"
    "                                                   [--argocd-cm-path ARGOCD_CM_PATH]\n"
    "\n"
    "Assesses the health of each object in the file with the built-in checks and the Lua\n"
    "health customizations of the argocd-cm ConfigMap, and prints STATUS and MESSAGE.\n"
    "Without --argocd-cm-path only the built-in checks apply.\n";

static int fail(void)
{
	fprintf(stderr, "capstan admin settings resource-overrides health: %s\n", cap_error_last());
	return 1;
}

/* Prints one object's assessment; false when its check failed. */
static bool report(const cap_value *obj, const cap_health_overrides *ov)
{
	cap_health h;
	if (cap_health_assess(&h, obj, ov) != 0)
		return false;
	const char *name = cap_value_dig_string(obj, "metadata", "name", NULL) ?: "";
	bool ok = !h.failed;
	if (h.failed) {
		const char *ns = cap_value_dig_string(obj, "metadata", "namespace", NULL) ?: "";
		cap_error_set(CAP_EINVALID, "failed to get resource health for '%s/%s': %s", ns,
			      name, h.message);
	} else if (h.status == CAP_HEALTH_NONE) {
		/* Go prints a GroupKind as "Kind.group", or "Kind" for the core group. */
		const char *av = cap_value_dig_string(obj, "apiVersion", NULL) ?: "";
		const char *slash = strchr(av, '/');
		const char *kind = cap_value_dig_string(obj, "kind", NULL) ?: "";
		if (slash)
			printf("Health script is not configured for '%s.%.*s/%s'\n", kind,
			       (int)(slash - av), av, name);
		else
			printf("Health script is not configured for '%s/%s'\n", kind, name);
	} else {
		printf("STATUS: %s\n", cap_health_status_name(h.status));
		printf("MESSAGE: %s\n", h.message);
	}
	cap_health_release(&h);
	return ok;
}

int cap_cmd_admin_health(int argc, char **argv)
{
	const char *resources_path, *cm_path;
	int exit_code = cap_cmd_admin_resource_overrides_args(&resources_path, &cm_path, argc, argv,
							      usage_text, false);
	if (exit_code >= 0)
		return exit_code;
	cap_health_overrides *ov = NULL;
	cap_value *docs = NULL;
	if ((cm_path && cap_health_overrides_load_file(&ov, cm_path) != 0) ||
	    cap_yaml_parse_file(&docs, resources_path, NULL) != 0) {
		cap_health_overrides_free(ov);
		return fail();
	}
	int rc = 0;
	for (size_t i = 0; i < cap_value_array_len(docs) && rc == 0; i++) {
		const cap_value *obj = cap_value_array_get(docs, i);
		if (!cap_value_is_object(obj)) {
			cap_error_set(CAP_EINVALID, "'%s' document %zu is not an object",
				      resources_path, i + 1);
			rc = fail();
		} else if (!report(obj, ov)) {
			rc = fail();
		}
	}
	cap_value_free(docs);
	cap_health_overrides_free(ov);
	return rc;
}
