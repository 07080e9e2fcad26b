/* `capstan app terminate-op NAME`: ask the controller to stop the running operation. */
#include "cli/cmd_app_terminate_op.h"

#include "cli/app_client.h"
#include "value/json.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] = "usage: capstan app terminate-op NAME [-N NS]\n";

int cap_cmd_app_terminate_op(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	cap_value *obj = NULL;
	int rc = cap_app_cli_parse_named(&cli, &obj, argc, argv, usage_text);
	if (rc >= 0)
		return rc;
	rc = 0;
	const char *name = argv[optind];
	const cap_value *op = cap_value_object_get(obj, "operation");
	const char *phase = cap_value_dig_string(obj, "status", "operationState", "phase", NULL);
	if (!rc && (!op || cap_value_is_null(op)) && !(phase && !strcmp(phase, "Running"))) {
		fprintf(stderr,
			"capstan: Unable to terminate operation. No operation is in progress\n");
		rc = 1;
	}
	if (!rc) {
		/* Applications have no status subresource: status is patched like the rest */
		static const char text[] =
		    "{\"status\":{\"operationState\":{\"phase\":\"Terminating\"}}}";
		cap_value *patch = NULL;
		cap_json_parse(&patch, text, sizeof(text) - 1, "terminate", NULL);
		rc = cap_app_cli_patch(&cli, NULL, name, patch) ? 1 : 0;
		cap_value_free(patch);
		if (!rc)
			printf("Application '%s' operation terminating\n", name);
	}
	cap_value_free(obj);
	cap_app_cli_release(&cli);
	return rc;
}
