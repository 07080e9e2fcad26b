/* The capstan command line: sub-command dispatch shared by every verb. */
#pragma once

/* Runs `capstan <command> …` and returns the process exit code. */
int cap_cli_main(int argc, char **argv);
