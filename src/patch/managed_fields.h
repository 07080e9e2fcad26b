/* metadata.managedFields: the per-manager field ownership entries, decoded to sets and back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "patch/fieldset.h"
#include "value/value.h"

/*
 * One entry of metadata.managedFields. A manager is identified as the API server identifies it:
 * by name, operation and subresource, and for Update also by apiVersion (an applier keeps one
 * entry whatever version it applies with). Every string is owned by the entry.
 */
typedef struct cap_managed_entry {
	char *manager;
	char *operation;   /* "Apply" or "Update" */
	char *api_version; /* e.g. "apps/v1" */
	char *time;	   /* RFC 3339, or NULL */
	char *subresource; /* NULL for the main resource */
	cap_fieldset *set;
} cap_managed_entry;

typedef struct cap_managed_fields {
	cap_managed_entry *items;
	size_t len, cap;
} cap_managed_fields;

#define CAP_MANAGED_FIELDS_INIT                                                                    \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/*
 * Decodes a managedFields array (NULL or absent gives no entries) into out, which must be empty.
 * Only fieldsType FieldsV1 is understood. CAP_EINVALID naming the entry's index on anything
 * malformed; out is then left empty.
 */
int cap_managed_fields_decode(cap_managed_fields *out, const cap_value *entries);

/*
 * The managedFields array for mf: entries with an empty set are left out, and the rest are
 * sorted as the API server sorts them (Apply before Update, then by time, manager, apiVersion,
 * subresource). A new reference.
 */
cap_value *cap_managed_fields_encode(const cap_managed_fields *mf);

/* Frees every entry; mf is empty and reusable. Accepts NULL. */
void cap_managed_fields_release(cap_managed_fields *mf);

/* The entry with that identity, or NULL. subresource may be NULL or "" for the main resource. */
cap_managed_entry *cap_managed_fields_find(cap_managed_fields *mf, const char *manager,
					   const char *operation, const char *api_version,
					   const char *subresource);

/*
 * The entry with that identity, added with an empty set when absent; its apiVersion is set to
 * api_version either way. The pointer is valid until the next add.
 */
cap_managed_entry *cap_managed_fields_upsert(cap_managed_fields *mf, const char *manager,
					     const char *operation, const char *api_version,
					     const char *subresource);

/* The manager as the API server names it in conflict messages: "\"kubectl\" using apps/v1". */
void cap_managed_entry_describe(cap_buf *out, const cap_managed_entry *e);
