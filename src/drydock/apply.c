/* Server-side apply through the patch layer's structured merge, with conflicts worded as the API
 * server words them. */
#include "drydock/apply.h"

#include <string.h>

#include "base/error.h"
#include "drydock/fields.h"
#include "drydock/status.h"
#include "patch/ssa.h"
#include "schema/smd.h"

/* True when every manager a conflict message names is kubectl's client-side apply. */
static bool only_client_side_apply(const char *msg)
{
	bool any = false;
	const char *p = msg;
	while ((p = strstr(p, "with \"")) != NULL) {
		p += 6;
		const char *end = strchr(p, '"');
		if (!end)
			return false;
		if ((size_t)(end - p) != strlen("kubectl-client-side-apply") ||
		    strncmp(p, "kubectl-client-side-apply", (size_t)(end - p)) != 0)
			return false;
		any = true;
		p = end;
	}
	return any;
}

int dd_apply_merge(cap_value **out, dd_cluster *c, const dd_rtype *t, const cap_value *live,
		   const cap_value *config, const char *manager, bool force,
		   const char *subresource, dd_response *res)
{
	cap_smd_schema *s = dd_fields_smd(c);
	cap_buf av = CAP_BUF_INIT;
	dd_rtype_api_version(t, &av);
	cap_ssa_options o = {
	    .manager = manager,
	    .api_version = av.ptr,
	    .subresource = subresource && *subresource ? subresource : NULL,
	    .force = force,
	};
	int rc = cap_ssa_apply(out, s, live, config, &o);
	if (rc == CAP_ECONFLICT && !force && strcmp(manager, "kubectl") == 0 &&
	    cap_value_dig((cap_value *)live, "metadata", "annotations",
			  "kubectl.kubernetes.io/last-applied-configuration", NULL) &&
	    only_client_side_apply(cap_error_last())) {
		/* kubectl moving an object from client-side to server-side apply takes over what
		 * its client-side applies owned, as the API server's last-applied handling allows
		 */
		o.force = true;
		rc = cap_ssa_apply(out, s, live, config, &o);
	}
	cap_buf_release(&av);
	if (rc == CAP_ECONFLICT) {
		dd_status_error(
		    res, 409, "Conflict", cap_error_last(), t->group, t->resource,
		    cap_value_dig_string((cap_value *)config, "metadata", "name", NULL));
		return rc;
	}
	if (rc < 0) {
		dd_status_bad_request(res, cap_error_last());
		return rc;
	}
	return 0;
}
