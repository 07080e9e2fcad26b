/* Connecting to the cluster from the app commands and reading and patching Applications. */
#include "cli/app_client.h"

#include "app/application.h"
#include "app/project.h"
#include "app/settings.h"
#include "base/error.h"
#include "kube/config.h"
#include "kube/key.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cap_app_cli_init(cap_app_cli *c)
{
	memset(c, 0, sizeof(*c));
	c->app_namespace = CAP_APP_DEFAULT_NAMESPACE;
}

void cap_app_cli_release(cap_app_cli *c)
{
	if (!c)
		return;
	cap_kube_client_free(c->client);
	c->client = NULL;
}

bool cap_app_cli_option(cap_app_cli *c, int opt, const char *arg)
{
	switch (opt) {
	case CAP_APP_OPT_KUBECONFIG:
		c->kubeconfig = arg;
		return true;
	case CAP_APP_OPT_CORE:
		return true; /* always straight to the cluster, as `argocd --core` */
	case CAP_APP_OPT_APP_NS:
	case 'N':
		c->app_namespace = arg;
		return true;
	}
	return false;
}

int cap_app_cli_error(void)
{
	fprintf(stderr, "capstan: %s\n", cap_error_last());
	return 1;
}

int cap_app_cli_connect(cap_app_cli *c)
{
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cap_kube_config_options o = {.kubeconfig = c->kubeconfig};
	int rc = cap_kube_config_load(&cfg, &o);
	if (!rc)
		rc = cap_kube_client_new(&c->client, &cfg, NULL);
	cap_kube_config_release(&cfg);
	if (rc)
		cap_app_cli_error();
	return rc;
}

void cap_app_cli_key(cap_kube_key *key, const cap_app_cli *c, const char *name)
{
	cap_kube_key_set(key, CAP_APP_API_VERSION, CAP_APP_KIND, c->app_namespace, name);
	cap_kube_key_set_member(&key->resource, CAP_APP_RESOURCE);
}

int cap_app_cli_get(cap_app_cli *c, cap_value **out, const char *name)
{
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_app_cli_key(&key, c, name);
	int rc = cap_kube_get(c->client, out, &key);
	cap_kube_key_release(&key);
	/* in Argo CD's words: its informer's lister names the resource in the singular */
	if (rc == CAP_ENOTFOUND)
		cap_error_set(rc, "application.argoproj.io \"%s\" not found", name);
	if (rc)
		cap_app_cli_error();
	return rc;
}

int cap_app_cli_patch(cap_app_cli *c, cap_value **out, const char *name, const cap_value *patch)
{
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_app_cli_key(&key, c, name);
	int rc = cap_kube_patch(c->client, out, &key, CAP_KUBE_PATCH_MERGE, patch, NULL);
	cap_kube_key_release(&key);
	if (rc)
		cap_app_cli_error();
	return rc;
}

const char *cap_app_cli_username(void)
{
	const char *u = getenv("USER");
	return u && *u ? u : "admin";
}

int cap_app_cli_validate(cap_app_cli *c, cap_value *obj)
{
	cap_app app;
	cap_project proj;
	cap_settings settings;
	const cap_settings_cluster *cluster = NULL;
	if (cap_app_parse(&app, obj))
		return cap_app_cli_error();
	cap_settings_init(&settings);
	int rc = cap_settings_load(&settings, c->client, c->app_namespace);
	if (!rc)
		rc = cap_settings_resolve_destination(&cluster, &settings, &app.destination);
	if (!rc && !(rc = cap_project_load(&proj, c->client, c->app_namespace, app.project))) {
		rc = cap_project_check_app(&proj, &app, cluster->server, cluster->name);
		cap_project_release(&proj);
	}
	if (rc)
		cap_app_cli_error();
	cap_settings_release(&settings);
	cap_app_release(&app);
	return rc ? 1 : 0;
}

int cap_app_cli_fetch_named(cap_app_cli *c, cap_value **out, int argc, char **argv,
			    const char *usage)
{
	if (optind + 1 != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (cap_app_cli_connect(c) || cap_app_cli_get(c, out, argv[optind]))
		return 1;
	return 0;
}

int cap_app_cli_parse_flags(cap_app_cli *c, const char **output, int argc, char **argv,
			    const char *usage)
{
	static const struct option with_output[] = {
	    CAP_APP_CLI_OPTIONS,
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *shorts = output ? "o:N:h" : "N:h";
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, shorts, with_output, NULL)) != -1) {
		if (opt == 'o' && output) {
			*output = optarg;
		} else if (opt == 'h') {
			fputs(usage, stdout);
			return 0;
		} else if (opt == 'o' || !cap_app_cli_option(c, opt, optarg)) {
			fputs(usage, stderr);
			return 2;
		}
	}
	return -1;
}

int cap_app_cli_parse_named(cap_app_cli *c, cap_value **out, int argc, char **argv,
			    const char *usage)
{
	int rc = cap_app_cli_parse_flags(c, NULL, argc, argv, usage);
	if (rc < 0 && (rc = cap_app_cli_fetch_named(c, out, argc, argv, usage)) == 0)
		return -1;
	cap_app_cli_release(c);
	return rc;
}
