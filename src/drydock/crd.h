/* CustomResourceDefinitions: serving their resources, structural pruning and schema defaults, and
 * cleanup on deletion. */
#pragma once

#include "base/strvec.h"
#include "drydock/cluster.h"

/*
 * Prunes members the schema does not declare (unless x-kubernetes-preserve-unknown-fields) and
 * fills `default` values, walking obj against schema (an openAPIV3Schema). The dotted paths of
 * pruned members (".spec.foo") are appended to pruned when it is not NULL. metadata, apiVersion
 * and kind at the root are left alone.
 */
void dd_crd_prune(const cap_value *schema, cap_value *obj, cap_strvec *pruned);

/*
 * Called when a CRD object was stored (lock held): serves its versions and fills its status
 * (conditions NamesAccepted and Established, acceptedNames, storedVersions) in place before
 * storing; returns CAP_EINVALID with a message for a CRD that cannot be served.
 */
int dd_crd_admit(dd_cluster *c, cap_value *crd);
/* Called when a CRD is removed for good: deletes every object of it and stops serving it. */
void dd_crd_removed(dd_cluster *c, const cap_value *crd);
