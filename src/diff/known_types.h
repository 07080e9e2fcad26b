/* knownTypeFields: fields of custom resources normalised as the built-in types they embed. */
#pragma once

#include "schema/schema.h"
#include "value/value.h"

/*
 * Argo CD's resource.customizations.knownTypeFields.<group>_<Kind> settings name fields of
 * custom resources that hold a built-in type ("spec.template.spec" of an argoproj.io Rollout is
 * a core/v1/PodSpec). Such fields are read back as that type would be (cap_diff_remarshal:
 * canonical quantities, omitted empty lists and maps), so they compare as they would inside a
 * Deployment. A field path crossing a list applies to each item. argoproj.io/Rollout's
 * spec.template.spec is always known, as in Argo CD. A set is read-only once built and may be
 * shared between threads; the schema must outlive it.
 */
typedef struct cap_diff_known_types cap_diff_known_types;

/* An empty set (plus the Rollout default) resolving types in schema (NULL: the default). */
cap_diff_known_types *cap_diff_known_types_new(const cap_schema *schema);
void cap_diff_known_types_free(cap_diff_known_types *kt);

/*
 * Adds one field of group/kind ("spec.template.spec") holding type ("core/v1/PodSpec",
 * "apps/v1/DeploymentSpec", "meta/v1/ObjectMeta"). CAP_ENOTFOUND naming the type when the schema
 * does not know it.
 */
int cap_diff_known_types_add(cap_diff_known_types *kt, const char *group, const char *kind,
			     const char *field, const char *type);

/*
 * Adds the resource.customizations.knownTypeFields.* keys of an argocd-cm ConfigMap (each a YAML
 * list of {field, type}). CAP_EINVALID or CAP_ENOTFOUND naming the key on a bad entry.
 */
int cap_diff_known_types_add_argocd_cm(cap_diff_known_types *kt, const cap_value *configmap);

/* Normalises the known fields of obj in place. */
void cap_diff_known_types_apply(const cap_diff_known_types *kt, cap_value *obj);
