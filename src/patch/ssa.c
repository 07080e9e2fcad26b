/* Server-side apply and update bookkeeping: merge, prune, conflicts and managedFields. */
#include "patch/ssa.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "patch/fieldset.h"
#include "patch/managed_fields.h"
#include "patch/ssa_walk.h"

/* Fields the API server never records as owned (its stripmeta list). */
static const char *const stripped_paths[][2] = {
    {"f:apiVersion", NULL},
    {"f:kind", NULL},
    {"f:metadata", "f:name"},
    {"f:metadata", "f:namespace"},
    {"f:metadata", "f:creationTimestamp"},
    {"f:metadata", "f:selfLink"},
    {"f:metadata", "f:uid"},
    {"f:metadata", "f:clusterName"},
    {"f:metadata", "f:generation"},
    {"f:metadata", "f:managedFields"},
    {"f:metadata", "f:resourceVersion"},
};

static void strip(cap_fieldset *s)
{
	cap_fieldset *meta = cap_fieldset_get(s, "f:metadata");

	/* metadata is ObjectMeta, a struct, even where the rest of the kind is deduced. */
	if (meta)
		meta->member = false;
	for (size_t i = 0; i < CAP_ARRAY_SIZE(stripped_paths); i++) {
		cap_fieldset *n = cap_fieldset_get(s, stripped_paths[i][0]);
		if (n && stripped_paths[i][1])
			n = cap_fieldset_get(n, stripped_paths[i][1]);
		if (!n)
			continue;
		/* The whole subtree goes: nothing below a stripped field is owned either. */
		cap_fieldset *copy = cap_fieldset_copy(n);
		cap_fieldset_subtract(n, copy);
		cap_fieldset_free(copy);
	}
	cap_fieldset_prune(s);
}

