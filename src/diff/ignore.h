/* ignoreDifferences: per-application and system-wide rules removing fields before comparison. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/strvec.h"
#include "diff/normalize.h"
#include "value/value.h"

/*
 * A rule set gathers Argo CD's ignoreDifferences entries: an Application's
 * spec.ignoreDifferences (group, kind, name, namespace, jsonPointers, jqPathExpressions,
 * managedFieldsManagers) and argocd-cm's resource.customizations.ignoreDifferences.all and
 * .<group>_<kind> keys (and the older resource.customizations map). Group and kind match as
 * globs ('*', '?'); an empty name or namespace matches any. Applying rules to an object removes
 * every matching JSON pointer and every path a jq expression yields; missing paths are not
 * errors, as in Argo CD. jq programs are compiled once per process and cached (libjq compiles
 * slowly); each evaluation stops at the set time limit (a watchdog thread halts libjq's
 * interpreter, so even a result that never comes is cut short; the paths found until then are
 * used) and after 100,000 paths. Evaluations are serialised process-wide (a compiled libjq
 * program runs one evaluation at a time).
 * A rule set is read-only once built and may then be shared between threads.
 */
typedef struct cap_diff_ignore cap_diff_ignore;

/* An empty rule set with a 1000 ms jq time limit; freed with cap_diff_ignore_free. */
cap_diff_ignore *cap_diff_ignore_new(void);
void cap_diff_ignore_free(cap_diff_ignore *ig);
void cap_diff_ignore_set_jq_timeout(cap_diff_ignore *ig, uint64_t ms);

/*
 * Adds the entries of an Application's spec.ignoreDifferences (an array of objects).
 * CAP_EINVALID naming the entry when one is malformed or a jq expression does not compile; the
 * entries before it are kept.
 */
int cap_diff_ignore_add_app(cap_diff_ignore *ig, const cap_value *entries);

/*
 * Adds one system-wide override for group and kind (globs; "*" and "*" for all) whose body
 * (jsonPointers, jqPathExpressions, managedFieldsManagers) is spec.
 */
int cap_diff_ignore_add_override(cap_diff_ignore *ig, const char *group, const char *kind,
				 const cap_value *spec);

/*
 * Adds the overrides of an argocd-cm ConfigMap (the whole object, or its data map): the
 * resource.customizations.ignoreDifferences.* keys and the resource.customizations map, whose
 * values are YAML text. CAP_EINVALID naming the key when a value does not parse.
 */
int cap_diff_ignore_add_argocd_cm(cap_diff_ignore *ig, const cap_value *configmap);

/* Number of rules held. */
size_t cap_diff_ignore_count(const cap_diff_ignore *ig);

/* True when some rule matches obj's group, kind, name and namespace. */
bool cap_diff_ignore_matches(const cap_diff_ignore *ig, const cap_value *obj);

/* Removes what the matching rules ignore from obj in place (pointers and jq paths). */
void cap_diff_ignore_apply(const cap_diff_ignore *ig, cap_value *obj);

/* Appends the managedFieldsManagers of the rules matching obj to out. */
void cap_diff_ignore_managers(const cap_diff_ignore *ig, const cap_value *obj, cap_strvec *out);

/*
 * Reads argocd-cm's resource.compareoptions (ignoreAggregatedRoles, ignoreResourceStatusField:
 * all, crd or off) into the two outputs; keys that are absent leave them alone. CAP_EINVALID
 * when the value does not parse.
 */
int cap_diff_compare_options(bool *ignore_aggregated_roles, cap_diff_status_mode *status,
			     const cap_value *configmap);
