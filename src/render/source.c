/* Reading an Application's spec.source JSON into a cap_render_source, checking every field type. */
#include "render/source.h"

#include "base/error.h"

#include <stdlib.h>
#include <string.h>

static int bad(const char *field, const char *what)
{
	return cap_error_set(CAP_EINVALID, "cannot read source: '%s' must be %s", field, what);
}

/* The member key of obj (borrowed) in *out, or NULL when absent or null; an error naming field
 * when it is not of the kind is_kind accepts (described by what). */
static int get_member(cap_value **out, const cap_value *obj, const char *key, const char *field,
		      bool (*is_kind)(const cap_value *), const char *what)
{
	cap_value *v = cap_value_object_get(obj, key);
	*out = NULL;
	if (!v || cap_value_is_null(v))
		return 0;
	if (!is_kind(v))
		return bad(field, what);
	*out = v;
	return 0;
}

/* A string member: NULL when absent, null or empty. */
static int get_str(const char **out, const cap_value *obj, const char *key, const char *field)
{
	cap_value *v;
	int err = get_member(&v, obj, key, field, cap_value_is_string, "a string");
	const char *s = v ? cap_value_get_string(v) : NULL;
	*out = s && *s ? s : NULL;
	return err;
}

/* A boolean member; Argo CD's JSON also accepts only real booleans here. */
static int get_bool(bool *out, const cap_value *obj, const char *key, const char *field)
{
	cap_value *v;
	int err = get_member(&v, obj, key, field, cap_value_is_bool, "a boolean");
	*out = v ? cap_value_get_bool(v) : false;
	return err;
}

/* An object member (borrowed) or NULL. */
static int get_obj(cap_value **out, const cap_value *obj, const char *key, const char *field)
{
	return get_member(out, obj, key, field, cap_value_is_object, "an object");
}

/* An array member (borrowed) or NULL. */
static int get_arr(cap_value **out, const cap_value *obj, const char *key, const char *field)
{
	return get_member(out, obj, key, field, cap_value_is_array, "an array");
}

static int get_strings(cap_render_strings *out, const cap_value *obj, const char *key,
		       const char *field)
{
	cap_value *arr, *item;
	size_t i;
	int err = get_arr(&arr, obj, key, field);
	if (err || !arr)
		return err;
	CAP_VALUE_ARRAY_FOREACH(arr, i, item)
	{
		if (!cap_value_is_string(item))
			return bad(field, "an array of strings");
		CAP_VEC_PUSH(out, cap_value_get_string(item));
	}
	return 0;
}

/* Label and annotation maps must hold strings only, as in Kubernetes. */
static int get_string_map(cap_value **out, const cap_value *obj, const char *key, const char *field)
{
	const char *k;
	cap_value *v;
	int err = get_obj(out, obj, key, field);
	if (err || !*out)
		return err;
	CAP_VALUE_OBJECT_FOREACH(*out, k, v)
	{
		(void)k;
		if (!cap_value_is_string(v))
			return bad(field, "an object of strings");
	}
	return 0;
}

static int get_jsonnet_vars(void *vec, const cap_value *obj, const char *key, const char *field)
{
	CAP_VEC_OF(cap_render_jsonnet_var) *out = vec;
	cap_value *arr, *item;
	size_t i;
	int err = get_arr(&arr, obj, key, field);
	if (err || !arr)
		return err;
	CAP_VALUE_ARRAY_FOREACH(arr, i, item)
	{
		cap_render_jsonnet_var var = {0};
		if (!cap_value_is_object(item))
			return bad(field, "an array of objects");
		if ((err = get_str(&var.name, item, "name", field)) ||
		    (err = get_str(&var.value, item, "value", field)) ||
		    (err = get_bool(&var.code, item, "code", field)))
			return err;
		if (!var.name)
			return bad(field, "a list of entries with a name");
		if (!var.value)
			var.value = "";
		CAP_VEC_PUSH(out, var);
	}
	return 0;
}

