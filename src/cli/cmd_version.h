/* `capstan version`. */
#pragma once

/* Prints "capstan <version>"; always 0. */
int cap_cmd_version(int argc, char **argv);
