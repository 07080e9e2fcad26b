/* Kubeconfig loading and merging as kubectl does it, in-cluster service accounts, Argo CD Secrets.
 */
#include "kube/config.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/base64.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "kube/internal.h"
#include "value/json.h"
#include "value/yaml.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

void cap_kube_config_init(cap_kube_config *c)
{
	memset(c, 0, sizeof(*c));
}

void cap_kube_config_release(cap_kube_config *c)
{
	if (!c)
		return;
	free(c->server);
	free(c->tls_server_name);
	free(c->ca_pem);
	free(c->cert_pem);
	cap_kube__free_secret(c->key_pem);
	cap_kube__free_secret(c->token);
	free(c->token_file);
	free(c->username);
	cap_kube__free_secret(c->password);
	free(c->proxy_url);
	free(c->namespace);
	free(c->context);
	free(c->cluster_name);
	free(c->user_name);
	cap_kube_config_init(c);
}

static char *dup_or_null(const char *s)
{
	return s ? cap_strdup(s) : NULL;
}

void cap_kube_config_copy(cap_kube_config *out, const cap_kube_config *src)
{
	cap_kube_config c;
	cap_kube_config_init(&c);
	c.server = dup_or_null(src->server);
	c.tls_server_name = dup_or_null(src->tls_server_name);
	c.ca_pem = dup_or_null(src->ca_pem);
	c.insecure = src->insecure;
	c.cert_pem = dup_or_null(src->cert_pem);
	c.key_pem = dup_or_null(src->key_pem);
	c.token = dup_or_null(src->token);
	c.token_file = dup_or_null(src->token_file);
	c.username = dup_or_null(src->username);
	c.password = dup_or_null(src->password);
	c.proxy_url = dup_or_null(src->proxy_url);
	c.namespace = dup_or_null(src->namespace);
	c.context = dup_or_null(src->context);
	c.cluster_name = dup_or_null(src->cluster_name);
	c.user_name = dup_or_null(src->user_name);
	cap_kube_config_release(out);
	*out = c;
}

/* One named entry of a merged kubeconfig and the directory of the file that defined it. */
typedef struct entry {
	cap_value *body; /* the "cluster", "user" or "context" member; a reference */
	char *dir;
} entry;

typedef struct merged {
	cap_hashmap clusters, users, contexts;
	char *current;	 /* current-context */
	cap_value *docs; /* every parsed file, kept alive */
	bool any;	 /* at least one file was read */
} merged;

static void entry_free(void *p)
{
	entry *e = p;
	cap_value_free(e->body);
	free(e->dir);
	free(e);
}

static void merged_release(merged *m)
{
	cap_hashmap_release(&m->clusters, entry_free);
	cap_hashmap_release(&m->users, entry_free);
	cap_hashmap_release(&m->contexts, entry_free);
	free(m->current);
	cap_value_free(m->docs);
}

static void add_entries(cap_hashmap *map, const cap_value *list, const char *member,
			const char *dir)
{
	size_t i;
	cap_value *item;
	if (!cap_value_is_array(list))
		return;
	CAP_VALUE_ARRAY_FOREACH(list, i, item)
	{
		const char *name = cap_value_get_string(cap_value_object_get(item, "name"));
		if (!name || cap_hashmap_contains(map, name))
			continue; /* the first file that names an entry wins */
		entry *e = cap_malloc(sizeof(*e));
		cap_value *body = cap_value_object_get(item, member);
		e->body = cap_value_ref(body ? body : NULL);
		e->dir = cap_strdup(dir);
		cap_hashmap_put(map, name, e);
	}
}

