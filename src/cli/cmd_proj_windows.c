/* `capstan proj windows list PROJECT`: an AppProject's sync windows and which are active now. */
#include "cli/cmd_proj_windows.h"

#include "app/project.h"
#include "app/sync_window.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/time.h"
#include "cli/app_client.h"
#include "cli/app_print.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan proj windows list PROJECT [-o wide|json|yaml] [-N NS]\n";

#define NCOLS 12

/* A list field joined with ",", or "-" when absent or empty (argocd's formatListOutput). */
static void list_text(cap_buf *out, const cap_value *w, const char *key)
{
	const cap_value *list = cap_value_object_get(w, key);
	for (size_t i = 0; i < cap_value_array_len(list); i++)
		cap_buf_printf(out, "%s%s", i ? "," : "",
			       cap_value_get_string(cap_value_array_get(list, i)) ?: "");
	if (!out->len)
		cap_buf_puts(out, "-");
}

static const char *enabled(const cap_value *w, const char *key)
{
	return cap_value_get_bool(cap_value_object_get(w, key)) ? "Enabled" : "Disabled";
}

/* Whether window w is open at t; a window that does not compile is not (Argo CD's Active). */
static bool active(const cap_value *w, int64_t t)
{
	cap_value *one = cap_value_array();
	cap_value_array_append(one, cap_value_ref((cap_value *)w));
	cap_sync_windows ws = {0};
	bool open = !cap_sync_windows_compile(&ws, one) && cap_sync_window_active(&ws.items[0], t);
	cap_sync_windows_release(&ws);
	cap_value_free(one);
	return open;
}

static void print_table(const cap_value *windows)
{
	/*
	 * argocd ends every cell with a tab, the last one too, so tabwriter pads every column;
	 * an empty trailing column does the same here.
	 */
	static const char *const head[NCOLS + 1] = {
	    "ID",	    "STATUS",	      "KIND",	  "SCHEDULE",	"DURATION",
	    "APPLICATIONS", "NAMESPACES",     "CLUSTERS", "MANUALSYNC", "SYNCOVERRUN",
	    "TIMEZONE",	    "USEANDOPERATOR", ""};
	cap_app_table t;
	cap_app_table_init(&t, NCOLS + 1);
	cap_app_table_row(&t, head);
	int64_t now = cap_time_wall_s();
	for (size_t i = 0; i < cap_value_array_len(windows); i++) {
		const cap_value *w = cap_value_array_get(windows, i);
		char id[32];
		snprintf(id, sizeof(id), "%zu", i);
		cap_buf apps = CAP_BUF_INIT, nss = CAP_BUF_INIT, clusters = CAP_BUF_INIT;
		list_text(&apps, w, "applications");
		list_text(&nss, w, "namespaces");
		list_text(&clusters, w, "clusters");
		const char *row[NCOLS + 1] = {
		    id,
		    active(w, now) ? "Active" : "Inactive",
		    cap_value_dig_string(w, "kind", NULL),
		    cap_value_dig_string(w, "schedule", NULL),
		    cap_value_dig_string(w, "duration", NULL),
		    apps.ptr,
		    nss.ptr,
		    clusters.ptr,
		    enabled(w, "manualSync"),
		    enabled(w, "syncOverrun"),
		    cap_value_dig_string(w, "timeZone", NULL),
		    enabled(w, "andOperator"),
		    "",
		};
		cap_app_table_row(&t, row);
		cap_buf_release(&apps);
		cap_buf_release(&nss);
		cap_buf_release(&clusters);
	}
	cap_app_table_print(&t, stdout);
	cap_app_table_release(&t);
}

int cap_cmd_proj_windows_list(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	const char *output = "wide";
	int parsed = cap_app_cli_parse_flags(&cli, &output, argc, argv, usage_text);
	if (parsed >= 0)
		return parsed;
	bool json = !strcmp(output, "json"), yaml = !strcmp(output, "yaml");
	if (!json && !yaml && strcmp(output, "wide") && *output) {
		fprintf(stderr, "capstan: unknown output format: %s\n", output);
		return 1;
	}
	if (optind + 1 != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	cap_project proj;
	if (cap_app_cli_connect(&cli)) {
		cap_app_cli_release(&cli);
		return 1;
	}
	int rc = cap_project_load(&proj, cli.client, cli.app_namespace, argv[optind]);
	if (rc) {
		/* as Argo CD's API answers for a missing project */
		if (rc == CAP_ENOTFOUND)
			cap_error_set(rc, "appprojects.argoproj.io \"%s\" not found", argv[optind]);
		cap_app_cli_release(&cli);
		return cap_app_cli_error();
	}
	cap_value *windows = cap_value_dig(proj.raw, "spec", "syncWindows", NULL);
	if (json || yaml) {
		cap_value *empty = cap_value_array();
		cap_buf b = CAP_BUF_INIT;
		if (json) {
			cap_json_print(&b, windows ? windows : empty, CAP_JSON_INDENT);
			cap_buf_putc(&b, '\n');
		} else {
			cap_yaml_print(&b, windows ? windows : empty, 0);
		}
		fwrite(b.ptr, 1, b.len, stdout);
		cap_buf_release(&b);
		cap_value_free(empty);
	} else {
		print_table(windows);
	}
	cap_project_release(&proj);
	cap_app_cli_release(&cli);
	return 0;
}
