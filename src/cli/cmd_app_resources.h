/* `capstan app resources`: as `argocd app resources --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app resources`; returns the exit code. */
int cap_cmd_app_resources(int argc, char **argv);
