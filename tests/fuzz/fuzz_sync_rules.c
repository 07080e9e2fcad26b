/* Fuzz target for the sync rules users write: sync windows, options, waves, hooks, durations. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sync_window.h"
#include "base/buf.h"
#include "base/error.h"
#include "sync/hook.h"
#include "sync/options.h"
#include "sync/retry.h"
#include "sync/wave.h"
#include "value/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const cap_parse_limits limits = {1 << 20, 64, 20000};

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_sync_rules: %s\n", what);
		abort();
	}
}

/* The input as text: durations, option entries and the like. */
static void strings(const char *text)
{
	uint64_t ms = 0;
	if (!cap_sync_duration_parse(&ms, text)) {
		cap_buf b = CAP_BUF_INIT;
		cap_sync_duration_format(&b, ms);
		uint64_t again = 0;
		check(!cap_sync_duration_parse(&again, b.ptr), "a formatted duration parses");
		check(again == ms, "a formatted duration reads back the same");
		cap_buf_release(&b);
	}
	cap_sync_option_set set = CAP_SYNC_OPTION_SET_INIT;
	cap_sync_option_set_add(&set, text);
	cap_sync_option_set_check(&set);
	check(cap_sync_option_propagation_policy(&set) != NULL, "a propagation policy");
	cap_sync_option_set_release(&set);
	cap_sync_phase phase;
	cap_sync_phase_parse(&phase, text);
}

/* The input as YAML: an object with annotations, and an AppProject's syncWindows. */
static void documents(const uint8_t *data, size_t size)
{
	cap_value *doc = NULL;
	if (cap_yaml_parse(&doc, (const char *)data, size, "fuzz", &limits))
		return;
	int64_t wave = 0;
	cap_sync_wave_of(&wave, doc);
	unsigned types = cap_sync_hook_types(doc);
	check(!(types & ~((CAP_SYNC_HOOK_SKIP << 1) - 1)), "hook types in range");
	cap_sync_hook_delete_policies(doc);
	cap_buf name = CAP_BUF_INIT;
	cap_sync_hook_name(&name, doc, "0123456789abcdef", CAP_SYNC_PHASE_PRE_SYNC, 1700000000);
	cap_buf_release(&name);
	cap_sync_retry r;
	cap_sync_retry_init(&r);
	if (!cap_sync_retry_parse(&r, doc))
		for (int64_t i = 0; i < 70; i++)
			cap_sync_retry_delay_ms(&r, i);
	cap_sync_windows ws = {0};
	cap_value *windows = cap_value_is_array(doc) ? doc : cap_value_object_get(doc, "syncWindows");
	if (!cap_sync_windows_compile(&ws, windows)) {
		cap_sync_window_app app = {"web", "default", "https://kubernetes.default.svc",
					   "in-cluster"};
		cap_sync_window_decision d;
		int64_t t = 1700000000;
		cap_sync_windows_decide(&d, &ws, &app, t);
		check(d.active <= d.matching, "active windows are matching ones");
		int64_t next = cap_sync_windows_next_change(&ws, &app, t);
		check(next > t, "the next change is later");
		cap_sync_windows_may_continue(&ws, &app, true, t);
		cap_sync_windows_release(&ws);
	}
	cap_value_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	strings(text);
	free(text);
	documents(data, size);
	return 0;
}