static int parse_directory(cap_render_source *s, const cap_value *d)
{
	cap_value *jsonnet;
	int err;
	if ((err = get_bool(&s->directory.recurse, d, "recurse", "directory.recurse")) ||
	    (err = get_str(&s->directory.include, d, "include", "directory.include")) ||
	    (err = get_str(&s->directory.exclude, d, "exclude", "directory.exclude")) ||
	    (err = get_obj(&jsonnet, d, "jsonnet", "directory.jsonnet")))
		return err;
	if (!jsonnet)
		return 0;
	if ((err = get_jsonnet_vars(&s->directory.ext_vars, jsonnet, "extVars",
				    "directory.jsonnet.extVars")) ||
	    (err = get_jsonnet_vars(&s->directory.tlas, jsonnet, "tlas", "directory.jsonnet.tlas")))
		return err;
	return get_strings(&s->directory.libs, jsonnet, "libs", "directory.jsonnet.libs");
}

/* Replica counts are intstr in Argo CD: 3 or "3". */
static int get_replicas(cap_render_source *s, const cap_value *k)
{
	cap_value *arr, *item;
	size_t i;
	int err = get_arr(&arr, k, "replicas", "kustomize.replicas");
	if (err || !arr)
		return err;
	CAP_VALUE_ARRAY_FOREACH(arr, i, item)
	{
		cap_render_replica r = {0};
		if (!cap_value_is_object(item))
			return bad("kustomize.replicas", "an array of objects");
		if ((err = get_str(&r.name, item, "name", "kustomize.replicas.name")))
			return err;
		cap_value *count = cap_value_object_get(item, "count");
		if (cap_value_is_int(count)) {
			r.count = cap_value_get_int(count);
		} else if (cap_value_is_string(count)) {
			char *end;
			const char *txt = cap_value_get_string(count);
			r.count = strtoll(txt, &end, 10);
			if (!*txt || *end)
				return cap_error_set(
				    CAP_EINVALID,
				    "cannot read source: replica count '%s' of '%s' "
				    "is not a number",
				    txt, r.name ? r.name : "");
		} else {
			return bad("kustomize.replicas.count", "a number");
		}
		if (!r.name)
			return bad("kustomize.replicas", "a list of entries with a name");
		CAP_VEC_PUSH(&s->kustomize.replicas, r);
	}
	return 0;
}

static int parse_kustomize(cap_render_source *s, const cap_value *k)
{
	int err;
	if ((err = get_str(&s->kustomize.name_prefix, k, "namePrefix", "kustomize.namePrefix")) ||
	    (err = get_str(&s->kustomize.name_suffix, k, "nameSuffix", "kustomize.nameSuffix")) ||
	    (err = get_str(&s->kustomize.namespace, k, "namespace", "kustomize.namespace")) ||
	    (err = get_str(&s->kustomize.version, k, "version", "kustomize.version")) ||
	    (err = get_strings(&s->kustomize.images, k, "images", "kustomize.images")) ||
	    (err = get_string_map(&s->kustomize.common_labels, k, "commonLabels",
				  "kustomize.commonLabels")) ||
	    (err = get_string_map(&s->kustomize.common_annotations, k, "commonAnnotations",
				  "kustomize.commonAnnotations")) ||
	    (err = get_bool(&s->kustomize.force_common_labels, k, "forceCommonLabels",
			    "kustomize.forceCommonLabels")) ||
	    (err = get_bool(&s->kustomize.force_common_annotations, k, "forceCommonAnnotations",
			    "kustomize.forceCommonAnnotations")) ||
	    (err = get_bool(&s->kustomize.common_annotations_envsubst, k,
			    "commonAnnotationsEnvsubst", "kustomize.commonAnnotationsEnvsubst")) ||
	    (err = get_bool(&s->kustomize.label_without_selector, k, "labelWithoutSelector",
			    "kustomize.labelWithoutSelector")) ||
	    (err = get_bool(&s->kustomize.label_include_templates, k, "labelIncludeTemplates",
			    "kustomize.labelIncludeTemplates")) ||
	    (err = get_arr(&s->kustomize.patches, k, "patches", "kustomize.patches")) ||
	    (err =
		 get_strings(&s->kustomize.components, k, "components", "kustomize.components")) ||
	    (err = get_bool(&s->kustomize.ignore_missing_components, k, "ignoreMissingComponents",
			    "kustomize.ignoreMissingComponents")))
		return err;
	return get_replicas(s, k);
}

