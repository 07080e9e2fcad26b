/* `capstan app sync` refuses, as Argo CD's API does, a sync the project's windows block. */
#include "cli/app_windows.h"

#include <stdio.h>

#include "app/application.h"
#include "app/project.h"
#include "app/project_windows.h"
#include "app/settings.h"
#include "base/error.h"
#include "base/time.h"

/* The verdict for a manual sync of app; prints and returns 1 when blocked. */
static int check(cap_app_cli *c, const cap_app *app)
{
	cap_settings settings;
	const cap_settings_cluster *cluster = NULL;
	cap_project proj;
	if (cap_project_load(&proj, c->client, c->app_namespace, app->project))
		return cap_app_cli_error();
	/* windows may name the cluster: resolve it when the settings allow, else match the spec */
	cap_settings_init(&settings);
	const char *server = app->destination.server, *cluster_name = app->destination.name;
	if (!cap_settings_load(&settings, c->client, c->app_namespace) &&
	    !cap_settings_resolve_destination(&cluster, &settings, &app->destination)) {
		server = cluster->server;
		cluster_name = cluster->name;
	}
	cap_project_sync_verdict v;
	int rc = cap_project_sync_allowed(&v, &proj, app, server, cluster_name,
					  CAP_PROJECT_SYNC_MANUAL, false, cap_time_wall_s());
	if (rc)
		fprintf(stderr, "capstan: cannot sync: %s\n", cap_error_last());
	else if (!v.allowed)
		fprintf(stderr, "capstan: cannot sync: blocked by sync window\n");
	cap_settings_release(&settings);
	cap_project_release(&proj);
	return v.allowed ? 0 : 1;
}

int cap_app_cli_check_sync_windows(cap_app_cli *c, const char *name)
{
	cap_value *obj = NULL;
	cap_app app;
	if (cap_app_cli_get(c, &obj, name))
		return 1;
	int rc = cap_app_parse(&app, obj);
	cap_value_free(obj);
	if (rc)
		return cap_app_cli_error();
	rc = check(c, &app);
	cap_app_release(&app);
	return rc;
}
