/* Strategic merge patch: apply, and create two- and three-way patches as kubectl does. */
#pragma once

#include "schema/schema.h"
#include "value/value.h"

/*
 * Kubernetes' strategic merge patch is JSON Merge Patch steered by the type: lists whose field
 * says x-kubernetes-patch-strategy "merge" are merged item by item (by the merge key for lists
 * of objects, as a set for lists of scalars), other lists are replaced whole, and a patch may
 * carry directives: {"$patch": "replace"|"delete"} in an object or list item, "$retainKeys",
 * "$setElementOrder/<list>" and "$deleteFromPrimitiveList/<list>". Results match the API
 * server and kubectl to the order of list items, including where they differ from intuition
 * (items new to a merged list come before the ones the patch does not name).
 *
 * type is the top-level type of the object (cap_schema_lookup of its apiVersion and kind). A
 * NULL type or a custom resource's type is refused with CAP_EUNSUPPORTED and the API server's
 * 415 message, so callers fall back to JSON merge patch as kubectl does. Patch and documents
 * must be objects. Inputs are only read; *out is a new reference, untouched on failure.
 */

/* The API server's answer to a strategic merge patch on a type it has no patch metadata for. */
#define CAP_STRATEGIC_UNSUPPORTED_MESSAGE                                                          \
	"the body of the request was in an unknown format - accepted media types include: "        \
	"application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"

/* Applies patch to doc as the API server does. */
int cap_strategic_apply(cap_value **out, const cap_value *doc, const cap_value *patch,
			const cap_schema_type *type);

/*
 * The patch that turns original into modified (k8s CreateTwoWayMergePatch): changes and
 * additions, nulls and {"$patch":"delete"} items for deletions, "$deleteFromPrimitiveList/"
 * for scalars gone from merged lists, "$setElementOrder/" for merged lists that changed, and
 * "$retainKeys" where the strategy says retainKeys. Equal inputs give {}.
 */
int cap_strategic_create_two_way(cap_value **out, const cap_value *original,
				 const cap_value *modified, const cap_schema_type *type);

/*
 * The patch `kubectl apply` sends (k8s CreateThreeWayMergePatch with overwrite): deletions of
 * what original (the last-applied configuration; NULL for none) had and modified has not, plus
 * the changes and additions that take current (the live object) to modified. Fields only the
 * live object has (set by controllers or other clients) are left alone.
 */
int cap_strategic_create_three_way(cap_value **out, const cap_value *original,
				   const cap_value *modified, const cap_value *current,
				   const cap_schema_type *type);
