/* Fuzz target for JSON Patch: the first line is the document, the rest the patch; never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patch/json_patch.h"
#include "value/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const cap_parse_limits limits = {1 << 16, 64, 0};
	const char *text = (const char *)data, *nl = memchr(data, '\n', size);
	cap_value *doc = NULL, *patch = NULL, *out = NULL;

	if (!nl)
		return 0;
	if (cap_json_parse(&doc, text, (size_t)(nl - text), "doc", &limits) == 0 &&
	    cap_json_parse(&patch, nl + 1, size - (size_t)(nl - text) - 1, "patch", &limits) == 0) {
		uint64_t before = cap_value_hash(doc);
		int err = cap_json_patch_apply(&out, doc, patch);
		if ((err == 0) != (out != NULL) || cap_value_hash(doc) != before)
			abort();
	}
	cap_value_free(out);
	cap_value_free(doc);
	cap_value_free(patch);
	return 0;
}
