/* `capstan app manifests`: as `argocd app manifests --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app manifests`; returns the exit code. */
int cap_cmd_app_manifests(int argc, char **argv);
