/* Fuzz target for JSON Merge Patch: apply never crashes, and create followed by apply round-trips.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patch/merge_patch.h"
#include "value/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A merge patch cannot set a member to null, so documents holding such members cannot round-trip.
 */
static bool has_null_member(const cap_value *v)
{
	const char *key;
	cap_value *m;

	if (!cap_value_is_object(v))
		return false;
	CAP_VALUE_OBJECT_FOREACH(v, key, m)
	{
		if (cap_value_is_null(m) || has_null_member(m))
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const cap_parse_limits limits = {1 << 16, 64, 0};
	const char *text = (const char *)data, *nl = memchr(data, '\n', size);
	cap_value *doc = NULL, *patch = NULL, *out = NULL, *diff = NULL, *back = NULL;

	if (!nl)
		return 0;
	if (cap_json_parse(&doc, text, (size_t)(nl - text), "doc", &limits) == 0 &&
	    cap_json_parse(&patch, nl + 1, size - (size_t)(nl - text) - 1, "patch", &limits) == 0) {
		uint64_t before = cap_value_hash(doc);
		if (cap_merge_patch_apply(&out, doc, patch) || cap_value_hash(doc) != before)
			abort();
		if (cap_merge_patch_create(&diff, doc, out) ||
		    cap_merge_patch_apply(&back, doc, diff))
			abort();
		if (!has_null_member(out) && !cap_value_equal(back, out))
			abort();
	}
	cap_value_free(back);
	cap_value_free(diff);
	cap_value_free(out);
	cap_value_free(doc);
	cap_value_free(patch);
	return 0;
}
