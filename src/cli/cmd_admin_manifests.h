/* `capstan admin manifests`. */
#pragma once

/*
 * Renders --repo (a local folder or a git URL) at --revision with the source flags of `argocd app
 * create` and prints the objects as YAML documents (or -o json). 0 on success; 1 with the
 * rendering error on stderr; 2 for bad flags.
 */
int cap_cmd_admin_manifests(int argc, char **argv);
