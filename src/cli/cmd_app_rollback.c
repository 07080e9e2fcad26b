/* `capstan app rollback NAME [ID]`: sync to a revision from history, as argocd does. */
#include "cli/cmd_app_rollback.h"

#include "app/application.h"
#include "app/status.h"
#include "cli/app_client.h"
#include "cli/app_wait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan app rollback NAME [ID] [--prune] [--dry-run] [--timeout SECONDS] [--async]\n"
    "\n"
    "Without ID, rolls back to the deployment before the current one.\n";

enum { OPT_PRUNE = 256, OPT_DRY_RUN, OPT_TIMEOUT, OPT_ASYNC };

static const struct option options[] = {
    CAP_APP_CLI_OPTIONS,
    {"prune", no_argument, NULL, OPT_PRUNE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"async", no_argument, NULL, OPT_ASYNC},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cap_cmd_app_rollback(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	bool prune = false, dry_run = false, async = false;
	unsigned timeout_s = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "N:h", options, NULL)) != -1) {
		if (c == OPT_PRUNE)
			prune = true;
		else if (c == OPT_DRY_RUN)
			dry_run = true;
		else if (c == OPT_ASYNC)
			async = true;
		else if (c == OPT_TIMEOUT)
			timeout_s = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else if (!cap_app_cli_option(&cli, c, optarg)) {
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	const char *name = argv[optind];
	long long id = -1;
	if (argc - optind == 2) {
		char *end;
		id = strtoll(argv[optind + 1], &end, 10);
		if (*end || id < 0) {
			fprintf(stderr, "capstan: invalid history id '%s'\n", argv[optind + 1]);
			return 2;
		}
	}
	if (cap_app_cli_connect(&cli))
		return 1;
	cap_value *obj = NULL;
	cap_app app;
	int rc = cap_app_cli_get(&cli, &obj, name) ? 1 : 0;
	if (!rc && cap_app_parse(&app, obj))
		rc = cap_app_cli_error();
	cap_value_free(obj);
	if (rc) {
		cap_app_cli_release(&cli);
		return rc;
	}
	const cap_value *hist = cap_value_object_get(app.status, "history");
	const cap_value *h = NULL;
	if (app.sync_policy.automated) {
		fprintf(stderr,
			"capstan: rollback cannot be initiated when auto-sync is enabled\n");
		rc = 1;
	} else if (id >= 0) {
		if (!(h = cap_app_history_find(hist, id))) {
			fprintf(stderr,
				"capstan: application '%s' does not have deployment id '%lld' in "
				"history\n",
				name, id);
			rc = 1;
		}
	} else if (cap_value_array_len(hist) < 2) {
		fprintf(stderr,
			"capstan: application '%s' should have at least two successful "
			"deployments\n",
			name);
		rc = 1;
	} else {
		h = cap_value_array_get(hist, cap_value_array_len(hist) - 2);
	}
	if (!rc) {
		cap_app_sync_request req = {
		    .revision = cap_value_dig_string(h, "revision", NULL),
		    .revisions = cap_value_object_get(h, "revisions"),
		    .source = cap_value_object_get(h, "source"),
		    .sources = cap_value_object_get(h, "sources"),
		    .prune = prune,
		    .dry_run = dry_run,
		    .username = cap_app_cli_username(),
		};
		cap_value *op = cap_app_operation_new(&req);
		rc = cap_app_start_operation(&cli, name, op);
		cap_value_free(op);
	}
	if (!rc && !async) {
		cap_app_wait_options wo = {
		    .operation = true, .timeout_s = timeout_s, .progress = true};
		obj = NULL;
		rc = cap_app_wait(&cli, &obj, name, &wo) ? 1 : cap_app_report_operation(obj);
		cap_value_free(obj);
	}
	cap_app_release(&app);
	cap_app_cli_release(&cli);
	return rc;
}
