/* `capstan admin diff`: pair manifests with live objects, diff them as Argo CD does, print masked.
 */
#include "cli/cmd_admin_diff.h"

#include "base/buf.h"
#include "base/error.h"
#include "diff/diff.h"
#include "diff/ignore.h"
#include "diff/known_types.h"
#include "diff/mask.h"
#include "diff/text.h"
#include "schema/schema.h"
#include "value/yaml.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: capstan admin diff [options] CONFIG LIVE\n"
    "\n"
    "Compares the desired objects in CONFIG with the live objects in LIVE (YAML or JSON files,\n"
    "several documents each; List objects are expanded), pairing them by group, kind, namespace\n"
    "and name, and prints what would change as `argocd app diff` does. Secret values are\n"
    "masked. Exit status: 0 when everything matches, 1 when something differs, 2 on error.\n"
    "\n"
    "  --server-side-diff          predicted live is the dry-run answer in --predicted-live\n"
    "  --predicted-live FILE       the server-side dry-run apply answer(s)\n"
    "  --structured-merge          predict with a local server-side apply\n"
    "  --manager NAME              field manager (default argocd-controller)\n"
    "  --include-mutation-webhook  keep changes a mutating webhook made in the dry-run answer\n"
    "  --ignore-aggregated-roles   ignore the rules of aggregated ClusterRoles\n"
    "  --status all|crd|off        which status fields are ignored (default all)\n"
    "  --argocd-cm-path FILE       argocd-cm: ignoreDifferences overrides, compare options and\n"
    "                              the tracking label (application.instanceLabelKey)\n"
    "  --ignore-differences FILE   an Application, or its spec.ignoreDifferences list\n"
    "  --openapi FILE              OpenAPI v2/v3 document with strategic merge information\n"
    "  -u, --unified               unified diff instead of diff(1)'s normal format\n"
    "\n"
    "When KUBECTL_EXTERNAL_DIFF is set, that tool is run on the masked YAML of each pair\n"
    "(live first), as `argocd app diff` does.\n";

enum {
	OPT_SSD = 256,
	OPT_PRED,
	OPT_SMD,
	OPT_MANAGER,
	OPT_WEBHOOK,
	OPT_AGGR,
	OPT_STATUS,
	OPT_CM,
	OPT_IGNORE,
	OPT_OPENAPI
};

