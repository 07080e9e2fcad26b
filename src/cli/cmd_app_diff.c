/* `capstan app diff NAME`: what a sync would change, printed as `argocd app diff` does. */
#include "cli/cmd_app_diff.h"

#include "app/settings.h"
#include "cli/app_client.h"
#include "cli/app_render.h"
#include "diff/diff.h"
#include "diff/ignore.h"
#include "diff/known_types.h"
#include "diff/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan app diff NAME [--revision REV] [--exit-code=true|false] [-N NS]\n"
    "\n"
    "Exit status: 0 when live matches Git, 1 when something differs, 2 on error.\n";

static const struct option options[] = {
    CAP_APP_CLI_OPTIONS,
    {"revision", required_argument, NULL, 'r'},
    {"exit-code", optional_argument, NULL, 'e'},
    {"refresh", no_argument, NULL, 'R'},
    {"hard-refresh", no_argument, NULL, 'H'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void header(cap_buf *out, const cap_value *obj)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *slash = av ? strchr(av, '/') : NULL;
	cap_buf_puts(out, "\n===== ");
	if (slash)
		cap_buf_put(out, av, (size_t)(slash - av));
	const char *ns = cap_value_dig_string(obj, "metadata", "namespace", NULL);
	cap_buf_printf(out, "/%s %s/%s ======\n", cap_value_dig_string(obj, "kind", NULL) ?: "",
		       ns ? ns : "", cap_value_dig_string(obj, "metadata", "name", NULL) ?: "");
}

static bool same_key(const cap_value *entry, const cap_value *obj)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *slash = av ? strchr(av, '/') : NULL;
	size_t gl = slash ? (size_t)(slash - av) : 0;
	const char *g = cap_value_dig_string(entry, "group", NULL);
	if (!g)
		g = "";
	const char *ns1 = cap_value_dig_string(entry, "namespace", NULL);
	const char *ns2 = cap_value_dig_string(obj, "metadata", "namespace", NULL);
	return strlen(g) == gl && !strncmp(g, av ? av : "", gl) &&
	       !strcmp(cap_value_dig_string(entry, "kind", NULL) ?: "",
		       cap_value_dig_string(obj, "kind", NULL) ?: "") &&
	       !strcmp(cap_value_dig_string(entry, "name", NULL) ?: "",
		       cap_value_dig_string(obj, "metadata", "name", NULL) ?: "") &&
	       !strcmp(ns1 ? ns1 : "", ns2 ? ns2 : "");
}

static int run(bool *modified, cap_buf *out, cap_app_cli *cli, const cap_app *app,
	       const cap_settings *settings)
{
	cap_value *desired = NULL;
	char *rev = NULL;
	int rc = cap_app_render_desired(&desired, &rev, app, settings);
	free(rev);
	if (rc)
		return rc;
	cap_diff_ignore *ig = cap_diff_ignore_new();
	cap_diff_known_types *kt = cap_diff_known_types_new(NULL);
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	o.known_types = kt;
	o.instance_label = settings->instance_label_key;
	if (settings->cm && (rc = cap_diff_ignore_add_argocd_cm(ig, settings->cm)) == 0)
		rc = cap_diff_known_types_add_argocd_cm(kt, settings->cm);
	if (!rc && app->ignore_differences)
		rc = cap_diff_ignore_add_app(ig, app->ignore_differences);
	o.ignore = ig;
	for (size_t i = 0; !rc && i < cap_value_array_len(desired); i++) {
		const cap_value *config = cap_value_array_get(desired, i);
		cap_value *live = NULL;
		cap_diff_result res = CAP_DIFF_RESULT_INIT;
		if (!(rc = cap_app_live_object(&live, cli, config)) &&
		    !(rc = cap_diff(&res, config, live, &o)) && res.modified) {
			*modified = true;
			header(out, config);
			cap_diff_text_masked(out, res.normalized_live, res.predicted_live,
					     CAP_DIFF_TEXT_NORMAL);
		}
		cap_diff_result_release(&res);
		cap_value_free(live);
	}
	/* objects the app manages that Git no longer has: a sync with prune removes them */
	const cap_value *res = cap_value_object_get(app->status, "resources");
	for (size_t i = 0; !rc && i < cap_value_array_len(res); i++) {
		const cap_value *e = cap_value_array_get(res, i);
		bool in_git = false;
		for (size_t j = 0; j < cap_value_array_len(desired) && !in_git; j++)
			in_git = same_key(e, cap_value_array_get(desired, j));
		if (in_git)
			continue;
		cap_value *live = NULL;
		if ((rc = cap_app_live_resource(&live, cli, e)) || !live ||
		    cap_diff_ignore_extraneous(live)) {
			cap_value_free(live);
			continue;
		}
		cap_diff_result r = CAP_DIFF_RESULT_INIT;
		if (!(rc = cap_diff(&r, NULL, live, &o))) {
			*modified = true;
			header(out, live);
			cap_diff_text_masked(out, r.normalized_live, NULL, CAP_DIFF_TEXT_NORMAL);
		}
		cap_diff_result_release(&r);
		cap_value_free(live);
	}
	cap_value_free(desired);
	cap_diff_ignore_free(ig);
	cap_diff_known_types_free(kt);
	return rc;
}

int cap_cmd_app_diff(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	const char *revision = NULL;
	bool exit_code = true;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "N:h", options, NULL)) != -1) {
		if (c == 'r')
			revision = optarg;
		else if (c == 'e')
			exit_code = !optarg || strcmp(optarg, "false");
		else if (c == 'R' || c == 'H')
			continue; /* every diff renders afresh */
		else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else if (!cap_app_cli_option(&cli, c, optarg)) {
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (cap_app_cli_connect(&cli))
		return 2;
	cap_value *obj = NULL;
	cap_settings settings;
	cap_settings_init(&settings);
	cap_app app;
	bool parsed = false, modified = false;
	int rc = cap_app_cli_get(&cli, &obj, argv[optind]) ? 2 : 0;
	if (!rc && revision) {
		cap_value *src = cap_value_dig(obj, "spec", "source", NULL);
		if (src)
			cap_value_object_set(src, "targetRevision", cap_value_string(revision));
	}
	if (!rc && (cap_settings_load(&settings, cli.client, cli.app_namespace) ||
		    cap_app_parse(&app, obj))) {
		cap_app_cli_error();
		rc = 2;
	} else if (!rc) {
		parsed = true;
	}
	cap_buf out = CAP_BUF_INIT;
	if (!rc && run(&modified, &out, &cli, &app, &settings)) {
		cap_app_cli_error();
		rc = 2;
	}
	fwrite(out.ptr, 1, out.len, stdout);
	cap_buf_release(&out);
	if (parsed)
		cap_app_release(&app);
	cap_value_free(obj);
	cap_settings_release(&settings);
	cap_app_cli_release(&cli);
	if (rc)
		return rc;
	return modified && exit_code ? 1 : 0;
}
