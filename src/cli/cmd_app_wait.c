/* `capstan app wait NAME`: block until the Application is synced, healthy and idle. */
#include "cli/cmd_app_wait.h"

#include "cli/app_client.h"
#include "cli/app_wait.h"

#include <stdio.h>
#include <stdlib.h>

static const char usage_text[] =
    "usage: capstan app wait NAME... [--sync] [--health] [--operation] [--suspended]\n"
    "  [--degraded] [--timeout SECONDS]\n"
    "\n"
    "Without a condition flag, waits for all of sync, health and operation.\n";

enum { OPT_SYNC = 256, OPT_HEALTH, OPT_OPERATION, OPT_SUSPENDED, OPT_DEGRADED, OPT_TIMEOUT };

static const struct option options[] = {
    CAP_APP_CLI_OPTIONS,
    {"sync", no_argument, NULL, OPT_SYNC},
    {"health", no_argument, NULL, OPT_HEALTH},
    {"operation", no_argument, NULL, OPT_OPERATION},
    {"suspended", no_argument, NULL, OPT_SUSPENDED},
    {"degraded", no_argument, NULL, OPT_DEGRADED},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cap_cmd_app_wait(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	cap_app_wait_options o = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "N:h", options, NULL)) != -1) {
		if (c == OPT_SYNC)
			o.sync = true;
		else if (c == OPT_HEALTH)
			o.health = true;
		else if (c == OPT_OPERATION)
			o.operation = true;
		else if (c == OPT_SUSPENDED)
			o.suspended = true;
		else if (c == OPT_DEGRADED)
			o.degraded = true;
		else if (c == OPT_TIMEOUT)
			o.timeout_s = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else if (!cap_app_cli_option(&cli, c, optarg)) {
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (!o.sync && !o.health && !o.operation && !o.suspended && !o.degraded)
		o.sync = o.health = o.operation = true;
	if (cap_app_cli_connect(&cli))
		return 1;
	int rc = 0;
	for (int i = optind; i < argc && !rc; i++) {
		cap_value *obj = NULL;
		if (cap_app_wait(&cli, &obj, argv[i], &o)) {
			rc = 1;
			break;
		}
		printf("application '%s' reached the desired state\n", argv[i]);
		cap_value_free(obj);
	}
	cap_app_cli_release(&cli);
	return rc;
}
