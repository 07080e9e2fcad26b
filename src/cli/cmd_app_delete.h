/* `capstan app delete`: as `argocd app delete --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app delete`; returns the exit code. */
int cap_cmd_app_delete(int argc, char **argv);
