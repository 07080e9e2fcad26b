/* `capstan app rollback`: as `argocd app rollback --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app rollback`; returns the exit code. */
int cap_cmd_app_rollback(int argc, char **argv);
