/* The diff engine: normalise both sides, predict live after an apply, compare. */
#include "diff/diff.h"

#include "base/error.h"
#include "base/hashmap.h"
#include "base/strvec.h"
#include "diff/ignore.h"
#include "diff/known_types.h"
#include "diff/ssd.h"
#include "patch/merge_patch.h"
#include "patch/ssa.h"
#include "patch/strategic.h"
#include "value/json.h"

#include <stdint.h>
#include <string.h>

#define DEFAULT_MANAGER "argocd-controller"

static const cap_diff_options default_options = CAP_DIFF_OPTIONS_INIT;

void cap_diff_result_release(cap_diff_result *r)
{
	if (!r)
		return;
	cap_value_free(r->normalized_live);
	cap_value_free(r->predicted_live);
	r->normalized_live = r->predicted_live = NULL;
}

/* The normalisers that run on every side: status, ignore rules, the caller's hook. */
static void normalize_rules(cap_value *obj, const cap_diff_options *o)
{
	if (o->known_types)
		cap_diff_known_types_apply(o->known_types, obj);
	cap_diff_normalize_status(obj, o->status);
	if (o->ignore)
		cap_diff_ignore_apply(o->ignore, obj);
	if (o->normalize)
		o->normalize(obj, o->normalize_ctx);
}

/* The strategic-merge schema the options name, or the default one; NULL when none loads. */
static const cap_schema *schema_of(const cap_diff_options *o)
{
	const cap_schema *schema = o->schema;
	if (!schema && cap_schema_default(&schema)) {
		cap_error_clear(); /* no type information: merge patch semantics for every kind */
		schema = NULL;
	}
	return schema;
}

/* gitops-engine's remarshal: Kubernetes' typed round trip, for built-in kinds. */
static void remarshal(cap_value *obj, const cap_diff_options *o)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	bool builtin = cap_diff_builtin_group(av);
	const cap_schema_type *t =
	    builtin ? cap_schema_lookup(schema_of(o), av, cap_value_dig_string(obj, "kind", NULL))
		    : NULL;
	cap_diff_remarshal(obj, builtin, t && !t->custom ? t : NULL);
}

/* gitops-engine's remarshal and Normalize on obj, which the caller owns; returns it. */
static cap_value *prepare_owned(cap_value *copy, const cap_diff_options *o)
{
	remarshal(copy, o);
	cap_diff_normalize_kind(copy, o->ignore_aggregated_roles);
	normalize_rules(copy, o);
	return copy;
}

/*
 * A private copy of obj without what the comparison drops anyway and need not be copied:
 * status when every status is ignored, and managedFields when only the client-side form runs
 * (no trusted managers, no server-side apply).
 */
static cap_value *copy_for_diff(const cap_value *obj, const cap_diff_options *o)
{
	bool keep_status = o->status != CAP_DIFF_STATUS_ALL;
	bool keep_managed = o->mode != CAP_DIFF_CLIENT_SIDE || o->ignore;
	cap_value *copy = cap_value_object(), *v;
	const char *key;
	CAP_VALUE_OBJECT_FOREACH(obj, key, v)
	{
		size_t klen = cap_value_object_iter_key_len(cap__it);
		if (!keep_status && !strcmp(key, "status"))
			continue;
		if (keep_managed || strcmp(key, "metadata") || !cap_value_is_object(v)) {
			cap_value_object_setn(copy, key, klen, cap_value_deep_copy(v));
			continue;
		}
		cap_value *meta = cap_value_object(), *mv;
		const char *mkey;
		for (void *it = cap_value_object_iter(v); it;
		     it = cap_value_object_iter_next(v, it)) {
			mkey = cap_value_object_iter_key(it);
			mv = cap_value_object_iter_value(it);
			if (strcmp(mkey, "managedFields"))
				cap_value_object_setn(meta, mkey, cap_value_object_iter_key_len(it),
						      cap_value_deep_copy(mv));
		}
		cap_value_object_setn(copy, key, klen, meta);
	}
	return copy;
}

/* The same on a private copy. */
static cap_value *prepare(const cap_value *obj, const cap_diff_options *o)
{
	return obj ? prepare_owned(copy_for_diff(obj, o), o) : NULL;
}

