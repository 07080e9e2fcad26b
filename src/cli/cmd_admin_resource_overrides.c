/* Command-line reading shared by the `capstan admin settings resource-overrides` subcommands. */
#include "cli/cmd_admin_resource_overrides.h"

#include <getopt.h>
#include <stdio.h>

static const struct option long_options[] = {
    {"argocd-cm-path", required_argument, NULL, 'c'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cap_cmd_admin_resource_overrides_args(const char **resources_path, const char **cm_path,
					  int argc, char **argv, const char *usage_text,
					  bool cm_required)
{
	const char *cm = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (c == 'c') {
			cm = optarg;
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else {
			fputs(usage_text, stderr);
			return 1;
		}
	}
	if (argc - optind != 1 || (cm_required && !cm)) {
		fputs(usage_text, stderr);
		return 1;
	}
	*resources_path = argv[optind];
	*cm_path = cm;
	return -1;
}
