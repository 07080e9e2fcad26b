/* Workload simulation: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job and Pod status as controllers and kubelets would write them. */
#include "drydock/controllers.h"

#include "base/time.h"

bool dd_controllers_pass(dd_cluster *c)
{
	(void)c;
	return false;
}

void *dd_controllers_loop(void *arg)
{
	dd_cluster *c = arg;
	dd_store_lock(&c->store);
	while (!c->stopping) {
		dd_controllers_pass(c);
		dd_store_unlock(&c->store);
		cap_time_sleep_ms(50);
		dd_store_lock(&c->store);
	}
	dd_store_unlock(&c->store);
	return NULL;
}
