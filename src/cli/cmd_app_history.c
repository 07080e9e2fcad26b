/* `capstan app history NAME`: the deployments recorded in status.history. */
#include "cli/cmd_app_history.h"

#include "app/application.h"
#include "cli/app_client.h"
#include "cli/app_print.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] = "usage: capstan app history NAME [-o wide|json|yaml] [-N NS]\n";

int cap_cmd_app_history(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	const char *output = NULL;
	int parsed = cap_app_cli_parse_flags(&cli, &output, argc, argv, usage_text);
	if (parsed >= 0)
		return parsed;
	cap_value *obj = NULL;
	int rc = cap_app_cli_fetch_named(&cli, &obj, argc, argv, usage_text);
	if (rc) {
		cap_app_cli_release(&cli);
		return rc;
	}
	cap_value *hist = cap_value_dig(obj, "status", "history", NULL);
	if (output && (!strcmp(output, "json") || !strcmp(output, "yaml"))) {
		cap_value *empty = cap_value_array();
		cap_buf b = CAP_BUF_INIT;
		if (!strcmp(output, "json")) {
			cap_json_print(&b, hist ? hist : empty, CAP_JSON_INDENT);
			cap_buf_putc(&b, '\n');
		} else {
			cap_yaml_print(&b, hist ? hist : empty, 0);
		}
		fwrite(b.ptr, 1, b.len, stdout);
		cap_buf_release(&b);
		cap_value_free(empty);
	} else {
		cap_app_table t;
		cap_app_table_init(&t, 3);
		const char *head[] = {"ID", "DATE", "REVISION"};
		cap_app_table_row(&t, head);
		for (size_t i = 0; i < cap_value_array_len(hist); i++) {
			const cap_value *h = cap_value_array_get(hist, i);
			char id[32];
			snprintf(id, sizeof(id), "%lld",
				 (long long)cap_value_get_int(cap_value_object_get(h, "id")));
			cap_buf rev = CAP_BUF_INIT;
			const char *target =
			    cap_value_dig_string(h, "source", "targetRevision", NULL);
			const char *r = cap_value_dig_string(h, "revision", NULL);
			cap_buf_printf(&rev, "%s (%s)", target && *target ? target : "HEAD",
				       r ? r : "");
			const char *row[] = {id, cap_value_dig_string(h, "deployedAt", NULL),
					     rev.ptr};
			cap_app_table_row(&t, row);
			cap_buf_release(&rev);
		}
		cap_app_table_print(&t, stdout);
		cap_app_table_release(&t);
	}
	cap_value_free(obj);
	cap_app_cli_release(&cli);
	return 0;
}
