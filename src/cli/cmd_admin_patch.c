/* `capstan admin patch apply|create`: JSON, merge and strategic merge patches on files, offline. */
#include "cli/cmd_admin_patch.h"

#include "base/buf.h"
#include "base/error.h"
#include "patch/json_patch.h"
#include "patch/merge_patch.h"
#include "patch/strategic.h"
#include "schema/schema.h"
#include "value/json.h"
#include "value/yaml.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

static const char usage_text[] =
    "usage: capstan admin patch apply --type json|merge|strategic [--kind APIVERSION/KIND] "
    "BASE PATCH\n"
    "       capstan admin patch create --type strategic|merge [--kind APIVERSION/KIND]\n"
    "                                  [--last-applied FILE] [--set-last-applied] CONFIG LIVE\n"
    "       capstan admin patch create --type strategic|merge --two-way ORIGINAL MODIFIED\n"
    "\n"
    "Files are JSON or YAML; a PATCH starting with '{' or '[' is read as inline JSON. The result\n"
    "is printed as indented JSON. --kind defaults to the apiVersion and kind of BASE or CONFIG.\n"
    "Strategic patches take their field strategies from Kubernetes' OpenAPI document, or from\n"
    "--openapi FILE (OpenAPI v2 or v3, repeatable) and --crd FILE (CustomResourceDefinitions).\n"
    "create without --last-applied takes the last-applied configuration from LIVE's\n"
    "kubectl.kubernetes.io/last-applied-configuration annotation; --set-last-applied records\n"
    "CONFIG in that annotation first, as kubectl apply does.\n";

typedef struct patch_args {
	const char *type;
	const char *kind;
	const char *last_applied;
	bool set_last_applied;
	bool two_way;
	cap_schema schema;
	bool own_schema;
} patch_args;

static int fail(void)
{
	fprintf(stderr, "capstan admin patch: %s\n", cap_error_last());
	return 1;
}

/* One document from a file (JSON or YAML), or inline JSON when allowed and it looks like it. */
static int read_doc(cap_value **out, const char *arg, bool inline_ok)
{
	if (inline_ok && (arg[0] == '{' || arg[0] == '['))
		return cap_json_parse(out, arg, strlen(arg), "patch", NULL);
	cap_buf text = CAP_BUF_INIT;
	int rc = cap_buf_read_file(&text, arg);
	if (rc == 0)
		rc = cap_yaml_parse(out, text.ptr, text.len, arg, NULL);
	cap_buf_release(&text);
	return rc;
}

static int add_schema_doc(patch_args *a, const char *path, bool crd)
{
	if (!a->own_schema) {
		cap_schema_init(&a->schema);
		a->own_schema = true;
	}
	if (!crd)
		return cap_schema_add_openapi_file(&a->schema, path);
	cap_value *docs = NULL;
	int rc = cap_yaml_parse_file(&docs, path, NULL);
	for (size_t i = 0; rc == 0 && i < cap_value_array_len(docs); i++)
		rc = cap_schema_add_crd(&a->schema, cap_value_array_get(docs, i));
	cap_value_free(docs);
	return rc;
}

/* The type the strategic patch follows: --kind, else the document's own apiVersion and kind. */
static int find_type(const cap_schema_type **out, patch_args *a, const cap_value *doc)
{
	const cap_schema *s = &a->schema;
	if (!a->own_schema) {
		int rc = cap_schema_default(&s);
		if (rc < 0)
			return rc;
	}
	if (a->kind) {
		*out = cap_schema_lookup_key(s, a->kind);
		return 0;
	}
	*out = cap_schema_lookup(s, cap_value_dig_string(doc, "apiVersion", NULL),
				 cap_value_dig_string(doc, "kind", NULL));
	return 0;
}

static int print_result(cap_value *v)
{
	cap_buf out = CAP_BUF_INIT;
	cap_json_print(&out, v, CAP_JSON_INDENT);
	cap_buf_putc(&out, '\n');
	fwrite(out.ptr, 1, out.len, stdout);
	cap_buf_release(&out);
	cap_value_free(v);
	return 0;
}

static int run_apply(patch_args *a, const char *base_path, const char *patch_path)
{
	cap_value *base = NULL, *patch = NULL, *result = NULL;
	int rc = read_doc(&base, base_path, false);
	if (rc == 0)
		rc = read_doc(&patch, patch_path, true);
	if (rc == 0) {
		if (!strcmp(a->type, "json")) {
			rc = cap_json_patch_apply(&result, base, patch);
		} else if (!strcmp(a->type, "merge")) {
			rc = cap_merge_patch_apply(&result, base, patch);
		} else {
			const cap_schema_type *t = NULL;
			rc = find_type(&t, a, base);
			if (rc == 0)
				rc = cap_strategic_apply(&result, base, patch, t);
		}
	}
	cap_value_free(base);
	cap_value_free(patch);
	return rc < 0 ? fail() : print_result(result);
}

