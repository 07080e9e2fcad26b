/* Schema-guided walks over objects for server-side apply: field sets, merge, compare, removal. */
#pragma once

#include "patch/fieldset.h"
#include "schema/smd.h"
#include "value/value.h"

/*
 * Every walk takes the value's structured-merge type (NULL: deduced) and follows it down:
 * separable maps member by member ("f:" elements), associative lists item by item ("k:" by key
 * fields, defaults filling missing keys, or "v:" by value for sets), and everything else (scalars,
 * atomic maps and lists) as one leaf. The values passed in are borrowed and never changed.
 */

/*
 * The set of fields v sets, as the API server computes an applied configuration's fields:
 * leaves, members holding null or an empty map, and every associative list item itself.
 * Adds to out.
 */
void cap_ssa_walk_fieldset(cap_fieldset *out, const cap_value *v, const cap_smd_type *t);

/* A new value: lhs with rhs merged in (rhs wins; associative lists merge by key). */
cap_value *cap_ssa_walk_merge(const cap_value *lhs, const cap_value *rhs, const cap_smd_type *t);

/*
 * Adds to added / modified / removed the paths that differ between lhs (before) and rhs
 * (after): leaves by value, and maps, lists and items that appear or vanish as a whole.
 */
void cap_ssa_walk_compare(cap_fieldset *added, cap_fieldset *modified, cap_fieldset *removed,
			  const cap_value *lhs, const cap_value *rhs, const cap_smd_type *t);

/* A new value: v without the members of set (a member removes its whole subtree). */
cap_value *cap_ssa_walk_remove(const cap_value *v, const cap_fieldset *set, const cap_smd_type *t);

/*
 * Checks an applied configuration as the API server does before merging it: associative list
 * items must carry every key field (or have a schema default for it) and no two items may share
 * a key. CAP_EINVALID naming the path on the first violation:
 *   .spec.ports: duplicate entries for key [port=80,protocol="TCP"]
 *   .spec.containers[1]: associative list with keys has an element that omits key field "name"
 */
int cap_ssa_walk_check(const cap_value *v, const cap_smd_type *t);

/*
 * The path element of item i of a list of type t: "k:{...}" when the list has keys, "v:..." for
 * a set, "i:<i>" otherwise; appended to out.
 */
void cap_ssa_walk_item_element(cap_buf *out, const cap_value *item, size_t i,
			       const cap_smd_type *t);