static const struct option long_options[] = {
    {"server-side-diff", no_argument, NULL, OPT_SSD},
    {"predicted-live", required_argument, NULL, OPT_PRED},
    {"structured-merge", no_argument, NULL, OPT_SMD},
    {"manager", required_argument, NULL, OPT_MANAGER},
    {"include-mutation-webhook", no_argument, NULL, OPT_WEBHOOK},
    {"ignore-aggregated-roles", no_argument, NULL, OPT_AGGR},
    {"status", required_argument, NULL, OPT_STATUS},
    {"argocd-cm-path", required_argument, NULL, OPT_CM},
    {"ignore-differences", required_argument, NULL, OPT_IGNORE},
    {"openapi", required_argument, NULL, OPT_OPENAPI},
    {"unified", no_argument, NULL, 'u'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Every object of a file, List items expanded: a new array. */
static int read_objects(cap_value **out, const char *path)
{
	cap_value *docs = NULL;
	int rc = cap_yaml_parse_file(&docs, path, NULL);
	if (rc)
		return rc;
	cap_value *objs = cap_value_array();
	for (size_t i = 0; i < cap_value_array_len(docs); i++) {
		cap_value *d = cap_value_array_get(docs, i);
		const char *kind = cap_value_dig_string(d, "kind", NULL);
		cap_value *items = cap_value_object_get(d, "items");
		if (kind && strlen(kind) >= 4 && !strcmp(kind + strlen(kind) - 4, "List") &&
		    cap_value_is_array(items)) {
			for (size_t j = 0; j < cap_value_array_len(items); j++)
				cap_value_array_append(
				    objs, cap_value_ref(cap_value_array_get(items, j)));
		} else if (cap_value_is_object(d)) {
			cap_value_array_append(objs, cap_value_ref(d));
		}
	}
	cap_value_free(docs);
	*out = objs;
	return 0;
}

/* "group/Kind" of obj into out (empty group for the core group). */
static void group_kind(cap_buf *out, const cap_value *obj)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *slash = av ? strchr(av, '/') : NULL;
	cap_buf_clear(out);
	if (slash)
		cap_buf_put(out, av, (size_t)(slash - av));
	cap_buf_printf(out, "/%s", cap_value_dig_string(obj, "kind", NULL) ?: "");
}

/* Whether a and b name the same object; a namespace missing on one side matches any. */
static bool same_object(const cap_value *a, const cap_value *b)
{
	cap_buf ga = CAP_BUF_INIT, gb = CAP_BUF_INIT;
	group_kind(&ga, a);
	group_kind(&gb, b);
	const char *na = cap_value_dig_string(a, "metadata", "name", NULL);
	const char *nb = cap_value_dig_string(b, "metadata", "name", NULL);
	const char *sa = cap_value_dig_string(a, "metadata", "namespace", NULL);
	const char *sb = cap_value_dig_string(b, "metadata", "namespace", NULL);
	bool same = !strcmp(ga.ptr, gb.ptr) && na && nb && !strcmp(na, nb) &&
		    (!sa || !sb || !*sa || !*sb || !strcmp(sa, sb));
	cap_buf_release(&ga);
	cap_buf_release(&gb);
	return same;
}

static const cap_value *find_object(const cap_value *list, const cap_value *like, bool *used)
{
	for (size_t i = 0; i < cap_value_array_len(list); i++)
		if ((!used || !used[i]) && same_object(cap_value_array_get(list, i), like)) {
			if (used)
				used[i] = true;
			return cap_value_array_get(list, i);
		}
	return NULL;
}

static void header(cap_buf *out, const cap_value *obj)
{
	cap_buf gk = CAP_BUF_INIT;
	group_kind(&gk, obj);
	const char *ns = cap_value_dig_string(obj, "metadata", "namespace", NULL);
	cap_buf_printf(out, "\n===== %s %s/%s ======\n", gk.ptr, ns ? ns : "",
		       cap_value_dig_string(obj, "metadata", "name", NULL) ?: "");
	cap_buf_release(&gk);
}

/*
 * Appends the masked diff of one object to out, or, when KUBECTL_EXTERNAL_DIFF names a tool (as
 * for `argocd app diff`), flushes out and runs the tool on the masked YAML of both sides.
 */
static void print_diff(cap_buf *out, const cap_value *live, const cap_value *target,
		       cap_diff_text_format format)
{
	const char *tool = getenv("KUBECTL_EXTERNAL_DIFF");
	if (!tool || !*tool) {
		cap_diff_text_masked(out, live, target, format);
		return;
	}
	cap_value *l = live ? cap_value_deep_copy(live) : NULL;
	cap_value *t = target ? cap_value_deep_copy(target) : NULL;
	cap_diff_hide_secret_data(t, l, NULL);
	char dir[] = "/tmp/capstan-diff-XXXXXX";
	if (!mkdtemp(dir)) {
		cap_value_free(l);
		cap_value_free(t);
		return;
	}
	const char *name = cap_value_dig_string(target ? target : live, "metadata", "name", NULL);
	cap_buf lp = CAP_BUF_INIT, tp = CAP_BUF_INIT, text = CAP_BUF_INIT, cmd = CAP_BUF_INIT;
	/* file names from object names, kept to characters the shell and paths take literally */
	cap_buf safe = CAP_BUF_INIT;
	for (const char *p = name && *name ? name : "object"; *p; p++)
		cap_buf_putc(&safe, (strchr("._-", *p) || (*p >= '0' && *p <= '9') ||
				     (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
					? *p
					: '_');
	cap_buf_printf(&lp, "%s/%s-live.yaml", dir, safe.ptr);
	cap_buf_printf(&tp, "%s/%s", dir, safe.ptr);
	cap_buf_release(&safe);
	if (l)
		cap_yaml_print(&text, l, CAP_YAML_SORT_KEYS);
	cap_buf_write_file_atomic(&text, lp.ptr);
	cap_buf_clear(&text);
	if (t)
		cap_yaml_print(&text, t, CAP_YAML_SORT_KEYS);
	cap_buf_write_file_atomic(&text, tp.ptr);
	fwrite(out->ptr, 1, out->len, stdout);
	fflush(stdout);
	cap_buf_clear(out);
	cap_buf_printf(&cmd, "%s '%s' '%s'", tool, lp.ptr, tp.ptr);
	if (system(cmd.ptr) == -1)
		fprintf(stderr, "capstan admin diff: cannot run '%s'\n", tool);
	unlink(lp.ptr);
	unlink(tp.ptr);
	rmdir(dir);
	cap_buf_release(&lp);
	cap_buf_release(&tp);
	cap_buf_release(&text);
	cap_buf_release(&cmd);
	cap_value_free(l);
	cap_value_free(t);
}

static int load_ignore(cap_diff_ignore *ig, cap_diff_known_types *kt, cap_diff_options *o,
		       const char *cm_path, const char *ignore_path)
{
	cap_value *docs = NULL;
	int rc = 0;
	if (cm_path && !(rc = cap_yaml_parse_file(&docs, cm_path, NULL))) {
		cap_value *cm = cap_value_array_get(docs, 0);
		rc = cap_diff_ignore_add_argocd_cm(ig, cm);
		if (!rc)
			rc = cap_diff_known_types_add_argocd_cm(kt, cm);
		if (!rc)
			rc = cap_diff_compare_options(&o->ignore_aggregated_roles, &o->status, cm);
		/* resource tracking is normalised with the label Argo CD tracks by */
		const char *label =
		    cap_value_dig_string(cm, "data", "application.instanceLabelKey", NULL);
		o->instance_label = strdup(label && *label ? label : "app.kubernetes.io/instance");
		cap_value_free(docs);
		docs = NULL;
	}
	if (!rc && ignore_path && !(rc = cap_yaml_parse_file(&docs, ignore_path, NULL))) {
		cap_value *d = cap_value_array_get(docs, 0);
		cap_value *list =
		    cap_value_is_array(d) ? d : cap_value_dig(d, "spec", "ignoreDifferences", NULL);
		rc = cap_diff_ignore_add_app(ig, list);
		cap_value_free(docs);
	}
	return rc;
}

int cap_cmd_admin_diff(int argc, char **argv)
{
	cap_diff_options o = CAP_DIFF_OPTIONS_INIT;
	cap_diff_text_format format = CAP_DIFF_TEXT_NORMAL;
	const char *pred_path = NULL, *cm_path = NULL, *ignore_path = NULL;
	cap_schema schema = CAP_SCHEMA_INIT;
	bool own_schema = false;
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "uh", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_SSD:
			o.mode = CAP_DIFF_SERVER_SIDE;
			break;
		case OPT_PRED:
			pred_path = optarg;
			break;
		case OPT_SMD:
			o.mode = CAP_DIFF_STRUCTURED_MERGE;
			break;
		case OPT_MANAGER:
			o.manager = optarg;
			break;
		case OPT_WEBHOOK:
			o.include_mutation_webhook = true;
			break;
		case OPT_AGGR:
			o.ignore_aggregated_roles = true;
			break;
		case OPT_STATUS:
			if (!strcmp(optarg, "all"))
				o.status = CAP_DIFF_STATUS_ALL;
			else if (!strcmp(optarg, "crd"))
				o.status = CAP_DIFF_STATUS_CRD;
			else if (!strcmp(optarg, "off"))
				o.status = CAP_DIFF_STATUS_OFF;
			else {
				fprintf(stderr, "capstan admin diff: unknown --status '%s'\n",
					optarg);
				return 2;
			}
			break;
		case OPT_CM:
			cm_path = optarg;
			break;
		case OPT_IGNORE:
			ignore_path = optarg;
			break;
		case OPT_OPENAPI:
			own_schema = true;
			if (cap_schema_add_openapi_file(&schema, optarg)) {
				fprintf(stderr, "capstan admin diff: %s\n", cap_error_last());
				cap_schema_release(&schema);
				return 2;
			}
			break;
		case 'u':
			format = CAP_DIFF_TEXT_UNIFIED;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (own_schema)
		o.schema = &schema;
	if (o.mode == CAP_DIFF_SERVER_SIDE && !pred_path) {
		fprintf(stderr, "capstan admin diff: --server-side-diff needs --predicted-live\n");
		return 2;
	}

	cap_diff_ignore *ig = cap_diff_ignore_new();
	cap_diff_known_types *kt = cap_diff_known_types_new(o.schema);
	o.known_types = kt;
	cap_value *configs = NULL, *lives = NULL, *preds = NULL;
	rc = load_ignore(ig, kt, &o, cm_path, ignore_path);
	if (!rc)
		rc = read_objects(&configs, argv[optind]);
	if (!rc)
		rc = read_objects(&lives, argv[optind + 1]);
	if (!rc && pred_path)
		rc = read_objects(&preds, pred_path);
	if (rc) {
		fprintf(stderr, "capstan admin diff: %s\n", cap_error_last());
		cap_diff_ignore_free(ig);
		cap_diff_known_types_free(kt);
		cap_value_free(configs);
		cap_value_free(lives);
		cap_schema_release(&schema);
		free((char *)o.instance_label);
		return 2;
	}
	if (cap_diff_ignore_count(ig))
		o.ignore = ig;

	size_t nlive = cap_value_array_len(lives);
	bool *used = calloc(nlive + 1, sizeof(bool));
	bool modified = false;
	int status = 0;
	cap_buf out = CAP_BUF_INIT;
	for (size_t i = 0; i < cap_value_array_len(configs) && !status; i++) {
		const cap_value *config = cap_value_array_get(configs, i);
		const cap_value *live = find_object(lives, config, used);
		o.predicted_live = find_object(preds, config, NULL);
		cap_diff_result res = CAP_DIFF_RESULT_INIT;
		cap_diff_options one = o;
		if (o.mode == CAP_DIFF_SERVER_SIDE && !o.predicted_live)
			one.mode = CAP_DIFF_CLIENT_SIDE; /* nothing predicted for it: client-side */
		if (cap_diff(&res, config, live, &one)) {
			fprintf(stderr, "capstan admin diff: %s\n", cap_error_last());
			status = 2;
			break;
		}
		if (res.modified) {
			modified = true;
			header(&out, config);
			print_diff(&out, res.normalized_live, res.predicted_live, format);
		}
		cap_diff_result_release(&res);
	}
	/* Live objects with no manifest would be pruned, unless they ask to be ignored. */
	for (size_t i = 0; i < nlive && !status; i++) {
		const cap_value *live = cap_value_array_get(lives, i);
		if (used[i] || cap_diff_ignore_extraneous(live))
			continue;
		cap_diff_result res = CAP_DIFF_RESULT_INIT;
		if (cap_diff(&res, NULL, live, &o) == 0) {
			modified = true;
			header(&out, live);
			print_diff(&out, res.normalized_live, NULL, format);
		}
		cap_diff_result_release(&res);
	}
	fwrite(out.ptr, 1, out.len, stdout);
	cap_buf_release(&out);
	free(used);
	cap_value_free(configs);
	cap_value_free(lives);
	cap_value_free(preds);
	cap_diff_ignore_free(ig);
	cap_diff_known_types_free(kt);
	cap_schema_release(&schema);
	free((char *)o.instance_label);
	return status ? status : modified ? 1 : 0;
}
