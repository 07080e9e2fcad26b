/* Application health: the worst health over the resources that count, as Argo CD aggregates it. */
#pragma once

#include <stddef.h>

#include "health/health.h"
#include "health/overrides.h"
#include "value/value.h"

/* One managed resource of an application: its desired and live forms and, after aggregation, its
 * health. */
typedef struct cap_health_resource {
	const char *group; /* "" for the core group */
	const char *kind;
	const cap_value *target; /* desired object, NULL when only live (e.g. to be pruned) */
	const cap_value *live;	 /* live object, NULL when missing from the cluster */
	cap_health health;	 /* filled by cap_health_aggregate; release it */
} cap_health_resource;

/*
 * Computes the application's health and each counted resource's health, following Argo CD:
 *  - skipped: targets annotated as Skip hooks, live hooks, live objects annotated
 *    argocd.argoproj.io/ignore-healthcheck: "true", and app itself when it manages itself
 *    (a live argoproj.io Application with app's name, namespace and uid);
 *  - a missing resource is Missing but does not lower the app's health;
 *  - a child Application that is Missing or Unknown does not lower it either;
 *  - otherwise the worst status wins, starting from Healthy;
 *  - when resources count but none of them exists, the app is Missing (unless already worse).
 * app is the Application object (may be NULL); overrides may be NULL. Resources not assessed
 * keep CAP_HEALTH_NONE. A check that failed is marked in its resource's health.failed.
 */
void cap_health_aggregate(cap_health_status *out, cap_health_resource *resources, size_t n,
			  const cap_health_overrides *overrides, const cap_value *app);
