/* API discovery: aggregated (apidiscovery v2) with a legacy fallback, cached and refreshed on
 * misses. */
#include "kube/discovery.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "base/vec.h"
#include "kube/internal.h"
#include "value/json.h"

#define AGGREGATED_ACCEPT                                                                          \
	"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"                    \
	"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"               \
	"application/json"

typedef CAP_VEC_OF(cap_kube_api_resource) resource_vec;

struct cap_kube_discovery {
	cap_kube_client *client;
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool loaded, stale, refreshing;
	int refresh_rc;
	uint64_t refreshes; /* completed refreshes, so waiters know theirs finished */
	resource_vec items; /* in server order */
	uint64_t set_hash;
	uint64_t generation;
};

void cap_kube_api_resource_init(cap_kube_api_resource *r)
{
	memset(r, 0, sizeof(*r));
	r->group = cap_strdup("");
	r->version = cap_strdup("");
	r->kind = cap_strdup("");
	r->resource = cap_strdup("");
	r->singular = cap_strdup("");
	cap_strvec_init(&r->short_names);
	cap_strvec_init(&r->categories);
}

void cap_kube_api_resource_release(cap_kube_api_resource *r)
{
	if (!r)
		return;
	free(r->group);
	free(r->version);
	free(r->kind);
	free(r->resource);
	free(r->singular);
	cap_strvec_release(&r->short_names);
	cap_strvec_release(&r->categories);
	memset(r, 0, sizeof(*r));
}

void cap_kube_api_resource_copy(cap_kube_api_resource *out, const cap_kube_api_resource *src)
{
	cap_kube_api_resource r;
	memset(&r, 0, sizeof(r));
	r.group = cap_strdup(src->group ? src->group : "");
	r.version = cap_strdup(src->version ? src->version : "");
	r.kind = cap_strdup(src->kind ? src->kind : "");
	r.resource = cap_strdup(src->resource ? src->resource : "");
	r.singular = cap_strdup(src->singular ? src->singular : "");
	r.namespaced = src->namespaced;
	r.preferred = src->preferred;
	r.verbs = src->verbs;
	cap_strvec_init(&r.short_names);
	cap_strvec_init(&r.categories);
	cap_strvec_pushv(&r.short_names, (const char *const *)src->short_names.items);
	cap_strvec_pushv(&r.categories, (const char *const *)src->categories.items);
	cap_kube_api_resource_release(out);
	*out = r;
}

void cap_kube_api_resource_list_release(cap_kube_api_resource_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->len; i++)
		cap_kube_api_resource_release(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->len = 0;
}

static void vec_release(resource_vec *v)
{
	for (size_t i = 0; i < v->len; i++)
		cap_kube_api_resource_release(&v->items[i]);
	CAP_VEC_RELEASE(v);
}

int cap_kube_discovery_new(cap_kube_discovery **out, cap_kube_client *c)
{
	cap_kube_discovery *d = cap_calloc(1, sizeof(*d));
	d->client = c;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->done, NULL);
	*out = d;
	return 0;
}

void cap_kube_discovery_free(cap_kube_discovery *d)
{
	if (!d)
		return;
	vec_release(&d->items);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->done);
	free(d);
}

static unsigned parse_verbs(const cap_value *verbs)
{
	static const struct {
		const char *name;
		unsigned bit;
	} table[] = {
	    {"get", CAP_KUBE_VERB_GET},	      {"list", CAP_KUBE_VERB_LIST},
	    {"watch", CAP_KUBE_VERB_WATCH},   {"create", CAP_KUBE_VERB_CREATE},
	    {"update", CAP_KUBE_VERB_UPDATE}, {"patch", CAP_KUBE_VERB_PATCH},
	    {"delete", CAP_KUBE_VERB_DELETE}, {"deletecollection", CAP_KUBE_VERB_DELETECOLLECTION}};
	unsigned bits = 0;
	size_t i;
	cap_value *v;
	CAP_VALUE_ARRAY_FOREACH(verbs, i, v)
	{
		const char *s = cap_value_get_string(v);
		for (size_t j = 0; s && j < CAP_ARRAY_SIZE(table); j++)
			if (strcmp(s, table[j].name) == 0)
				bits |= table[j].bit;
	}
	return bits;
}

static void push_strings(cap_strvec *out, const cap_value *arr)
{
	size_t i;
	cap_value *v;
	CAP_VALUE_ARRAY_FOREACH(arr, i, v)
	if (cap_value_get_string(v))
		cap_strvec_push(out, cap_value_get_string(v));
}

static void set_str(char **member, const char *s)
{
	free(*member);
	*member = cap_strdup(s ? s : "");
}

