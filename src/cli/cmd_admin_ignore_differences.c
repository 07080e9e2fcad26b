/* `capstan admin settings resource-overrides ignore-differences`: show what argocd-cm rules drop.
 */
#include "cli/cmd_admin_ignore_differences.h"

#include "base/buf.h"
#include "base/error.h"
#include "cli/cmd_admin_resource_overrides.h"
#include "value/value.h"
#include "diff/ignore.h"
#include "diff/text.h"
#include "value/yaml.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan admin settings resource-overrides ignore-differences RESOURCE_YAML_PATH\n"
    "                                                   --argocd-cm-path ARGOCD_CM_PATH\n"
    "\n"
    "Prints, for each object of the file, the fields removed by the ignoreDifferences\n"
    "customizations of the argocd-cm ConfigMap (resource.customizations.ignoreDifferences.*).\n";

/*
 * How argocd-cm configures overrides for "group/Kind" (or "Kind" for the core group): 0 none,
 * 1 some override (health, actions, …) without ignoreDifferences pointers or jq paths, 2 with
 * them. Keys are resource.customizations.<type>.<group>_<Kind> and the older
 * resource.customizations map.
 */
static int override_state(const cap_value *cm, const char *gk)
{
	static const char prefix[] = "resource.customizations.";
	static const char idiff[] = "ignoreDifferences.";
	const cap_value *data = cap_value_object_get(cm, "data");
	const char *key;
	cap_value *v;
	cap_buf want = CAP_BUF_INIT;
	int state = 0;

	/* "apps/Deployment" is written apps_Deployment in key names */
	cap_buf_sets(&want, gk);
	char *slash = strchr(want.ptr, '/');
	if (slash)
		*slash = '_';
	CAP_VALUE_OBJECT_FOREACH(data, key, v)
	{
		if (!strcmp(key, "resource.customizations")) {
			cap_value *map = NULL;
			const char *text = cap_value_get_string(v);
			if (!text || cap_yaml_parse(&map, text, strlen(text), key, NULL)) {
				cap_error_clear();
				continue;
			}
			const cap_value *custom = cap_value_object_get(map, gk);
			if (custom && state < 1)
				state = 1;
			const char *body = cap_value_dig_string(custom, "ignoreDifferences", NULL);
			if (body &&
			    (strstr(body, "jsonPointers") || strstr(body, "jqPathExpressions")))
				state = 2;
			cap_value_free(map);
			continue;
		}
		if (strncmp(key, prefix, sizeof(prefix) - 1))
			continue;
		const char *type = key + sizeof(prefix) - 1, *dot = strchr(type, '.');
		if (!dot || strcmp(dot + 1, want.ptr))
			continue;
		if (state < 1)
			state = 1;
		const char *body = cap_value_get_string(v);
		if (!strncmp(type, idiff, sizeof(idiff) - 1) && body &&
		    (strstr(body, "jsonPointers") || strstr(body, "jqPathExpressions")))
			state = 2;
	}
	cap_buf_release(&want);
	return state;
}

static int fail(void)
{
	fprintf(stderr, "capstan admin settings resource-overrides ignore-differences: %s\n",
		cap_error_last());
	return 1;
}

int cap_cmd_admin_ignore_differences(int argc, char **argv)
{
	const char *resources_path, *cm_path;
	int exit_code = cap_cmd_admin_resource_overrides_args(&resources_path, &cm_path, argc, argv,
							      usage_text, true);
	if (exit_code >= 0)
		return exit_code;
	cap_value *cm_docs = NULL, *docs = NULL;
	cap_diff_ignore *ig = cap_diff_ignore_new();
	if (cap_yaml_parse_file(&cm_docs, cm_path, NULL) ||
	    cap_diff_ignore_add_argocd_cm(ig, cap_value_array_get(cm_docs, 0)) ||
	    cap_yaml_parse_file(&docs, resources_path, NULL)) {
		cap_value_free(cm_docs);
		cap_diff_ignore_free(ig);
		return fail();
	}
	for (size_t i = 0; i < cap_value_array_len(docs); i++) {
		cap_value *res = cap_value_array_get(docs, i);
		const char *av = cap_value_dig_string(res, "apiVersion", NULL);
		const char *slash = av ? strchr(av, '/') : NULL;
		int glen = slash ? (int)(slash - av) : 0;
		const char *kind = cap_value_dig_string(res, "kind", NULL) ?: "";
		cap_buf gk = CAP_BUF_INIT;
		if (slash)
			cap_buf_printf(&gk, "%.*s/", glen, av);
		cap_buf_puts(&gk, kind);
		int state = override_state(cap_value_array_get(cm_docs, 0), gk.ptr);
		cap_buf_release(&gk);
		if (state == 0) {
			printf("No overrides configured for '%.*s/%s'\n", glen, slash ? av : "",
			       kind);
			continue;
		}
		if (state == 1) {
			printf("Ignore differences are not configured for '%.*s/%s'\n", glen,
			       slash ? av : "", kind);
			continue;
		}
		cap_value *normalized = cap_value_deep_copy(res);
		cap_diff_ignore_apply(ig, normalized);
		if (cap_value_equal(res, normalized)) {
			printf(
			    "No fields are ignored by ignoreDifferences settings for '%.*s/%s'\n",
			    glen, slash ? av : "", kind);
		} else {
			cap_buf out = CAP_BUF_INIT;
			cap_diff_text_masked(&out, res, normalized, CAP_DIFF_TEXT_NORMAL);
			printf("Following fields are ignored:\n\n%s", out.ptr);
			cap_buf_release(&out);
		}
		cap_value_free(normalized);
	}
	cap_value_free(docs);
	cap_value_free(cm_docs);
	cap_diff_ignore_free(ig);
	return 0;
}
