/* `capstan app sync`: as `argocd app sync --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app sync`; returns the exit code. */
int cap_cmd_app_sync(int argc, char **argv);
