/* Serving certificates made with OpenSSL at start-up: a throwaway CA and a leaf for the listen
 * address. */
#include "drydock/tls.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"

static EVP_PKEY *new_key(void)
{
	return EVP_EC_gen("P-256");
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ex) {
		X509_add_ext(cert, ex, -1);
		X509_EXTENSION_free(ex);
	}
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, bool ca,
		       const char *san)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	unsigned char serial[16];
	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509 *iss = issuer ? issuer : x;
	if (ca) {
		add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
		add_ext(x, iss, NID_subject_key_identifier, "hash");
	} else {
		add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature,keyEncipherment");
		add_ext(x, iss, NID_ext_key_usage, "serverAuth");
		add_ext(x, iss, NID_subject_alt_name, san);
		add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
	}
	X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
	return x;
}

static char *pem_of(int (*write)(BIO *, void *), void *obj)
{
	BIO *b = BIO_new(BIO_s_mem());
	write(b, obj);
	char *data;
	long len = BIO_get_mem_data(b, &data);
	char *out = cap_strndup(data, (size_t)len);
	BIO_free(b);
	return out;
}

static int write_cert(BIO *b, void *x)
{
	return PEM_write_bio_X509(b, x);
}

static int write_key(BIO *b, void *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

int dd_tls_generate(char **ca_pem, char **cert_pem, char **key_pem, const char *host)
{
	EVP_PKEY *ca_key = new_key(), *key = new_key();
	if (!ca_key || !key) {
		EVP_PKEY_free(ca_key);
		EVP_PKEY_free(key);
		return cap_error_set(CAP_EGENERIC, "cannot generate keys: %s",
				     ERR_reason_error_string(ERR_get_error()));
	}
	X509 *ca = make_cert(ca_key, "drydock-ca", NULL, NULL, true, NULL);
	char san[256];
	snprintf(san, sizeof(san), "IP:%s,DNS:localhost,IP:127.0.0.1", host);
	X509 *leaf = make_cert(key, "drydock", ca, ca_key, false, san);
	*ca_pem = pem_of(write_cert, ca);
	*cert_pem = pem_of(write_cert, leaf);
	*key_pem = pem_of(write_key, key);
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return 0;
}