static void set_tracking(cap_value *config, const cap_diff_options *o)
{
	if (!o->tracking_key || !o->tracking_value || !cap_value_is_object(config))
		return;
	cap_value *meta = cap_value_object_get(config, "metadata");
	if (!cap_value_is_object(meta)) {
		meta = cap_value_object();
		cap_value_object_set(config, "metadata", meta);
	}
	const char *where = o->tracking_label ? "labels" : "annotations";
	cap_value *m = cap_value_object_get(meta, where);
	if (!cap_value_is_object(m)) {
		m = cap_value_object();
		cap_value_object_set(meta, where, m);
	}
	cap_value_object_set(m, o->tracking_key, cap_value_string(o->tracking_value));
}

#define TRACKING_ID "argocd.argoproj.io/tracking-id"

/* Argo CD's resourceTracking.Normalize on the private copies. */
static void backfill_tracking(cap_value *config, cap_value *live, const char *label)
{
	const char *have = cap_value_dig_string(live, "metadata", "labels", label, NULL);
	if (!have || !*have)
		return;
	const char *id = cap_value_dig_string(config, "metadata", "annotations", TRACKING_ID, NULL);
	cap_value *meta = cap_value_object_get(live, "metadata");
	if (id) {
		cap_value *ann = cap_value_object_get(meta, "annotations");
		if (!cap_value_is_object(ann)) {
			ann = cap_value_object();
			cap_value_object_set(meta, "annotations", ann);
		}
		cap_value_object_set(ann, TRACKING_ID, cap_value_string(id));
	}
	if (!cap_value_dig_string(config, "metadata", "labels", label, NULL)) {
		cap_value *labels = cap_value_object_get(meta, "labels");
		cap_diff_drop(labels, label);
		if (cap_value_object_len(labels) == 0)
			cap_diff_drop(meta, "labels");
	}
}

/* The last-applied configuration recorded on live, normalised like config; NULL when none. */
static cap_value *last_applied(const cap_value *live, const cap_diff_options *o)
{
	const char *text =
	    cap_value_dig_string(live, "metadata", "annotations", CAP_DIFF_LAST_APPLIED, NULL);
	cap_value *orig = NULL;
	if (!text || cap_json_parse(&orig, text, strlen(text), CAP_DIFF_LAST_APPLIED, NULL)) {
		cap_error_clear();
		return NULL;
	}
	if (!cap_value_is_object(orig)) {
		cap_value_free(orig);
		return NULL;
	}
	return prepare_owned(orig, o);
}

/* gitops-engine's removeNamespaceAnnotation, in place: no namespace, no empty annotations. */
static void remove_namespace(cap_value *copy)
{
	cap_value *meta = cap_value_object_get(copy, "metadata");
	if (cap_value_is_object(meta)) {
		cap_diff_drop(meta, "namespace");
		cap_value *ann = cap_value_object_get(meta, "annotations");
		if (ann && (cap_value_is_null(ann) ||
			    (cap_value_is_object(ann) && cap_value_object_len(ann) == 0)))
			cap_value_object_del(meta, "annotations");
	}
}

/* live restricted to the members config also has, recursively (jsonutil.RemoveMapFields). */
static cap_value *remove_map_fields(const cap_value *config, const cap_value *live);

static cap_value *remove_fields(const cap_value *config, const cap_value *live)
{
	if (cap_value_is_object(config) && cap_value_is_object(live))
		return remove_map_fields(config, live);
	if (cap_value_is_array(config) && cap_value_is_array(live)) {
		cap_value *out = cap_value_array(), *lv;
		size_t i;
		CAP_VALUE_ARRAY_FOREACH(live, i, lv)
		{
			cap_value *cv = cap_value_array_get(config, i);
			cap_value_array_append(out, cv && !cap_value_is_null(lv)
							? remove_fields(cv, lv)
							: cap_value_ref(lv));
		}
		return out;
	}
	return cap_value_ref((cap_value *)live);
}

