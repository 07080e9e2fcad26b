/* `capstan app sync NAME`: write a sync operation as argocd does and follow it to the end. */
#include "cli/cmd_app_sync.h"

#include "app/application.h"
#include "cli/app_client.h"
#include "cli/app_wait.h"
#include "cli/app_windows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

static const char usage_text[] =
    "usage: capstan app sync NAME [--prune] [--dry-run] [--revision REV] [--force]\n"
    "  [--resource GROUP:KIND:[NAMESPACE/]NAME]... [--sync-option OPT]... [--strategy hook|apply]\n"
    "  [--apply-out-of-sync-only] [--replace] [--server-side] [--retry-limit N]\n"
    "  [--retry-backoff-duration D] [--retry-backoff-max-duration D] [--retry-backoff-factor N]\n"
    "  [--async] [--timeout SECONDS]\n";

enum {
	OPT_PRUNE = 256,
	OPT_DRY_RUN,
	OPT_REVISION,
	OPT_RESOURCE,
	OPT_ASYNC,
	OPT_TIMEOUT,
	OPT_FORCE,
	OPT_SYNC_OPTION,
	OPT_STRATEGY,
	OPT_OUT_OF_SYNC_ONLY,
	OPT_RETRY_LIMIT,
	OPT_RETRY_DURATION,
	OPT_RETRY_MAX_DURATION,
	OPT_RETRY_FACTOR,
	OPT_REPLACE,
	OPT_SERVER_SIDE,
};

static const struct option options[] = {
    CAP_APP_CLI_OPTIONS,
    {"prune", no_argument, NULL, OPT_PRUNE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"revision", required_argument, NULL, OPT_REVISION},
    {"resource", required_argument, NULL, OPT_RESOURCE},
    {"async", no_argument, NULL, OPT_ASYNC},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"force", no_argument, NULL, OPT_FORCE},
    {"sync-option", required_argument, NULL, OPT_SYNC_OPTION},
    {"strategy", required_argument, NULL, OPT_STRATEGY},
    {"apply-out-of-sync-only", no_argument, NULL, OPT_OUT_OF_SYNC_ONLY},
    {"retry-limit", required_argument, NULL, OPT_RETRY_LIMIT},
    {"retry-backoff-duration", required_argument, NULL, OPT_RETRY_DURATION},
    {"retry-backoff-max-duration", required_argument, NULL, OPT_RETRY_MAX_DURATION},
    {"retry-backoff-factor", required_argument, NULL, OPT_RETRY_FACTOR},
    {"replace", no_argument, NULL, OPT_REPLACE},
    {"server-side", no_argument, NULL, OPT_SERVER_SIDE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Splits GROUP:KIND:NAME (NAME may be NAMESPACE/NAME) into r, pointing into a copy kept in keep. */
static int parse_resource(cap_app_sync_resource *r, char *spec)
{
	char *k = strchr(spec, ':');
	char *n = k ? strchr(k + 1, ':') : NULL;
	if (!k || !n || strchr(n + 1, ':')) {
		fprintf(stderr,
			"capstan: resource should have GROUP:KIND:NAME, but instead got: %s\n",
			spec);
		return -1;
	}
	*k++ = '\0';
	*n++ = '\0';
	char *slash = strchr(n, '/');
	r->group = spec;
	r->kind = k;
	r->namespace = NULL;
	r->name = n;
	if (slash) {
		*slash = '\0';
		r->namespace = n;
		r->name = slash + 1;
	}
	return 0;
}

int cap_cmd_app_sync(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	cap_app_sync_request req = {0};
	cap_app_sync_resource res[64];
	char *copies[64];
	size_t nres = 0;
	cap_value *sync_options = cap_value_array();
	/* Argo CD's defaults for the flags' backoff */
	cap_app_retry retry = {false, 0, 5000, 2, 180000};
	bool async = false;
	unsigned timeout_s = 0;
	int c, rc = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "N:h", options, NULL)) != -1 && !rc) {
		switch (c) {
		case OPT_PRUNE:
			req.prune = true;
			break;
		case OPT_DRY_RUN:
			req.dry_run = true;
			break;
		case OPT_REVISION:
			req.revision = optarg;
			break;
		case OPT_RESOURCE:
			if (nres == 64) {
				fprintf(stderr, "capstan: too many --resource flags\n");
				rc = 2;
				break;
			}
			copies[nres] = strdup(optarg);
			if (parse_resource(&res[nres], copies[nres])) {
				free(copies[nres]);
				rc = 2;
				break;
			}
			nres++;
			break;
		case OPT_ASYNC:
			async = true;
			break;
		case OPT_TIMEOUT:
			timeout_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case OPT_FORCE:
			req.force = true;
			break;
		case OPT_SYNC_OPTION:
			cap_value_array_append(sync_options, cap_value_string(optarg));
			break;
		case OPT_OUT_OF_SYNC_ONLY:
			cap_value_array_append(sync_options,
					       cap_value_string("ApplyOutOfSyncOnly=true"));
			break;
		case OPT_STRATEGY:
			if (!strcmp(optarg, "apply"))
				req.apply_strategy = true;
			else if (strcmp(optarg, "hook")) {
				fprintf(stderr, "capstan: unknown sync strategy '%s'\n", optarg);
				rc = 2;
			}
			break;
		case OPT_RETRY_LIMIT:
			retry.present = true;
			retry.limit = strtoll(optarg, NULL, 10);
			break;
		case OPT_RETRY_DURATION:
		case OPT_RETRY_MAX_DURATION:
			if (cap_app_parse_duration_ms(c == OPT_RETRY_DURATION
							  ? &retry.duration_ms
							  : &retry.max_duration_ms,
						      optarg)) {
				fprintf(stderr, "capstan: %s\n", cap_error_last());
				rc = 2;
			}
			break;
		case OPT_RETRY_FACTOR:
			retry.factor = strtoll(optarg, NULL, 10);
			break;
		case OPT_REPLACE:
			cap_value_array_append(sync_options, cap_value_string("Replace=true"));
			break;
		case OPT_SERVER_SIDE:
			cap_value_array_append(sync_options, cap_value_string("ServerSideApply=true"));
			break;
		case 'h':
			fputs(usage_text, stdout);
			rc = -1;
			break;
		default:
			if (!cap_app_cli_option(&cli, c, optarg)) {
				fputs(usage_text, stderr);
				rc = 2;
			}
		}
	}
	if (!rc && optind + 1 != argc) {
		fputs(usage_text, stderr);
		rc = 2;
	}
	if (!rc && cap_app_cli_connect(&cli))
		rc = 1;
	const char *name = optind < argc ? argv[optind] : "";
	if (!rc)
		rc = cap_app_cli_check_sync_windows(&cli, name);
	if (!rc) {
		req.resources = res;
		req.n_resources = nres;
		req.sync_options = sync_options;
		req.username = cap_app_cli_username();
		req.retry = &retry;
		cap_value *op = cap_app_operation_new(&req);
		rc = cap_app_start_operation(&cli, name, op);
		cap_value_free(op);
	}
	if (!rc && !async) {
		cap_app_wait_options wo = {
		    .operation = true, .timeout_s = timeout_s, .progress = true};
		cap_value *obj = NULL;
		rc = cap_app_wait(&cli, &obj, name, &wo) ? 1 : cap_app_report_operation(obj);
		cap_value_free(obj);
	}
	for (size_t i = 0; i < nres; i++)
		free(copies[i]);
	cap_value_free(sync_options);
	cap_app_cli_release(&cli);
	return rc < 0 ? 0 : rc;
}
