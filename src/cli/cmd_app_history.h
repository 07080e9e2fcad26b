/* `capstan app history`: as `argocd app history --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app history`; returns the exit code. */
int cap_cmd_app_history(int argc, char **argv);