static cap_value *remove_map_fields(const cap_value *config, const cap_value *live)
{
	cap_value *out = cap_value_object(), *cv;
	const char *key;
	CAP_VALUE_OBJECT_FOREACH(config, key, cv)
	{
		size_t klen = cap_value_object_iter_key_len(cap__it);
		cap_value *lv = cap_value_object_getn(live, key, klen);
		if (!lv)
			continue;
		cap_value_object_setn(out, key, klen,
				      cap_value_is_null(lv) ? cap_value_ref(lv)
							    : remove_fields(cv, lv));
	}
	return out;
}

/* keepOrDeleteNullInObj: only the null leaves (keep) or everything but them (!keep). */
static cap_value *filter_nulls(const cap_value *patch, bool keep)
{
	cap_value *out = cap_value_object(), *v;
	const char *key;
	CAP_VALUE_OBJECT_FOREACH(patch, key, v)
	{
		size_t klen = cap_value_object_iter_key_len(cap__it);
		if (cap_value_is_null(v)) {
			if (keep)
				cap_value_object_setn(out, key, klen, cap_value_null());
		} else if (cap_value_is_object(v) && cap_value_object_len(v) > 0) {
			cap_value *sub = filter_nulls(v, keep);
			if (cap_value_object_len(sub))
				cap_value_object_setn(out, key, klen, sub);
			else
				cap_value_free(sub);
		} else if (!keep) {
			cap_value_object_setn(out, key, klen, cap_value_ref(v));
		}
	}
	return out;
}

/* Deep-merges src into dst (objects member by member, anything else replaced). */
static void merge_into(cap_value *dst, const cap_value *src)
{
	cap_value *v;
	const char *key;
	CAP_VALUE_OBJECT_FOREACH(src, key, v)
	{
		size_t klen = cap_value_object_iter_key_len(cap__it);
		cap_value *d = cap_value_object_getn(dst, key, klen);
		if (cap_value_is_object(d) && cap_value_is_object(v) && cap_value_object_len(v))
			merge_into(d, v);
		else
			cap_value_object_setn(dst, key, klen, cap_value_deep_copy(v));
	}
}

/* jsonmergepatch.CreateThreeWayJSONMergePatch: deletions original→modified, changes
 * current→modified. */
static cap_value *three_way_merge_patch(const cap_value *original, const cap_value *modified,
					const cap_value *current)
{
	cap_value *delta = NULL, *deletions = NULL;
	cap_merge_patch_create(&delta, current, modified);
	cap_merge_patch_create(&deletions, original, modified);
	cap_value *patch = filter_nulls(deletions, true);
	cap_value *changes = filter_nulls(delta, false);
	merge_into(patch, changes);
	cap_value_free(changes);
	cap_value_free(delta);
	cap_value_free(deletions);
	return patch;
}

/* orig and config are private copies, changed here. */
static int three_way(cap_value **out, cap_value *orig, cap_value *config, const cap_value *live,
		     const cap_schema *schema)
{
	remove_namespace(orig);
	remove_namespace(config);
	cap_value *patch = NULL, *pred = NULL;
	const cap_schema_type *type =
	    schema ? cap_schema_lookup(schema, cap_value_dig_string(orig, "apiVersion", NULL),
				       cap_value_dig_string(orig, "kind", NULL))
		   : NULL;
	int rc = CAP_EUNSUPPORTED;
	if (type && !type->custom) {
		rc = cap_strategic_create_three_way(&patch, orig, config, live, type);
		if (rc == 0)
			rc = cap_strategic_apply(&pred, live, patch, type);
	}
	if (rc == CAP_EUNSUPPORTED) {
		cap_value *trimmed = remove_map_fields(orig, live);
		cap_value_free(patch);
		patch = three_way_merge_patch(orig, config, trimmed);
		cap_value_free(trimmed);
		rc = cap_merge_patch_apply(&pred, live, patch);
	}
	cap_value_free(patch);
	if (rc == 0)
		*out = pred;
	return rc;
}

