/* Resource hooks: reading hook annotations, delete policies, generated names and results. */
#include "sync/hook.h"

#include <ctype.h>
#include <string.h>

#include "base/error.h"
#include "base/strvec.h"
#include "sync/options.h"
#include "sync/sync.h"

static const char *const phase_names[CAP_SYNC_PHASE_COUNT] = {
    "PreSync", "Sync", "PostSync", "SyncFail", "PreDelete", "PostDelete",
};

const char *cap_sync_phase_name(cap_sync_phase phase)
{
	return phase < CAP_SYNC_PHASE_COUNT ? phase_names[phase] : "";
}

int cap_sync_phase_parse(cap_sync_phase *out, const char *name)
{
	for (int i = 0; i < CAP_SYNC_PHASE_COUNT; i++) {
		if (name && !strcmp(name, phase_names[i])) {
			*out = (cap_sync_phase)i;
			return 0;
		}
	}
	return cap_error_set(CAP_EINVALID, "unknown sync phase '%s'", name ? name : "");
}

/* Argo CD's hook words and Helm's, each with the bits it stands for. */
struct word {
	const char *word;
	unsigned bits;
};

static const struct word argo_types[] = {
    {"PreSync", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_PRE_SYNC)},
    {"Sync", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_SYNC)},
    {"PostSync", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_POST_SYNC)},
    {"SyncFail", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_SYNC_FAIL)},
    {"PreDelete", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_PRE_DELETE)},
    {"PostDelete", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_POST_DELETE)},
    {"Skip", CAP_SYNC_HOOK_SKIP},
    {NULL, 0},
};

static const struct word helm_types[] = {
    {"pre-install", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_PRE_SYNC)},
    {"pre-upgrade", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_PRE_SYNC)},
    {"post-install", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_POST_SYNC)},
    {"post-upgrade", CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_POST_SYNC)},
    {NULL, 0},
};

static const struct word argo_policies[] = {
    {"HookSucceeded", CAP_SYNC_HOOK_DELETE_SUCCEEDED},
    {"HookFailed", CAP_SYNC_HOOK_DELETE_FAILED},
    {"BeforeHookCreation", CAP_SYNC_HOOK_DELETE_BEFORE_CREATION},
    {NULL, 0},
};

static const struct word helm_policies[] = {
    {"hook-succeeded", CAP_SYNC_HOOK_DELETE_SUCCEEDED},
    {"hook-failed", CAP_SYNC_HOOK_DELETE_FAILED},
    {"before-hook-creation", CAP_SYNC_HOOK_DELETE_BEFORE_CREATION},
    {NULL, 0},
};

/* The union of the bits of every known word in obj's annotation. */
static unsigned annotation_bits(const cap_value *obj, const char *annotation,
				const struct word *words)
{
	cap_strvec parts = CAP_STRVEC_INIT;
	unsigned bits = 0;
	cap_sync_annotation_list(&parts, obj, annotation);
	for (size_t i = 0; i < parts.len; i++)
		for (const struct word *w = words; w->word; w++)
			if (!strcmp(parts.items[i], w->word))
				bits |= w->bits;
	cap_strvec_release(&parts);
	return bits;
}

unsigned cap_sync_hook_types(const cap_value *obj)
{
	unsigned bits = annotation_bits(obj, CAP_SYNC_HOOK_ANNOTATION, argo_types);
	return bits ? bits : annotation_bits(obj, CAP_SYNC_HELM_HOOK_ANNOTATION, helm_types);
}

bool cap_sync_hook_skipped(const cap_value *obj)
{
	return cap_sync_hook_types(obj) == CAP_SYNC_HOOK_SKIP;
}

