/* `capstan app wait`: as `argocd app wait --core`, straight to the cluster. */
#pragma once

/* Runs `capstan app wait`; returns the exit code. */
int cap_cmd_app_wait(int argc, char **argv);
