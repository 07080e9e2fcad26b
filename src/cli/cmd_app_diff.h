/* `capstan app diff`: as `argocd app diff --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app diff`; returns the exit code. */
int cap_cmd_app_diff(int argc, char **argv);
