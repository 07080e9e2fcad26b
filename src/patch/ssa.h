/* Server-side apply: merging applied configurations under field managers, as the API does. */
#pragma once

#include <stdbool.h>

#include "schema/smd.h"
#include "value/value.h"

/*
 * Server-side apply keeps metadata.managedFields: for each manager (a name plus the operation,
 * Apply or Update, and for Update the apiVersion) the set of fields it owns, as FieldsV1.
 *
 * cap_ssa_apply merges an applied configuration into the live object under the schema's list
 * and map semantics (associative lists by key, sets by value, atomic values whole), makes the
 * applier own exactly the fields of its configuration, and reports a conflict when it would
 * change a field another manager owns; force takes such fields over instead. Fields the
 * applier owned through its previous apply and no longer sends are removed from the object
 * unless another manager still owns them, and so are the maps that leaves empty and the
 * entries nobody owns in lists and maps the applier had set (the API server's merge drops those
 * and no default brings them back). Fields another manager owned are dropped from its set when
 * the apply changes or removes them. An object that has no managedFields yet is first credited
 * to the manager "before-first-apply" (Update), as the API server does.
 *
 * cap_ssa_update records a non-apply write (create, PUT, PATCH): the writer's Update entry gains
 * the fields it added or changed, other managers lose the fields it changed or removed, and
 * there are never conflicts.
 *
 * Neither defaults fields nor validates their values (only list keys, which merging needs):
 * defaulting, admission and conversion are the API server's other stages. apiVersion, kind,
 * metadata.name, namespace, uid, resourceVersion, generation, creationTimestamp, selfLink and
 * managedFields are never owned, as the API server strips them from every set. The schema may be
 * NULL, and kinds it does not know are deduced (maps merge, lists are atomic).
 */
typedef struct cap_ssa_options {
	const char *manager;	 /* required: the field manager */
	const char *api_version; /* recorded in the entry; NULL: the object's apiVersion */
	const char *subresource; /* NULL for the main resource, else e.g. "status" */
	const char *time;	 /* RFC 3339 time for the entry written; NULL: now */
	bool force;		 /* take conflicting fields over instead of failing */
} cap_ssa_options;

/*
 * Applies config to live (NULL when the object does not exist yet) as opts->manager. On success
 * *out is a new object: live with config merged in, unowned fields the applier stopped sending
 * removed, and metadata.managedFields rewritten (omitted when no manager owns anything). On a
 * conflict, CAP_ECONFLICT with the API server's message:
 *   Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1:
 *   .spec.replicas
 * (several conflicts: "Apply failed with 2 conflicts: conflicts with \"m\" using v1:\n- .a\n- .b",
 * grouped by manager). CAP_EINVALID when config or live is not an object, config lacks
 * apiVersion or kind, config has two items with one key in an associative list or an item
 * without a key field ("cannot apply: .spec.ports: duplicate entries for key
 * [port=80,protocol=\"TCP\"]"), or live's managedFields are malformed. live and config are
 * unchanged.
 */
int cap_ssa_apply(cap_value **out, const cap_smd_schema *schema, const cap_value *live,
		  const cap_value *config, const cap_ssa_options *opts);

/*
 * Records that opts->manager wrote updated over old (NULL for a create): *out is a copy of
 * updated whose metadata.managedFields are old's, adjusted for the write (updated's own
 * managedFields are ignored). opts->force is ignored. CAP_EINVALID as for cap_ssa_apply.
 */
int cap_ssa_update(cap_value **out, const cap_smd_schema *schema, const cap_value *old,
		   const cap_value *updated, const cap_ssa_options *opts);

/*
 * The set of fields an object sets, under its kind's type, as the FieldsV1 value the API server
 * records for an applier of that object (stripped fields left out). A new reference.
 */
cap_value *cap_ssa_fields_of(const cap_smd_schema *schema, const cap_value *obj);