/* One group's versions from an aggregated discovery document (v2 or v2beta1). */
static void add_aggregated_group(resource_vec *out, const cap_value *group)
{
	const char *gname = cap_value_dig_string(group, "metadata", "name", NULL);
	if (!gname)
		gname = "";
	const cap_value *versions = cap_value_object_get(group, "versions");
	size_t i, j;
	cap_value *ver, *res;
	CAP_VALUE_ARRAY_FOREACH(versions, i, ver)
	{
		const char *vname = cap_value_get_string(cap_value_object_get(ver, "version"));
		if (!vname)
			continue;
		const cap_value *resources = cap_value_object_get(ver, "resources");
		CAP_VALUE_ARRAY_FOREACH(resources, j, res)
		{
			const char *plural =
			    cap_value_get_string(cap_value_object_get(res, "resource"));
			const char *kind = cap_value_dig_string(res, "responseKind", "kind", NULL);
			if (!plural || !kind || strchr(plural, '/'))
				continue;
			cap_kube_api_resource r;
			cap_kube_api_resource_init(&r);
			set_str(&r.group, gname);
			set_str(&r.version, vname);
			set_str(&r.kind, kind);
			set_str(&r.resource, plural);
			set_str(&r.singular, cap_value_get_string(
						 cap_value_object_get(res, "singularResource")));
			const char *scope =
			    cap_value_get_string(cap_value_object_get(res, "scope"));
			r.namespaced = scope && strcmp(scope, "Namespaced") == 0;
			r.preferred = i == 0; /* the first version listed is the preferred one */
			r.verbs = parse_verbs(cap_value_object_get(res, "verbs"));
			push_strings(&r.short_names, cap_value_object_get(res, "shortNames"));
			push_strings(&r.categories, cap_value_object_get(res, "categories"));
			CAP_VEC_PUSH(out, r);
		}
	}
}

/* An APIResourceList (legacy discovery of one group version). */
static void add_legacy_list(resource_vec *out, const cap_value *list, const char *group,
			    const char *version, bool preferred)
{
	size_t i;
	cap_value *res;
	CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(list, "resources"), i, res)
	{
		const char *name = cap_value_get_string(cap_value_object_get(res, "name"));
		const char *kind = cap_value_get_string(cap_value_object_get(res, "kind"));
		if (!name || !kind || strchr(name, '/'))
			continue;
		cap_kube_api_resource r;
		cap_kube_api_resource_init(&r);
		set_str(&r.group, group);
		set_str(&r.version, version);
		set_str(&r.kind, kind);
		set_str(&r.resource, name);
		set_str(&r.singular,
			cap_value_get_string(cap_value_object_get(res, "singularName")));
		r.namespaced = cap_value_get_bool(cap_value_object_get(res, "namespaced"));
		r.preferred = preferred;
		r.verbs = parse_verbs(cap_value_object_get(res, "verbs"));
		push_strings(&r.short_names, cap_value_object_get(res, "shortNames"));
		push_strings(&r.categories, cap_value_object_get(res, "categories"));
		CAP_VEC_PUSH(out, r);
	}
}

/* GET path with the aggregated Accept; *aggregated tells whether the answer is aggregated. */
static int fetch(cap_kube_client *c, cap_value **out, bool *aggregated, const char *path,
		 const char *accept)
{
	cap_kube_response r;
	int rc = cap_kube_request(c, &r, "GET", path, NULL, NULL, 0, accept);
	if (rc)
		return rc;
	if (r.status < 200 || r.status >= 300) {
		rc = cap_kube__status_error(&r);
		cap_kube_response_release(&r);
		return rc;
	}
	if (aggregated)
		*aggregated = strstr(r.content_type, "apidiscovery.k8s.io") != NULL;
	rc = cap_json_parse(out, r.body.ptr, r.body.len, path, NULL);
	cap_kube_response_release(&r);
	return rc;
}

static int legacy_group_version(cap_kube_client *c, resource_vec *out, const char *group,
				const char *version, bool preferred)
{
	cap_buf path = CAP_BUF_INIT;
	if (*group)
		cap_buf_printf(&path, "/apis/%s/%s", group, version);
	else
		cap_buf_printf(&path, "/api/%s", version);
	cap_value *list = NULL;
	int rc = fetch(c, &list, NULL, path.ptr, NULL);
	cap_buf_release(&path);
	if (rc == CAP_ENOTFOUND || rc == CAP_EUNAVAILABLE) {
		/* an aggregated API server that is down: skip its group, as kubectl does */
		cap_error_clear();
		return 0;
	}
	if (rc)
		return rc;
	add_legacy_list(out, list, group, version, preferred);
	cap_value_free(list);
	return 0;
}

