/* `capstan proj windows list`: as `argocd proj windows list --core`, straight to the cluster. */
#pragma once

/* Runs `capstan proj windows list`; returns the exit code. */
int cap_cmd_proj_windows_list(int argc, char **argv);
