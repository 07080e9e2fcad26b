/* `capstan run`: the application controller and its health endpoint in one process. */
#pragma once

/* Runs until SIGTERM or SIGINT; 0 after a clean shutdown, 1 when it cannot start, 2 on usage. */
int cap_cmd_run(int argc, char **argv);
