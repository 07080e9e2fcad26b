/* The Application flags of `argocd app create` and `app set`, applied to an Application object. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "value/value.h"

/* Option codes of the spec flags (between 300 and 399). */
enum {
	CAP_APP_FLAG_REPO = 300,
	CAP_APP_FLAG_PATH,
	CAP_APP_FLAG_REVISION,
	CAP_APP_FLAG_DEST_SERVER,
	CAP_APP_FLAG_DEST_NAME,
	CAP_APP_FLAG_DEST_NS,
	CAP_APP_FLAG_PROJECT,
	CAP_APP_FLAG_SYNC_POLICY,
	CAP_APP_FLAG_AUTO_PRUNE,
	CAP_APP_FLAG_SELF_HEAL,
	CAP_APP_FLAG_ALLOW_EMPTY,
	CAP_APP_FLAG_SYNC_OPTION,
	CAP_APP_FLAG_HELM_SET,
	CAP_APP_FLAG_VALUES,
	CAP_APP_FLAG_RELEASE_NAME,
	CAP_APP_FLAG_RECURSE,
	CAP_APP_FLAG_HISTORY_LIMIT,
};

#define CAP_APP_FLAG_OPTIONS                                                                       \
	{"repo", required_argument, NULL, CAP_APP_FLAG_REPO},                                      \
	    {"path", required_argument, NULL, CAP_APP_FLAG_PATH},                                  \
	    {"revision", required_argument, NULL, CAP_APP_FLAG_REVISION},                          \
	    {"dest-server", required_argument, NULL, CAP_APP_FLAG_DEST_SERVER},                    \
	    {"dest-name", required_argument, NULL, CAP_APP_FLAG_DEST_NAME},                        \
	    {"dest-namespace", required_argument, NULL, CAP_APP_FLAG_DEST_NS},                     \
	    {"project", required_argument, NULL, CAP_APP_FLAG_PROJECT},                            \
	    {"sync-policy", required_argument, NULL, CAP_APP_FLAG_SYNC_POLICY},                    \
	    {"auto-prune", no_argument, NULL, CAP_APP_FLAG_AUTO_PRUNE},                            \
	    {"self-heal", no_argument, NULL, CAP_APP_FLAG_SELF_HEAL},                              \
	    {"allow-empty", no_argument, NULL, CAP_APP_FLAG_ALLOW_EMPTY},                          \
	    {"sync-option", required_argument, NULL, CAP_APP_FLAG_SYNC_OPTION},                    \
	    {"helm-set", required_argument, NULL, CAP_APP_FLAG_HELM_SET},                          \
	    {"values", required_argument, NULL, CAP_APP_FLAG_VALUES},                              \
	    {"release-name", required_argument, NULL, CAP_APP_FLAG_RELEASE_NAME},                  \
	    {"directory-recurse", no_argument, NULL, CAP_APP_FLAG_RECURSE},                        \
	{                                                                                          \
		"revision-history-limit", required_argument, NULL, CAP_APP_FLAG_HISTORY_LIMIT      \
	}

/*
 * Applies one spec flag to app (an Application object, changed in place), as argocd does:
 * source fields go to spec.source, `--sync-policy automated|auto|none` sets or removes
 * spec.syncPolicy.automated, `--auto-prune`/`--self-heal`/`--allow-empty` need an automated
 * policy, `--sync-option X` adds X and `--sync-option !X` removes it. Returns 1 when opt is
 * not a spec flag, 0 when applied, and -1 after printing the error for a bad value.
 */
int cap_app_flag_apply(cap_value *app, int opt, const char *arg);

/*
 * Records option opt with arg as [opt, "arg"] at the end of the array flags, to be applied with
 * cap_app_flag_apply once the Application is at hand; false (nothing recorded) when opt is not
 * one of the CAP_APP_FLAG_ options.
 */
bool cap_app_flag_record(cap_value *flags, int opt, const char *arg);

/*
 * Applies the flags that depend on others once all were seen: --auto-prune, --self-heal and
 * --allow-empty need automated sync (set by this run or already in app). Prints the error and
 * returns -1 when one is misused.
 */
int cap_app_flag_finish(cap_value *app);