static void now_rfc3339(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A copy of obj without metadata.managedFields; NULL stays NULL. */
static cap_value *without_managed(const cap_value *obj)
{
	cap_value *c = obj ? cap_value_deep_copy(obj) : NULL;
	cap_value *meta = cap_value_object_get(c, "metadata");

	if (cap_value_is_object(meta))
		cap_value_object_del(meta, "managedFields");
	return c;
}

static int check_object(const cap_value *obj, const char *what, bool need_gvk)
{
	if (!cap_value_is_object(obj))
		return cap_error_set(CAP_EINVALID, "%s is %s, not an object", what,
				     cap_value_kind_name(cap_value_kind_of(obj)));
	if (need_gvk && (!cap_value_dig_string(obj, "apiVersion", NULL) ||
			 !cap_value_dig_string(obj, "kind", NULL)))
		return cap_error_set(CAP_EINVALID, "%s has no apiVersion or kind", what);
	return 0;
}

static int check_options(const cap_ssa_options *opts)
{
	if (!opts || !opts->manager || !*opts->manager)
		return cap_error_set(CAP_EINVALID, "a field manager is required");
	return 0;
}

static void stamp(cap_managed_entry *e, const cap_ssa_options *opts)
{
	char buf[32];

	if (!opts->time)
		now_rfc3339(buf, sizeof(buf));
	free(e->time);
	e->time = cap_strdup(opts->time ? opts->time : buf);
}

/* Writes mf into obj's metadata.managedFields (removing the member when nothing is owned). */
static void store_managed(cap_value *obj, const cap_managed_fields *mf)
{
	cap_value *encoded = cap_managed_fields_encode(mf);
	cap_value *meta = cap_value_object_get(obj, "metadata");

	if (!cap_value_array_len(encoded)) {
		if (cap_value_is_object(meta))
			cap_value_object_del(meta, "managedFields");
		cap_value_free(encoded);
		return;
	}
	if (!cap_value_is_object(meta)) {
		meta = cap_value_object();
		cap_value_object_set(obj, "metadata", meta);
	}
	cap_value_object_set(meta, "managedFields", encoded);
}

/* Clears the membership of every node of rm that has an owned path below it. */
static void keep_owned_ancestors(cap_fieldset *rm, const cap_fieldset *owned)
{
	if (rm->member && cap_fieldset_has_descendants(owned))
		rm->member = false;
	for (size_t i = 0; i < rm->len; i++) {
		const cap_fieldset *o = cap_fieldset_get(owned, rm->kids[i].element);
		if (o)
			keep_owned_ancestors(rm->kids[i].set, o);
	}
}

/*
 * Marks in out the orphans under what the applier reached last time: entries of lists and of
 * maps with element types that are declared fields, when nobody owns them. The API server's
 * merge drops everything unowned below such fields, and no default brings entries back (struct
 * fields it drops come back through defaulting, so they are left alone here).
 */
static void orphans(cap_fieldset *out, const cap_value *v, const cap_fieldset *last,
		    const cap_fieldset *owned, const cap_smd_type *t, bool declared)
{
	cap_buf el = CAP_BUF_INIT;
	const char *key;
	cap_value *cv;
	size_t i;

	if (cap_value_is_object(v) && cap_smd_map_relationship(t) == CAP_SMD_SEPARABLE) {
		CAP_VALUE_OBJECT_FOREACH(v, key, cv)
		{
			size_t klen = cap_value_object_iter_key_len(cap__it);
			bool field = cap_smd_field_of(t, key, klen) != NULL;
			cap_buf_clear(&el);
			cap_buf_puts(&el, "f:");
			cap_buf_put(&el, key, klen);
			const cap_fieldset *lc = cap_fieldset_get(last, el.ptr);
			const cap_fieldset *oc = cap_fieldset_get(owned, el.ptr);
			if (declared && !field && cap_fieldset_empty(oc))
				cap_fieldset_child(out, el.ptr)->member = true;
			else if (lc)
				orphans(cap_fieldset_child(out, el.ptr), cv, lc, oc,
					cap_smd_member_type(t, key, klen, NULL), field);
		}
	} else if (cap_value_is_array(v) && cap_smd_list_relationship(t) == CAP_SMD_ASSOCIATIVE) {
		CAP_VALUE_ARRAY_FOREACH(v, i, cv)
		{
			cap_buf_clear(&el);
			cap_ssa_walk_item_element(&el, cv, i, t);
			const cap_fieldset *lc = cap_fieldset_get(last, el.ptr);
			const cap_fieldset *oc = cap_fieldset_get(owned, el.ptr);
			if (declared && cap_fieldset_empty(oc))
				cap_fieldset_child(out, el.ptr)->member = true;
			else if (lc)
				orphans(cap_fieldset_child(out, el.ptr), cv, lc, oc,
					t->list_element, false);
		}
	}
	cap_buf_release(&el);
}

/* The item of list whose path element (under list type t) is el, or NULL. */
static cap_value *item_at(const cap_value *list, const char *el, const cap_smd_type *t)
{
	cap_buf b = CAP_BUF_INIT;
	cap_value *item, *found = NULL;
	size_t i;

	CAP_VALUE_ARRAY_FOREACH(list, i, item)
	{
		cap_buf_clear(&b);
		cap_ssa_walk_item_element(&b, item, i, t);
		if (!strcmp(b.ptr, el)) {
			found = item;
			break;
		}
	}
	cap_buf_release(&b);
	return found;
}

/* Deletes from v the maps along last that the removal emptied and nobody owns, deepest first. */
static void drop_emptied(cap_value *v, const cap_value *before, const cap_fieldset *last,
			 const cap_fieldset *owned, const cap_smd_type *t)
{
	for (size_t i = 0; last && i < last->len; i++) {
		const char *el = last->kids[i].element;
		const cap_fieldset *o = cap_fieldset_get(owned, el);
		bool field = !strncmp(el, "f:", 2);
		cap_value *a, *b;
		const cap_smd_type *ct;
		if (field) {
			a = cap_value_object_get(v, el + 2);
			b = cap_value_object_get(before, el + 2);
			ct = cap_smd_member_type(t, el + 2, strlen(el + 2), NULL);
		} else if (cap_value_is_array(v) && cap_value_is_array(before)) {
			a = item_at(v, el, t);
			b = item_at(before, el, t);
			ct = t ? t->list_element : NULL;
		} else {
			continue;
		}
		if (cap_value_is_array(a) && cap_value_is_array(b)) {
			drop_emptied(a, b, last->kids[i].set, o, ct);
			continue;
		}
		if (!cap_value_is_object(a) || !cap_value_is_object(b))
			continue;
		drop_emptied(a, b, last->kids[i].set, o, ct);
		if (field && !cap_value_object_len(a) && cap_value_object_len(b) &&
		    !(o && o->member))
			cap_value_object_del(v, el + 2);
	}
}

/*
 * Removes from merged what the applier owned last time, sends no more, and nobody else owns,
 * with the orphans and emptied maps that leaves behind.
 */
static cap_value *prune(cap_value *merged, const cap_smd_type *t, const cap_fieldset *last,
			const cap_managed_fields *mf)
{
	cap_fieldset *owned = cap_fieldset_new(), *rm = cap_fieldset_copy(last);
	cap_fieldset *orphaned = cap_fieldset_new();

	for (size_t i = 0; i < mf->len; i++)
		cap_fieldset_union(owned, mf->items[i].set);
	cap_fieldset_subtract(rm, owned);
	keep_owned_ancestors(rm, owned);
	orphans(orphaned, merged, last, owned, t, false);
	cap_fieldset_union(rm, orphaned);
	cap_fieldset_prune(rm);
	if (!cap_fieldset_empty(rm)) {
		cap_value *pruned = cap_ssa_walk_remove(merged, rm, t);
		drop_emptied(pruned, merged, last, owned, t);
		cap_value_free(merged);
		merged = pruned;
	}
	cap_fieldset_free(orphaned);
	cap_fieldset_free(rm);
	cap_fieldset_free(owned);
	return merged;
}

typedef struct conflict_text {
	cap_buf *out;
	size_t count;
	bool list; /* "- path" lines rather than one inline path */
} conflict_text;

static void count_path(const char *const *path, size_t len, void *ctx)
{
	(void)path;
	(void)len;
	((conflict_text *)ctx)->count++;
}

static void print_path(const char *const *path, size_t len, void *ctx)
{
	conflict_text *c = ctx;

	cap_buf_puts(c->out, c->list ? "\n- " : " ");
	cap_fieldset_path_string(c->out, path, len);
}

static int cmp_ident(const cap_managed_entry *a, const cap_managed_entry *b)
{
	int c = strcmp(a->manager, b->manager);

	if (!c)
		c = strcmp(a->operation, b->operation);
	if (!c)
		c = strcmp(a->api_version ? a->api_version : "",
			   b->api_version ? b->api_version : "");
	return c;
}

/* The API server's 409 text for the conflicts found, per manager in name order. */
static int conflict_error(const cap_managed_fields *mf, cap_fieldset **conflicts)
{
	cap_buf msg = CAP_BUF_INIT, body = CAP_BUF_INIT;
	conflict_text ct = {&body, 0, false};
	size_t managers = 0;
	bool *done = cap_calloc(mf->len + 1, sizeof(bool));

	for (size_t i = 0; i < mf->len; i++)
		if (conflicts[i]) {
			cap_fieldset_walk(conflicts[i], count_path, &ct);
			managers++;
		}
	ct.list = ct.count > 1;
	for (size_t n = 0; n < managers; n++) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i < mf->len; i++)
			if (conflicts[i] && !done[i] &&
			    (best == SIZE_MAX || cmp_ident(&mf->items[i], &mf->items[best]) < 0))
				best = i;
		done[best] = true;
		if (n)
			cap_buf_putc(&body, '\n');
		cap_buf_puts(&body, ct.list ? "conflicts with " : "conflict with ");
		cap_managed_entry_describe(&body, &mf->items[best]);
		cap_buf_putc(&body, ':');
		cap_fieldset_walk(conflicts[best], print_path, &ct);
	}
	cap_buf_printf(&msg, "Apply failed with %zu conflict%s: %s", ct.count,
		       ct.count == 1 ? "" : "s", body.ptr);
	int err = cap_error_set(CAP_ECONFLICT, "%s", msg.ptr);
	free(done);
	cap_buf_release(&msg);
	cap_buf_release(&body);
	return err;
}

