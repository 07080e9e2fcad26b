/* metadata.managedFields: decoding entries to field sets, sorting and encoding them back. */
#include "patch/managed_fields.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"

static char *dup_or_null(const char *s)
{
	return s && *s ? cap_strdup(s) : NULL;
}

static void entry_release(cap_managed_entry *e)
{
	free(e->manager);
	free(e->operation);
	free(e->api_version);
	free(e->time);
	free(e->subresource);
	cap_fieldset_free(e->set);
}

void cap_managed_fields_release(cap_managed_fields *mf)
{
	if (!mf)
		return;
	for (size_t i = 0; i < mf->len; i++)
		entry_release(&mf->items[i]);
	free(mf->items);
	mf->items = NULL;
	mf->len = mf->cap = 0;
}

static cap_managed_entry *push(cap_managed_fields *mf)
{
	if (mf->len == mf->cap) {
		mf->cap = mf->cap ? mf->cap * 2 : 4;
		mf->items = cap_realloc(mf->items, mf->cap * sizeof(*mf->items));
	}
	cap_managed_entry *e = &mf->items[mf->len++];
	memset(e, 0, sizeof(*e));
	return e;
}

int cap_managed_fields_decode(cap_managed_fields *out, const cap_value *entries)
{
	cap_value *ev;
	size_t i;
	int err;

	if (!entries || cap_value_is_null(entries))
		return 0;
	if (!cap_value_is_array(entries))
		return cap_error_set(CAP_EINVALID, "metadata.managedFields is not a list");
	CAP_VALUE_ARRAY_FOREACH(entries, i, ev)
	{
		const char *manager = cap_value_dig_string(ev, "manager", NULL);
		const char *op = cap_value_dig_string(ev, "operation", NULL);
		const char *type = cap_value_dig_string(ev, "fieldsType", NULL);
		cap_fieldset *set = NULL;
		if (!cap_value_is_object(ev) || !op ||
		    (strcmp(op, "Apply") && strcmp(op, "Update"))) {
			err = cap_error_set(
			    CAP_EINVALID, "metadata.managedFields[%zu] has no valid operation", i);
			goto fail;
		}
		if (type && strcmp(type, "FieldsV1")) {
			err = cap_error_set(CAP_EINVALID,
					    "metadata.managedFields[%zu] has fieldsType '%s', not "
					    "'FieldsV1'",
					    i, type);
			goto fail;
		}
		if ((err =
			 cap_fieldset_from_fields_v1(&set, cap_value_object_get(ev, "fieldsV1")))) {
			cap_error_prefix("metadata.managedFields[%zu]: ", i);
			goto fail;
		}
		cap_managed_entry *e = push(out);
		e->manager = cap_strdup(manager ? manager : "");
		e->operation = cap_strdup(op);
		e->api_version = dup_or_null(cap_value_dig_string(ev, "apiVersion", NULL));
		e->time = dup_or_null(cap_value_dig_string(ev, "time", NULL));
		e->subresource = dup_or_null(cap_value_dig_string(ev, "subresource", NULL));
		e->set = set;
	}
	return 0;
fail:
	cap_managed_fields_release(out);
	return err;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_entries(const void *pa, const void *pb)
{
	const cap_managed_entry *a = *(cap_managed_entry *const *)pa;
	const cap_managed_entry *b = *(cap_managed_entry *const *)pb;
	int c;

	if ((c = cmp_str(a->operation, b->operation)))
		return c;
	if ((c = cmp_str(a->time, b->time))) /* RFC 3339 UTC text sorts as time */
		return c;
	if ((c = cmp_str(a->manager, b->manager)))
		return c;
	if ((c = cmp_str(a->api_version, b->api_version)))
		return c;
	return cmp_str(a->subresource, b->subresource);
}

cap_value *cap_managed_fields_encode(const cap_managed_fields *mf)
{
	cap_managed_entry **order = cap_calloc(mf->len + 1, sizeof(*order));
	cap_value *out = cap_value_array();
	size_t n = 0;

	for (size_t i = 0; i < mf->len; i++)
		if (!cap_fieldset_empty(mf->items[i].set))
			order[n++] = &mf->items[i];
	qsort(order, n, sizeof(*order), cmp_entries);
	for (size_t i = 0; i < n; i++) {
		const cap_managed_entry *e = order[i];
		cap_value *o = cap_value_object();
		if (e->api_version)
			cap_value_object_set(o, "apiVersion", cap_value_string(e->api_version));
		cap_value_object_set(o, "fieldsType", cap_value_string("FieldsV1"));
		cap_value_object_set(o, "fieldsV1", cap_fieldset_to_fields_v1(e->set));
		cap_value_object_set(o, "manager", cap_value_string(e->manager));
		cap_value_object_set(o, "operation", cap_value_string(e->operation));
		if (e->subresource)
			cap_value_object_set(o, "subresource", cap_value_string(e->subresource));
		if (e->time)
			cap_value_object_set(o, "time", cap_value_string(e->time));
		cap_value_array_append(out, o);
	}
	free(order);
	return out;
}

cap_managed_entry *cap_managed_fields_find(cap_managed_fields *mf, const char *manager,
					   const char *operation, const char *api_version,
					   const char *subresource)
{
	bool update = !strcmp(operation, "Update");

	for (size_t i = 0; i < mf->len; i++) {
		cap_managed_entry *e = &mf->items[i];
		if (strcmp(e->manager, manager) || strcmp(e->operation, operation) ||
		    cmp_str(e->subresource, subresource))
			continue;
		if (update && cmp_str(e->api_version, api_version))
			continue;
		return e;
	}
	return NULL;
}

cap_managed_entry *cap_managed_fields_upsert(cap_managed_fields *mf, const char *manager,
					     const char *operation, const char *api_version,
					     const char *subresource)
{
	cap_managed_entry *e =
	    cap_managed_fields_find(mf, manager, operation, api_version, subresource);

	if (!e) {
		e = push(mf);
		e->manager = cap_strdup(manager);
		e->operation = cap_strdup(operation);
		e->subresource = dup_or_null(subresource);
		e->set = cap_fieldset_new();
	}
	free(e->api_version);
	e->api_version = dup_or_null(api_version);
	return e;
}

void cap_managed_entry_describe(cap_buf *out, const cap_managed_entry *e)
{
	cap_buf_printf(out, "\"%s\"", e->manager);
	if (e->subresource)
		cap_buf_printf(out, " with subresource \"%s\"", e->subresource);
	if (!strcmp(e->operation, "Update"))
		cap_buf_printf(out, " using %s", e->api_version ? e->api_version : "");
}
