/* Self-signed serving credentials: a CA and a server certificate for 127.0.0.1 and localhost. */
#pragma once

/*
 * Generates an EC P-256 CA and a serving certificate signed by it (SANs: the IP host and
 * "localhost"), all PEM, each a malloc'd string the caller frees. CAP_EGENERIC with OpenSSL's
 * reason on failure.
 */
int dd_tls_generate(char **ca_pem, char **cert_pem, char **key_pem, const char *host);
