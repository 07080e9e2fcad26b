/* Sub-command dispatch for the capstan binary. */
#include "cli/cli.h"

#include "version.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *to)
{
	fprintf(to, "usage: capstan <command> [options]\n\n"
		    "commands:\n"
		    "  version    print the version\n");
}

int cap_cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("capstan %s\n", cap_version());
		return 0;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "capstan: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
