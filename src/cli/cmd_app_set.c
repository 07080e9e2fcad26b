/* `capstan app set NAME`: change an Application's spec with the flags of `app create`. */
#include "cli/cmd_app_set.h"

#include "app/application.h"
#include "cli/app_client.h"
#include "cli/app_flags.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan app set NAME [--repo URL] [--path DIR] [--revision REV]\n"
    "  [--dest-server URL | --dest-name NAME] [--dest-namespace NS] [--project P]\n"
    "  [--sync-policy automated|none] [--auto-prune] [--self-heal] [--allow-empty]\n"
    "  [--sync-option OPT | --sync-option !OPT] [--helm-set k=v] [--values FILE]\n"
    "  [--release-name NAME] [--directory-recurse] [--revision-history-limit N]\n";

static const struct option options[] = {
    CAP_APP_FLAG_OPTIONS,
    CAP_APP_CLI_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cap_cmd_app_set(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	int c;
	cap_value *flags = cap_value_array();
	optind = 1;
	while ((c = getopt_long(argc, argv, "N:h", options, NULL)) != -1) {
		if (c == 'h') {
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
	if (optind + 1 != argc) {
		fputs(usage_text, stderr);
		cap_value_free(flags);
		return 2;
	}
	const char *name = argv[optind];
	if (cap_app_cli_connect(&cli)) {
		cap_value_free(flags);
		return 1;
	}
	cap_value *obj = NULL;
	int rc = cap_app_cli_get(&cli, &obj, name) ? 1 : 0;
	cap_value *spec = obj ? cap_value_deep_copy(cap_value_object_get(obj, "spec")) : NULL;
	cap_value *work = cap_value_object();
	cap_value_object_set(work, "spec", spec ? spec : cap_value_object());
	for (size_t i = 0; !rc && i < cap_value_array_len(flags); i++) {
		cap_value *f = cap_value_array_get(flags, i);
		if (cap_app_flag_apply(work, (int)cap_value_get_int(cap_value_array_get(f, 0)),
				       cap_value_get_string(cap_value_array_get(f, 1))))
			rc = 2;
	}
	if (!rc && cap_app_flag_finish(work))
		rc = 2;
	if (!rc && !cap_value_equal(cap_value_object_get(work, "spec"),
				    cap_value_object_get(obj, "spec"))) {
		cap_value *candidate = cap_value_deep_copy(obj);
		cap_value_object_set(candidate, "spec",
				     cap_value_ref(cap_value_object_get(work, "spec")));
		rc = cap_app_cli_validate(&cli, candidate);
		cap_value_free(candidate);
	}
	if (!rc && !cap_value_equal(cap_value_object_get(work, "spec"),
				    cap_value_object_get(obj, "spec"))) {
		/* replace spec whole under the resourceVersion read, so removals take effect */
		cap_value *ops = cap_value_array();
		cap_value *test = cap_value_object();
		cap_value_object_set(test, "op", cap_value_string("test"));
		cap_value_object_set(test, "path", cap_value_string("/metadata/resourceVersion"));
		cap_value_object_set(
		    test, "value",
		    cap_value_ref(cap_value_dig(obj, "metadata", "resourceVersion", NULL)));
		cap_value_array_append(ops, test);
		cap_value *op = cap_value_object();
		cap_value_object_set(op, "op", cap_value_string("replace"));
		cap_value_object_set(op, "path", cap_value_string("/spec"));
		cap_value_object_set(op, "value",
				     cap_value_ref(cap_value_object_get(work, "spec")));
		cap_value_array_append(ops, op);
		cap_kube_key key = CAP_KUBE_KEY_INIT;
		cap_app_cli_key(&key, &cli, name);
		if (cap_kube_patch(cli.client, NULL, &key, CAP_KUBE_PATCH_JSON, ops, NULL))
			rc = cap_app_cli_error();
		cap_kube_key_release(&key);
		cap_value_free(ops);
	}
	cap_value_free(work);
	cap_value_free(obj);
	cap_value_free(flags);
	cap_app_cli_release(&cli);
	return rc;
}
