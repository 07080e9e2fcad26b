/* Fuzz target for server-side apply: the first line is the live object, the rest the config. */

/*
 * Apply (with and without force) and update never crash, and once an applier
 * has applied a configuration twice, applying it again changes nothing. (The second apply may
 * still change the object: only then does the applier own a previous set, so only then are
 * unowned entries beside its fields dropped, as the API server does.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "patch/ssa.h"
#include "schema/smd.h"
#include "value/json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cap_smd_schema schema = CAP_SMD_SCHEMA_INIT;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Without the schema every kind is deduced, which still exercises the walkers. */
	cap_smd_schema_load_file(&schema,
				 CAP_SOURCE_DIR "/../shared/data/kubernetes/smd-schema.yaml");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const cap_parse_limits limits = {1 << 16, 32, 0};
	const char *text = (const char *)data, *nl = memchr(data, '\n', size);
	cap_value *live = NULL, *config = NULL, *out = NULL, *again = NULL, *third = NULL;
	cap_value *upd = NULL;
	cap_ssa_options o = {.manager = "fuzz", .time = "2030-01-01T00:00:00Z"};

	if (!nl)
		return 0;
	if (cap_json_parse(&live, text, (size_t)(nl - text), "live", &limits) ||
	    cap_json_parse(&config, nl + 1, size - (size_t)(nl - text) - 1, "config", &limits))
		goto done;
	if (cap_value_is_null(live)) {
		cap_value_free(live);
		live = NULL;
	}
	uint64_t before = cap_value_hash(live);
	o.force = size & 1;
	if (cap_ssa_apply(&out, &schema, live, config, &o) == 0) {
		if (!cap_value_is_object(out))
			abort();
		if (cap_ssa_apply(&again, &schema, out, config, &o) ||
		    cap_ssa_apply(&third, &schema, again, config, &o) ||
		    !cap_value_equal(again, third))
			abort();
		o.manager = "other";
		if (cap_ssa_update(&upd, &schema, out, config, &o) == 0 &&
		    !cap_value_is_object(upd))
			abort();
	}
	if (cap_value_hash(live) != before)
		abort();
done:
	cap_value_free(upd);
	cap_value_free(third);
	cap_value_free(again);
	cap_value_free(out);
	cap_value_free(live);
	cap_value_free(config);
	return 0;
}