static int fetch_all(cap_kube_client *c, resource_vec *out)
{
	cap_value *doc = NULL;
	bool aggregated = false;
	int rc = fetch(c, &doc, &aggregated, "/api", AGGREGATED_ACCEPT);
	if (rc)
		return rc;
	size_t i;
	cap_value *it;
	if (aggregated) {
		CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(doc, "items"), i, it)
		add_aggregated_group(out, it);
	} else {
		CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(doc, "versions"), i, it)
		{
			const char *v = cap_value_get_string(it);
			if (v && (rc = legacy_group_version(c, out, "", v, i == 0)))
				break;
		}
	}
	cap_value_free(doc);
	if (rc)
		return rc;
	doc = NULL;
	rc = fetch(c, &doc, &aggregated, "/apis", AGGREGATED_ACCEPT);
	if (rc)
		return rc;
	if (aggregated) {
		CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(doc, "items"), i, it)
		add_aggregated_group(out, it);
	} else {
		CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(doc, "groups"), i, it)
		{
			const char *g = cap_value_get_string(cap_value_object_get(it, "name"));
			const char *pref =
			    cap_value_dig_string(it, "preferredVersion", "version", NULL);
			size_t j;
			cap_value *ver;
			CAP_VALUE_ARRAY_FOREACH(cap_value_object_get(it, "versions"), j, ver)
			{
				const char *v =
				    cap_value_get_string(cap_value_object_get(ver, "version"));
				if (!g || !v)
					continue;
				bool preferred = pref ? strcmp(pref, v) == 0 : j == 0;
				if ((rc = legacy_group_version(c, out, g, v, preferred)))
					break;
			}
			if (rc)
				break;
		}
	}
	cap_value_free(doc);
	return rc;
}

static uint64_t set_hash(const resource_vec *v)
{
	cap_buf b = CAP_BUF_INIT;
	for (size_t i = 0; i < v->len; i++)
		cap_buf_printf(&b, "%s/%s/%s/%s/%d/%u\n", v->items[i].group, v->items[i].version,
			       v->items[i].kind, v->items[i].resource, v->items[i].namespaced,
			       v->items[i].verbs);
	uint64_t h = cap_hash_bytes(b.ptr, b.len);
	cap_buf_release(&b);
	return h;
}

