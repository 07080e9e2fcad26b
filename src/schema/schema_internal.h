/* Helpers shared by the schema loaders (private to schema/). */
#pragma once

#include "schema/schema.h"

#include <stddef.h>

/* A new empty type owned by s; name is the enclosing definition's (borrowed, lives in s). */
cap_schema_type *cap_schema__new_type(cap_schema *s, const char *name);
/* A copy of str (len bytes) owned by s. */
const char *cap_schema__intern(cap_schema *s, const char *str, size_t len);
/* Indexes t under "group/version/kind" (group may be empty); the first registration wins. */
void cap_schema__add_gvk(cap_schema *s, const char *group, const char *version, const char *kind,
			 cap_schema_type *t);
/* Resolves $ref and allOf of every type added since the last call. */
void cap_schema__resolve_pending(cap_schema *s);
