/* `capstan app confirm-deletion NAME`: writes the deletion approval annotation, stamped now. */
#include "cli/cmd_app_confirm_deletion.h"

#include "base/time.h"
#include "cli/app_client.h"
#include "sync/options.h"

#include <stdio.h>

static const char usage_text[] =
    "usage: capstan app confirm-deletion NAME [-N NS]\n"
    "\n"
    "Approves the deletion of the application's resources with the sync option Delete=confirm\n"
    "while the application is being deleted. Writes the annotation\n"
    "argocd.argoproj.io/deletion-approved with the current time; it approves deletions waiting\n"
    "since before that time.\n";

int cap_cmd_app_confirm_deletion(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	cap_value *obj = NULL;
	int rc = cap_app_cli_parse_named(&cli, &obj, argc, argv, usage_text);
	if (rc >= 0)
		return rc;
	rc = 0;
	const char *name = argv[optind];
	char now[CAP_RFC3339_LEN];
	cap_time_format_rfc3339(now, cap_time_wall_s());
	cap_value *patch = cap_value_object(), *meta = cap_value_object(),
		  *ann = cap_value_object();
	cap_value_object_set(ann, CAP_SYNC_DELETION_APPROVED_ANNOTATION, cap_value_string(now));
	cap_value_object_set(meta, "annotations", ann);
	cap_value_object_set(patch, "metadata", meta);
	rc = cap_app_cli_patch(&cli, NULL, name, patch) ? 1 : 0;
	cap_value_free(patch);
	if (!rc)
		printf("Application '%s' deletion confirmed at %s\n", name, now);
	cap_value_free(obj);
	cap_app_cli_release(&cli);
	return rc;
}
