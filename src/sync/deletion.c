/* Deleting an Application's resources: the keep and confirm rules, and the highest wave first. */
#include "sync/deletion.h"

#include <string.h>

#include "base/strvec.h"
#include "sync/hook.h"
#include "sync/options.h"
#include "sync/sync.h"
#include "sync/wave.h"

unsigned cap_sync_deletion_hook_types(const cap_value *obj)
{
	unsigned pre = CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_PRE_DELETE);
	unsigned post = CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_POST_DELETE);
	unsigned types = cap_sync_hook_types(obj) & (pre | post);
	cap_strvec helm = CAP_STRVEC_INIT;
	cap_sync_annotation_list(&helm, obj, CAP_SYNC_HELM_HOOK_ANNOTATION);
	for (size_t i = 0; i < helm.len; i++) {
		if (!strcmp(helm.items[i], "pre-delete"))
			types |= pre;
		else if (!strcmp(helm.items[i], "post-delete"))
			types |= post;
	}
	cap_strvec_release(&helm);
	return types;
}

static bool is_crd(const cap_value *obj)
{
	const char *api = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *kind = cap_value_dig_string(obj, "kind", NULL);
	return api && kind && !strcmp(kind, "CustomResourceDefinition") &&
	       !strncmp(api, "apiextensions.k8s.io/", strlen("apiextensions.k8s.io/"));
}

cap_sync_deletion_decision cap_sync_deletion_decide(const cap_value *obj)
{
	if (is_crd(obj))
		return CAP_SYNC_DELETION_KEEP;
	cap_strvec policy = CAP_STRVEC_INIT;
	cap_sync_annotation_list(&policy, obj, CAP_SYNC_HELM_RESOURCE_POLICY_ANNOTATION);
	bool keep = false;
	for (size_t i = 0; i < policy.len; i++)
		keep |= !strcmp(policy.items[i], "keep");
	cap_strvec_release(&policy);
	if (keep)
		return CAP_SYNC_DELETION_KEEP;
	cap_sync_option_set opts = CAP_SYNC_OPTION_SET_INIT;
	cap_sync_option_set_add_annotation(&opts, obj);
	cap_sync_option_value v = cap_sync_option_get(&opts, CAP_SYNC_OPT_DELETE);
	cap_sync_option_set_release(&opts);
	if (v == CAP_SYNC_OPT_FALSE)
		return CAP_SYNC_DELETION_KEEP;
	return v == CAP_SYNC_OPT_CONFIRM ? CAP_SYNC_DELETION_NEEDS_CONFIRM
					 : CAP_SYNC_DELETION_DELETE;
}

static int64_t wave_or_zero(const cap_value *obj)
{
	int64_t w = 0;
	if (cap_sync_wave_of(&w, obj))
		w = 0;
	return w;
}

cap_value *cap_sync_deletion_next_wave(const cap_value *objs, int64_t *wave)
{
	cap_value *out = cap_value_array(), *obj;
	int64_t top = 0;
	bool any = false;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	{
		int64_t w = wave_or_zero(obj);
		if (!any || w > top)
			top = w;
		any = true;
	}
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	if (wave_or_zero(obj) == top)
		cap_value_array_append(out, cap_value_ref(obj));
	if (wave)
		*wave = top;
	return out;
}
