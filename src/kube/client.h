/* The Kubernetes REST client: one per cluster, thread-safe, rate-limited, with typed errors. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "kube/config.h"
#include "kube/key.h"
#include "value/value.h"

/*
 * A cap_kube_client talks to one API server over libcurl: HTTP/2 over TLS where the server
 * offers it, HTTP/1.1 keep-alive otherwise, from a pool of handles so any number of threads may
 * call it at once. Every request first takes a token from a bucket (qps tokens per second, at
 * most burst saved), as client-go does, so a busy controller cannot flood the API server.
 *
 * Errors map the server's Status (or the transport's failure) to codes, and the thread's error
 * message is the server's own message text, unchanged, because it becomes the message users
 * read on a sync result ("configmaps \"web\" not found"):
 *
 *   404                         CAP_ENOTFOUND
 *   409 reason AlreadyExists    CAP_EEXISTS
 *   409 other (Conflict)        CAP_ECONFLICT
 *   410 Gone/Expired            CAP_ECONFLICT (a stale resourceVersion or continue token)
 *   400, 422                    CAP_EINVALID
 *   401                         CAP_EAUTH
 *   403                         CAP_EPERM
 *   415                         CAP_EUNSUPPORTED (e.g. strategic merge patch on a custom resource)
 *   429, 5xx, connection errors CAP_EUNAVAILABLE
 *   client-side timeout         CAP_ETIMEOUT
 *   any other status            CAP_EGENERIC
 *
 * When the body is not a Status the message is "the server responded with status N: <body
 * start>"; transport failures read "cannot reach 'https://…': <curl's reason>". Tokens never
 * appear in messages. cap_kube_last_status gives the reason and code for callers that need them.
 */
typedef struct cap_kube_client cap_kube_client;
typedef struct cap_kube_discovery cap_kube_discovery;

typedef struct cap_kube_client_options {
	double qps;		     /* requests per second; 0: 200; negative: unlimited */
	unsigned burst;		     /* bucket size; 0: 400 (or qps*2 when qps is set) */
	unsigned timeout_ms;	     /* whole-request limit for non-watch requests; 0: 60000 */
	unsigned connect_timeout_ms; /* 0: 10000 */
	const char *user_agent;	     /* NULL: "capstan/<version>" */
} cap_kube_client_options;

/*
 * Makes a client for config (copied; the caller keeps its own). opts may be NULL. No network
 * traffic happens here. CAP_EINVALID when config has no server or an unusable PEM. *out is
 * freed with cap_kube_client_free.
 */
int cap_kube_client_new(cap_kube_client **out, const cap_kube_config *config,
			const cap_kube_client_options *opts);
/* Closes every connection and frees the client; no call may be in flight. Accepts NULL. */
void cap_kube_client_free(cap_kube_client *c);
/*
 * Winds the client down for a shutdown, from any thread: calls still running grace_ms from now
 * are aborted, and calls made after that fail at once, with CAP_ECANCELED; a call waiting for
 * the rate limiter waits no longer than the grace. Calls already done are unaffected. A second
 * close may only shorten the grace. The client must still be freed once no call is in flight.
 */
void cap_kube_client_close(cap_kube_client *c, uint64_t grace_ms);
/* True once cap_kube_client_close was called (even while its grace lasts). */
bool cap_kube_client_closing(cap_kube_client *c);
/* The client's own copy of its configuration; lives as long as the client. */
const cap_kube_config *cap_kube_client_config(const cap_kube_client *c);
/*
 * The client's discovery cache, made on first use and freed with the client (see
 * kube/discovery.h). Operations below use it to find a key's resource when key->resource is "".
 */
cap_kube_discovery *cap_kube_client_discovery(cap_kube_client *c);

/* The server's Status of the calling thread's last failed request. */
typedef struct cap_kube_status {
	long code; /* HTTP status; 0 for transport failures */
	char
	    reason[64]; /* "NotFound", "AlreadyExists", "Conflict", "Invalid", "Expired", … or "" */
} cap_kube_status;
/* Copies the calling thread's last Status to *out (zeroed when the last request succeeded). */
void cap_kube_last_status(cap_kube_status *out);

/* A raw response. body is owned (cap_buf_release through cap_kube_response_release). */
typedef struct cap_kube_response {
	long status;
	cap_buf body;
	char content_type[128];
} cap_kube_response;
void cap_kube_response_release(cap_kube_response *r);

/*
 * One request to path (starting with '/', query included, already escaped) with an optional
 * body of content_type. accept NULL is "application/json". Returns 0 whenever the server
 * answered, whatever the status (in out->status): for callers that read non-JSON or unusual
 * endpoints. Transport failures are CAP_EUNAVAILABLE or CAP_ETIMEOUT. *out must be released.
 */
int cap_kube_request(cap_kube_client *c, cap_kube_response *out, const char *method,
		     const char *path, const char *content_type, const char *body, size_t body_len,
		     const char *accept);

/* GET of any JSON endpoint ("/version", "/apis"): non-2xx statuses become typed errors. */
int cap_kube_get_path(cap_kube_client *c, cap_value **out, const char *path);

/*
 * The URL path of key: "/api/v1/namespaces/ns/configmaps/name" or "/apis/apps/v1/…"; the name
 * part is left out when key->name is "", and the namespace part when key->namespace is "".
 * key->resource must be set (CAP_EINVALID otherwise). Names and namespaces are escaped.
 */
int cap_kube_key_path(cap_buf *out, const cap_kube_key *key);

