/* The version string every binary reports. */
#include "version.h"

const char *cap_version(void)
{
	return CAP_VERSION;
}
