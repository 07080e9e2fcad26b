/* Helpers the health checks share to read Kubernetes objects held as values. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value/value.h"

/* An object's group, version and kind, split from apiVersion and kind; borrowed from obj. */
typedef struct cap_health_gvk {
	char group[256];
	char version[64];
	const char *kind; /* "" when absent */
} cap_health_gvk;

/* Splits apiVersion ("apps/v1" → "apps", "v1"; "v1" → "", "v1") and reads kind. */
void cap_health_gvk_of(cap_health_gvk *out, const cap_value *obj);

/* Integer at a path of keys ended by NULL; 0 when absent or not a number. */
int64_t cap_health_int(const cap_value *obj, ...) __attribute__((sentinel));
/* String at a path of keys ended by NULL; "" when absent or not a string. */
const char *cap_health_str(const cap_value *obj, ...) __attribute__((sentinel));
/* True when the path exists and holds something other than null. */
bool cap_health_has(const cap_value *obj, ...) __attribute__((sentinel));

/* metadata.annotations[key], or NULL when absent. */
const char *cap_health_annotation(const cap_value *obj, const char *key);

/* The first element of array conds whose "type" is type, or NULL. */
const cap_value *cap_health_condition(const cap_value *conds, const char *type);

/*
 * Argo CD's hook rules: IsHook (an argocd.argoproj.io/hook annotation other than Skip alone, or
 * a helm.sh/hook annotation other than crd-install), Skip (the annotation is exactly Skip), and
 * the hook finalizer that keeps a deleting hook's health meaningful.
 */
bool cap_health_is_hook(const cap_value *obj);
bool cap_health_is_skip_hook(const cap_value *obj);
bool cap_health_has_hook_finalizer(const cap_value *obj);
