/* Garbage collection by ownerReferences and namespace termination, one pass at a time under the
 * store lock. */
#include "drydock/gc.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hashmap.h"
#include "base/time.h"
#include "drydock/ops.h"

typedef struct scan {
	cap_hashmap uids; /* uid -> dd_obj* (live) */
	cap_vec all;	  /* every dd_obj, referenced */
} scan;

static void collect(dd_obj *o, void *ctx)
{
	scan *s = ctx;
	cap_vec_push(&s->all, dd_obj_ref(o));
	const char *uid = cap_value_dig_string(o->v, "metadata", "uid", NULL);
	if (uid)
		cap_hashmap_put(&s->uids, uid, o);
}

static dd_rtype *type_of(dd_cluster *c, const dd_obj *o)
{
	const char *slash = strchr(o->bucket, '/');
	if (!slash)
		return NULL;
	char group[256];
	size_t n = (size_t)(slash - o->bucket);
	if (n >= sizeof(group))
		return NULL;
	memcpy(group, o->bucket, n);
	group[n] = '\0';
	return dd_registry_find_any(&c->reg, group, slash + 1);
}

static bool has_fin(const cap_value *v, const char *f)
{
	size_t i;
	cap_value *e;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig((cap_value *)v, "metadata", "finalizers", NULL), i, e)
	{
		if (cap_value_get_string(e) && strcmp(cap_value_get_string(e), f) == 0)
			return true;
	}
	return false;
}

static bool owned_by(const cap_value *v, const char *uid)
{
	size_t i;
	cap_value *r;
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig((cap_value *)v, "metadata", "ownerReferences", NULL),
				i, r)
	{
		const char *u = cap_value_dig_string(r, "uid", NULL);
		if (u && strcmp(u, uid) == 0)
			return true;
	}
	return false;
}

static void remove_from_array(cap_value *arr, const char *s, const char *member)
{
	for (size_t i = cap_value_array_len(arr); i-- > 0;) {
		cap_value *e = cap_value_array_get(arr, i);
		const char *x =
		    member ? cap_value_dig_string(e, member, NULL) : cap_value_get_string(e);
		if (x && strcmp(x, s) == 0)
			cap_value_array_remove(arr, i);
	}
}

/* Stores v (stolen) as a controller update of o. */
static void write_back(dd_cluster *c, dd_obj *o, cap_value *v)
{
	dd_rtype *t = type_of(c, o);
	if (!t) {
		cap_value_free(v);
		return;
	}
	dd_write_opts wo = {.field_manager = "kube-controller-manager", .operation = "Update"};
	dd_response r;
	dd_response_init(&r);
	dd_op_update(c, t, o->ns, o->name, v, &wo, &r);
	dd_response_release(&r);
}

static void delete_obj(dd_cluster *c, dd_obj *o, const char *policy)
{
	dd_rtype *t = type_of(c, o);
	if (!t)
		return;
	dd_delete_opts d = {.propagation = policy, .grace_period_seconds = -1};
	dd_response r;
	dd_response_init(&r);
	bool gone;
	dd_op_delete(c, t, o->ns, o->name, &d, &gone, &r);
	dd_response_release(&r);
}

static bool still_current(dd_cluster *c, dd_obj *o)
{
	return dd_store_get(&c->store, o->bucket, o->ns, o->name) == o;
}

