/* `capstan app set`: as `argocd app set --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app set`; returns the exit code. */
int cap_cmd_app_set(int argc, char **argv);
