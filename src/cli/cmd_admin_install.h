/* `capstan admin install`: the CRDs, namespace, default project and settings objects. */
#pragma once

/* Installs what Capstan needs into the cluster KUBECONFIG names; idempotent. Exit code. */
int cap_cmd_admin_install(int argc, char **argv);
