/* OpenAPI documents: /openapi/v2, the /openapi/v3 index with hashes, and one document per
 * group-version (CRDs included). */
#pragma once

#include "drydock/cluster.h"

/* Serves GET /openapi/v2 and /openapi/v3[/<gv>]. Loads the shared documents on first use. */
void dd_openapi_handle(dd_cluster *c, dd_request *req, dd_response *res);
/* Frees the cached documents. Accepts NULL. */
void dd_openapi_free(dd_openapi *o);
