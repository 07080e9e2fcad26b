/* Decoding the Kubernetes protobuf envelope for the few kinds kubectl's typed commands send. */
#pragma once

#include <stddef.h>

#include "value/value.h"

/*
 * Decodes a body of Content-Type application/vnd.kubernetes.protobuf ("k8s\0" + runtime.Unknown)
 * into the JSON shape of the object, for ConfigMap, Secret, Namespace and ServiceAccount (what
 * `kubectl create configmap|secret|namespace|serviceaccount` send). CAP_EUNSUPPORTED for any
 * other kind, CAP_EINVALID for malformed input. *out is a new reference.
 */
int dd_protobuf_decode(cap_value **out, const unsigned char *data, size_t len);
