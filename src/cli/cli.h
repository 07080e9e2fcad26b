/* The capstan command line: sub-command dispatch shared by every verb. */
#pragma once

/*
 * A command handler receives the words after its own name (argv[0] is the last word of the
 * command name, as for getopt) and returns the process exit code. Each handler lives in its own
 * file under src/cli/ and is listed once in src/cli/commands.c.
 */
typedef int (*cap_cli_handler)(int argc, char **argv);

typedef struct cap_cli_command {
	const char *name;    /* words joined by spaces: "admin patch apply" */
	const char *summary; /* one line for the help listing */
	cap_cli_handler run;
} cap_cli_command;

/* The table of every command, ended by an entry whose name is NULL (src/cli/commands.c). */
extern const cap_cli_command cap_cli_commands[];

/* Runs `capstan <command> …` and returns the process exit code. */
int cap_cli_main(int argc, char **argv);
