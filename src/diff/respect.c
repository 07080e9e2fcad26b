/* RespectIgnoreDifferences=true: the live values of ignored fields carried into desired objects. */
#include "diff/respect.h"

#include "patch/merge_patch.h"

/* live as a desired object: without status, server-set metadata and the last-applied copy. */
static cap_value *desired_from_live(const cap_value *live)
{
	static const char *const server_set[] = {"uid",		      "resourceVersion",
						 "generation",	      "creationTimestamp",
						 "managedFields",     "selfLink",
						 "deletionTimestamp", "deletionGracePeriodSeconds"};
	cap_value *obj = cap_value_deep_copy(live);
	cap_value_object_del(obj, "status");
	cap_value *meta = cap_value_object_get(obj, "metadata");
	for (size_t i = 0; i < sizeof(server_set) / sizeof(*server_set); i++)
		cap_value_object_del(meta, server_set[i]);
	cap_value_object_del(cap_value_object_get(meta, "annotations"),
			     "kubectl.kubernetes.io/last-applied-configuration");
	return obj;
}

int cap_diff_respect_ignored(cap_value **out, const cap_diff_ignore *ig, const cap_value *target,
			     const cap_value *live)
{
	if (!live || !ig || !cap_diff_ignore_matches(ig, target)) {
		*out = cap_value_ref((cap_value *)target);
		return 0;
	}
	cap_value *base = desired_from_live(live);
	cap_value *norm_target = cap_value_deep_copy(target), *norm_live = cap_value_deep_copy(base);
	cap_diff_ignore_apply(ig, norm_target);
	cap_diff_ignore_apply(ig, norm_live);
	cap_value *patch = NULL, *result = NULL;
	int rc = cap_merge_patch_create(&patch, norm_live, norm_target);
	if (!rc)
		rc = cap_merge_patch_apply(&result, base, patch);
	if (!rc)
		*out = result;
	cap_value_free(patch);
	cap_value_free(norm_target);
	cap_value_free(norm_live);
	cap_value_free(base);
	return rc;
}
