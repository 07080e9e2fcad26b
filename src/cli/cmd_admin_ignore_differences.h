/* `capstan admin settings resource-overrides ignore-differences`: what ignore rules remove. */
#pragma once

/* Prints, per object of a file, the fields argocd-cm's ignoreDifferences rules remove. */
int cap_cmd_admin_ignore_differences(int argc, char **argv);