static int client_side(cap_value **out, cap_value *config, const cap_value *live,
		       const cap_diff_options *o)
{
	const cap_schema *schema = schema_of(o);
	cap_value *orig = last_applied(live, o);
	int rc = CAP_EINVALID;
	if (orig)
		rc = three_way(out, orig, config, live, schema);
	cap_value_free(orig);
	if (rc) /* no last-applied configuration, or the three-way form failed: two-way */
		rc = three_way(out, config, config, live, schema);
	return rc;
}

static int structured_merge(cap_value **out, const cap_value *config, const cap_value *live,
			    const cap_diff_options *o)
{
	const cap_smd_schema *smd = o->smd;
	if (!smd && cap_diff_smd_default(&smd))
		return cap_error_prefix("cannot diff with structured merge: ");
	cap_ssa_options so = {.manager = o->manager ? o->manager : DEFAULT_MANAGER, .force = true};
	int rc = cap_ssa_apply(out, smd, live, config, &so);
	if (rc)
		return cap_error_prefix("cannot predict '%s': ",
					cap_value_dig_string(config, "metadata", "name", NULL)
					    ?: "");
	return 0;
}

static int server_side(cap_value **out, const cap_value *config, const cap_value *live,
		       const cap_diff_options *o)
{
	const char *manager = o->manager ? o->manager : DEFAULT_MANAGER;
	cap_value *pred = NULL;
	int rc;
	if (o->dry_run) {
		if ((rc = o->dry_run(&pred, config, manager, o->dry_run_ctx)))
			return rc;
	} else if (o->predicted_live) {
		pred = cap_value_deep_copy(o->predicted_live);
	} else {
		return cap_error_set(CAP_EINVALID, "server-side diff needs a dry-run answer");
	}
	if (!o->include_mutation_webhook) {
		const cap_smd_schema *smd = o->smd;
		if (!smd && cap_diff_smd_default(&smd))
			cap_error_clear();
		const cap_smd_type *t =
		    cap_smd_schema_kind(smd, cap_value_dig_string(pred, "apiVersion", NULL),
					cap_value_dig_string(pred, "kind", NULL));
		cap_value *kept = NULL;
		if ((rc = cap_diff_remove_webhook_mutation(&kept, pred, live, t))) {
			cap_value_free(pred);
			return rc;
		}
		cap_value_free(pred);
		pred = kept;
	}
	/* a real API server answers in canonical form already; emulators may not */
	remarshal(pred, o);
	cap_diff_normalize_kind(pred, o->ignore_aggregated_roles);
	normalize_rules(pred, o);
	*out = pred;
	return 0;
}

/* managedFieldsManagers: fields those managers changed on live are not differences. */
static void trust_managers(cap_value *live, cap_value *config, const cap_diff_options *o)
{
	cap_strvec managers = CAP_STRVEC_INIT;
	cap_diff_ignore_managers(o->ignore, live, &managers);
	if (managers.len) {
		const cap_smd_schema *smd = o->smd;
		if (!smd && cap_diff_smd_default(&smd))
			cap_error_clear(); /* deduced types: lists atomic */
		const cap_smd_type *t =
		    cap_smd_schema_kind(smd, cap_value_dig_string(live, "apiVersion", NULL),
					cap_value_dig_string(live, "kind", NULL));
		cap_diff_trust_managers(live, config, (const char *const *)managers.items, t);
	}
	cap_strvec_release(&managers);
}

/* Both sides of the final comparison: defaults, no server-managed metadata, rules again. */
static void finish(cap_value *obj, const cap_diff_options *o, bool defaults)
{
	if (!obj)
		return;
	if (defaults)
		cap_diff_apply_defaults(obj);
	cap_diff_strip_server_fields(obj);
	normalize_rules(obj, o);
}

