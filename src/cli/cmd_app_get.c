/* `capstan app get NAME`: the summary, conditions and resources of one Application; refresh. */
#include "cli/cmd_app_get.h"

#include "app/application.h"
#include "app/settings.h"
#include "base/error.h"
#include "base/time.h"
#include "cli/app_client.h"
#include "cli/app_print.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan app get NAME [-o json|yaml|wide] [--refresh | --hard-refresh]\n"
    "       [--timeout SECONDS] [-N NS] [--kubeconfig FILE]\n"
    "\n"
    "--refresh and --hard-refresh ask the controller to compare again (the annotation\n"
    "argocd.argoproj.io/refresh) and wait, up to --timeout (default 60), until it has.\n";

enum { OPT_REFRESH = 256, OPT_HARD, OPT_TIMEOUT, OPT_SHOW_OP };

static const struct option options[] = {
    CAP_APP_CLI_OPTIONS,
    {"output", required_argument, NULL, 'o'},
    {"refresh", no_argument, NULL, OPT_REFRESH},
    {"hard-refresh", no_argument, NULL, OPT_HARD},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"show-operation", no_argument, NULL, OPT_SHOW_OP},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Sets the refresh annotation and waits until the controller removes it. */
static int refresh(cap_app_cli *cli, cap_value **app, const char *name, const char *kind,
		   unsigned timeout_s)
{
	cap_value *patch = NULL;
	cap_buf text = CAP_BUF_INIT;
	cap_buf_printf(&text, "{\"metadata\":{\"annotations\":{\"%s\":\"%s\"}}}",
		       CAP_APP_ANNOTATION_REFRESH, kind);
	cap_json_parse(&patch, text.ptr, text.len, "refresh", NULL);
	cap_buf_release(&text);
	int rc = cap_app_cli_patch(cli, NULL, name, patch);
	cap_value_free(patch);
	if (rc)
		return rc;
	cap_deadline d = cap_deadline_in_ms((uint64_t)timeout_s * 1000);
	for (;;) {
		cap_value *cur = NULL;
		if ((rc = cap_app_cli_get(cli, &cur, name)))
			return rc;
		if (!cap_value_dig(cur, "metadata", "annotations", CAP_APP_ANNOTATION_REFRESH,
				   NULL)) {
			cap_value_free(*app);
			*app = cur;
			return 0;
		}
		cap_value_free(cur);
		if (cap_deadline_expired(d)) {
			fprintf(
			    stderr,
			    "capstan: timed out (%us) waiting for application '%s' to refresh\n",
			    timeout_s, name);
			return CAP_ETIMEOUT;
		}
		cap_time_sleep_ms(250);
	}
}

int cap_cmd_app_get(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	const char *output = NULL, *refresh_kind = NULL;
	unsigned timeout_s = 60;
	bool show_op = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:N:h", options, NULL)) != -1) {
		if (c == 'o')
			output = optarg;
		else if (c == OPT_REFRESH)
			refresh_kind = "normal";
		else if (c == OPT_HARD)
			refresh_kind = "hard";
		else if (c == OPT_TIMEOUT)
			timeout_s = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == OPT_SHOW_OP)
			show_op = true;
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
	if (output && strcmp(output, "json") && strcmp(output, "yaml") && strcmp(output, "wide") &&
	    strcmp(output, "tree")) {
		fprintf(stderr, "capstan: unknown output format '%s'\n", output);
		return 2;
	}
	const char *name = argv[optind];
	if (cap_app_cli_connect(&cli))
		return 1;
	cap_value *obj = NULL;
	int rc = cap_app_cli_get(&cli, &obj, name);
	if (!rc && refresh_kind)
		rc = refresh(&cli, &obj, name, refresh_kind, timeout_s);
	if (rc) {
		cap_value_free(obj);
		cap_app_cli_release(&cli);
		return 1;
	}
	if (output && (!strcmp(output, "json") || !strcmp(output, "yaml"))) {
		cap_buf b = CAP_BUF_INIT;
		if (!strcmp(output, "json")) {
			cap_json_print(&b, obj, CAP_JSON_INDENT);
			cap_buf_putc(&b, '\n');
		} else {
			cap_yaml_print(&b, obj, 0);
		}
		fwrite(b.ptr, 1, b.len, stdout);
		cap_buf_release(&b);
	} else {
		cap_app app;
		if (cap_app_parse(&app, obj)) {
			rc = cap_app_cli_error();
		} else {
			cap_kube_key key = CAP_KUBE_KEY_INIT;
			cap_value *cm = NULL;
			cap_kube_key_set(&key, "v1", "ConfigMap", cli.app_namespace,
					 CAP_SETTINGS_CM);
			cap_kube_key_set_member(&key.resource, "configmaps");
			cap_kube_get(cli.client, &cm, &key);
			cap_kube_key_release(&key);
			cap_app_print_summary(stdout, &app,
					      cap_value_dig_string(cm, "data", "url", NULL));
			if (show_op)
				cap_app_print_operation(stdout, &app);
			cap_app_print_conditions(stdout, &app);
			cap_app_print_resources(stdout, &app);
			cap_value_free(cm);
			cap_app_release(&app);
		}
	}
	cap_value_free(obj);
	cap_app_cli_release(&cli);
	return rc ? 1 : 0;
}