/*
 * The bookkeeping shared by apply and update (the API server's update step): fields changed by
 * going from before to after are taken from every manager but self (a conflict when !force),
 * removed fields from everyone. On success *changed_out and *removed_out (may be NULL) receive
 * the changed (added or modified) and removed sets.
 */
static int settle(cap_managed_fields *mf, const cap_managed_entry *self, const cap_value *before,
		  const cap_value *after, const cap_smd_type *t, bool force,
		  cap_fieldset **changed_out, cap_fieldset **removed_out)
{
	cap_fieldset *added = cap_fieldset_new(), *modified = cap_fieldset_new();
	cap_fieldset *removed = cap_fieldset_new();
	cap_fieldset **conflicts = cap_calloc(mf->len + 1, sizeof(*conflicts));
	bool any = false;
	int err = 0;

	cap_ssa_walk_compare(added, modified, removed, before, after, t);
	cap_fieldset_union(added, modified);
	cap_fieldset_free(modified);
	strip(added);
	strip(removed);
	for (size_t i = 0; i < mf->len; i++) {
		if (&mf->items[i] == self)
			continue;
		cap_fieldset *c = cap_fieldset_intersect(mf->items[i].set, added);
		if (cap_fieldset_empty(c)) {
			cap_fieldset_free(c);
			continue;
		}
		conflicts[i] = c;
		any = true;
	}
	if (any && !force) {
		err = conflict_error(mf, conflicts);
	} else {
		for (size_t i = 0; i < mf->len; i++) {
			if (&mf->items[i] == self)
				continue;
			cap_fieldset_subtract(mf->items[i].set, conflicts[i]);
			cap_fieldset_subtract(mf->items[i].set, removed);
		}
	}
	for (size_t i = 0; i < mf->len; i++)
		cap_fieldset_free(conflicts[i]);
	free(conflicts);
	if (!err && changed_out) {
		*changed_out = added;
		added = NULL;
	}
	if (!err && removed_out) {
		*removed_out = removed;
		removed = NULL;
	}
	cap_fieldset_free(added);
	cap_fieldset_free(removed);
	return err;
}

