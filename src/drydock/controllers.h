/* Simulated workload controllers: Deployments make ReplicaSets, ReplicaSets make Pods, and status
 * follows after a delay. */
#pragma once

#include "drydock/cluster.h"

/*
 * The controllers' thread body (arg is the dd_cluster). Reconciles every few tens of
 * milliseconds until c->stopping. The annotation drydock.capstan.dev/simulate on a workload
 * (crashloop, imagepull, never-ready, fail, slow) picks how its pods behave.
 */
void *dd_controllers_loop(void *arg);
/* One reconcile pass over every workload (lock held); true when it changed anything. */
bool dd_controllers_pass(dd_cluster *c);
