/* `capstan app create NAME`: build an Application from flags or a file and create it. */
#include "cli/cmd_app_create.h"

#include "app/application.h"
#include "base/error.h"
#include "cli/app_client.h"
#include "cli/app_flags.h"
#include "value/yaml.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan app create NAME [flags]\n"
    "       capstan app create -f app.yaml [--upsert]\n"
    "\n"
    "Source: --repo URL --path DIR --revision REV --helm-set k=v --values FILE\n"
    "  --release-name NAME --directory-recurse\n"
    "Destination: --dest-server URL | --dest-name NAME, --dest-namespace NS\n"
    "Policy: --project P --sync-policy automated|none --auto-prune --self-heal --allow-empty\n"
    "  --sync-option OPT (repeatable) --revision-history-limit N\n"
    "Other: --upsert (replace an existing spec), -N/--app-namespace NS, --kubeconfig FILE\n";

static const struct option options[] = {
    CAP_APP_FLAG_OPTIONS,
    CAP_APP_CLI_OPTIONS,
    {"upsert", no_argument, NULL, 'u'},
    {"file", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static cap_value *read_file(const char *path)
{
	cap_value *docs = NULL;
	if (cap_yaml_parse_file(&docs, path, NULL)) {
		cap_app_cli_error();
		return NULL;
	}
	cap_value *app = cap_value_ref(cap_value_array_get(docs, 0));
	cap_value_free(docs);
	if (!cap_value_is_object(app)) {
		fprintf(stderr, "capstan: '%s' holds no Application\n", path);
		cap_value_free(app);
		return NULL;
	}
	return app;
}

int cap_cmd_app_create(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	const char *file = NULL;
	bool upsert = false;
	int c, rc = 0;
	/* flags are applied after the file is read, so they override it as in argocd */
	cap_value *flags = cap_value_array();
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:N:h", options, NULL)) != -1) {
		if (c == 'f')
			file = optarg;
		else if (c == 'u')
			upsert = true;
		else if (c == 'h') {
			fputs(usage_text, stdout);
			cap_value_free(flags);
			return 0;
		} else if (cap_app_cli_option(&cli, c, optarg)) {
			continue;
		} else if (!cap_app_flag_record(flags, c, optarg)) {
			fputs(usage_text, stderr);
			cap_value_free(flags);
			return 2;
		}
	}
	const char *name = optind < argc ? argv[optind] : NULL;
	cap_value *app = NULL;
	if (file) {
		if (!(app = read_file(file))) {
			cap_value_free(flags);
			return 1;
		}
		if (name)
			cap_value_object_set(cap_value_object_get(app, "metadata"), "name",
					     cap_value_string(name));
		name = cap_value_dig_string(app, "metadata", "name", NULL);
		if (!cap_value_dig_string(app, "metadata", "namespace", NULL))
			cap_value_object_set(cap_value_object_get(app, "metadata"), "namespace",
					     cap_value_string(cli.app_namespace));
		else
			cli.app_namespace =
			    cap_value_dig_string(app, "metadata", "namespace", NULL);
	} else if (name) {
		app = cap_app_object_new(name, cli.app_namespace);
	}
	if (!app || !name) {
		fprintf(stderr, "capstan: app create needs an application name (or -f FILE)\n");
		cap_value_free(flags);
		cap_value_free(app);
		return 2;
	}
	for (size_t i = 0; i < cap_value_array_len(flags) && !rc; i++) {
		cap_value *f = cap_value_array_get(flags, i);
		rc = cap_app_flag_apply(app, (int)cap_value_get_int(cap_value_array_get(f, 0)),
					cap_value_get_string(cap_value_array_get(f, 1)));
	}
	cap_value_free(flags);
	if (!rc)
		rc = cap_app_flag_finish(app);
	cap_app parsed;
	if (!rc && cap_app_parse(&parsed, app) == 0) {
		if (!cap_app_source_count(&parsed) ||
		    !cap_value_dig_string(cap_app_source_at(&parsed, 0), "repoURL", NULL)) {
			fprintf(stderr,
				"capstan: application '%s': spec.source.repoURL is required "
				"(--repo)\n",
				name);
			rc = -1;
		} else if (!parsed.destination.server && !parsed.destination.name) {
			fprintf(stderr,
				"capstan: application '%s': spec.destination.server or name "
				"is required (--dest-server or --dest-name)\n",
				name);
			rc = -1;
		}
		cap_app_release(&parsed);
	} else if (!rc) {
		rc = cap_app_cli_error();
	}
	if (rc || cap_app_cli_connect(&cli)) {
		cap_value_free(app);
		return rc ? 2 : 1;
	}
	if (cap_app_cli_validate(&cli, app)) {
		cap_value_free(app);
		cap_app_cli_release(&cli);
		return 1;
	}
	rc = cap_kube_create(cli.client, NULL, app, NULL);
	const char *verb = "created";
	if (rc == CAP_EEXISTS) {
		cap_value *live = NULL;
		if (!(rc = cap_app_cli_get(&cli, &live, name))) {
			if (cap_value_equal(cap_value_object_get(live, "spec"),
					    cap_value_object_get(app, "spec"))) {
				verb = "unchanged";
			} else if (!upsert) {
				rc = cap_error_set(CAP_EINVALID,
						   "existing application spec is different, use "
						   "upsert flag to force update");
			} else {
				cap_value *patch = cap_value_object();
				cap_value_object_set(
				    patch, "spec",
				    cap_value_ref(cap_value_object_get(app, "spec")));
				cap_kube_key key = CAP_KUBE_KEY_INIT;
				cap_app_cli_key(&key, &cli, name);
				/* a JSON patch replaces spec whole, as argocd's upsert does */
				cap_value *ops = cap_value_array();
				cap_value *op = cap_value_object();
				cap_value_object_set(op, "op", cap_value_string("replace"));
				cap_value_object_set(op, "path", cap_value_string("/spec"));
				cap_value_object_set(
				    op, "value", cap_value_ref(cap_value_object_get(app, "spec")));
				cap_value_array_append(ops, op);
				rc = cap_kube_patch(cli.client, NULL, &key, CAP_KUBE_PATCH_JSON,
						    ops, NULL);
				cap_kube_key_release(&key);
				cap_value_free(ops);
				cap_value_free(patch);
				verb = "updated";
			}
			cap_value_free(live);
		} else {
			rc = 0;
			verb = NULL;
		}
		if (!verb) {
			cap_value_free(app);
			cap_app_cli_release(&cli);
			return 1;
		}
	}
	if (rc)
		cap_app_cli_error();
	else
		printf("application '%s' %s\n", name, verb);
	cap_value_free(app);
	cap_app_cli_release(&cli);
	return rc ? 1 : 0;
}
