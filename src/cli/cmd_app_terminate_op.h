/* `capstan app terminate-op`: as `argocd app terminate-op --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app terminate-op`; returns the exit code. */
int cap_cmd_app_terminate_op(int argc, char **argv);
