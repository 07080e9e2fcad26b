/* `capstan cluster list`: cluster Secrets and in-cluster, each probed for its version. */
#include "cli/cmd_cluster_list.h"

#include "app/settings.h"
#include "base/buf.h"
#include "base/error.h"
#include "cli/app_client.h"
#include "cli/app_print.h"
#include "kube/client.h"
#include "kube/config.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] = "usage: capstan cluster list [-o server] [-N NS]\n";

#define PROBE_TIMEOUT_MS 5000

/*
 * Asks the cluster's API server for /version with the cluster Secret's credentials (in-cluster:
 * the CLI's own client, as the controller uses its own): version gets "major.minor" and 0 is
 * returned, else the error.
 */
static int probe(cap_buf *version, cap_app_cli *cli, const cap_settings_cluster *cluster)
{
	cap_kube_client *own = NULL;
	int rc = 0;
	if (!cluster->in_cluster) {
		cap_kube_config cfg;
		cap_kube_config_init(&cfg);
		cap_kube_client_options ko = {0};
		ko.timeout_ms = ko.connect_timeout_ms = PROBE_TIMEOUT_MS;
		if (!(rc = cap_kube_config_from_argocd_secret(&cfg, cluster->secret)))
			rc = cap_kube_client_new(&own, &cfg, &ko);
		cap_kube_config_release(&cfg);
	}
	cap_value *v = NULL;
	if (!rc && !(rc = cap_kube_get_path(own ? own : cli->client, &v, "/version")))
		cap_buf_printf(version, "%s.%s", cap_value_dig_string(v, "major", NULL) ?: "",
			       cap_value_dig_string(v, "minor", NULL) ?: "");
	cap_value_free(v);
	cap_kube_client_free(own);
	return rc;
}

int cap_cmd_cluster_list(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	const char *output = NULL;
	int parsed = cap_app_cli_parse_flags(&cli, &output, argc, argv, usage_text);
	if (parsed >= 0)
		return parsed;
	if (optind != argc || (output && strcmp(output, "server"))) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (cap_app_cli_connect(&cli))
		return 1;
	cap_settings settings;
	cap_settings_init(&settings);
	if (cap_settings_load(&settings, cli.client, cli.app_namespace)) {
		cap_app_cli_error();
		cap_settings_release(&settings);
		cap_app_cli_release(&cli);
		return 1;
	}
	cap_app_table t;
	cap_app_table_init(&t, 6);
	const char *head[] = {"SERVER", "NAME", "VERSION", "STATUS", "MESSAGE", "PROJECT"};
	if (!output)
		cap_app_table_row(&t, head);
	for (size_t i = 0; i < settings.n_clusters; i++) {
		const cap_settings_cluster *cl = &settings.clusters[i];
		if (cl->in_cluster && !cl->secret && !settings.in_cluster_enabled)
			continue;
		if (output) {
			printf("%s\n", cl->server);
			continue;
		}
		cap_buf version = CAP_BUF_INIT, message = CAP_BUF_INIT;
		bool ok = !probe(&version, &cli, cl);
		if (!ok)
			cap_buf_puts(&message, cap_error_last());
		const char *row[] = {cl->server,  cl->name,
				     version.ptr, ok ? "Successful" : "Failed",
				     message.ptr, cl->project ? cl->project : ""};
		cap_app_table_row(&t, row);
		cap_buf_release(&version);
		cap_buf_release(&message);
	}
	if (!output)
		cap_app_table_print(&t, stdout);
	cap_app_table_release(&t);
	cap_settings_release(&settings);
	cap_app_cli_release(&cli);
	return 0;
}
