/* Secret masking: Secret values never leave the process, yet a change stays visible. */
#pragma once

#include "value/value.h"

/*
 * Argo CD's HideSecretData, on target and live in place (either may be NULL; objects that are
 * not core/v1 Secrets are left alone). stringData is folded into data first; then, key by key,
 * each distinct value among target, live and live's last-applied configuration becomes a run of
 * '+': the first distinct value 8, the next 12, then 16, …, so equal values get equal masks and
 * different values different ones. The same is done to the annotations named in
 * hide_annotations (NULL-terminated, may be NULL). live's last-applied-configuration
 * annotation is rewritten with its masked form.
 */
void cap_diff_hide_secret_data(cap_value *target, cap_value *live,
			       const char *const *hide_annotations);

/* True for an object of kind Secret in the core group. */
bool cap_diff_is_secret(const cap_value *obj);

typedef struct cap_diff_result cap_diff_result;

/*
 * Masks the Secret values of both sides of a diff result in place, as Argo CD masks
 * ResourceDiff's normalizedLiveState and predictedLiveState before they leave the controller.
 * The modified flag is kept. Accepts NULL.
 */
void cap_diff_result_hide_secrets(cap_diff_result *r);
