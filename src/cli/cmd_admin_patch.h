/* `capstan admin patch apply|create`. */
#pragma once

/*
 * argv[1] is "apply" or "create". apply prints BASE with PATCH applied (json, merge or
 * strategic); create prints the patch from CONFIG to LIVE as kubectl apply computes it (or
 * two-way with --two-way). Exit 0 on success, 1 with the reason on stderr, 2 on bad usage.
 */
int cap_cmd_admin_patch(int argc, char **argv);
