/* Defaulting of built-in kinds as a real API server does, so live objects look like a cluster's. */
#pragma once

#include "drydock/cluster.h"
#include "value/value.h"

/*
 * Fills the defaults of obj (a Deployment, Pod, Service, …) in place; old is the previous
 * revision on update, or NULL. Service clusterIPs are allocated from c. Lock held.
 */
void dd_defaults_apply(dd_cluster *c, const dd_rtype *t, cap_value *obj, const cap_value *old);
/* True when the kind tracks metadata.generation (spec changes bump it). */
bool dd_defaults_has_generation(const dd_rtype *t);
