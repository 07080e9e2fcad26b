/* Sync options: parsing Argo CD's "Name=value" lists and the resource-over-app precedence. */
#include "sync/options.h"

#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/slice.h"
#include "base/time.h"
#include "sync/sync.h"

/* The values each option accepts, as flags of 1 << cap_sync_option_value. */
#define V(x)  (1u << CAP_SYNC_OPT_##x)
#define BOOLS (V(TRUE) | V(FALSE))

static const struct {
	const char *name;
	unsigned accepts;
} option_table[CAP_SYNC_OPT_COUNT] = {
    [CAP_SYNC_OPT_VALIDATE] = {"Validate", BOOLS},
    [CAP_SYNC_OPT_CREATE_NAMESPACE] = {"CreateNamespace", BOOLS},
    [CAP_SYNC_OPT_PRUNE] = {"Prune", BOOLS | V(CONFIRM)},
    [CAP_SYNC_OPT_DELETE] = {"Delete", BOOLS | V(CONFIRM)},
    [CAP_SYNC_OPT_PRUNE_LAST] = {"PruneLast", BOOLS},
    [CAP_SYNC_OPT_APPLY_OUT_OF_SYNC_ONLY] = {"ApplyOutOfSyncOnly", BOOLS},
    [CAP_SYNC_OPT_SERVER_SIDE_APPLY] = {"ServerSideApply", BOOLS},
    [CAP_SYNC_OPT_REPLACE] = {"Replace", BOOLS},
    [CAP_SYNC_OPT_FORCE] = {"Force", BOOLS},
    [CAP_SYNC_OPT_SKIP_DRY_RUN_ON_MISSING] = {"SkipDryRunOnMissingResource", BOOLS},
    [CAP_SYNC_OPT_RESPECT_IGNORE_DIFFERENCES] = {"RespectIgnoreDifferences", BOOLS},
    [CAP_SYNC_OPT_FAIL_ON_SHARED_RESOURCE] = {"FailOnSharedResource", BOOLS},
    [CAP_SYNC_OPT_PRUNE_PROPAGATION_POLICY] = {"PrunePropagationPolicy",
					       V(FOREGROUND) | V(BACKGROUND) | V(ORPHAN)},
};

static const char *const value_names[] = {
    [CAP_SYNC_OPT_TRUE] = "true",
    [CAP_SYNC_OPT_FALSE] = "false",
    [CAP_SYNC_OPT_CONFIRM] = "confirm",
    [CAP_SYNC_OPT_FOREGROUND] = "foreground",
    [CAP_SYNC_OPT_BACKGROUND] = "background",
    [CAP_SYNC_OPT_ORPHAN] = "orphan",
};

void cap_sync_option_set_release(cap_sync_option_set *set)
{
	if (!set)
		return;
	cap_strvec_release(&set->unknown);
	memset(set->values, 0, sizeof(set->values));
}

const char *cap_sync_option_name(cap_sync_option_id id)
{
	return id < CAP_SYNC_OPT_COUNT ? option_table[id].name : "";
}

static bool parse_entry(cap_slice entry, cap_sync_option_id *id, cap_sync_option_value *value)
{
	long eq = cap_slice_index(entry, '=');
	if (eq <= 0)
		return false;
	cap_slice name = cap_slice_make(entry.ptr, (size_t)eq);
	cap_slice val = cap_slice_make(entry.ptr + eq + 1, entry.len - (size_t)eq - 1);
	for (int i = 0; i < CAP_SYNC_OPT_COUNT; i++) {
		if (!cap_slice_eq_cstr(name, option_table[i].name))
			continue;
		for (int v = CAP_SYNC_OPT_TRUE; v <= CAP_SYNC_OPT_ORPHAN; v++) {
			if ((option_table[i].accepts & (1u << v)) &&
			    cap_slice_eq_cstr(val, value_names[v])) {
				*id = (cap_sync_option_id)i;
				*value = (cap_sync_option_value)v;
				return true;
			}
		}
		return false;
	}
	return false;
}

void cap_sync_option_set_add(cap_sync_option_set *set, const char *entry)
{
	cap_slice e = cap_slice_trim(cap_slice_from_cstr(entry));
	cap_sync_option_id id;
	cap_sync_option_value value;
	if (!e.len)
		return;
	if (parse_entry(e, &id, &value))
		set->values[id] = (uint8_t)value;
	else
		cap_strvec_pushn(&set->unknown, e.ptr, e.len);
}

