/* `capstan admin diff CONFIG LIVE`: compare manifests with live objects offline, for scripts. */
#pragma once

/* Exit 0 when every object matches, 1 when something differs (the diff is printed), 2 on error. */
int cap_cmd_admin_diff(int argc, char **argv);
