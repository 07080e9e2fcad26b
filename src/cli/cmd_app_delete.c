/* `capstan app delete NAME`: delete an Application, with or without its resources (finalizer). */
#include "cli/cmd_app_delete.h"

#include "app/application.h"
#include "base/error.h"
#include "base/time.h"
#include "cli/app_client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: capstan app delete NAME... [--cascade=true|false]\n"
    "       [-p|--propagation-policy foreground|background|orphan] [-y] [--wait]\n"
    "\n"
    "--cascade (default true) deletes the application's resources with it, through the\n"
    "finalizer resources-finalizer.argocd.argoproj.io (foreground deletion, the default) or\n"
    "resources-finalizer.argocd.argoproj.io/background (-p background); --cascade=false or\n"
    "-p orphan removes both and leaves the resources in place.\n";

static const struct option options[] = {
    CAP_APP_CLI_OPTIONS,
    {"cascade", optional_argument, NULL, 'c'},
    {"propagation-policy", required_argument, NULL, 'p'},
    {"yes", no_argument, NULL, 'y'},
    {"wait", no_argument, NULL, 'w'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool confirm(const char *name, bool cascade)
{
	char line[16];
	fprintf(stderr, "Are you sure you want to delete '%s'%s? [y/n] ", name,
		cascade ? " and all its resources" : "");
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int cap_cmd_app_delete(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	bool cascade = true, yes = false, wait = false, policy_set = false, cascade_set = false;
	const char *finalizer = CAP_APP_FINALIZER_RESOURCES;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:yN:h", options, NULL)) != -1) {
		if (c == 'c') {
			cascade_set = true;
			if (!optarg || !strcmp(optarg, "true"))
				cascade = true;
			else if (!strcmp(optarg, "false"))
				cascade = false;
			else {
				fprintf(stderr, "capstan: invalid --cascade '%s'\n", optarg);
				return 2;
			}
		} else if (c == 'p') {
			policy_set = true;
			if (!strcasecmp(optarg, "background"))
				finalizer = CAP_APP_FINALIZER_RESOURCES_BACKGROUND;
			else if (!strcasecmp(optarg, "orphan"))
				finalizer = NULL;
			else if (!strcasecmp(optarg, "foreground"))
				finalizer = CAP_APP_FINALIZER_RESOURCES;
			else {
				fprintf(stderr, "capstan: invalid propagation policy '%s'\n",
					optarg);
				return 2;
			}
		} else if (c == 'y') {
			yes = true;
		} else if (c == 'w') {
			wait = true;
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else if (!cap_app_cli_option(&cli, c, optarg)) {
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (cascade_set && !cascade && policy_set) {
		fprintf(stderr,
			"capstan: cannot set propagation policy when cascading is disabled\n");
		return 2;
	}
	if (!finalizer)
		cascade = false; /* orphan: the resources stay */
	if (cap_app_cli_connect(&cli))
		return 1;
	int rc = 0;
	for (int i = optind; i < argc && !rc; i++) {
		const char *name = argv[i];
		cap_value *obj = NULL;
		if (cap_app_cli_get(&cli, &obj, name)) {
			rc = 1;
			break;
		}
		if (!yes && !confirm(name, cascade)) {
			printf("The command to delete '%s' was cancelled.\n", name);
			cap_value_free(obj);
			continue;
		}
		/* the finalizers as wanted: ours added for cascade, removed otherwise */
		cap_value *fins = cap_value_array();
		const cap_value *cur = cap_value_dig(obj, "metadata", "finalizers", NULL);
		for (size_t j = 0; j < cap_value_array_len(cur); j++) {
			const char *f = cap_value_get_string(cap_value_array_get(cur, j));
			if (f && (!strcmp(f, CAP_APP_FINALIZER_RESOURCES) ||
				  !strcmp(f, CAP_APP_FINALIZER_RESOURCES_BACKGROUND)))
				continue;
			cap_value_array_append(fins, cap_value_string(f ? f : ""));
		}
		if (cascade)
			cap_value_array_append(fins, cap_value_string(finalizer));
		if (!cap_value_equal(fins, cur) && !(cap_value_array_len(fins) == 0 && !cur)) {
			cap_value *patch = cap_value_object();
			cap_value *md = cap_value_object();
			cap_value_object_set(md, "finalizers", cap_value_ref(fins));
			cap_value_object_set(
			    md, "resourceVersion",
			    cap_value_ref(cap_value_dig(obj, "metadata", "resourceVersion", NULL)));
			cap_value_object_set(patch, "metadata", md);
			rc = cap_app_cli_patch(&cli, NULL, name, patch) ? 1 : 0;
			cap_value_free(patch);
		}
		cap_value_free(fins);
		cap_value_free(obj);
		if (rc)
			break;
		cap_kube_key key = CAP_KUBE_KEY_INIT;
		cap_app_cli_key(&key, &cli, name);
		if (cap_kube_delete(cli.client, &key, NULL))
			rc = cap_app_cli_error();
		else
			printf("application '%s' deleted\n", name);
		/* --wait: until the controller has removed the resources and the finalizer */
		while (!rc && wait) {
			cap_value *now = NULL;
			int g = cap_kube_get(cli.client, &now, &key);
			cap_value_free(now);
			if (g == CAP_ENOTFOUND)
				break;
			if (g)
				rc = cap_app_cli_error();
			else
				cap_time_sleep_ms(250);
		}
		cap_kube_key_release(&key);
	}
	cap_app_cli_release(&cli);
	return rc;
}