int cap_diff(cap_diff_result *out, const cap_value *config, const cap_value *live,
	     const cap_diff_options *opts)
{
	const cap_diff_options *o = opts ? opts : &default_options;
	if (!config && !live)
		return cap_error_set(CAP_EINVALID, "cannot diff: both config and live are absent");
	if ((config && !cap_value_is_object(config)) || (live && !cap_value_is_object(live)))
		return cap_error_set(CAP_EINVALID, "cannot diff: objects expected");

	cap_value *c = NULL, *l = prepare(live, o), *pred = NULL;
	if (config) {
		c = copy_for_diff(config, o);
		set_tracking(c, o);
		c = prepare_owned(c, o);
	}
	int rc = 0;
	if (c && l && o->instance_label)
		backfill_tracking(c, l, o->instance_label);
	if (c && l && o->ignore)
		trust_managers(l, c, o);
	if (c && l) {
		switch (o->mode) {
		case CAP_DIFF_STRUCTURED_MERGE:
			rc = structured_merge(&pred, c, l, o);
			break;
		case CAP_DIFF_SERVER_SIDE:
			rc = server_side(&pred, c, l, o);
			break;
		default:
			rc = client_side(&pred, c, l, o);
		}
	} else if (c) {
		pred = cap_value_ref(c);
	}
	if (rc) {
		cap_value_free(c);
		cap_value_free(l);
		return rc;
	}
	bool defaults = o->mode != CAP_DIFF_SERVER_SIDE;
	finish(pred, o, defaults && l);
	finish(l, o, defaults);
	out->modified = pred && (!l || !cap_value_equal(pred, l));
	out->normalized_live = l;
	out->predicted_live = pred;
	cap_value_free(c);
	return 0;
}

uint64_t cap_diff_key(const cap_value *config, const cap_value *live, const cap_diff_options *o)
{
	return cap_diff_key_hashed(config ? cap_value_hash(config) : 0x9e3779b97f4a7c15ull, live,
				   o);
}

uint64_t cap_diff_key_hashed(uint64_t config_hash, const cap_value *live, const cap_diff_options *o)
{
	uint64_t h = config_hash;
	if (!o)
		o = &default_options;
	const char *uid = cap_value_dig_string(live, "metadata", "uid", NULL);
	const char *rv = cap_value_dig_string(live, "metadata", "resourceVersion", NULL);
	if (live && uid && rv) {
		h ^= cap_hash_bytes(uid, strlen(uid)) * 31;
		h ^= cap_hash_bytes(rv, strlen(rv)) * 0x100000001b3ull;
	} else if (live) {
		h ^= cap_value_hash(live) * 0x100000001b3ull;
	}
	unsigned flags = (unsigned)o->mode | (unsigned)o->status << 4 |
			 (unsigned)o->ignore_aggregated_roles << 8 |
			 (unsigned)o->include_mutation_webhook << 9;
	return h ^ (cap_hash_bytes(&flags, sizeof(flags)) + (uint64_t)(uintptr_t)o->ignore +
		    ((uint64_t)(uintptr_t)o->known_types << 1));
}

bool cap_diff_has_option(const cap_value *obj, const char *annotation, const char *option)
{
	const char *opts = cap_value_dig_string(obj, "metadata", "annotations", annotation, NULL);
	size_t want = strlen(option);
	for (const char *p = opts; p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *end = p;
		while (*end && *end != ',')
			end++;
		const char *e = end;
		while (e > p && e[-1] == ' ')
			e--;
		if ((size_t)(e - p) == want && !memcmp(p, option, want))
			return true;
		p = end;
	}
	return false;
}

bool cap_diff_ignore_extraneous(const cap_value *live)
{
	return cap_diff_has_option(live, "argocd.argoproj.io/compare-options", "IgnoreExtraneous");
}

cap_diff_mode cap_diff_choose_mode(const cap_value *config, bool app_server_side_diff,
				   bool app_server_side_apply)
{
	static const char compare[] = "argocd.argoproj.io/compare-options";
	static const char sync[] = "argocd.argoproj.io/sync-options";
	if (cap_diff_has_option(config, compare, "ServerSideDiff=true"))
		return CAP_DIFF_SERVER_SIDE;
	if (app_server_side_diff && !cap_diff_has_option(config, compare, "ServerSideDiff=false"))
		return CAP_DIFF_SERVER_SIDE;
	if (cap_diff_has_option(config, sync, "ServerSideApply=true"))
		return CAP_DIFF_STRUCTURED_MERGE;
	if (app_server_side_apply && !cap_diff_has_option(config, sync, "ServerSideApply=false"))
		return CAP_DIFF_STRUCTURED_MERGE;
	return CAP_DIFF_CLIENT_SIDE;
}
