/* Server-side diff helpers: undoing mutating-webhook changes, trusted managers, field extraction.
 */
#pragma once

#include "patch/fieldset.h"
#include "schema/smd.h"
#include "value/value.h"

/*
 * gitops-engine's removeWebhookMutation: the fields where a dry-run answer pred differs from
 * live and that no manager in pred's managedFields owns were changed by a mutating webhook, not
 * by the apply: added ones are removed and changed ones take live's values again. Removed
 * fields stay removed: dropping a field from the configuration is how a deletion shows.
 * t is the structured-merge type of the kind (NULL: deduced). *out is a new object; pred and
 * live are only read. CAP_EINVALID naming the object when pred has no managedFields.
 */
int cap_diff_remove_webhook_mutation(cap_value **out, const cap_value *pred, const cap_value *live,
				     const cap_smd_type *t);

/*
 * A new value holding only the paths of set taken from v (list items keep their key fields so
 * they can be merged back by key); NULL when nothing of set is in v.
 */
cap_value *cap_diff_extract(const cap_value *v, const cap_fieldset *set, const cap_smd_type *t);
