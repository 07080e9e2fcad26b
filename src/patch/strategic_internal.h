/* Helpers shared by strategic merge patch apply and create (private to patch/). */
#pragma once

#include "base/buf.h"
#include "schema/schema.h"
#include "value/value.h"

#include <stdbool.h>

#define CAP_SMP_DIRECTIVE     "$patch"
#define CAP_SMP_RETAIN_KEYS   "$retainKeys"
#define CAP_SMP_DELETE_PREFIX "$deleteFromPrimitiveList"
#define CAP_SMP_ORDER_PREFIX  "$setElementOrder"

/*
 * Kubernetes decodes JSON into Go's interface{} values, so the algorithm sees six kinds: nil,
 * bool, float64 (every number), string, slice and map. These helpers reproduce that view.
 */
typedef enum cap_smp_kind {
	CAP_SMP_NULL,
	CAP_SMP_BOOL,
	CAP_SMP_NUMBER,
	CAP_SMP_STRING,
	CAP_SMP_LIST,
	CAP_SMP_MAP,
} cap_smp_kind;

cap_smp_kind cap_smp_kind_of(const cap_value *v);

/* Go's == on two decoded JSON values (NULL counts as null); containers compare deeply. */
bool cap_smp_eq(const cap_value *a, const cap_value *b);

/* Appends what Go's fmt "%v" prints for a decoded JSON scalar: 80, 1e+06, true, <nil>, text. */
void cap_smp_format(cap_buf *out, const cap_value *v);

typedef enum cap_smp_strategy {
	CAP_SMP_STRATEGY_NONE,
	CAP_SMP_STRATEGY_MERGE,
	CAP_SMP_STRATEGY_REPLACE,
} cap_smp_strategy;

/* The strategy of a field's type and whether it also says retainKeys; CAP_EINVALID if garbled. */
int cap_smp_strategy_of(const cap_schema_type *t, cap_smp_strategy *strategy, bool *retain_keys);

/*
 * The common kind of the items of the given lists (NULL lists are empty): CAP_EINVALID for
 * lists of lists, mixed kinds, null items, or when every list is empty.
 */
int cap_smp_element_kind(cap_smp_kind *out, const cap_value *a, const cap_value *b);

/* Removes repeated scalars in place the way Kubernetes does (a repeat takes the last item). */
void cap_smp_dedupe_scalars(cap_value *list);

/* A new list of list's items sorted by their "%v" text (or item[key]'s) as Kubernetes sorts them.
 */
cap_value *cap_smp_sorted(const cap_value *list, const char *key);

/* Index in list of the first item whose merge key (or itself, for scalars) equals item's, or -1. */
long cap_smp_index(const cap_value *list, const cap_value *item, const char *key, bool maps);

/*
 * Sorts to_sort by the order items appear in order (kubectl's normalizeSliceOrder); for maps
 * every item of both lists must carry the merge key, and {"$patch":"delete"} items go last.
 * Returns a new list in *out.
 */
int cap_smp_order_by(cap_value **out, const cap_value *to_sort, const cap_value *order,
		     const char *key, bool maps);

/*
 * Interleaves the items a patch names (patch_items, ordered by patch_order) with the items only
 * the server has (server_only, ordered by server_order), as the API server orders a merged list.
 */
int cap_smp_normalize_order(cap_value **out, const cap_value *patch_items,
			    const cap_value *server_only, const cap_value *patch_order,
			    const cap_value *server_order, const char *key, bool maps);

/* Splits list into the items present in by (by merge key for maps) and the others; new lists. */
int cap_smp_partition(cap_value **in_out, cap_value **rest_out, const cap_value *list,
		      const cap_value *by, const char *key, bool maps);

/* The message-friendly name of a type for errors. */
const char *cap_smp_type_name(const cap_schema_type *t);

/*
 * CAP_EUNSUPPORTED (the API server's 415 message) for a NULL or custom type, CAP_EINVALID when
 * a given document is not an object; NULL documents are not checked.
 */
int cap_strategic__check(const cap_schema_type *type, const cap_value *a, const cap_value *b,
			 const cap_value *c);

/*
 * Merges patch second into patch first as kubectl's three-way create does, keeping nulls and
 * parallel lists; both are changed. *out is a new reference.
 */
int cap_strategic__merge_patches(cap_value **out, cap_value *first, cap_value *second,
				 const cap_schema_type *type);
