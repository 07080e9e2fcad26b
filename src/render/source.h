/* cap_render_source: an Application's spec.source (Argo CD's ApplicationSource) as typed fields. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/vec.h"
#include "value/value.h"

/* A Jsonnet extVar or TLA: code variants are evaluated as Jsonnet, others passed as strings. */
typedef struct cap_render_jsonnet_var {
	const char *name;
	const char *value;
	bool code;
} cap_render_jsonnet_var;

/* A Helm parameter: --set name=value, or --set-string when force_string. */
typedef struct cap_render_helm_param {
	const char *name;
	const char *value;
	bool force_string;
} cap_render_helm_param;

/* A Helm file parameter: --set-file name=path (path relative to the app path). */
typedef struct cap_render_helm_file_param {
	const char *name;
	const char *path;
} cap_render_helm_file_param;

/* A Kustomize replica override: `kustomize edit set replicas name=count`. */
typedef struct cap_render_replica {
	const char *name;
	int64_t count;
} cap_render_replica;

typedef CAP_VEC_OF(const char *) cap_render_strings;

typedef enum cap_render_tool {
	CAP_RENDER_AUTO = 0, /* detect from the files, as Argo CD does */
	CAP_RENDER_DIRECTORY,
	CAP_RENDER_KUSTOMIZE,
	CAP_RENDER_HELM,
} cap_render_tool;

/*
 * Every string is borrowed from raw, which the struct holds a reference to: the source lives as
 * long as the struct and must not be changed while it does. Absent strings are NULL (empty
 * strings in the JSON read as NULL too, as Argo CD treats "" as unset). The has_* flags record
 * which tool block was present; an explicit block picks the tool, as in Argo CD.
 */
typedef struct cap_render_source {
	cap_value *raw; /* the spec.source object (a reference) */
	const char *repo_url;
	const char *path;
	const char *target_revision;
	const char *chart;
	const char *ref;
	const char *name;

	bool has_directory;
	struct {
		bool recurse;
		const char *include;
		const char *exclude;
		CAP_VEC_OF(cap_render_jsonnet_var) ext_vars;
		CAP_VEC_OF(cap_render_jsonnet_var) tlas;
		cap_render_strings libs;
	} directory;

	bool has_kustomize;
	struct {
		const char *name_prefix;
		const char *name_suffix;
		const char *namespace;
		cap_render_strings images;
		cap_value *common_labels;      /* object of strings or NULL */
		cap_value *common_annotations; /* object of strings or NULL */
		bool force_common_labels;
		bool force_common_annotations;
		bool common_annotations_envsubst;
		bool label_without_selector;
		bool label_include_templates;
		CAP_VEC_OF(cap_render_replica) replicas;
		cap_value *patches; /* array of Kustomize patch objects or NULL */
		cap_render_strings components;
		bool ignore_missing_components;
		const char *version;
	} kustomize;

	bool has_helm;
	struct {
		const char *release_name;
		const char *namespace;
		cap_render_strings value_files;
		bool ignore_missing_value_files;
		const char *values;	  /* YAML text */
		cap_value *values_object; /* wins over values when both are given, as in Argo CD */
		CAP_VEC_OF(cap_render_helm_param) parameters;
		CAP_VEC_OF(cap_render_helm_file_param) file_parameters;
		bool skip_crds;
		bool skip_tests;
		bool skip_schema_validation;
		bool pass_credentials;
		const char *kube_version;
		cap_render_strings api_versions;
		const char *version;
	} helm;

	bool has_plugin;
} cap_render_source;

/*
 * Reads spec.source (an object) into out, taking a reference to src. CAP_EINVALID with a message
 * naming the field when a field has the wrong type ("cannot read source: 'helm.parameters'
 * must be an array"); out is untouched on failure. Release with cap_render_source_release.
 */
int cap_render_source_parse(cap_render_source *out, cap_value *src);

/* Frees the vectors and drops the reference to raw. Accepts NULL. */
void cap_render_source_release(cap_render_source *s);

/*
 * The tool an explicit block asks for, or CAP_RENDER_AUTO when none does. CAP_EINVALID when
 * several blocks are given ("multiple application sources defined: Kustomize Helm"), and
 * CAP_EUNSUPPORTED for a plugin block.
 */
int cap_render_source_explicit_tool(cap_render_tool *out, const cap_render_source *s);

/* A stable name for a tool: "Directory", "Kustomize", "Helm" (as Argo CD's sourceType). */
const char *cap_render_tool_name(cap_render_tool tool);
