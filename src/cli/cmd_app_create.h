/* `capstan app create`: as `argocd app create --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app create`; returns the exit code. */
int cap_cmd_app_create(int argc, char **argv);
