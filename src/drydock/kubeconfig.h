/* The kubeconfig drydock writes once listening, so scripts can point kubectl at it. */
#pragma once

/*
 * Writes a kubeconfig (cluster, user, context "drydock", current-context) for server (a URL) to
 * path atomically. ca_pem (PEM, may be NULL) goes in certificate-authority-data; token (may be
 * NULL) is the user's bearer token. CAP_EIO naming the path on failure.
 */
int dd_kubeconfig_write(const char *path, const char *server, const char *ca_pem,
			const char *token);
