/* Server-side apply (PATCH application/apply-patch+yaml) and managedFields for ordinary writes. */
#pragma once

#include <stdbool.h>

#include "drydock/cluster.h"

/*
 * Merges config into live (NULL: the object does not exist) as manager; *out is a new object
 * with managedFields rewritten. On a conflict fills res with the API server's 409 and returns
 * CAP_ECONFLICT; other failures fill res too.
 */
int dd_apply_merge(cap_value **out, dd_cluster *c, const dd_rtype *t, const cap_value *live,
		   const cap_value *config, const char *manager, bool force,
		   const char *subresource, dd_response *res);
