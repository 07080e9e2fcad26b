/* Label and field selectors: parsing the API's selector syntax and matching objects against it. */
#pragma once

#include <stdbool.h>

#include "base/arena.h"
#include "value/value.h"

typedef enum dd_sel_op {
	DD_SEL_EQ,	 /* k=v, k==v */
	DD_SEL_NE,	 /* k!=v */
	DD_SEL_IN,	 /* k in (a,b) */
	DD_SEL_NOTIN,	 /* k notin (a,b) */
	DD_SEL_EXISTS,	 /* k */
	DD_SEL_NOTEXIST, /* !k */
	DD_SEL_GT,	 /* k>1 */
	DD_SEL_LT,	 /* k<1 */
} dd_sel_op;

typedef struct dd_sel_req {
	const char *key;
	dd_sel_op op;
	const char **values; /* NULL-terminated */
} dd_sel_req;

/* A parsed selector; everything lives in the arena it was parsed into. Empty matches all. */
typedef struct dd_selector {
	dd_sel_req *reqs;
	size_t len;
} dd_selector;

/* Parses a label selector; CAP_EINVALID with the API server's wording on bad syntax. */
int dd_selector_parse_labels(dd_selector *out, const char *text, cap_arena *arena);
/* Parses a field selector (=, ==, != only). */
int dd_selector_parse_fields(dd_selector *out, const char *text, cap_arena *arena);

/* True when the object's metadata.labels satisfy sel. */
bool dd_selector_match_labels(const dd_selector *sel, const cap_value *obj);
/* The value a field selector compares for key ("metadata.name", "spec.nodeName", …), or "". */
const char *dd_field_value(const cap_value *obj, const char *key, char *tmp, size_t tmp_len);
/* True when obj satisfies every field requirement. */
bool dd_selector_match_fields(const dd_selector *sel, const cap_value *obj);
/*
 * Checks that every field key of sel is supported for the kind, as the API server does:
 * CAP_EINVALID "field label not supported: KEY" otherwise.
 */
int dd_selector_check_fields(const dd_selector *sel, const char *group, const char *resource);