static int merge_file(merged *m, const char *path)
{
	cap_buf text = CAP_BUF_INIT;
	int rc = cap_buf_read_file(&text, path);
	if (rc == CAP_ENOTFOUND) {
		cap_buf_release(&text);
		cap_error_clear();
		return 0; /* kubectl skips files of KUBECONFIG that do not exist */
	}
	if (rc) {
		cap_buf_release(&text);
		return rc;
	}
	cap_value *doc = NULL;
	rc = cap_yaml_parse(&doc, text.ptr, text.len, path, NULL);
	cap_buf_release(&text);
	if (rc)
		return rc;
	m->any = true;
	if (cap_value_is_null(doc)) {
		cap_value_free(doc);
		return 0;
	}
	if (!cap_value_is_object(doc)) {
		cap_value_free(doc);
		return cap_error_set(CAP_EINVALID, "cannot load kubeconfig '%s': not a mapping",
				     path);
	}
	char *copy = cap_strdup(path);
	const char *dir = dirname(copy);
	add_entries(&m->clusters, cap_value_object_get(doc, "clusters"), "cluster", dir);
	add_entries(&m->users, cap_value_object_get(doc, "users"), "user", dir);
	add_entries(&m->contexts, cap_value_object_get(doc, "contexts"), "context", dir);
	free(copy);
	const char *cur = cap_value_get_string(cap_value_object_get(doc, "current-context"));
	if (!m->current && cur && *cur)
		m->current = cap_strdup(cur);
	cap_value_array_append(m->docs, doc);
	return 0;
}

/* Reads the files kubectl would read into m; *explicit says whether a file was named. */
static int merge_files(merged *m, const cap_kube_config_options *opts)
{
	memset(m, 0, sizeof(*m));
	m->docs = cap_value_array();
	if (opts && opts->kubeconfig && *opts->kubeconfig) {
		if (access(opts->kubeconfig, F_OK) != 0)
			return cap_error_set(CAP_ENOTFOUND, "kubeconfig '%s' does not exist",
					     opts->kubeconfig);
		return merge_file(m, opts->kubeconfig);
	}
	const char *env = getenv("KUBECONFIG");
	if (env && *env) {
		cap_strvec files = CAP_STRVEC_INIT;
		cap_strvec_split(&files, env, ':', true);
		int rc = 0;
		for (size_t i = 0; i < files.len && !rc; i++)
			rc = merge_file(m, files.items[i]);
		cap_strvec_release(&files);
		return rc;
	}
	const char *home = getenv("HOME");
	if (!home || !*home)
		return 0;
	cap_buf path = CAP_BUF_INIT;
	cap_buf_printf(&path, "%s/.kube/config", home);
	int rc = merge_file(m, path.ptr);
	cap_buf_release(&path);
	return rc;
}

static const char *str_member(const cap_value *o, const char *key)
{
	const char *s = cap_value_get_string(cap_value_object_get(o, key));
	return s && *s ? s : NULL;
}

static void resolve_path(cap_buf *out, const char *dir, const char *path)
{
	if (path[0] == '/' || !dir)
		cap_buf_puts(out, path);
	else
		cap_buf_printf(out, "%s/%s", dir, path);
}

/* Reads data (base64) or the file at path into *out; field names the kubeconfig field. */
static int data_or_file(char **out, const cap_value *o, const char *data_key, const char *file_key,
			const char *dir, const char *owner)
{
	const char *data = str_member(o, data_key);
	const char *file = str_member(o, file_key);
	cap_buf b = CAP_BUF_INIT;
	if (data) {
		if (cap_base64_decode(&b, data, strlen(data), CAP_BASE64_LENIENT) != 0) {
			cap_buf_release(&b);
			return cap_error_set(CAP_EINVALID,
					     "cannot load kubeconfig: '%s' of '%s' is "
					     "not valid base64",
					     data_key, owner);
		}
	} else if (file) {
		cap_buf path = CAP_BUF_INIT;
		resolve_path(&path, dir, file);
		int rc = cap_buf_read_file(&b, path.ptr);
		cap_buf_release(&path);
		if (rc) {
			cap_buf_release(&b);
			return cap_error_prefix("cannot load kubeconfig '%s' of '%s': ", file_key,
						owner);
		}
	} else {
		return 0;
	}
	free(*out);
	*out = cap_buf_detach(&b, NULL);
	return 0;
}

