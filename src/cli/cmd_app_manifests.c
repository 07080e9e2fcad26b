/* `capstan app manifests NAME`: the objects Git renders for an Application, or the live ones. */
#include "cli/cmd_app_manifests.h"

#include "app/settings.h"
#include "cli/app_client.h"
#include "cli/app_render.h"
#include "value/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] = "usage: capstan app manifests NAME [--source git|live] [-N NS]\n";

static const struct option options[] = {
    CAP_APP_CLI_OPTIONS,
    {"source", required_argument, NULL, 's'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The live objects of status.resources (or, before any comparison, of the rendered set). */
static int live_objects(cap_value **out, cap_app_cli *cli, const cap_app *app,
			const cap_settings *settings)
{
	const cap_value *res = cap_value_object_get(app->status, "resources");
	cap_value *objs = cap_value_array();
	int rc = 0;
	if (res) {
		for (size_t i = 0; i < cap_value_array_len(res) && !rc; i++) {
			cap_value *o = NULL;
			rc = cap_app_live_resource(&o, cli, cap_value_array_get(res, i));
			if (o)
				cap_value_array_append(objs, o);
		}
	} else {
		cap_value *desired = NULL;
		char *rev = NULL;
		rc = cap_app_render_desired(&desired, &rev, app, settings);
		for (size_t i = 0; !rc && i < cap_value_array_len(desired); i++) {
			cap_value *o = NULL;
			rc = cap_app_live_object(&o, cli, cap_value_array_get(desired, i));
			if (o)
				cap_value_array_append(objs, o);
		}
		cap_value_free(desired);
		free(rev);
	}
	if (rc)
		cap_value_free(objs);
	else
		*out = objs;
	return rc;
}

int cap_cmd_app_manifests(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	const char *source = "git";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "N:h", options, NULL)) != -1) {
		if (c == 's')
			source = optarg;
		else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else if (!cap_app_cli_option(&cli, c, optarg)) {
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || (strcmp(source, "git") && strcmp(source, "live"))) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (cap_app_cli_connect(&cli))
		return 1;
	cap_value *obj = NULL, *objs = NULL;
	cap_settings settings;
	cap_settings_init(&settings);
	cap_app app;
	int rc = cap_app_cli_get(&cli, &obj, argv[optind]) ? 1 : 0;
	bool parsed = false;
	if (!rc && (cap_settings_load(&settings, cli.client, cli.app_namespace) ||
		    cap_app_parse(&app, obj)))
		rc = cap_app_cli_error();
	else if (!rc)
		parsed = true;
	if (!rc) {
		char *rev = NULL;
		int r = !strcmp(source, "git")
			    ? cap_app_render_desired(&objs, &rev, &app, &settings)
			    : live_objects(&objs, &cli, &app, &settings);
		free(rev);
		if (r)
			rc = cap_app_cli_error();
	}
	if (!rc) {
		cap_buf b = CAP_BUF_INIT;
		for (size_t i = 0; i < cap_value_array_len(objs); i++) {
			cap_buf_puts(&b, "---\n");
			cap_yaml_print(&b, cap_value_array_get(objs, i), 0);
		}
		fwrite(b.ptr, 1, b.len, stdout);
		cap_buf_release(&b);
	}
	if (parsed)
		cap_app_release(&app);
	cap_value_free(objs);
	cap_value_free(obj);
	cap_settings_release(&settings);
	cap_app_cli_release(&cli);
	return rc;
}