static int get_helm_params(cap_render_source *s, const cap_value *h)
{
	cap_value *arr, *item;
	size_t i;
	int err = get_arr(&arr, h, "parameters", "helm.parameters");
	if (err)
		return err;
	if (arr)
		CAP_VALUE_ARRAY_FOREACH(arr, i, item)
		{
			cap_render_helm_param p = {0};
			if (!cap_value_is_object(item))
				return bad("helm.parameters", "an array of objects");
			if ((err = get_str(&p.name, item, "name", "helm.parameters.name")) ||
			    (err = get_str(&p.value, item, "value", "helm.parameters.value")) ||
			    (err = get_bool(&p.force_string, item, "forceString",
					    "helm.parameters.forceString")))
				return err;
			if (!p.name)
				return bad("helm.parameters", "a list of entries with a name");
			if (!p.value)
				p.value = "";
			CAP_VEC_PUSH(&s->helm.parameters, p);
		}
	if ((err = get_arr(&arr, h, "fileParameters", "helm.fileParameters")) || !arr)
		return err;
	CAP_VALUE_ARRAY_FOREACH(arr, i, item)
	{
		cap_render_helm_file_param p = {0};
		if (!cap_value_is_object(item))
			return bad("helm.fileParameters", "an array of objects");
		if ((err = get_str(&p.name, item, "name", "helm.fileParameters.name")) ||
		    (err = get_str(&p.path, item, "path", "helm.fileParameters.path")))
			return err;
		if (!p.name || !p.path)
			return bad("helm.fileParameters",
				   "a list of entries with a name and a path");
		CAP_VEC_PUSH(&s->helm.file_parameters, p);
	}
	return 0;
}

static int parse_helm(cap_render_source *s, const cap_value *h)
{
	int err;
	if ((err = get_str(&s->helm.release_name, h, "releaseName", "helm.releaseName")) ||
	    (err = get_str(&s->helm.namespace, h, "namespace", "helm.namespace")) ||
	    (err = get_strings(&s->helm.value_files, h, "valueFiles", "helm.valueFiles")) ||
	    (err = get_bool(&s->helm.ignore_missing_value_files, h, "ignoreMissingValueFiles",
			    "helm.ignoreMissingValueFiles")) ||
	    (err = get_str(&s->helm.values, h, "values", "helm.values")) ||
	    (err = get_bool(&s->helm.skip_crds, h, "skipCrds", "helm.skipCrds")) ||
	    (err = get_bool(&s->helm.skip_tests, h, "skipTests", "helm.skipTests")) ||
	    (err = get_bool(&s->helm.skip_schema_validation, h, "skipSchemaValidation",
			    "helm.skipSchemaValidation")) ||
	    (err = get_bool(&s->helm.pass_credentials, h, "passCredentials",
			    "helm.passCredentials")) ||
	    (err = get_str(&s->helm.kube_version, h, "kubeVersion", "helm.kubeVersion")) ||
	    (err = get_str(&s->helm.version, h, "version", "helm.version")) ||
	    (err = get_strings(&s->helm.api_versions, h, "apiVersions", "helm.apiVersions")))
		return err;
	if ((err = get_obj(&s->helm.values_object, h, "valuesObject", "helm.valuesObject")))
		return err;
	return get_helm_params(s, h);
}

/* The block member key (directory, helm, ...) read with parse when present, noting that it is. */
static int parse_block(cap_render_source *s, const cap_value *src, const char *key, bool *has,
		       int (*parse)(cap_render_source *, const cap_value *))
{
	cap_value *block;
	int err = get_obj(&block, src, key, key);
	if (err || !block)
		return err;
	*has = true;
	return parse ? parse(s, block) : 0;
}