/* The member key of obj as an object, created (replacing any non-object) when missing. */
static cap_value *object_member(cap_value *obj, const char *key)
{
	cap_value *v = cap_value_object_get(obj, key);
	if (!cap_value_is_object(v)) {
		v = cap_value_object();
		cap_value_object_set(obj, key, v);
	}
	return v;
}

/*
 * kubectl apply's modified configuration: CONFIG recorded, without the annotation but with an
 * annotations map (kubectl leaves an empty one), as compact sorted JSON and a newline in
 * CONFIG's own last-applied annotation.
 */
static void set_last_applied(cap_value *config)
{
	cap_value *annotations = object_member(object_member(config, "metadata"), "annotations");
	cap_value_object_del(annotations, LAST_APPLIED);
	char *json = cap_json_to_string(config, CAP_JSON_COMPACT | CAP_JSON_SORT_KEYS);
	cap_buf text = CAP_BUF_INIT;
	cap_buf_printf(&text, "%s\n", json);
	cap_value_object_set(annotations, LAST_APPLIED, cap_value_string(text.ptr));
	cap_buf_release(&text);
	free(json);
}

/* The last-applied configuration kept in the live object's annotation, or NULL. */
static int last_applied_of(cap_value **out, const cap_value *live)
{
	*out = NULL;
	const char *text =
	    cap_value_dig_string(live, "metadata", "annotations", LAST_APPLIED, NULL);
	if (!text || !*text)
		return 0;
	return cap_json_parse(out, text, strlen(text), LAST_APPLIED, NULL);
}

static int run_create(patch_args *a, const char *config_path, const char *live_path)
{
	cap_value *config = NULL, *live = NULL, *original = NULL, *result = NULL;
	int rc = read_doc(&config, config_path, false);
	if (rc == 0)
		rc = read_doc(&live, live_path, false);
	if (rc < 0)
		goto out;
	if (a->two_way) {
		/* ORIGINAL MODIFIED */
		if (!strcmp(a->type, "merge")) {
			rc = cap_merge_patch_create(&result, config, live);
		} else {
			const cap_schema_type *t = NULL;
			if ((rc = find_type(&t, a, live)) == 0)
				rc = cap_strategic_create_two_way(&result, config, live, t);
		}
		goto out;
	}
	if (a->set_last_applied)
		set_last_applied(config);
	if (a->last_applied)
		rc = read_doc(&original, a->last_applied, false);
	else
		rc = last_applied_of(&original, live);
	if (rc < 0)
		goto out;
	if (!strcmp(a->type, "merge")) {
		rc = cap_error_set(CAP_EUNSUPPORTED,
				   "three-way json merge patches are not supported");
	} else {
		const cap_schema_type *t = NULL;
		if ((rc = find_type(&t, a, config)) == 0)
			rc = cap_strategic_create_three_way(&result, original, config, live, t);
	}
out:
	cap_value_free(config);
	cap_value_free(live);
	cap_value_free(original);
	return rc < 0 ? fail() : print_result(result);
}

int cap_cmd_admin_patch(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "apply") && strcmp(argv[1], "create"))) {
		fputs(usage_text, stderr);
		return 2;
	}
	bool create = !strcmp(argv[1], "create");
	static const struct option options[] = {
	    {"type", required_argument, NULL, 't'},
	    {"kind", required_argument, NULL, 'k'},
	    {"last-applied", required_argument, NULL, 'l'},
	    {"set-last-applied", no_argument, NULL, 's'},
	    {"two-way", no_argument, NULL, '2'},
	    {"openapi", required_argument, NULL, 'o'},
	    {"crd", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	patch_args a = {.type = "strategic"};
	int rc = 0, opt;
	optind = 1;
	argc--;
	argv++;
	while (rc == 0 && (opt = getopt_long(argc, argv, "+t:k:", options, NULL)) != -1) {
		switch (opt) {
		case 't':
			a.type = optarg;
			break;
		case 'k':
			a.kind = optarg;
			break;
		case 'l':
			a.last_applied = optarg;
			break;
		case 's':
			a.set_last_applied = true;
			break;
		case '2':
			a.two_way = true;
			break;
		case 'o':
		case 'c':
			rc = add_schema_doc(&a, optarg, opt == 'c');
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (rc < 0) {
		rc = fail();
		goto out;
	}
	if (argc - optind != 2) {
		fputs(usage_text, stderr);
		rc = 2;
		goto out;
	}
	bool known = !strcmp(a.type, "strategic") || !strcmp(a.type, "merge") ||
		     (!create && !strcmp(a.type, "json"));
	if (!known) {
		fprintf(stderr, "capstan admin patch: unsupported patch type '%s'\n", a.type);
		rc = 1;
		goto out;
	}
	rc = create ? run_create(&a, argv[optind], argv[optind + 1])
		    : run_apply(&a, argv[optind], argv[optind + 1]);
out:
	if (a.own_schema)
		cap_schema_release(&a.schema);
	return rc;
}