bool dd_gc_pass(dd_cluster *c)
{
	scan s = {CAP_HASHMAP_INIT, CAP_VEC_INIT};
	dd_store_each(&c->store, collect, &s);
	bool changed = false;
	for (size_t i = 0; i < s.all.len; i++) {
		dd_obj *o = s.all.items[i];
		if (!still_current(c, o))
			continue;
		const char *uid = cap_value_dig_string(o->v, "metadata", "uid", NULL);
		bool deleting = cap_value_dig(o->v, "metadata", "deletionTimestamp", NULL) != NULL;
		bool is_ns = strcmp(o->bucket, "/namespaces") == 0;
		if (deleting && is_ns) {
			/* delete the namespace's content, then the namespace */
			size_t left = 0;
			for (size_t j = 0; j < s.all.len; j++) {
				dd_obj *x = s.all.items[j];
				if (strcmp(x->ns, o->name) != 0 || !still_current(c, x))
					continue;
				left++;
				if (!cap_value_dig(x->v, "metadata", "deletionTimestamp", NULL)) {
					delete_obj(c, x, "Background");
					changed = true;
				}
			}
			if (left == 0) {
				dd_store_remove(&c->store, o->bucket, o->ns, o->name);
				changed = true;
			}
			continue;
		}
		if (deleting && uid && has_fin(o->v, "orphan")) {
			for (size_t j = 0; j < s.all.len; j++) {
				dd_obj *x = s.all.items[j];
				if (!still_current(c, x) || !owned_by(x->v, uid))
					continue;
				cap_value *v = cap_value_deep_copy(x->v);
				cap_value *refs =
				    cap_value_dig(v, "metadata", "ownerReferences", NULL);
				remove_from_array(refs, uid, "uid");
				if (cap_value_array_len(refs) == 0)
					cap_value_object_del(cap_value_object_get(v, "metadata"),
							     "ownerReferences");
				write_back(c, x, v);
			}
			cap_value *v = cap_value_deep_copy(o->v);
			remove_from_array(cap_value_dig(v, "metadata", "finalizers", NULL),
					  "orphan", NULL);
			write_back(c, o, v);
			changed = true;
			continue;
		}
		if (deleting && uid && has_fin(o->v, "foregroundDeletion")) {
			size_t deps = 0;
			for (size_t j = 0; j < s.all.len; j++) {
				dd_obj *x = s.all.items[j];
				if (!still_current(c, x) || !owned_by(x->v, uid))
					continue;
				deps++;
				if (!cap_value_dig(x->v, "metadata", "deletionTimestamp", NULL)) {
					delete_obj(c, x, "Foreground");
					changed = true;
				}
			}
			if (deps == 0) {
				cap_value *v = cap_value_deep_copy(o->v);
				remove_from_array(cap_value_dig(v, "metadata", "finalizers", NULL),
						  "foregroundDeletion", NULL);
				write_back(c, o, v);
				changed = true;
			}
			continue;
		}
		cap_value *refs = cap_value_dig(o->v, "metadata", "ownerReferences", NULL);
		if (cap_value_array_len(refs) && !deleting) {
			bool any_alive = false;
			size_t j;
			cap_value *r;
			CAP_VALUE_ARRAY_FOREACH(refs, j, r)
			{
				const char *ou = cap_value_dig_string(r, "uid", NULL);
				dd_obj *owner = ou ? cap_hashmap_get(&s.uids, ou) : NULL;
				if (owner && still_current(c, owner))
					any_alive = true;
				else if (owner && dd_store_get(&c->store, owner->bucket, owner->ns,
							       owner->name))
					any_alive = true;
			}
			if (!any_alive) {
				delete_obj(c, o, "Background");
				changed = true;
			}
		}
	}
	for (size_t i = 0; i < s.all.len; i++)
		dd_obj_unref(s.all.items[i]);
	cap_vec_release(&s.all);
	cap_hashmap_release(&s.uids, NULL);
	return changed;
}

void dd_gc_expire_events(dd_cluster *c, int64_t ttl_s)
{
	cap_vec all = CAP_VEC_INIT;
	dd_store_list(&c->store, "/events", NULL, NULL, &all);
	int64_t now = cap_time_wall_s();
	cap_vec old = CAP_VEC_INIT;
	for (size_t i = 0; i < all.len; i++) {
		dd_obj *o = all.items[i];
		const char *ts = cap_value_dig_string(o->v, "lastTimestamp", NULL);
		int64_t t;
		if (ts && cap_time_parse_rfc3339(&t, ts) == 0 && now - t > ttl_s)
			cap_vec_push(&old, dd_obj_ref(o));
	}
	for (size_t i = 0; i < old.len; i++) {
		dd_obj *o = old.items[i];
		dd_store_remove(&c->store, o->bucket, o->ns, o->name);
		dd_obj_unref(o);
	}
	cap_vec_release(&old);
	cap_vec_release(&all);
}
