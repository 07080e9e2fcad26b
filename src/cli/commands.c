/* The table of capstan sub-commands: one line per command, handlers declared in their own headers. */
#include "cli/cli.h"

#include "cli/cmd_admin_diff.h"
#include "cli/cmd_admin_health.h"
#include "cli/cmd_admin_ignore_differences.h"
#include "cli/cmd_admin_install.h"
#include "cli/cmd_admin_manifests.h"
#include "cli/cmd_admin_patch.h"
#include "cli/cmd_app_create.h"
#include "cli/cmd_app_list.h"
#include "cli/cmd_app_get.h"
#include "cli/cmd_app_set.h"
#include "cli/cmd_app_delete.h"
#include "cli/cmd_app_confirm_deletion.h"
#include "cli/cmd_app_history.h"
#include "cli/cmd_app_resources.h"
#include "cli/cmd_app_manifests.h"
#include "cli/cmd_app_diff.h"
#include "cli/cmd_app_sync.h"
#include "cli/cmd_app_wait.h"
#include "cli/cmd_app_rollback.h"
#include "cli/cmd_app_terminate_op.h"
#include "cli/cmd_proj_windows.h"
#include "cli/cmd_cluster_list.h"
#include "cli/cmd_run.h"
#include "cli/cmd_version.h"

#include <stddef.h>

const cap_cli_command cap_cli_commands[] = {
	{"version", "print the capstan version", cap_cmd_version},
	{"run", "run the application controller (caches, refreshes, syncs) in one process",
	 cap_cmd_run},
	{"admin diff", "diff manifests against live objects as Argo CD does; exit 1 when they differ",
	 cap_cmd_admin_diff},
	{"admin settings resource-overrides ignore-differences",
	 "print the fields argocd-cm ignoreDifferences rules remove", cap_cmd_admin_ignore_differences},
	{"admin settings resource-overrides health",
	 "print the health of objects under argocd-cm health checks", cap_cmd_admin_health},
	{"admin install", "install the CRDs, namespace, default project and settings objects",
	 cap_cmd_admin_install},
	{"admin manifests", "render an application source and print its objects",
	 cap_cmd_admin_manifests},
	{"admin patch", "apply or create json, merge and strategic merge patches on files",
	 cap_cmd_admin_patch},
	{"app create", "create an Application from flags or a file", cap_cmd_app_create},
	{"app list", "list Applications", cap_cmd_app_list},
	{"app get", "show an Application, its conditions and resources", cap_cmd_app_get},
	{"app set", "change an Application's spec", cap_cmd_app_set},
	{"app delete", "delete an Application, with its resources unless --cascade=false", cap_cmd_app_delete},
	{"app confirm-deletion", "approve deleting the Delete=confirm resources of an Application being deleted",
	 cap_cmd_app_confirm_deletion},
	{"app history", "show an Application's deployment history", cap_cmd_app_history},
	{"app resources", "list the resources of an Application", cap_cmd_app_resources},
	{"app sync", "sync an Application to its target state and follow the operation", cap_cmd_app_sync},
	{"app wait", "wait until an Application is synced, healthy and idle", cap_cmd_app_wait},
	{"app rollback", "sync an Application back to a revision from its history", cap_cmd_app_rollback},
	{"app terminate-op", "stop the operation an Application is running", cap_cmd_app_terminate_op},
	{"app manifests", "print the objects an Application renders from Git, or its live objects", cap_cmd_app_manifests},
	{"app diff", "show what a sync would change; exit 1 when live differs from Git", cap_cmd_app_diff},
	{"proj windows list", "list an AppProject's sync windows and whether each is active", cap_cmd_proj_windows_list},
	{"cluster list", "list the destination clusters and whether they can be reached", cap_cmd_cluster_list},
	{NULL, NULL, NULL},
};
