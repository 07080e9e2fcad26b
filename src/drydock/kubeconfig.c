/* Kubeconfig output: one cluster, user and context, written through a temporary file and rename. */
#include "drydock/kubeconfig.h"

#include <string.h>

#include "base/base64.h"
#include "base/buf.h"

int dd_kubeconfig_write(const char *path, const char *server, const char *ca_pem, const char *token)
{
	cap_buf b = CAP_BUF_INIT;
	cap_buf_printf(&b,
		       "apiVersion: v1\nkind: Config\nclusters:\n- name: drydock\n  cluster:\n"
		       "    server: %s\n",
		       server);
	if (ca_pem) {
		cap_buf_puts(&b, "    certificate-authority-data: ");
		cap_base64_encode(&b, ca_pem, strlen(ca_pem));
		cap_buf_putc(&b, '\n');
	}
	cap_buf_puts(&b, "users:\n- name: drydock\n  user:");
	if (token)
		cap_buf_printf(&b, "\n    token: %s\n", token);
	else
		cap_buf_puts(&b, " {}\n");
	cap_buf_puts(&b, "contexts:\n- name: drydock\n  context:\n    cluster: drydock\n"
			 "    user: drydock\n    namespace: default\ncurrent-context: drydock\n"
			 "preferences: {}\n");
	int rc = cap_buf_write_file_atomic(&b, path);
	cap_buf_release(&b);
	return rc;
}
