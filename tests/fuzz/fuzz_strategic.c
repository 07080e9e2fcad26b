/* Fuzz target for strategic merge patch: apply and create never crash, leak or loop on any JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "patch/strategic.h"
#include "schema/schema.h"
#include "value/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: one selector byte (which built-in kind's schema steers the merge), then BASE, a NUL
 * byte, and PATCH, both JSON. Without a NUL the rest is the patch and BASE is a Deployment.
 */
static const char *const kinds[] = {"apps/v1/Deployment", "v1/Service", "v1/Pod", "v1/ConfigMap"};

static const char default_base[] =
    "{\"metadata\":{\"name\":\"w\",\"finalizers\":[\"a\",\"b\"],\"labels\":{\"x\":\"1\"}},"
    "\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}},"
    "\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":80}],"
    "\"env\":[{\"name\":\"E\",\"value\":\"1\"}]},{\"name\":\"b\"}],"
    "\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const cap_schema *schema;
	if (!schema && cap_schema_default(&schema) < 0) {
		fprintf(stderr, "fuzz_strategic: %s\n", cap_error_last());
		abort();
	}
	if (size < 1)
		return 0;
	const cap_schema_type *type = cap_schema_lookup_key(schema, kinds[data[0] % 4]);
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	const char *nul = memchr(text, '\0', len);
	const char *base_text = nul ? text : default_base;
	size_t base_len = nul ? (size_t)(nul - text) : strlen(default_base);
	const char *patch_text = nul ? nul + 1 : text;
	size_t patch_len = nul ? len - base_len - 1 : len;

	cap_parse_limits limits = cap_parse_limits_default;
	limits.max_depth = 64;
	cap_value *base = NULL, *patch = NULL, *out = NULL, *created = NULL;
	if (cap_json_parse(&base, base_text, base_len, "base", &limits) < 0 ||
	    cap_json_parse(&patch, patch_text, patch_len, "patch", &limits) < 0)
		goto done;
	if (cap_strategic_apply(&out, base, patch, type) == 0) {
		/* the result is a valid document the create side can diff and merge back */
		if (cap_strategic_create_two_way(&created, base, out, type) == 0)
			cap_value_free(created);
		created = NULL;
		if (cap_strategic_create_three_way(&created, patch, out, base, type) == 0)
			cap_value_free(created);
		cap_value_free(out);
	}
done:
	cap_value_free(base);
	cap_value_free(patch);
	cap_error_clear();
	return 0;
}