bool cap_sync_hook_is_hook(const cap_value *obj)
{
	unsigned types = cap_sync_hook_types(obj);
	if (types == CAP_SYNC_HOOK_SKIP)
		return false;
	if (cap_value_dig(obj, "metadata", "annotations", CAP_SYNC_HOOK_ANNOTATION, NULL))
		return true;
	/* Helm calls a CRD shipped in crds/ a "crd-install" hook; it is an ordinary resource */
	const char *helm = cap_value_dig_string(obj, "metadata", "annotations",
						CAP_SYNC_HELM_HOOK_ANNOTATION, NULL);
	return helm && strcmp(helm, "crd-install");
}

unsigned cap_sync_hook_phases(const cap_value *obj)
{
	if (cap_sync_hook_skipped(obj))
		return 0;
	if (!cap_sync_hook_is_hook(obj))
		return CAP_SYNC_HOOK_BIT(CAP_SYNC_PHASE_SYNC);
	return cap_sync_hook_types(obj) & CAP_SYNC_HOOK_SYNC_PHASES;
}

unsigned cap_sync_hook_delete_policies(const cap_value *obj)
{
	unsigned bits =
	    annotation_bits(obj, CAP_SYNC_HOOK_DELETE_POLICY_ANNOTATION, argo_policies) |
	    annotation_bits(obj, CAP_SYNC_HELM_HOOK_DELETE_POLICY_ANNOTATION, helm_policies);
	return bits ? bits : CAP_SYNC_HOOK_DELETE_BEFORE_CREATION;
}

int cap_sync_hook_name(cap_buf *out, const cap_value *obj, const char *revision,
		       cap_sync_phase phase, int64_t started_at)
{
	const char *name = cap_value_dig_string(obj, "metadata", "name", NULL);
	const char *gen = cap_value_dig_string(obj, "metadata", "generateName", NULL);
	if (name && *name) {
		cap_buf_puts(out, name);
		return 0;
	}
	if (!gen || !*gen)
		return cap_error_set(CAP_EINVALID,
				     "hook of kind '%s' has neither a name nor a generateName",
				     cap_value_dig_string(obj, "kind", NULL) ?: "");
	if (!revision)
		revision = "";
	size_t rev_len = strlen(revision) >= 8 ? 7 : strlen(revision);
	cap_buf_puts(out, gen);
	size_t suffix = out->len;
	cap_buf_printf(out, "%.*s-%s-%lld", (int)rev_len, revision, cap_sync_phase_name(phase),
		       (long long)started_at);
	for (size_t i = suffix; i < out->len; i++)
		out->ptr[i] = (char)tolower((unsigned char)out->ptr[i]);
	return 0;
}

void cap_sync_hook_add_finalizer(cap_value *obj)
{
	cap_value *meta = cap_value_object_get(obj, "metadata");
	if (!cap_value_is_object(meta))
		return;
	cap_value *fins = cap_value_object_get(meta, "finalizers");
	if (!cap_value_is_array(fins)) {
		fins = cap_value_array();
		cap_value_object_set(meta, "finalizers", fins);
	}
	size_t i;
	cap_value *f;
	CAP_VALUE_ARRAY_FOREACH(fins, i, f)
	{
		const char *s = cap_value_get_string(f);
		if (s && !strcmp(s, CAP_SYNC_HOOK_FINALIZER))
			return;
	}
	cap_value_array_append(fins, cap_value_string(CAP_SYNC_HOOK_FINALIZER));
}

const char *cap_sync_hook_state_name(cap_sync_hook_state state)
{
	switch (state) {
	case CAP_SYNC_HOOK_SUCCEEDED:
		return "Succeeded";
	case CAP_SYNC_HOOK_FAILED:
		return "Failed";
	default:
		return "Running";
	}
}

cap_sync_hook_state cap_sync_hook_state_from_health(const char *health_status)
{
	if (!health_status || !strcmp(health_status, "Healthy"))
		return CAP_SYNC_HOOK_SUCCEEDED;
	if (!strcmp(health_status, "Degraded") || !strcmp(health_status, "Unknown"))
		return CAP_SYNC_HOOK_FAILED;
	return CAP_SYNC_HOOK_RUNNING;
}
