/* Desired and live objects of an Application for `app manifests` and `app diff`. */
#pragma once

#include "app/application.h"
#include "app/settings.h"
#include "cli/app_client.h"
#include "value/value.h"

/*
 * Renders every source of app at its target revision (git sources checked out into a temporary
 * cache, credentials from settings) as the repo-server would: *out is a new array of objects
 * and *revision (malloc'd, may be NULL on return) the first source's resolved commit.
 */
int cap_app_render_desired(cap_value **out, char **revision, const cap_app *app,
			   const cap_settings *settings);

/*
 * The live object for desired (or for a status.resources entry with group, version, kind,
 * namespace, name): *out is the object or NULL when it does not exist. Other errors return.
 */
int cap_app_live_object(cap_value **out, cap_app_cli *cli, const cap_value *desired);

/* The live object of a status.resources entry, same rules. */
int cap_app_live_resource(cap_value **out, cap_app_cli *cli, const cap_value *entry);
