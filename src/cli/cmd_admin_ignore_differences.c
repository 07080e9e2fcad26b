/* `capstan admin settings resource-overrides ignore-differences`: show what argocd-cm rules drop.
 */
#include "cli/cmd_admin_ignore_differences.h"

#include "base/buf.h"
#include "base/error.h"
#include "diff/ignore.h"
#include "diff/text.h"
#include "value/yaml.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan admin settings resource-overrides ignore-differences RESOURCE_YAML_PATH\n"
    "                                                   --argocd-cm-path ARGOCD_CM_PATH\n"
    "\n"
    "Prints, for each object of the file, the fields removed by the ignoreDifferences\n"
    "customizations of the argocd-cm ConfigMap (resource.customizations.ignoreDifferences.*).\n";

static const struct option long_options[] = {
    {"argocd-cm-path", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int fail(void)
{
	fprintf(stderr, "capstan admin settings resource-overrides ignore-differences: %s\n",
		cap_error_last());
	return 1;
}

int cap_cmd_admin_ignore_differences(int argc, char **argv)
{
	const char *cm_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (c == 'c') {
			cm_path = optarg;
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else {
			fputs(usage_text, stderr);
			return 1;
		}
	}
	if (argc - optind != 1 || !cm_path) {
		fputs(usage_text, stderr);
		return 1;
	}
	cap_value *cm_docs = NULL, *docs = NULL;
	cap_diff_ignore *ig = cap_diff_ignore_new();
	if (cap_yaml_parse_file(&cm_docs, cm_path, NULL) ||
	    cap_diff_ignore_add_argocd_cm(ig, cap_value_array_get(cm_docs, 0)) ||
	    cap_yaml_parse_file(&docs, argv[optind], NULL)) {
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
		if (!cap_diff_ignore_matches(ig, res)) {
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
