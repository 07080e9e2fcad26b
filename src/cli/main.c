/* Entry point of the capstan binary: hands argv to the command dispatcher. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cap_cli_main(argc, argv);
}
