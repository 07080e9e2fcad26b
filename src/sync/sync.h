/* The sync library's annotations and the kind order every sync follows. */
#pragma once

/*
 * The sync library knows objects and clusters, never Applications (like gitops-engine): the
 * controller hands sync/engine.h the desired objects, the hooks and the live ones and turns the
 * per-task results into an operation state.
 */

#define CAP_SYNC_OPTIONS_ANNOTATION "argocd.argoproj.io/sync-options"
#define CAP_SYNC_WAVE_ANNOTATION "argocd.argoproj.io/sync-wave"
#define CAP_SYNC_HOOK_ANNOTATION "argocd.argoproj.io/hook"
#define CAP_SYNC_COMPARE_OPTIONS_ANNOTATION "argocd.argoproj.io/compare-options"

/*
 * The rank of a kind in Argo CD's order within a wave (smaller first): Namespaces, then
 * CustomResourceDefinitions, then gitops-engine's table (NetworkPolicy, ResourceQuota, …,
 * ServiceAccount, Secret, ConfigMap, …, Service, DaemonSet, Pod, ReplicaSet, Deployment,
 * StatefulSet, Job, CronJob, Ingress, APIService); unknown kinds after every known one.
 */
int cap_sync_kind_rank(const char *kind);
