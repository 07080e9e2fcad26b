/* The Kubernetes structured-merge schema of ../shared/data for tests that apply or walk objects. */
#pragma once

#include "schema/smd.h"

/* Loads kubernetes/smd-schema.yaml into schema (released by the caller with
 * cap_smd_schema_release); fails the test when it cannot. */
void cap_test_load_kubernetes_schema(cap_smd_schema *schema);
