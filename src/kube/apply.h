/* Apply as kubectl does: client-side three-way patches, server-side apply, replace, recreate. */
#pragma once

#include <stdbool.h>

#include "base/buf.h"
#include "kube/client.h"
#include "schema/schema.h"
#include "value/value.h"

/* The annotation client-side apply keeps the applied configuration in. */
#define CAP_KUBE_LAST_APPLIED_ANNOTATION "kubectl.kubernetes.io/last-applied-configuration"
/* Argo CD's field manager for server-side apply. */
#define CAP_KUBE_DEFAULT_FIELD_MANAGER "argocd-controller"

typedef enum cap_kube_apply_mode {
	/*
	 * `kubectl apply`: GET the live object; when missing, create it with the
	 * last-applied-configuration annotation; else PATCH a three-way strategic merge patch
	 * (last applied, desired, live), or a three-way JSON merge patch for kinds without
	 * strategic-merge metadata (custom resources), carrying the updated annotation.
	 */
	CAP_KUBE_APPLY_CLIENT,
	/*
	 * `kubectl apply --server-side`: PATCH application/apply-patch+yaml with field_manager
	 * (default "argocd-controller"); force takes the conflicting fields over.
	 */
	CAP_KUBE_APPLY_SERVER,
	/*
	 * `kubectl replace` (Argo CD's Replace=true): PUT the desired object (with the
	 * annotation), or create it when missing; force deletes and recreates instead (Argo CD's
	 * Replace=true,Force=true).
	 */
	CAP_KUBE_APPLY_REPLACE,
} cap_kube_apply_mode;

typedef struct cap_kube_apply_options {
	cap_kube_apply_mode mode;
	bool dry_run; /* server dry run (dryRun=All): nothing is stored */
	/*
	 * CLIENT: when the patch is refused as invalid or conflicting, delete and recreate (as
	 * `kubectl apply --force`); SERVER: force conflicts; REPLACE: delete then create.
	 */
	bool force;
	const char *field_manager; /* SERVER (and fieldManager of other writes); NULL: default */
	const char *namespace;	   /* for namespaced objects without one; NULL: the config's */
	/*
	 * Types for strategic merge patches; NULL: cap_schema_default(). Kinds it does not know
	 * get JSON merge patches, as kubectl does for custom resources.
	 */
	const cap_schema *schema;
	const char *field_validation; /* fieldValidation= for the writes; NULL: server default */
} cap_kube_apply_options;

typedef enum cap_kube_apply_result {
	CAP_KUBE_APPLY_CREATED,
	CAP_KUBE_APPLY_CONFIGURED,
	CAP_KUBE_APPLY_UNCHANGED,  /* client-side: the patch was empty and nothing was sent */
	CAP_KUBE_APPLY_SERVERSIDE, /* server-side apply done (kubectl says "serverside-applied") */
	CAP_KUBE_APPLY_REPLACED,
} cap_kube_apply_result;

/*
 * Applies the desired object obj (read only; apiVersion, kind and metadata.name required).
 * *out_live (may be NULL) receives the object as the server left it (or, with dry_run, would
 * leave it); *out_result (may be NULL) what happened. Errors are the client's, with the
 * server's message. opts may be NULL (client-side apply).
 */
int cap_kube_apply(cap_kube_client *c, cap_value **out_live, cap_kube_apply_result *out_result,
		   const cap_value *obj, const cap_kube_apply_options *opts);

/*
 * The three-way JSON merge patch kubectl sends for kinds without strategic metadata
 * (CreateThreeWayJSONMergePatch): deletions of what original had and modified has not, plus the
 * changes taking current to modified; fields only current has are kept. original may be NULL.
 * *out is new ({} when nothing changes).
 */
int cap_kube_three_way_merge_patch(cap_value **out, const cap_value *original,
				   const cap_value *modified, const cap_value *current);

/*
 * The last-applied-configuration text kubectl stores for obj: its compact JSON without the
 * annotation itself (and with keys in kubectl's order, sorted). Appends to out.
 */
void cap_kube_last_applied(cap_buf *out, const cap_value *obj);

/*
 * The line kubectl prints and Argo CD shows as a resource's sync message:
 * "deployment.apps/web configured", "configmap/settings created (server dry run)". Appends to
 * out.
 */
void cap_kube_apply_message(cap_buf *out, const cap_value *obj, cap_kube_apply_result result,
			    bool dry_run);
