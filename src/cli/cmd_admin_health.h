/* `capstan admin settings resource-overrides health`: run health checks on objects in a file. */
#pragma once

/* Prints STATUS and MESSAGE for each object of a YAML file under an argocd-cm's overrides. */
int cap_cmd_admin_health(int argc, char **argv);
