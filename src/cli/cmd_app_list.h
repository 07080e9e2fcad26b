/* `capstan app list`: as `argocd app list --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app list`; returns the exit code. */
int cap_cmd_app_list(int argc, char **argv);