/*
 * Fills key->resource from discovery when it is "", and clears key->namespace for
 * cluster-scoped kinds (as kubectl ignores a namespace set on a Namespace or ClusterRole).
 * Namespaced kinds with no namespace get default_namespace (NULL: the config's namespace) when
 * key->name is set. CAP_ENOTFOUND "no matches for kind \"Foo\" in version \"x.io/v1\"" when the
 * server does not serve the kind even after a discovery refresh.
 */
int cap_kube_resolve(cap_kube_client *c, cap_kube_key *key, const char *default_namespace);

/* GET one object. key may have resource "" (resolved through discovery). *out is new. */
int cap_kube_get(cap_kube_client *c, cap_value **out, const cap_kube_key *key);

typedef struct cap_kube_list_options {
	const char *label_selector;   /* labelSelector, e.g. "app=web,tier!=db" */
	const char *field_selector;   /* fieldSelector, e.g. "metadata.name=x" */
	unsigned limit;		      /* page size; 0: 500 */
	const char *continue_token;   /* start from this page (single-page listing) */
	const char *resource_version; /* resourceVersion ("0": any cached state) */
	bool single_page;	      /* return one page and its continue token */
} cap_kube_list_options;

/* A list result: items, a new array; resource_version and continue_token malloc'd or NULL. */
typedef struct cap_kube_object_list {
	cap_value *items;
	char *resource_version;
	char *continue_token;
} cap_kube_object_list;
void cap_kube_object_list_release(cap_kube_object_list *l);

/*
 * LISTs the objects of key's type in key->namespace ("" for all namespaces; key->name is
 * ignored), following continue tokens page by page unless opts->single_page. Every item gets
 * apiVersion and kind, which the server leaves out of list items. resource_version is the
 * list's, the point a watch resumes from. An expired continue token is CAP_ECONFLICT. opts may
 * be NULL. *out is replaced only on success.
 */
int cap_kube_list(cap_kube_client *c, cap_kube_object_list *out, const cap_kube_key *key,
		  const cap_kube_list_options *opts);

/* Options shared by writes. Every member may be left zero. */
typedef struct cap_kube_write_options {
	bool dry_run; /* dryRun=All: the server validates and answers, stores nothing */
	const char
	    *field_manager; /* fieldManager= (server-side apply: NULL is "argocd-controller") */
	bool force;	    /* force=true for server-side apply conflicts */
	const char
	    *field_validation;	 /* fieldValidation= "Strict", "Warn" or "Ignore"; NULL unset */
	const char *subresource; /* "status", "scale", …; NULL: the object itself */
	const char *namespace;	 /* for namespaced objects without metadata.namespace */
} cap_kube_write_options;

/*
 * POSTs obj (its apiVersion, kind and namespace say where). *out (may be NULL) receives the
 * object the server stored (or would store, with dry_run). CAP_EEXISTS when it exists.
 */
int cap_kube_create(cap_kube_client *c, cap_value **out, const cap_value *obj,
		    const cap_kube_write_options *opts);

/*
 * PUTs obj over the existing object; a metadata.resourceVersion in obj makes it conditional
 * (CAP_ECONFLICT when the object changed since). *out as for create.
 */
int cap_kube_update(cap_kube_client *c, cap_value **out, const cap_value *obj,
		    const cap_kube_write_options *opts);

typedef enum cap_kube_patch_type {
	CAP_KUBE_PATCH_JSON,	  /* application/json-patch+json (RFC 6902 array) */
	CAP_KUBE_PATCH_MERGE,	  /* application/merge-patch+json (RFC 7386) */
	CAP_KUBE_PATCH_STRATEGIC, /* application/strategic-merge-patch+json */
	CAP_KUBE_PATCH_APPLY, /* application/apply-patch+yaml (server-side apply; JSON is YAML) */
} cap_kube_patch_type;

/* The Content-Type of a patch type. */
const char *cap_kube_patch_content_type(cap_kube_patch_type type);

/*
 * PATCHes the object key names with patch (read only). For CAP_KUBE_PATCH_APPLY the field
 * manager defaults to "argocd-controller" and a conflict is CAP_ECONFLICT carrying the server's
 * list of conflicting fields and managers. *out (may be NULL) receives the patched object.
 */
int cap_kube_patch(cap_kube_client *c, cap_value **out, const cap_kube_key *key,
		   cap_kube_patch_type type, const cap_value *patch,
		   const cap_kube_write_options *opts);

typedef struct cap_kube_delete_options {
	const char
	    *propagation_policy; /* "Foreground", "Background", "Orphan"; NULL: the server's */
	bool grace_period_set;	 /* send grace_period_seconds */
	int64_t grace_period_seconds;
	const char *precondition_uid;		   /* preconditions.uid */
	const char *precondition_resource_version; /* preconditions.resourceVersion */
	bool dry_run;
} cap_kube_delete_options;

/*
 * DELETEs the object key names. opts may be NULL. CAP_ENOTFOUND when it is already gone,
 * CAP_ECONFLICT when a precondition fails.
 */
int cap_kube_delete(cap_kube_client *c, const cap_kube_key *key,
		    const cap_kube_delete_options *opts);

/* Counters since the client was made, for tests and metrics. */
typedef struct cap_kube_client_stats {
	uint64_t requests;     /* requests sent (retries count each) */
	uint64_t throttled_ns; /* total time spent waiting for rate-limit tokens */
} cap_kube_client_stats;
void cap_kube_client_stats_get(cap_kube_client *c, cap_kube_client_stats *out);
