/* The kind order of a sync: which kinds gitops-engine creates first within one wave. */
#include "sync/sync.h"

#include <string.h>

#include "base/alloc.h"

/* gitops-engine's kindOrder: the order kinds are created in within a wave. */
static const char *const kind_order[] = {
    "Namespace",	  "NetworkPolicy",	    "ResourceQuota",
    "LimitRange",	  "PodSecurityPolicy",	    "PodDisruptionBudget",
    "ServiceAccount",	  "Secret",		    "SecretList",
    "ConfigMap",	  "StorageClass",	    "PersistentVolume",
    "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleList",	  "ClusterRoleBinding",	    "ClusterRoleBindingList",
    "Role",		  "RoleList",		    "RoleBinding",
    "RoleBindingList",	  "Service",		    "DaemonSet",
    "Pod",		  "ReplicationController",  "ReplicaSet",
    "Deployment",	  "HorizontalPodAutoscaler", "StatefulSet",
    "Job",		  "CronJob",		    "IngressClass",
    "Ingress",		  "APIService",
};

int cap_sync_kind_rank(const char *kind)
{
	/* Namespaces and CRDs lead: what the rest of the wave may live in or be an instance of */
	if (!strcmp(kind, "Namespace"))
		return -2;
	if (!strcmp(kind, "CustomResourceDefinition"))
		return -1;
	for (size_t i = 0; i < CAP_ARRAY_SIZE(kind_order); i++)
		if (!strcmp(kind, kind_order[i]))
			return (int)i;
	return (int)CAP_ARRAY_SIZE(kind_order);
}

