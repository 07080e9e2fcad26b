/* The write operations every path shares (handlers, garbage collector, controllers): create, update
 * and delete with the API server's rules. */
#pragma once

#include <stdbool.h>

#include "drydock/cluster.h"
#include "drydock/http.h"

typedef struct dd_write_opts {
	bool dry_run;
	const char *field_manager;    /* managedFields manager; NULL derives one from the agent */
	const char *operation;	      /* "Update" (default) or "Apply" */
	const char *field_validation; /* "Strict", "Warn", "Ignore"; NULL is Ignore */
	const char *subresource;      /* "" / NULL, "status" or "scale" */
	bool allow_create;	      /* update may create (server-side apply) */
} dd_write_opts;

typedef struct dd_delete_opts {
	bool dry_run;
	const char *propagation; /* "Background", "Foreground", "Orphan"; NULL for default */
	const char *precondition_uid;
	const char *precondition_rv;
	int64_t grace_period_seconds; /* -1 when unset */
} dd_delete_opts;

/*
 * All of these run with c->store.lock held. On failure they fill res with the Status the API
 * server answers and return NULL; on success they return the stored (or, for dry runs, the
 * would-be) object as a borrowed revision valid until the lock is released (a dry-run result
 * is owned by the cluster's scratch list and freed at the next call), and may set res->warning.
 */

/* POST: obj (stolen) is created in ns. */
dd_obj *dd_op_create(dd_cluster *c, const dd_rtype *t, const char *ns, cap_value *obj,
		     const dd_write_opts *o, dd_response *res);
/* PUT: obj (stolen) replaces (ns, name); a resourceVersion in it is a precondition. */
dd_obj *dd_op_update(dd_cluster *c, const dd_rtype *t, const char *ns, const char *name,
		     cap_value *obj, const dd_write_opts *o, dd_response *res);
/*
 * DELETE: immediate removal, or marking with deletionTimestamp when finalizers (or the
 * propagation policy) require it. *gone tells which happened.
 */
dd_obj *dd_op_delete(dd_cluster *c, const dd_rtype *t, const char *ns, const char *name,
		     const dd_delete_opts *o, bool *gone, dd_response *res);

/* Validates a DNS-1123 subdomain (or label when label is set); NULL when valid, else the reason. */
const char *dd_validate_name(const char *name, bool label);
/* The namespace check for namespaced writes: true when ns exists and is active, else fills res. */
bool dd_namespace_usable(dd_cluster *c, const dd_rtype *t, const char *ns, const char *name,
			 dd_response *res);
/* A new random RFC 4122 version 4 UUID into out (37 bytes). */
void dd_new_uid(char out[37]);
/* The bucket of a type ("apps/deployments"). */
void dd_rtype_bucket(const dd_rtype *t, cap_buf *out);
