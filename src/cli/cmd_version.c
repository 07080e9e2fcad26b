/* `capstan version`: prints the version. */
#include "cli/cmd_version.h"

#include "version.h"

#include <stdio.h>

int cap_cmd_version(int argc, char **argv)
{
	printf("capstan %s\n", cap_version());
	return 0;
}