static int parse_into(cap_render_source *s, cap_value *src)
{
	int err;
	if (!cap_value_is_object(src))
		return cap_error_set(CAP_EINVALID, "cannot read source: it must be an object");
	if ((err = get_str(&s->repo_url, src, "repoURL", "repoURL")) ||
	    (err = get_str(&s->path, src, "path", "path")) ||
	    (err = get_str(&s->target_revision, src, "targetRevision", "targetRevision")) ||
	    (err = get_str(&s->chart, src, "chart", "chart")) ||
	    (err = get_str(&s->ref, src, "ref", "ref")) ||
	    (err = get_str(&s->name, src, "name", "name")))
		return err;
	if ((err = parse_block(s, src, "directory", &s->has_directory, parse_directory)) ||
	    (err = parse_block(s, src, "kustomize", &s->has_kustomize, parse_kustomize)) ||
	    (err = parse_block(s, src, "helm", &s->has_helm, parse_helm)) ||
	    (err = parse_block(s, src, "plugin", &s->has_plugin, NULL)))
		return err;
	return 0;
}

int cap_render_source_parse(cap_render_source *out, cap_value *src)
{
	cap_render_source s;
	memset(&s, 0, sizeof(s));
	int err = parse_into(&s, src);
	if (err) {
		cap_render_source_release(&s);
		return err;
	}
	s.raw = cap_value_ref(src);
	*out = s;
	return 0;
}

void cap_render_source_release(cap_render_source *s)
{
	if (!s)
		return;
	CAP_VEC_RELEASE(&s->directory.ext_vars);
	CAP_VEC_RELEASE(&s->directory.tlas);
	CAP_VEC_RELEASE(&s->directory.libs);
	CAP_VEC_RELEASE(&s->kustomize.images);
	CAP_VEC_RELEASE(&s->kustomize.replicas);
	CAP_VEC_RELEASE(&s->kustomize.components);
	CAP_VEC_RELEASE(&s->helm.value_files);
	CAP_VEC_RELEASE(&s->helm.parameters);
	CAP_VEC_RELEASE(&s->helm.file_parameters);
	CAP_VEC_RELEASE(&s->helm.api_versions);
	cap_value_free(s->raw);
	memset(s, 0, sizeof(*s));
}

int cap_render_source_explicit_tool(cap_render_tool *out, const cap_render_source *s)
{
	/* Argo CD's ExplicitType: at most one tool block; a chart from a Helm repository is Helm.
	 */
	cap_render_tool tool = CAP_RENDER_AUTO;
	int blocks = s->has_kustomize + s->has_helm + s->has_directory + s->has_plugin;
	if (blocks > 1) {
		/* Argo CD's wording and order: "multiple application sources defined:
		 * Kustomize,Helm" */
		char names[64] = "";
		const char *sep = "";
		const struct {
			bool on;
			const char *name;
		} kinds[] = {{s->has_kustomize, "Kustomize"},
			     {s->has_helm, "Helm"},
			     {s->has_directory, "Directory"},
			     {s->has_plugin, "Plugin"}};
		for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
			if (!kinds[i].on)
				continue;
			strcat(names, sep);
			strcat(names, kinds[i].name);
			sep = ",";
		}
		return cap_error_set(CAP_EINVALID, "multiple application sources defined: %s",
				     names);
	}
	if (s->has_plugin)
		return cap_error_set(CAP_EUNSUPPORTED,
				     "config management plugins are not supported");
	if (s->chart || s->has_helm)
		tool = CAP_RENDER_HELM;
	else if (s->has_kustomize)
		tool = CAP_RENDER_KUSTOMIZE;
	else if (s->has_directory)
		tool = CAP_RENDER_DIRECTORY;
	*out = tool;
	return 0;
}

const char *cap_render_tool_name(cap_render_tool tool)
{
	switch (tool) {
	case CAP_RENDER_DIRECTORY:
		return "Directory";
	case CAP_RENDER_KUSTOMIZE:
		return "Kustomize";
	case CAP_RENDER_HELM:
		return "Helm";
	default:
		return "Auto";
	}
}
