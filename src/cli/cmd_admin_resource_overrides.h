/* Command-line reading shared by the `capstan admin settings resource-overrides` subcommands. */
#pragma once

#include <stdbool.h>

/*
 * Reads `RESOURCE_YAML_PATH [--argocd-cm-path ARGOCD_CM_PATH] [--help]` from argv. Returns -1
 * when the command should go on, with *resources_path and *cm_path (NULL when not given; a usage
 * error when cm_required) pointing into argv; otherwise the exit code the command returns at
 * once: 0 after printing usage_text to stdout for --help, 1 after printing it to stderr.
 */
int cap_cmd_admin_resource_overrides_args(const char **resources_path, const char **cm_path,
					  int argc, char **argv, const char *usage_text,
					  bool cm_required);