static int read_token_file(char **out, const char *path)
{
	cap_buf b = CAP_BUF_INIT;
	int rc = cap_buf_read_file(&b, path);
	if (rc) {
		cap_buf_release(&b);
		return rc;
	}
	while (b.len &&
	       (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r' || b.ptr[b.len - 1] == ' '))
		cap_buf_truncate(&b, b.len - 1);
	cap_kube__free_secret(*out);
	*out = cap_buf_detach(&b, NULL);
	return 0;
}

static bool truthy(const cap_value *v)
{
	if (cap_value_is_bool(v))
		return cap_value_get_bool(v);
	const char *s = cap_value_get_string(v);
	return s && strcmp(s, "true") == 0;
}

static int fill_cluster(cap_kube_config *c, const entry *e, const char *name)
{
	const cap_value *o = e->body;
	const char *server = str_member(o, "server");
	if (server && !c->server)
		c->server = cap_strdup(server);
	if (str_member(o, "tls-server-name"))
		c->tls_server_name = cap_strdup(str_member(o, "tls-server-name"));
	if (str_member(o, "proxy-url"))
		c->proxy_url = cap_strdup(str_member(o, "proxy-url"));
	c->insecure = truthy(cap_value_object_get(o, "insecure-skip-tls-verify"));
	return data_or_file(&c->ca_pem, o, "certificate-authority-data", "certificate-authority",
			    e->dir, name);
}

static int fill_user(cap_kube_config *c, const entry *e, const char *name)
{
	const cap_value *o = e->body;
	if (cap_value_object_get(o, "exec") || cap_value_object_get(o, "auth-provider"))
		return cap_error_set(CAP_EUNSUPPORTED,
				     "kubeconfig user '%s' uses an exec or auth-provider plugin, "
				     "which capstan does not run",
				     name);
	if (str_member(o, "token"))
		c->token = cap_strdup(str_member(o, "token"));
	if (str_member(o, "tokenFile")) {
		cap_buf path = CAP_BUF_INIT;
		resolve_path(&path, e->dir, str_member(o, "tokenFile"));
		c->token_file = cap_buf_detach(&path, NULL);
		if (!c->token) {
			int rc = read_token_file(&c->token, c->token_file);
			if (rc)
				return cap_error_prefix("cannot load kubeconfig user '%s': ", name);
		}
	}
	if (str_member(o, "username"))
		c->username = cap_strdup(str_member(o, "username"));
	if (str_member(o, "password"))
		c->password = cap_strdup(str_member(o, "password"));
	int rc = data_or_file(&c->cert_pem, o, "client-certificate-data", "client-certificate",
			      e->dir, name);
	if (!rc)
		rc = data_or_file(&c->key_pem, o, "client-key-data", "client-key", e->dir, name);
	return rc;
}

static int load_from(cap_kube_config *c, merged *m, const cap_kube_config_options *opts)
{
	const char *ctx_name = opts && opts->context && *opts->context ? opts->context : m->current;
	const entry *ctx = NULL;
	if (ctx_name) {
		ctx = cap_hashmap_get(&m->contexts, ctx_name);
		if (!ctx)
			return cap_error_set(CAP_ENOTFOUND, "context '%s' not found in kubeconfig",
					     ctx_name);
		c->context = cap_strdup(ctx_name);
	}
	const char *cluster_name = opts && opts->cluster && *opts->cluster
				       ? opts->cluster
				       : (ctx ? str_member(ctx->body, "cluster") : NULL);
	const char *user_name = opts && opts->user && *opts->user
				    ? opts->user
				    : (ctx ? str_member(ctx->body, "user") : NULL);
	const char *ns = opts && opts->namespace && *opts->namespace
			     ? opts->namespace
			     : (ctx ? str_member(ctx->body, "namespace") : NULL);
	if (opts && opts->server && *opts->server)
		c->server = cap_strdup(opts->server);
	if (cluster_name) {
		const entry *e = cap_hashmap_get(&m->clusters, cluster_name);
		if (!e)
			return cap_error_set(CAP_ENOTFOUND, "cluster '%s' not found in kubeconfig",
					     cluster_name);
		c->cluster_name = cap_strdup(cluster_name);
		int rc = fill_cluster(c, e, cluster_name);
		if (rc)
			return rc;
	}
	if (user_name) {
		const entry *e = cap_hashmap_get(&m->users, user_name);
		if (!e)
			return cap_error_set(CAP_ENOTFOUND, "user '%s' not found in kubeconfig",
					     user_name);
		c->user_name = cap_strdup(user_name);
		int rc = fill_user(c, e, user_name);
		if (rc)
			return rc;
	}
	c->namespace = cap_strdup(ns ? ns : "default");
	if (!c->server) {
		if (!ctx_name)
			return cap_error_set(CAP_EINVALID, "kubeconfig has no current-context");
		return cap_error_set(CAP_EINVALID, "context '%s' has no cluster server", ctx_name);
	}
	return 0;
}

int cap_kube_config_load(cap_kube_config *out, const cap_kube_config_options *opts)
{
	merged m;
	int rc = merge_files(&m, opts);
	if (rc) {
		merged_release(&m);
		return rc;
	}
	if (!m.any) {
		merged_release(&m);
		if (getenv("KUBERNETES_SERVICE_HOST") && !(opts && opts->context && *opts->context))
			return cap_kube_config_load_in_cluster(out, NULL);
		return cap_error_set(CAP_ENOTFOUND, "no kubeconfig found (set KUBECONFIG or use "
						    "--kubeconfig)");
	}
	cap_kube_config c;
	cap_kube_config_init(&c);
	rc = load_from(&c, &m, opts);
	merged_release(&m);
	if (rc) {
		cap_kube_config_release(&c);
		return rc;
	}
	cap_kube_config_release(out);
	*out = c;
	return 0;
}

int cap_kube_config_list_contexts(cap_strvec *out, char **current,
				  const cap_kube_config_options *opts)
{
	merged m;
	int rc = merge_files(&m, opts);
	if (rc) {
		merged_release(&m);
		return rc;
	}
	cap_hashmap_iter it = CAP_HASHMAP_ITER_INIT;
	const char *k;
	void *v;
	cap_strvec names = CAP_STRVEC_INIT;
	while (cap_hashmap_next(&m.contexts, &it, &k, &v))
		cap_strvec_push(&names, k);
	cap_strvec_sort(&names);
	for (size_t i = 0; i < names.len; i++)
		cap_strvec_push(out, names.items[i]);
	cap_strvec_release(&names);
	if (current)
		*current = m.current ? cap_strdup(m.current) : NULL;
	merged_release(&m);
	return 0;
}

int cap_kube_config_load_in_cluster(cap_kube_config *out, const char *sa_dir)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	if (!host || !*host || !port || !*port)
		return cap_error_set(CAP_ENOTFOUND, "not running in a cluster: "
						    "KUBERNETES_SERVICE_HOST and _PORT are unset");
	if (!sa_dir)
		sa_dir = SA_DIR;
	cap_kube_config c;
	cap_kube_config_init(&c);
	cap_buf b = CAP_BUF_INIT;
	if (strchr(host, ':'))
		cap_buf_printf(&b, "https://[%s]:%s", host, port);
	else
		cap_buf_printf(&b, "https://%s:%s", host, port);
	c.server = cap_buf_detach(&b, NULL);
	cap_buf_printf(&b, "%s/token", sa_dir);
	c.token_file = cap_buf_detach(&b, NULL);
	int rc = read_token_file(&c.token, c.token_file);
	if (rc) {
		cap_kube_config_release(&c);
		return cap_error_set(CAP_ENOTFOUND,
				     "not running in a cluster: cannot read the "
				     "service account token in '%s'",
				     sa_dir);
	}
	cap_buf_printf(&b, "%s/ca.crt", sa_dir);
	cap_buf ca = CAP_BUF_INIT;
	if (cap_buf_read_file(&ca, b.ptr) == 0)
		c.ca_pem = cap_buf_detach(&ca, NULL);
	cap_buf_release(&ca);
	cap_buf_clear(&b);
	cap_buf_printf(&b, "%s/namespace", sa_dir);
	char *ns = NULL;
	if (read_token_file(&ns, b.ptr) == 0 && *ns)
		c.namespace = ns;
	else
		free(ns);
	cap_error_clear();
	if (!c.namespace)
		c.namespace = cap_strdup("default");
	cap_buf_release(&b);
	cap_kube_config_release(out);
	*out = c;
	return 0;
}

static int decode_pem(char **out, const cap_value *tls, const char *key, const char *server)
{
	const char *s = cap_value_get_string(cap_value_object_get(tls, key));
	if (!s || !*s)
		return 0;
	cap_buf b = CAP_BUF_INIT;
	if (cap_base64_decode(&b, s, strlen(s), CAP_BASE64_LENIENT) != 0) {
		cap_buf_release(&b);
		return cap_error_set(CAP_EINVALID,
				     "cluster '%s': tlsClientConfig.%s is not valid "
				     "base64",
				     server, key);
	}
	*out = cap_buf_detach(&b, NULL);
	return 0;
}

int cap_kube_config_from_argocd(cap_kube_config *out, const char *server, const cap_value *config)
{
	if (!server || !*server)
		return cap_error_set(CAP_EINVALID, "cluster has no server");
	if (cap_value_object_get(config, "execProviderConfig") ||
	    cap_value_object_get(config, "awsAuthConfig"))
		return cap_error_set(CAP_EUNSUPPORTED,
				     "cluster '%s' uses execProviderConfig or awsAuthConfig, which "
				     "capstan does not run",
				     server);
	const cap_value *tls = cap_value_object_get(config, "tlsClientConfig");
	const char *token = cap_value_get_string(cap_value_object_get(config, "bearerToken"));
	const char *user = cap_value_get_string(cap_value_object_get(config, "username"));
	bool has_creds = (token && *token) || (user && *user) ||
			 cap_value_object_get(tls, "certData") ||
			 cap_value_object_get(tls, "caData");
	/* Argo CD's own cluster, registered without credentials: the pod's service account. */
	if (strcmp(server, CAP_KUBE_IN_CLUSTER_SERVER) == 0 && !has_creds &&
	    getenv("KUBERNETES_SERVICE_HOST"))
		return cap_kube_config_load_in_cluster(out, NULL);

	cap_kube_config c;
	cap_kube_config_init(&c);
	c.server = cap_strdup(server);
	c.namespace = cap_strdup("default");
	if (token && *token)
		c.token = cap_strdup(token);
	if (user && *user)
		c.username = cap_strdup(user);
	const char *pass = cap_value_get_string(cap_value_object_get(config, "password"));
	if (pass && *pass)
		c.password = cap_strdup(pass);
	c.insecure = truthy(cap_value_object_get(tls, "insecure"));
	const char *sni = cap_value_get_string(cap_value_object_get(tls, "serverName"));
	if (sni && *sni)
		c.tls_server_name = cap_strdup(sni);
	int rc = decode_pem(&c.ca_pem, tls, "caData", server);
	if (!rc)
		rc = decode_pem(&c.cert_pem, tls, "certData", server);
	if (!rc)
		rc = decode_pem(&c.key_pem, tls, "keyData", server);
	if (rc) {
		cap_kube_config_release(&c);
		return rc;
	}
	cap_kube_config_release(out);
	*out = c;
	return 0;
}

/* A Secret field from data (base64) or stringData, into out; 1 when present, 0 when absent. */
static int secret_field(cap_buf *out, const cap_value *secret, const char *key, const char *name)
{
	const char *plain = cap_value_dig_string(secret, "stringData", key, NULL);
	if (plain) {
		cap_buf_puts(out, plain);
		return 1;
	}
	const char *enc = cap_value_dig_string(secret, "data", key, NULL);
	if (!enc)
		return 0;
	if (cap_base64_decode(out, enc, strlen(enc), CAP_BASE64_LENIENT) != 0)
		return cap_error_set(CAP_EINVALID,
				     "cluster secret '%s': field '%s' is not valid "
				     "base64",
				     name, key);
	return 1;
}

int cap_kube_config_from_argocd_secret(cap_kube_config *out, const cap_value *secret)
{
	const char *name = cap_value_dig_string(secret, "metadata", "name", NULL);
	if (!name)
		name = "";
	cap_buf server = CAP_BUF_INIT, config = CAP_BUF_INIT;
	cap_value *cfg = NULL;
	int rc = secret_field(&server, secret, "server", name);
	if (rc == 0)
		rc = cap_error_set(CAP_EINVALID, "cluster secret '%s' has no 'server'", name);
	if (rc < 0)
		goto done;
	rc = secret_field(&config, secret, "config", name);
	if (rc < 0)
		goto done;
	if (rc == 1 && config.len) {
		rc = cap_json_parse(&cfg, config.ptr, config.len, NULL, NULL);
		if (rc) {
			rc = cap_error_set(CAP_EINVALID,
					   "cluster secret '%s': field 'config' is not "
					   "valid JSON",
					   name);
			goto done;
		}
	}
	rc = cap_kube_config_from_argocd(out, server.ptr, cfg);
done:
	cap_value_free(cfg);
	if (config.len)
		explicit_bzero(config.ptr, config.len);
	cap_buf_release(&config);
	cap_buf_release(&server);
	return rc < 0 ? rc : 0;
}
