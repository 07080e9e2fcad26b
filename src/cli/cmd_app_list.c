/* `capstan app list`: every Application of the namespace in argocd's columns. */
#include "cli/cmd_app_list.h"

#include "app/application.h"
#include "base/buf.h"
#include "cli/app_client.h"
#include "cli/app_print.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan app list [-o wide|name|json|yaml] [-p PROJECT] [-l SELECTOR] [-N NS]\n";

static const struct option options[] = {
    CAP_APP_CLI_OPTIONS,
    {"output", required_argument, NULL, 'o'},
    {"project", required_argument, NULL, 'p'},
    {"selector", required_argument, NULL, 'l'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The condition types, comma-joined, or "<none>". */
static void conditions(cap_buf *out, const cap_app *app)
{
	const cap_value *c = cap_value_object_get(app->status, "conditions");
	for (size_t i = 0; i < cap_value_array_len(c); i++)
		cap_buf_printf(out, "%s%s", i ? "," : "",
			       cap_value_dig_string(cap_value_array_get(c, i), "type", NULL) ?: "");
	if (!out->len)
		cap_buf_puts(out, "<none>");
}

int cap_cmd_app_list(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	const char *output = NULL, *project = NULL, *selector = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:p:l:N:h", options, NULL)) != -1) {
		if (c == 'o')
			output = optarg;
		else if (c == 'p')
			project = optarg;
		else if (c == 'l')
			selector = optarg;
		else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else if (!cap_app_cli_option(&cli, c, optarg)) {
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (cap_app_cli_connect(&cli))
		return 1;
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_app_cli_key(&key, &cli, "");
	cap_kube_object_list list = {0};
	cap_kube_list_options lo = {.label_selector = selector};
	int rc = cap_kube_list(cli.client, &list, &key, &lo);
	cap_kube_key_release(&key);
	if (rc) {
		cap_app_cli_error();
		cap_app_cli_release(&cli);
		return 1;
	}
	cap_value *kept = cap_value_array();
	for (size_t i = 0; i < cap_value_array_len(list.items); i++) {
		cap_value *o = cap_value_array_get(list.items, i);
		const char *p = cap_value_dig_string(o, "spec", "project", NULL);
		if (!project || (p && !strcmp(p, project)))
			cap_value_array_append(kept, cap_value_ref(o));
	}
	bool wide = output && !strcmp(output, "wide");
	if (output && (!strcmp(output, "json") || !strcmp(output, "yaml"))) {
		cap_buf b = CAP_BUF_INIT;
		if (!strcmp(output, "json")) {
			cap_json_print(&b, kept, CAP_JSON_INDENT);
			cap_buf_putc(&b, '\n');
		} else {
			cap_yaml_print(&b, kept, 0);
		}
		fwrite(b.ptr, 1, b.len, stdout);
		cap_buf_release(&b);
	} else if (output && !strcmp(output, "name")) {
		for (size_t i = 0; i < cap_value_array_len(kept); i++)
			printf("%s/%s\n",
			       cap_value_dig_string(cap_value_array_get(kept, i), "metadata",
						    "namespace", NULL)
				   ?: "",
			       cap_value_dig_string(cap_value_array_get(kept, i), "metadata",
						    "name", NULL)
				   ?: "");
	} else {
		cap_app_table t;
		cap_app_table_init(&t, 11);
		const char *head[] = {"NAME",	"CLUSTER", "NAMESPACE",	 "PROJECT",
				      "STATUS", "HEALTH",  "SYNCPOLICY", "CONDITIONS",
				      "REPO",	"PATH",	   "TARGET"};
		cap_app_table_row(&t, head);
		for (size_t i = 0; i < cap_value_array_len(kept); i++) {
			cap_app app;
			if (cap_app_parse(&app, cap_value_array_get(kept, i)))
				continue;
			cap_buf name = CAP_BUF_INIT, cond = CAP_BUF_INIT;
			cap_buf_printf(&name, "%s/%s", app.namespace ? app.namespace : "",
				       app.name ? app.name : "");
			conditions(&cond, &app);
			cap_value *src = cap_app_source_at(&app, 0);
			const char *row[] = {
			    name.ptr,
			    app.destination.server ? app.destination.server : app.destination.name,
			    app.destination.namespace,
			    app.project,
			    cap_value_dig_string(app.status, "sync", "status", NULL),
			    cap_value_dig_string(app.status, "health", "status", NULL),
			    cap_app_sync_policy_short(&app),
			    cond.ptr,
			    cap_value_dig_string(src, "repoURL", NULL),
			    cap_value_dig_string(src, "path", NULL),
			    cap_value_dig_string(src, "targetRevision", NULL)};
			cap_app_table_row(&t, row);
			cap_buf_release(&name);
			cap_buf_release(&cond);
			cap_app_release(&app);
		}
		(void)wide;
		cap_app_table_print(&t, stdout);
		cap_app_table_release(&t);
	}
	cap_value_free(kept);
	cap_kube_object_list_release(&list);
	cap_app_cli_release(&cli);
	return 0;
}