void cap_sync_option_set_add_array(cap_sync_option_set *set, const cap_value *options)
{
	size_t i;
	cap_value *v;
	if (!cap_value_is_array(options))
		return;
	CAP_VALUE_ARRAY_FOREACH(options, i, v)
	{
		const char *s = cap_value_get_string(v);
		if (s)
			cap_sync_option_set_add(set, s);
	}
}

void cap_sync_annotation_list(cap_strvec *out, const cap_value *obj, const char *annotation)
{
	const char *text = cap_value_dig_string(obj, "metadata", "annotations", annotation, NULL);
	if (!text)
		return;
	cap_slice rest = cap_slice_from_cstr(text), part;
	while (cap_slice_split(&rest, ',', &part)) {
		part = cap_slice_trim(part);
		if (part.len)
			cap_strvec_pushn(out, part.ptr, part.len);
	}
}

void cap_sync_option_set_add_annotation(cap_sync_option_set *set, const cap_value *obj)
{
	cap_strvec parts = CAP_STRVEC_INIT;
	cap_sync_annotation_list(&parts, obj, CAP_SYNC_OPTIONS_ANNOTATION);
	for (size_t i = 0; i < parts.len; i++)
		cap_sync_option_set_add(set, parts.items[i]);
	cap_strvec_release(&parts);
}

void cap_sync_option_set_merge(cap_sync_option_set *out, const cap_sync_option_set *app,
			       const cap_sync_option_set *res)
{
	cap_sync_option_set m = CAP_SYNC_OPTION_SET_INIT;
	for (int i = 0; i < CAP_SYNC_OPT_COUNT; i++)
		m.values[i] = res && res->values[i] ? res->values[i] : (app ? app->values[i] : 0);
	for (size_t i = 0; app && i < app->unknown.len; i++)
		cap_strvec_push(&m.unknown, app->unknown.items[i]);
	for (size_t i = 0; res && i < res->unknown.len; i++)
		cap_strvec_push(&m.unknown, res->unknown.items[i]);
	*out = m;
}

bool cap_sync_option_bool(const cap_sync_option_set *set, cap_sync_option_id id, bool def)
{
	switch (cap_sync_option_get(set, id)) {
	case CAP_SYNC_OPT_TRUE:
		return true;
	case CAP_SYNC_OPT_FALSE:
		return false;
	default:
		return def;
	}
}

int cap_sync_option_set_check(const cap_sync_option_set *set)
{
	if (!set->unknown.len)
		return 0;
	cap_buf msg = CAP_BUF_INIT;
	for (size_t i = 0; i < set->unknown.len; i++)
		cap_buf_printf(&msg, "%s'%s'", i ? ", " : "", set->unknown.items[i]);
	cap_error_set(CAP_EINVALID, "unknown sync option%s %s", set->unknown.len > 1 ? "s" : "",
		      msg.ptr);
	cap_buf_release(&msg);
	return CAP_EINVALID;
}

const char *cap_sync_option_propagation_policy(const cap_sync_option_set *set)
{
	switch (cap_sync_option_get(set, CAP_SYNC_OPT_PRUNE_PROPAGATION_POLICY)) {
	case CAP_SYNC_OPT_BACKGROUND:
		return "Background";
	case CAP_SYNC_OPT_ORPHAN:
		return "Orphan";
	default:
		return "Foreground";
	}
}

cap_sync_prune_decision cap_sync_prune_decide(const cap_sync_option_set *opts, bool prune,
					      bool confirmed)
{
	cap_sync_option_value v = cap_sync_option_get(opts, CAP_SYNC_OPT_PRUNE);
	if (v == CAP_SYNC_OPT_FALSE || !prune)
		return CAP_SYNC_PRUNE_SKIP;
	if (v == CAP_SYNC_OPT_CONFIRM && !confirmed)
		return CAP_SYNC_PRUNE_NEEDS_CONFIRM;
	return CAP_SYNC_PRUNE_DELETE;
}

bool cap_sync_deletion_approved(const cap_value *app, int64_t started_at)
{
	const char *text = cap_value_dig_string(app, "metadata", "annotations",
						CAP_SYNC_DELETION_APPROVED_ANNOTATION, NULL);
	int64_t at;
	if (!text || !*text || cap_time_parse_rfc3339(&at, text))
		return false;
	return at >= started_at;
}
