/* Sub-command dispatch for the capstan binary: the longest matching command name wins. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *to)
{
	fprintf(to, "usage: capstan <command> [options]\n\ncommands:\n");
	for (const cap_cli_command *c = cap_cli_commands; c->name; c++)
		fprintf(to, "  %-36s %s\n", c->name, c->summary);
}

/* How many words of argv (from index 1) spell name; 0 when they do not. */
static int match_words(const char *name, int argc, char **argv)
{
	int words = 0;
	const char *p = name;
	for (int i = 1; i < argc; i++) {
		size_t n = strcspn(p, " ");
		if (strlen(argv[i]) != n || strncmp(argv[i], p, n) != 0)
			return 0;
		words++;
		p += n;
		if (!*p)
			return words;
		p++;
	}
	return 0;
}

int cap_cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version"))
		argv[1] = "version";
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	const cap_cli_command *best = NULL;
	int best_words = 0;
	for (const cap_cli_command *c = cap_cli_commands; c->name; c++) {
		int w = match_words(c->name, argc, argv);
		if (w > best_words) {
			best = c;
			best_words = w;
		}
	}
	if (!best) {
		fprintf(stderr, "capstan: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return best->run(argc - best_words, argv + best_words);
}
