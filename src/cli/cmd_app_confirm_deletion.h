/* `capstan app confirm-deletion`: approve the deletions an Application waits for. */
#pragma once

/* Runs `capstan app confirm-deletion` (Delete=confirm approval); returns the exit code. */
int cap_cmd_app_confirm_deletion(int argc, char **argv);
