/* CustomResourceDefinition lifecycle and structural schema handling: pruning unknown fields and
 * applying defaults. */
#include "drydock/crd.h"

#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/time.h"
#include "drydock/fields.h"
#include "drydock/ops.h"
#include "schema/smd.h"

static bool preserves(const cap_value *schema)
{
	return cap_value_get_bool(
	    cap_value_object_get(schema, "x-kubernetes-preserve-unknown-fields"));
}

static void prune_walk(const cap_value *schema, cap_value *v, cap_buf *path, cap_strvec *pruned,
		       bool root)
{
	if (!schema)
		return;
	size_t mark = path->len;
	if (cap_value_is_object(v)) {
		cap_value *props = cap_value_object_get(schema, "properties");
		cap_value *addl = cap_value_object_get(schema, "additionalProperties");
		bool embedded = cap_value_get_bool(
		    cap_value_object_get(schema, "x-kubernetes-embedded-resource"));
		/* defaults first, so defaulted members are walked too */
		const char *k;
		cap_value *sub;
		CAP_VALUE_OBJECT_FOREACH(props, k, sub)
		{
			cap_value *d = cap_value_object_get(sub, "default");
			if (d && !cap_value_object_get(v, k))
				cap_value_object_set(v, k, cap_value_deep_copy(d));
		}
		cap_value *child;
		CAP_VALUE_OBJECT_FOREACH_SAFE(v, k, child)
		{
			if ((root || embedded) && (!strcmp(k, "apiVersion") || !strcmp(k, "kind") ||
						   !strcmp(k, "metadata")))
				continue;
			cap_value *cs = cap_value_object_get(props, k);
			if (!cs && cap_value_is_object(addl))
				cs = addl;
			cap_buf_truncate(path, mark);
			cap_buf_printf(path, ".%s", k);
			if (!cs) {
				if (preserves(schema) || cap_value_is_bool(addl))
					continue;
				if (pruned)
					cap_strvec_push(pruned, path->ptr);
				cap_value_object_del(v, k);
				continue;
			}
			if (!preserves(cs) || cap_value_object_get(cs, "properties"))
				prune_walk(cs, child, path, pruned, false);
		}
	} else if (cap_value_is_array(v)) {
		cap_value *items = cap_value_object_get(schema, "items");
		size_t i;
		cap_value *child;
		CAP_VALUE_ARRAY_FOREACH(v, i, child)
		{
			cap_buf_truncate(path, mark);
			cap_buf_printf(path, "[%zu]", i);
			prune_walk(items, child, path, pruned, false);
		}
	}
	cap_buf_truncate(path, mark);
}

void dd_crd_prune(const cap_value *schema, cap_value *obj, cap_strvec *pruned)
{
	cap_buf path = CAP_BUF_INIT;
	prune_walk(schema, obj, &path, pruned, true);
	cap_buf_release(&path);
}

static cap_value *condition(const char *type, const char *reason, const char *message,
			    const char *ts)
{
	cap_value *c = cap_value_object();
	cap_value_object_set(c, "type", cap_value_string(type));
	cap_value_object_set(c, "status", cap_value_string("True"));
	cap_value_object_set(c, "lastTransitionTime", cap_value_string(ts));
	cap_value_object_set(c, "reason", cap_value_string(reason));
	cap_value_object_set(c, "message", cap_value_string(message));
	return c;
}

int dd_crd_admit(dd_cluster *c, cap_value *crd)
{
	const char *name = cap_value_dig_string(crd, "metadata", "name", NULL);
	const char *group = cap_value_dig_string(crd, "spec", "group", NULL);
	const char *plural = cap_value_dig_string(crd, "spec", "names", "plural", NULL);
	if (!name || !group || !plural)
		return cap_error_set(CAP_EINVALID, "Required value: group and names are required");
	cap_buf want = CAP_BUF_INIT;
	cap_buf_printf(&want, "%s.%s", plural, group);
	if (strcmp(want.ptr, name) != 0) {
		cap_error_set(CAP_EINVALID, "must be spec.names.plural+\".\"+spec.group");
		cap_buf_release(&want);
		return CAP_EINVALID;
	}
	cap_buf_release(&want);
	int rc = dd_registry_add_crd(&c->reg, crd);
	if (rc < 0)
		return rc;
	cap_smd_schema *smd = dd_fields_smd(c);
	if (smd)
		cap_smd_schema_add_crd(smd, crd);
	char ts[CAP_RFC3339_LEN];
	cap_time_format_rfc3339(ts, cap_time_wall_s());
	cap_value *status = cap_value_object();
	cap_value *conds = cap_value_array();
	cap_value_array_append(conds,
			       condition("NamesAccepted", "NoConflicts", "no conflicts found", ts));
	cap_value_array_append(conds, condition("Established", "InitialNamesAccepted",
						"the initial names have been accepted", ts));
	cap_value_object_set(status, "conditions", conds);
	cap_value_object_set(status, "acceptedNames",
			     cap_value_deep_copy(cap_value_dig(crd, "spec", "names", NULL)));
	cap_value *stored = cap_value_array();
	size_t i;
	cap_value *v;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(crd, "spec", "versions", NULL), i, v)
	{
		if (cap_value_get_bool(cap_value_object_get(v, "storage")))
			cap_value_array_append(
			    stored, cap_value_string(cap_value_dig_string(v, "name", NULL) ?: ""));
	}
	cap_value_object_set(status, "storedVersions", stored);
	cap_value_object_set(crd, "status", status);
	return 0;
}

void dd_crd_removed(dd_cluster *c, const cap_value *crd)
{
	const char *name = cap_value_dig_string(crd, "metadata", "name", NULL);
	const char *group = cap_value_dig_string(crd, "spec", "group", NULL);
	const char *plural = cap_value_dig_string(crd, "spec", "names", "plural", NULL);
	if (!name || !group || !plural)
		return;
	cap_buf bucket = CAP_BUF_INIT;
	dd_store_bucket_key(&bucket, group, plural);
	cap_vec all = CAP_VEC_INIT;
	dd_store_list(&c->store, bucket.ptr, NULL, NULL, &all);
	cap_vec keys = CAP_VEC_INIT;
	for (size_t i = 0; i < all.len; i++)
		cap_vec_push(&keys, dd_obj_ref(all.items[i]));
	for (size_t i = 0; i < keys.len; i++) {
		dd_obj *o = keys.items[i];
		dd_store_remove(&c->store, bucket.ptr, o->ns, o->name);
		dd_obj_unref(o);
	}
	cap_vec_release(&keys);
	cap_vec_release(&all);
	cap_buf_release(&bucket);
	dd_registry_remove_crd(&c->reg, name);
}
