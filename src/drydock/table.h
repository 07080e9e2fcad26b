/* Server-side printing: meta.k8s.io Table answers with the columns kubectl shows for each kind. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "drydock/registry.h"
#include "drydock/store.h"

/* What a row carries besides its cells (the includeObject query parameter). */
typedef enum dd_table_object { DD_TABLE_METADATA, DD_TABLE_NONE, DD_TABLE_OBJECT } dd_table_object;

/* The Table version an Accept header asks for first ("v1", "v1beta1"), or NULL for plain JSON. */
const char *dd_table_wanted(const char *accept);
dd_table_object dd_table_include(const char *include_object);

/*
 * Writes the opening of a Table (kind, apiVersion, metadata with rv and continue token when not
 * NULL, the column definitions when columns is set) up to the rows array's '['.
 */
void dd_table_begin(cap_buf *out, const dd_rtype *t, const char *version, uint64_t rv,
		    const char *cont, size_t remaining, bool columns);
/* Appends one row for o (the caller writes the separating commas). */
void dd_table_row(cap_buf *out, const dd_rtype *t, const dd_obj *o, dd_table_object include,
		  const char *api_version);
/* Closes the rows array and the Table. */
void dd_table_end(cap_buf *out);
/* "5s", "3m20s", "4h", "12d": Kubernetes' short human durations. */
void dd_table_age(char *out, size_t n, int64_t seconds);
