/* `capstan cluster list`: the destination clusters, as `argocd cluster list --core`. */
#pragma once

/* Runs `capstan cluster list`; returns the exit code. */
int cap_cmd_cluster_list(int argc, char **argv);