int cap_kube_discovery_refresh(cap_kube_discovery *d)
{
	pthread_mutex_lock(&d->lock);
	if (d->refreshing) {
		/* join the refresh in flight rather than sending the same requests again */
		uint64_t seen = d->refreshes;
		while (d->refreshes == seen)
			pthread_cond_wait(&d->done, &d->lock);
		int rc = d->refresh_rc;
		pthread_mutex_unlock(&d->lock);
		return rc ? cap_error_set(rc, "api discovery failed") : 0;
	}
	d->refreshing = true;
	pthread_mutex_unlock(&d->lock);

	resource_vec fresh = {0};
	int rc = fetch_all(d->client, &fresh);

	pthread_mutex_lock(&d->lock);
	if (!rc) {
		uint64_t h = set_hash(&fresh);
		if (!d->loaded || h != d->set_hash)
			d->generation++;
		d->set_hash = h;
		vec_release(&d->items);
		d->items = fresh;
		d->loaded = true;
		d->stale = false;
	} else {
		vec_release(&fresh);
	}
	d->refresh_rc = rc;
	d->refreshing = false;
	d->refreshes++;
	pthread_cond_broadcast(&d->done);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

void cap_kube_discovery_invalidate(cap_kube_discovery *d)
{
	pthread_mutex_lock(&d->lock);
	d->stale = true;
	pthread_mutex_unlock(&d->lock);
}

uint64_t cap_kube_discovery_generation(cap_kube_discovery *d)
{
	pthread_mutex_lock(&d->lock);
	uint64_t g = d->generation;
	pthread_mutex_unlock(&d->lock);
	return g;
}

static int ensure_loaded(cap_kube_discovery *d)
{
	pthread_mutex_lock(&d->lock);
	bool need = !d->loaded || d->stale;
	pthread_mutex_unlock(&d->lock);
	return need ? cap_kube_discovery_refresh(d) : 0;
}

typedef bool (*match_fn)(const cap_kube_api_resource *r, const void *arg);

/* Copies the best match under the lock: preferred versions first, then server order. */
static bool find_locked(cap_kube_discovery *d, cap_kube_api_resource *out, match_fn match,
			const void *arg, bool core_first)
{
	const cap_kube_api_resource *best = NULL;
	int best_rank = 99;
	for (size_t i = 0; i < d->items.len; i++) {
		const cap_kube_api_resource *r = &d->items.items[i];
		if (!match(r, arg))
			continue;
		int rank = (core_first && r->group[0] ? 2 : 0) + (r->preferred ? 0 : 1);
		if (rank < best_rank) {
			best = r;
			best_rank = rank;
		}
	}
	if (best)
		cap_kube_api_resource_copy(out, best);
	return best != NULL;
}

/* Looks up with match, refreshing once on a miss. */
static int find(cap_kube_discovery *d, cap_kube_api_resource *out, match_fn match, const void *arg,
		bool core_first)
{
	int rc = ensure_loaded(d);
	if (rc)
		return rc;
	for (int attempt = 0; attempt < 2; attempt++) {
		pthread_mutex_lock(&d->lock);
		bool found = find_locked(d, out, match, arg, core_first);
		pthread_mutex_unlock(&d->lock);
		if (found)
			return 0;
		if (attempt == 0 && (rc = cap_kube_discovery_refresh(d)))
			return rc;
	}
	return CAP_ENOTFOUND;
}

typedef struct kind_query {
	const char *group, *version, *kind;
} kind_query;

static bool match_kind(const cap_kube_api_resource *r, const void *arg)
{
	const kind_query *q = arg;
	return strcmp(r->kind, q->kind) == 0 && strcmp(r->group, q->group) == 0 &&
	       (!q->version[0] || strcmp(r->version, q->version) == 0);
}

int cap_kube_discovery_find_kind(cap_kube_discovery *d, cap_kube_api_resource *out,
				 const char *group, const char *version, const char *kind)
{
	kind_query q = {group ? group : "", version ? version : "", kind ? kind : ""};
	int rc = find(d, out, match_kind, &q, false);
	if (rc == CAP_ENOTFOUND) {
		if (q.group[0])
			return cap_error_set(rc, "no matches for kind \"%s\" in version \"%s/%s\"",
					     q.kind, q.group, q.version);
		return cap_error_set(rc, "no matches for kind \"%s\" in version \"%s\"", q.kind,
				     q.version);
	}
	return rc;
}

typedef struct name_query {
	const char *group; /* NULL: any */
	const char *name;
} name_query;

static bool match_name(const cap_kube_api_resource *r, const void *arg)
{
	const name_query *q = arg;
	if (q->group && strcmp(r->group, q->group) != 0)
		return false;
	if (strcmp(r->resource, q->name) == 0 || strcmp(r->singular, q->name) == 0 ||
	    strcasecmp(r->kind, q->name) == 0)
		return true;
	return cap_strvec_contains(&r->short_names, q->name);
}

int cap_kube_discovery_find_resource(cap_kube_discovery *d, cap_kube_api_resource *out,
				     const char *group, const char *name)
{
	char *copy = cap_strdup(name ? name : "");
	name_query q = {group, copy};
	char *dot = strchr(copy, '.');
	if (!group && dot) {
		*dot = '\0';
		q.group = dot + 1;
	}
	int rc = find(d, out, match_name, &q, !q.group);
	if (rc == CAP_ENOTFOUND)
		rc = cap_error_set(rc, "the server doesn't have a resource type \"%s\"", name);
	free(copy);
	return rc;
}

static int compare_resources(const void *a, const void *b)
{
	const cap_kube_api_resource *x = a, *y = b;
	int c = strcmp(x->group, y->group);
	if (!c)
		c = strcmp(x->version, y->version);
	if (!c)
		c = strcmp(x->resource, y->resource);
	return c;
}

int cap_kube_discovery_list(cap_kube_discovery *d, cap_kube_api_resource_list *out,
			    unsigned required_verbs, bool preferred_only)
{
	int rc = ensure_loaded(d);
	if (rc)
		return rc;
	pthread_mutex_lock(&d->lock);
	cap_kube_api_resource *items = cap_calloc(d->items.len + 1, sizeof(*items));
	size_t n = 0;
	for (size_t i = 0; i < d->items.len; i++) {
		const cap_kube_api_resource *r = &d->items.items[i];
		if ((r->verbs & required_verbs) != required_verbs)
			continue;
		if (preferred_only && !r->preferred)
			continue;
		memset(&items[n], 0, sizeof(items[n]));
		cap_kube_api_resource_copy(&items[n++], r);
	}
	pthread_mutex_unlock(&d->lock);
	qsort(items, n, sizeof(*items), compare_resources);
	cap_kube_api_resource_list_release(out);
	out->items = items;
	out->len = n;
	return 0;
}
