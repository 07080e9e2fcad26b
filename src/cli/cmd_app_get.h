/* `capstan app get`: as `argocd app get --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app get`; returns the exit code. */
int cap_cmd_app_get(int argc, char **argv);
