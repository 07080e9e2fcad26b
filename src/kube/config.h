/* Cluster connection settings: kubeconfig files, in-cluster accounts, Argo CD cluster Secrets. */
#pragma once

#include <stdbool.h>

#include "base/strvec.h"
#include "value/value.h"

/*
 * Everything needed to talk to one API server. Strings are malloc'd and owned by the config;
 * NULL means unset. Credentials and CA bundles are held as bytes (files named by a kubeconfig
 * are read at load time), except token_file, which the client re-reads about once a minute so
 * rotated service-account tokens keep working. No function here ever puts a token, password or
 * key into an error message.
 */
typedef struct cap_kube_config {
	char *server;	       /* "https://10.0.0.1:6443"; never NULL after a successful load */
	char *tls_server_name; /* SNI and verification name, when it differs from the host */
	char *ca_pem;	       /* PEM CA bundle; NULL: the system's trust store */
	bool insecure;	       /* insecure-skip-tls-verify: no server certificate check at all */
	char *cert_pem;	       /* client certificate (PEM) */
	char *key_pem;	       /* client key (PEM) */
	char *token;	       /* bearer token */
	char *token_file;      /* file holding the bearer token; read at load and by the client */
	char *username;	       /* basic auth */
	char *password;
	char *proxy_url;    /* cluster proxy-url */
	char *namespace;    /* the context's namespace; "default" when it names none */
	char *context;	    /* the context used; NULL for in-cluster and Argo CD configs */
	char *cluster_name; /* the kubeconfig cluster's name, when loaded from one */
	char *user_name;    /* the kubeconfig user's name, when loaded from one */
} cap_kube_config;

void cap_kube_config_init(cap_kube_config *c);
/* Frees every member (wiping secrets first); the config is empty and reusable. Accepts NULL. */
void cap_kube_config_release(cap_kube_config *c);
/* Replaces *out (released first) with a deep copy of src. */
void cap_kube_config_copy(cap_kube_config *out, const cap_kube_config *src);

typedef struct cap_kube_config_options {
	const char *kubeconfig; /* --kubeconfig: this one file, ignoring KUBECONFIG; NULL: unset */
	const char *context;	/* --context: instead of current-context */
	const char *cluster;	/* --cluster: overrides the context's cluster */
	const char *user;	/* --user: overrides the context's user */
	const char *namespace;	/* --namespace: overrides the context's namespace */
	const char *server;	/* --server: overrides the cluster's server URL */
} cap_kube_config_options;

/*
 * Loads the configuration kubectl would use. Files, in order of precedence: opts->kubeconfig;
 * else every file of the KUBECONFIG list (':'-separated, missing files skipped), merged as
 * kubectl merges them (for each map entry and for current-context, the first file that sets it
 * wins); else ~/.kube/config ($HOME). When no file exists and KUBERNETES_SERVICE_HOST is set,
 * the in-cluster configuration is used (as client-go's deferred loader does).
 *
 * Relative certificate-authority, client-certificate, client-key and tokenFile paths resolve
 * against the directory of the file that named them. Supported cluster fields: server,
 * certificate-authority(-data), insecure-skip-tls-verify, tls-server-name, proxy-url; user
 * fields: token, tokenFile, client-certificate(-data), client-key(-data), username, password.
 * A user with exec or auth-provider is CAP_EUNSUPPORTED naming the user.
 *
 * opts may be NULL. Errors: CAP_ENOTFOUND when there is no configuration at all, or the
 * context, cluster or user it names is missing ("context 'prod' not found in kubeconfig");
 * CAP_EINVALID for a malformed file (quoting its path) or a context without a server; CAP_EIO
 * for unreadable referenced files. *out is replaced only on success.
 */
int cap_kube_config_load(cap_kube_config *out, const cap_kube_config_options *opts);

/*
 * The context names of the merged kubeconfig (opts as for load; only kubeconfig is used), sorted,
 * and its current-context into *current (malloc'd, NULL when unset; current may be NULL).
 */
int cap_kube_config_list_contexts(cap_strvec *out, char **current,
				  const cap_kube_config_options *opts);

/*
 * The in-cluster configuration of a pod: server https://$KUBERNETES_SERVICE_HOST:
 * $KUBERNETES_SERVICE_PORT (IPv6 hosts bracketed), and token (as token_file), ca.crt and
 * namespace from sa_dir (NULL: /var/run/secrets/kubernetes.io/serviceaccount). CAP_ENOTFOUND
 * when the variables are unset or the token is missing.
 */
int cap_kube_config_load_in_cluster(cap_kube_config *out, const char *sa_dir);

/* The server URL Argo CD uses for the cluster it runs in. */
#define CAP_KUBE_IN_CLUSTER_SERVER "https://kubernetes.default.svc"

/*
 * A configuration from the fields of an Argo CD cluster Secret: server (URL) and config, the
 * parsed JSON {bearerToken, username, password, tlsClientConfig{insecure, serverName, caData,
 * certData, keyData}} where the *Data members are base64 PEM. config may be NULL. Fields that
 * Capstan cannot honour (execProviderConfig, awsAuthConfig) are CAP_EUNSUPPORTED naming the
 * server. The namespace is "default". The in-cluster server (CAP_KUBE_IN_CLUSTER_SERVER) with
 * no credentials, as Argo CD registers its own cluster, gives the pod's in-cluster configuration
 * when KUBERNETES_SERVICE_HOST is set.
 */
int cap_kube_config_from_argocd(cap_kube_config *out, const char *server, const cap_value *config);

/*
 * The same from a whole cluster Secret object (v1 Secret JSON): server, name and config are
 * read from base64 `data` or plain `stringData`. CAP_EINVALID naming the Secret when server is
 * missing or a field is not base64 or not JSON (the message never holds a value).
 */
int cap_kube_config_from_argocd_secret(cap_kube_config *out, const cap_value *secret);
