/* How `capstan app …` prints: aligned tables and the `argocd app get` summary. */
#pragma once

#include <stdio.h>

#include "app/application.h"
#include "base/strvec.h"

/*
 * A table printed as Go's tabwriter prints argocd's: every column but the last padded to its
 * widest cell plus two spaces. Cells are copied.
 */
typedef struct cap_app_table {
	size_t ncols;
	cap_strvec cells;
} cap_app_table;

void cap_app_table_init(cap_app_table *t, size_t ncols);
/* Adds a row of t->ncols cells; NULL cells print as "". */
void cap_app_table_row(cap_app_table *t, const char *const *cells);
void cap_app_table_print(const cap_app_table *t, FILE *to);
void cap_app_table_release(cap_app_table *t);

/* The sync policy as `app list` shows it: "Auto-Prune", "Auto" or "Manual". */
const char *cap_app_sync_policy_short(const cap_app *app);

/* "Synced to main (abc1234)" / "OutOfSync from HEAD": the summary's Sync Status line. */
void cap_app_sync_status_text(cap_buf *out, const cap_app *app);

/*
 * The `argocd app get` summary: Name, Project, Server, Namespace, URL, Repo, Target, Path,
 * SyncWindow, Sync Policy, Sync Status, Health Status; url_base is argocd-cm's url or NULL.
 */
void cap_app_print_summary(FILE *to, const cap_app *app, const char *url_base);

/* The conditions table (CONDITION MESSAGE LAST TRANSITION) when the app has any. */
void cap_app_print_conditions(FILE *to, const cap_app *app);

/*
 * The resource table GROUP KIND NAMESPACE NAME STATUS HEALTH HOOK MESSAGE from status.resources
 * and, for messages and hooks, the last operation's sync result.
 */
void cap_app_print_resources(FILE *to, const cap_app *app);

/* The operation block of `app sync`/`app get`: Operation, Sync Revision, Phase, Start, … */
void cap_app_print_operation(FILE *to, const cap_app *app);