/* The schema type of obj's apiVersion and kind (NULL when the schema does not know them). */
static const cap_smd_type *type_of(const cap_smd_schema *schema, const cap_value *obj)
{
	return cap_smd_schema_kind(schema, cap_value_dig_string(obj, "apiVersion", NULL),
				   cap_value_dig_string(obj, "kind", NULL));
}

/* The apiVersion a managedFields entry for obj records: the one opts name, or obj's own. */
static const char *entry_api_version(const cap_ssa_options *opts, const cap_value *obj)
{
	return opts->api_version ? opts->api_version
				 : cap_value_dig_string(obj, "apiVersion", NULL);
}

int cap_ssa_apply(cap_value **out, const cap_smd_schema *schema, const cap_value *live,
		  const cap_value *config, const cap_ssa_options *opts)
{
	cap_managed_fields mf = CAP_MANAGED_FIELDS_INIT;
	cap_fieldset *last = NULL, *config_set;
	cap_value *lhs, *cfg, *merged;
	int err;

	if ((err = check_options(opts)) ||
	    (err = check_object(config, "applied configuration", true)))
		return err;
	if (live && (err = check_object(live, "live object", false)))
		return err;
	const char *api_version = entry_api_version(opts, config);
	const cap_smd_type *t = type_of(schema, config);
	if ((err = cap_ssa_walk_check(config, t)))
		return cap_error_prefix("cannot apply: ");
	if (live && (err = cap_managed_fields_decode(
			 &mf, cap_value_dig(live, "metadata", "managedFields", NULL))))
		return err;

	lhs = without_managed(live);
	cfg = without_managed(config);
	if (lhs && !mf.len) {
		/* Nothing tracked yet: what exists belongs to the writers before the first apply.
		 */
		cap_managed_entry *e = cap_managed_fields_upsert(
		    &mf, "before-first-apply", "Update",
		    cap_value_dig_string(lhs, "apiVersion", NULL) ?: api_version, NULL);
		cap_ssa_walk_fieldset(e->set, lhs, t);
		strip(e->set);
	}
	merged = cap_ssa_walk_merge(lhs, cfg, t);
	config_set = cap_fieldset_new();
	cap_ssa_walk_fieldset(config_set, cfg, t);
	config_set->member = false;
	strip(config_set);

	cap_managed_entry *applier =
	    cap_managed_fields_find(&mf, opts->manager, "Apply", NULL, opts->subresource);
	if (applier)
		last = cap_fieldset_copy(applier->set);
	applier =
	    cap_managed_fields_upsert(&mf, opts->manager, "Apply", api_version, opts->subresource);
	cap_fieldset_free(applier->set);
	applier->set = config_set;
	if (last)
		merged = prune(merged, t, last, &mf);

	err = settle(&mf, applier, lhs, merged, t, opts->force, NULL, NULL);
	if (!err) {
		stamp(applier, opts);
		store_managed(merged, &mf);
		*out = merged;
		merged = NULL;
	}
	cap_value_free(merged);
	cap_fieldset_free(last);
	cap_value_free(lhs);
	cap_value_free(cfg);
	cap_managed_fields_release(&mf);
	return err;
}

