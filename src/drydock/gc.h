/* The garbage collector and namespace lifecycle: ownerReferences, foreground and orphan deletion,
 * terminating namespaces. */
#pragma once

#include <stdint.h>

#include "drydock/cluster.h"

/*
 * One pass over the store (lock held): deletes dependents whose owners are all gone, serves the
 * foregroundDeletion and orphan finalizers, and empties then removes terminating namespaces.
 * Returns true when it changed anything (another pass may find more to do).
 */
bool dd_gc_pass(dd_cluster *c);

/* Deletes Events whose lastTimestamp is older than ttl_s seconds, as the API server's TTL does. */
void dd_gc_expire_events(dd_cluster *c, int64_t ttl_s);
