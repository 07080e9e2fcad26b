/* `capstan app resources NAME`: the objects an Application manages, from status.resources. */
#include "cli/cmd_app_resources.h"

#include "app/application.h"
#include "cli/app_client.h"
#include "cli/app_print.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] = "usage: capstan app resources NAME [-N NS]\n";

static const struct option options[] = {
    CAP_APP_CLI_OPTIONS,
    {"orphaned", no_argument, NULL, 'O'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cap_cmd_app_resources(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	bool orphaned = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "N:h", options, NULL)) != -1) {
		if (c == 'O')
			orphaned = true;
		else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else if (!cap_app_cli_option(&cli, c, optarg)) {
			fputs(usage_text, stderr);
			return 2;
		}
	}
	cap_value *obj = NULL;
	int rc = cap_app_cli_fetch_named(&cli, &obj, argc, argv, usage_text);
	if (rc) {
		cap_app_cli_release(&cli);
		return rc;
	}
	cap_app_table t;
	cap_app_table_init(&t, 5);
	const char *head[] = {"GROUP", "KIND", "NAMESPACE", "NAME", "ORPHANED"};
	cap_app_table_row(&t, head);
	const cap_value *res = cap_value_dig(obj, "status", "resources", NULL);
	for (size_t i = 0; i < cap_value_array_len(res) && !orphaned; i++) {
		const cap_value *r = cap_value_array_get(res, i);
		const char *row[] = {cap_value_dig_string(r, "group", NULL),
				     cap_value_dig_string(r, "kind", NULL),
				     cap_value_dig_string(r, "namespace", NULL),
				     cap_value_dig_string(r, "name", NULL), "No"};
		cap_app_table_row(&t, row);
	}
	cap_app_table_print(&t, stdout);
	cap_app_table_release(&t);
	cap_value_free(obj);
	cap_app_cli_release(&cli);
	return 0;
}