int cap_ssa_update(cap_value **out, const cap_smd_schema *schema, const cap_value *old,
		   const cap_value *updated, const cap_ssa_options *opts)
{
	cap_managed_fields mf = CAP_MANAGED_FIELDS_INIT;
	cap_fieldset *changed = NULL, *removed = NULL;
	cap_value *lhs, *rhs;
	int err;

	if ((err = check_options(opts)) || (err = check_object(updated, "updated object", false)))
		return err;
	if (old && (err = check_object(old, "old object", false)))
		return err;
	const char *api_version = entry_api_version(opts, updated);
	const cap_smd_type *t = type_of(schema, updated);
	if (old && (err = cap_managed_fields_decode(
			&mf, cap_value_dig(old, "metadata", "managedFields", NULL))))
		return err;
	lhs = without_managed(old);
	rhs = without_managed(updated);
	cap_managed_entry *self =
	    cap_managed_fields_upsert(&mf, opts->manager, "Update", api_version, opts->subresource);
	err = settle(&mf, self, lhs, rhs, t, true, &changed, &removed);
	if (!err) {
		cap_fieldset_subtract(self->set, removed);
		cap_fieldset_union(self->set, changed);
		stamp(self, opts);
		store_managed(rhs, &mf);
		*out = rhs;
		rhs = NULL;
	}
	cap_fieldset_free(changed);
	cap_fieldset_free(removed);
	cap_value_free(lhs);
	cap_value_free(rhs);
	cap_managed_fields_release(&mf);
	return err;
}

cap_value *cap_ssa_fields_of(const cap_smd_schema *schema, const cap_value *obj)
{
	const cap_smd_type *t = type_of(schema, obj);
	cap_value *clean = without_managed(obj);
	cap_fieldset *set = cap_fieldset_new();

	cap_ssa_walk_fieldset(set, clean, t);
	set->member = false;
	strip(set);
	cap_value *v = cap_fieldset_to_fields_v1(set);
	cap_fieldset_free(set);
	cap_value_free(clean);
	return v;
}
