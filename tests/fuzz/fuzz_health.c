/* Fuzz target for health: any object, as live resource or as argocd-cm, never crashes a check. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "health/aggregate.h"
#include "health/health.h"
#include "health/overrides.h"
#include "value/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const cap_parse_limits limits = {1 << 20, 64, 20000};

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_health: %s: %s\n", what, cap_error_last());
		abort();
	}
}

/* A health result is always a known status with a message. */
static void check_health(const cap_health *h)
{
	check(h->status >= CAP_HEALTH_NONE && h->status <= CAP_HEALTH_UNKNOWN, "status in range");
	check(h->message != NULL, "message set");
	check(!h->failed || h->status == CAP_HEALTH_UNKNOWN, "failed checks are Unknown");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cap_value *docs = NULL;
	if (cap_yaml_parse_stream(&docs, (const char *)data, size, "fuzz", &limits) != 0)
		return 0;
	cap_health_resource res[4];
	size_t n = 0;
	for (size_t i = 0; i < cap_value_array_len(docs); i++) {
		const cap_value *obj = cap_value_array_get(docs, i);
		cap_health h;
		if (cap_health_assess(&h, obj, NULL) != 0) {
			check(!cap_value_is_object(obj), "only non-objects are refused");
			continue;
		}
		check_health(&h);
		cap_health_release(&h);
		if (n < 4) {
			memset(&res[n], 0, sizeof(res[n]));
			res[n].group = "";
			res[n].kind = cap_value_dig_string(obj, "kind", NULL);
			res[n].live = obj;
			res[n].target = obj;
			n++;
		}
		/* The same document read as an argocd-cm must parse or fail cleanly. */
		cap_health_overrides *ov = NULL;
		if (cap_health_overrides_from_configmap(&ov, obj) == 0)
			cap_health_overrides_free(ov);
	}
	cap_health_status app;
	cap_health_aggregate(&app, res, n, NULL, NULL);
	check(app >= CAP_HEALTH_HEALTHY && app <= CAP_HEALTH_UNKNOWN, "app status in range");
	for (size_t i = 0; i < n; i++) {
		check_health(&res[i].health);
		cap_health_release(&res[i].health);
	}
	cap_value_free(docs);
	return 0;
}
