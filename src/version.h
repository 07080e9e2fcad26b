/* The Capstan version, shared by capstan and drydock. */
#pragma once

#define CAP_VERSION "0.1.0"

/* Returns the static version string, e.g. "0.1.0". */
const char *cap_version(void);
