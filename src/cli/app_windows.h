/* The sync windows check `capstan app sync` makes before it writes an operation. */
#pragma once

#include "cli/app_client.h"

/*
 * As Argo CD's API refuses a sync: GETs Application name and its AppProject, and when the
 * project's sync windows block a manual sync now prints "capstan: cannot sync: blocked by sync
 * window" (or "cannot sync: invalid sync windows: …") and returns 1. A missing Application or
 * project is printed and returns 1 too; 0 when the sync may go ahead.
 */
int cap_app_cli_check_sync_windows(cap_app_cli *c, const char *name);
