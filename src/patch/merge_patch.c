/* JSON Merge Patch (RFC 7386): apply a patch, and create the patch between two documents. */
#include "patch/merge_patch.h"

#include "base/error.h"

/* RFC 7386 MergePatch(target, patch) on a value the caller owns; returns the new target. */
static cap_value *merge(cap_value *target, const cap_value *patch)
{
	const char *key;
	cap_value *pv;

	if (!cap_value_is_object(patch)) {
		cap_value_free(target);
		return patch ? cap_value_deep_copy(patch) : cap_value_null();
	}
	if (!cap_value_is_object(target)) {
		cap_value_free(target);
		target = cap_value_object();
	}
	CAP_VALUE_OBJECT_FOREACH(patch, key, pv)
	{
		size_t klen = cap_value_object_iter_key_len(cap__it);
		if (cap_value_is_null(pv)) {
			cap_value_object_del(target, key);
			continue;
		}
		cap_value *old = cap_value_ref(cap_value_object_getn(target, key, klen));
		cap_value_object_setn(target, key, klen, merge(old, pv));
	}
	return target;
}

int cap_merge_patch_apply(cap_value **out, const cap_value *doc, const cap_value *patch)
{
	*out = merge(cap_value_deep_copy(doc), patch);
	return 0;
}

/* The patch turning a into b when both are objects (possibly empty). */
static cap_value *diff_objects(const cap_value *a, const cap_value *b)
{
	cap_value *patch = cap_value_object(), *av, *bv;
	const char *key;

	CAP_VALUE_OBJECT_FOREACH(a, key, av)
	{
		size_t klen = cap_value_object_iter_key_len(cap__it);
		if (!cap_value_object_getn(b, key, klen))
			cap_value_object_setn(patch, key, klen, cap_value_null());
	}
	CAP_VALUE_OBJECT_FOREACH(b, key, bv)
	{
		size_t klen = cap_value_object_iter_key_len(cap__it);
		av = cap_value_object_getn(a, key, klen);
		if (av && cap_value_equal(av, bv))
			continue;
		if (cap_value_is_object(av) && cap_value_is_object(bv))
			cap_value_object_setn(patch, key, klen, diff_objects(av, bv));
		else
			cap_value_object_setn(patch, key, klen, cap_value_deep_copy(bv));
	}
	return patch;
}

int cap_merge_patch_create(cap_value **out, const cap_value *original, const cap_value *modified)
{
	if (cap_value_is_object(original) && cap_value_is_object(modified))
		*out = diff_objects(original, modified);
	else
		*out = modified ? cap_value_deep_copy(modified) : cap_value_null();
	return 0;
}
