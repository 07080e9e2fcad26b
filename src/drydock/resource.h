/* The resource endpoints: get, list, watch, create, update, patch, delete and deletecollection,
 * with subresources. */
#pragma once

#include "drydock/cluster.h"
#include "drydock/url.h"

/*
 * Serves a request whose path names a resource (p->resource set). Takes the store lock itself;
 * a watch is returned in res->watch and streamed after the lock is released.
 */
void dd_resource_handle(dd_cluster *c, dd_request *req, const dd_path *p, dd_response *res);

/*
 * Decodes a request body (JSON or YAML by content type) into *out. Fills res with 400 or 415
 * and returns false when it cannot.
 */
bool dd_body_decode(const dd_request *req, cap_value **out, dd_response *res);
