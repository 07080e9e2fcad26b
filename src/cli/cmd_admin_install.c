/* `capstan admin install`: the Argo CD CRDs, then namespace, default project and settings. */
#include "cli/cmd_admin_install.h"

#include "app/project.h"
#include "app/settings.h"
#include "base/error.h"
#include "base/time.h"
#include "cli/app_client.h"
#include "cli/app_crds.h"
#include "kube/key.h"
#include "value/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: capstan admin install [--namespace argocd] [--kubeconfig FILE] [--core]\n"
    "\n"
    "Installs the Application, AppProject and ApplicationSet CRDs, waits until they are\n"
    "established, and creates the namespace, the default AppProject and the argocd-cm,\n"
    "argocd-rbac-cm and argocd-secret objects when they are absent. Running it again changes\n"
    "only what differs.\n";

static const struct option options[] = {
    {"namespace", required_argument, NULL, 'n'},
    {"timeout", required_argument, NULL, 't'},
    {"help", no_argument, NULL, 'h'},
    CAP_APP_CLI_OPTIONS,
    {NULL, 0, NULL, 0},
};

static bool established(const cap_value *crd)
{
	const cap_value *conds = cap_value_dig(crd, "status", "conditions", NULL);
	for (size_t i = 0; i < cap_value_array_len(conds); i++) {
		const cap_value *c = cap_value_array_get(conds, i);
		const char *t = cap_value_dig_string(c, "type", NULL);
		const char *s = cap_value_dig_string(c, "status", NULL);
		if (t && s && !strcmp(t, "Established") && !strcmp(s, "True"))
			return true;
	}
	return false;
}

/* Whether live holds everything want says (the server may add defaults, e.g. conversion). */
static bool holds(const cap_value *live, const cap_value *want)
{
	if (cap_value_is_object(want)) {
		if (!cap_value_is_object(live))
			return false;
		const char *k;
		cap_value *v;
		CAP_VALUE_OBJECT_FOREACH(want, k, v)
		if (!holds(cap_value_object_get(live, k), v))
			return false;
		return true;
	}
	if (cap_value_is_array(want)) {
		if (cap_value_array_len(live) != cap_value_array_len(want) ||
		    !cap_value_is_array(live))
			return false;
		for (size_t i = 0; i < cap_value_array_len(want); i++)
			if (!holds(cap_value_array_get(live, i), cap_value_array_get(want, i)))
				return false;
		return true;
	}
	return cap_value_equal(live, want);
}

/* Creates or updates one CRD, printing what kubectl apply would say; waits until established. */
static int apply_crd(cap_kube_client *kc, const cap_app_crd_file *f, unsigned timeout_s)
{
	cap_value *crd = NULL, *live = NULL;
	int rc = cap_yaml_parse(&crd, f->text, f->len, f->name, NULL);
	if (rc)
		return rc;
	const char *name = cap_value_dig_string(crd, "metadata", "name", NULL);
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, "apiextensions.k8s.io/v1", "CustomResourceDefinition", "", name);
	cap_kube_key_set_member(&key.resource, "customresourcedefinitions");
	const char *verb = "created";
	rc = cap_kube_create(kc, NULL, crd, NULL);
	if (rc == CAP_EEXISTS && !(rc = cap_kube_get(kc, &live, &key))) {
		if (holds(cap_value_object_get(live, "spec"), cap_value_object_get(crd, "spec"))) {
			verb = "unchanged";
		} else {
			verb = "configured";
			cap_value_object_set(cap_value_object_get(crd, "metadata"),
					     "resourceVersion",
					     cap_value_ref(cap_value_dig(live, "metadata",
									 "resourceVersion", NULL)));
			rc = cap_kube_update(kc, NULL, crd, NULL);
		}
	}
	if (!rc)
		printf("customresourcedefinition.apiextensions.k8s.io/%s %s\n", name, verb);
	cap_deadline d = cap_deadline_in_ms((uint64_t)timeout_s * 1000);
	while (!rc && !established(live)) {
		cap_value_free(live);
		live = NULL;
		if ((rc = cap_kube_get(kc, &live, &key)) || established(live))
			break;
		if (cap_deadline_expired(d)) {
			rc = cap_error_set(
			    CAP_ETIMEOUT, "customresourcedefinition '%s' is not established", name);
			break;
		}
		cap_time_sleep_ms(200);
	}
	cap_kube_key_release(&key);
	cap_value_free(crd);
	cap_value_free(live);
	return rc;
}

/* Creates obj unless an object of that name exists; prints "kind/name created|unchanged". */
static int ensure(cap_kube_client *kc, cap_value *obj, const char *shown)
{
	int rc = cap_kube_create(kc, NULL, obj, NULL);
	const char *name = cap_value_dig_string(obj, "metadata", "name", NULL);
	if (!rc)
		printf("%s/%s created\n", shown, name);
	else if (rc == CAP_EEXISTS) {
		printf("%s/%s unchanged\n", shown, name);
		rc = 0;
	}
	cap_value_free(obj);
	return rc;
}

static cap_value *settings_object(const char *kind, const char *name, const char *ns)
{
	cap_value *o = cap_value_object();
	cap_value_object_set(o, "apiVersion", cap_value_string("v1"));
	cap_value_object_set(o, "kind", cap_value_string(kind));
	cap_value *md = cap_value_object();
	cap_value_object_set(md, "name", cap_value_string(name));
	if (ns)
		cap_value_object_set(md, "namespace", cap_value_string(ns));
	if (ns) {
		cap_value *labels = cap_value_object();
		cap_value_object_set(labels, "app.kubernetes.io/name", cap_value_string(name));
		cap_value_object_set(labels, CAP_SETTINGS_PART_OF_LABEL,
				     cap_value_string("argocd"));
		cap_value_object_set(md, "labels", labels);
	}
	cap_value_object_set(o, "metadata", md);
	if (!strcmp(kind, "Secret"))
		cap_value_object_set(o, "type", cap_value_string("Opaque"));
	return o;
}

int cap_cmd_admin_install(int argc, char **argv)
{
	cap_app_cli cli;
	cap_app_cli_init(&cli);
	const char *ns = CAP_APP_DEFAULT_NAMESPACE;
	unsigned timeout_s = 60;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:h", options, NULL)) != -1) {
		if (c == 'n')
			ns = optarg;
		else if (c == 't')
			timeout_s = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else if (!cap_app_cli_option(&cli, c, optarg)) {
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "capstan: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (cap_app_cli_connect(&cli))
		return 1;
	size_t n;
	const cap_app_crd_file *files = cap_app_crds(&n);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = apply_crd(cli.client, &files[i], timeout_s);
	if (!rc)
		rc = ensure(cli.client, settings_object("Namespace", ns, NULL), "namespace");
	if (!rc)
		rc = ensure(cli.client, cap_project_default_object(ns), "appproject.argoproj.io");
	if (!rc)
		rc = ensure(cli.client, settings_object("ConfigMap", CAP_SETTINGS_CM, ns),
			    "configmap");
	if (!rc)
		rc = ensure(cli.client, settings_object("ConfigMap", CAP_SETTINGS_RBAC_CM, ns),
			    "configmap");
	if (!rc)
		rc = ensure(cli.client, settings_object("Secret", CAP_SETTINGS_SECRET, ns),
			    "secret");
	if (rc)
		cap_app_cli_error();
	cap_app_cli_release(&cli);
	return rc ? 1 : 0;
}
