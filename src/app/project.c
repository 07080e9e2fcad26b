/* AppProject parsing and the permission checks Argo CD makes against it. */
#include "app/project.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "git/url.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static cap_value *array_field(const cap_value *spec, const char *key)
{
	cap_value *v = cap_value_object_get(spec, key);
	return cap_value_is_array(v) ? v : NULL;
}

int cap_project_parse(cap_project *out, cap_value *obj)
{
	cap_project p;
	memset(&p, 0, sizeof(p));
	if (!cap_value_is_object(obj))
		return cap_error_set(CAP_EINVALID, "a project must be an object");
	p.name = cap_value_dig_string(obj, "metadata", "name", NULL);
	cap_value *spec = cap_value_object_get(obj, "spec");
	if (spec && !cap_value_is_object(spec))
		return cap_error_set(CAP_EINVALID, "project '%s': 'spec' must be an object",
				     p.name ? p.name : "");
	p.source_repos = array_field(spec, "sourceRepos");
	p.destinations = array_field(spec, "destinations");
	p.cluster_whitelist = array_field(spec, "clusterResourceWhitelist");
	p.cluster_blacklist = array_field(spec, "clusterResourceBlacklist");
	p.namespace_whitelist = array_field(spec, "namespaceResourceWhitelist");
	p.namespace_blacklist = array_field(spec, "namespaceResourceBlacklist");
	p.source_namespaces = array_field(spec, "sourceNamespaces");
	cap_value *w = array_field(spec, "syncWindows");
	p.n_windows = cap_value_array_len(w);
	if (p.n_windows)
		p.windows = cap_calloc(p.n_windows, sizeof(*p.windows));
	for (size_t i = 0; i < p.n_windows; i++) {
		cap_value *e = cap_value_array_get(w, i);
		p.windows[i].kind = cap_value_dig_string(e, "kind", NULL);
		p.windows[i].schedule = cap_value_dig_string(e, "schedule", NULL);
		p.windows[i].duration = cap_value_dig_string(e, "duration", NULL);
		p.windows[i].applications = array_field(e, "applications");
		p.windows[i].namespaces = array_field(e, "namespaces");
		p.windows[i].clusters = array_field(e, "clusters");
		p.windows[i].manual_sync = cap_value_get_bool(cap_value_object_get(e, "manualSync"));
		p.windows[i].time_zone = cap_value_dig_string(e, "timeZone", NULL);
	}
	p.raw = cap_value_ref(obj);
	*out = p;
	return 0;
}

void cap_project_release(cap_project *p)
{
	if (!p)
		return;
	free(p->windows);
	cap_value_free(p->raw);
	memset(p, 0, sizeof(*p));
}

static cap_value *gk(const char *group, const char *kind)
{
	cap_value *o = cap_value_object();
	cap_value_object_set(o, "group", cap_value_string(group));
	cap_value_object_set(o, "kind", cap_value_string(kind));
	return o;
}

cap_value *cap_project_default_object(const char *namespace)
{
	cap_value *o = cap_value_object();
	cap_value_object_set(o, "apiVersion", cap_value_string(CAP_APP_API_VERSION));
	cap_value_object_set(o, "kind", cap_value_string(CAP_PROJECT_KIND));
	cap_value *md = cap_value_object();
	cap_value_object_set(md, "name", cap_value_string(CAP_PROJECT_DEFAULT));
	cap_value_object_set(md, "namespace", cap_value_string(namespace));
	cap_value_object_set(o, "metadata", md);
	cap_value *spec = cap_value_object();
	cap_value *repos = cap_value_array();
	cap_value_array_append(repos, cap_value_string("*"));
	cap_value_object_set(spec, "sourceRepos", repos);
	cap_value *dests = cap_value_array();
	cap_value *d = cap_value_object();
	cap_value_object_set(d, "namespace", cap_value_string("*"));
	cap_value_object_set(d, "server", cap_value_string("*"));
	cap_value_array_append(dests, d);
	cap_value_object_set(spec, "destinations", dests);
	cap_value *wl = cap_value_array();
	cap_value_array_append(wl, gk("*", "*"));
	cap_value_object_set(spec, "clusterResourceWhitelist", wl);
	cap_value_object_set(o, "spec", spec);
	return o;
}

bool cap_project_glob(const char *pattern, const char *text)
{
	if (!pattern)
		return false;
	if (!text)
		text = "";
	if (!strcmp(pattern, "*"))
		return true;
	return fnmatch(pattern, text, 0) == 0;
}

/* Runs a list of patterns where "!pattern" denies: allowed when one matches and none denies. */
typedef bool (*entry_match)(const cap_value *entry, bool *deny, const void *ctx);

static bool allowed_by(const cap_value *list, entry_match match, const void *ctx)
{
	bool allowed = false;
	for (size_t i = 0; i < cap_value_array_len(list); i++) {
		bool deny = false;
		if (!match(cap_value_array_get(list, i), &deny, ctx))
			continue;
		if (deny)
			return false;
		allowed = true;
	}
	return allowed;
}

static bool repo_match(const cap_value *entry, bool *deny, const void *ctx)
{
	const char *pat = cap_value_get_string(entry);
	if (!pat)
		return false;
	if (*pat == '!') {
		*deny = true;
		pat++;
	}
	cap_buf np = CAP_BUF_INIT;
	if (!strcmp(pat, "*"))
		cap_buf_puts(&np, "*");
	else
		cap_git_url_normalize(&np, pat);
	bool m = cap_project_glob(np.ptr, ctx) || cap_project_glob(pat, ctx);
	cap_buf_release(&np);
	/* a denial matches when the URL matches the pattern; allowed entries likewise */
	return m;
}

bool cap_project_source_permitted(const cap_project *p, const char *repo_url)
{
	cap_buf nu = CAP_BUF_INIT;
	cap_git_url_normalize(&nu, repo_url ? repo_url : "");
	bool ok = allowed_by(p->source_repos, repo_match, nu.ptr);
	cap_buf_release(&nu);
	return ok;
}

typedef struct dest_ctx {
	const char *server, *name, *namespace;
} dest_ctx;

/* A glob that may be "!"-prefixed: *deny is set when it is. */
static const char *strip_deny(const char *pat, bool *deny)
{
	if (pat && *pat == '!') {
		*deny = true;
		return pat + 1;
	}
	return pat;
}

static bool dest_match(const cap_value *entry, bool *deny, const void *vctx)
{
	const dest_ctx *c = vctx;
	bool sd = false, nd = false, nsd = false;
	const char *sp = strip_deny(cap_value_dig_string(entry, "server", NULL), &sd);
	const char *np = strip_deny(cap_value_dig_string(entry, "name", NULL), &nd);
	const char *nsp = strip_deny(cap_value_dig_string(entry, "namespace", NULL), &nsd);
	bool cluster = false;
	if (sp && *sp && c->server && cap_project_glob(sp, c->server))
		cluster = true;
	if (np && *np && c->name && cap_project_glob(np, c->name))
		cluster = true;
	bool ns = nsp && cap_project_glob(nsp, c->namespace ? c->namespace : "");
	if (sd || nd || nsd) {
		/* a denial entry: its negated parts must match for it to deny */
		bool hit = (sd || nd ? cluster : true) && (nsd ? ns : true);
		if (hit)
			*deny = true;
		return hit;
	}
	return cluster && ns;
}

bool cap_project_destination_permitted(const cap_project *p, const char *server, const char *name,
				       const char *namespace)
{
	dest_ctx c = {server, name, namespace};
	return allowed_by(p->destinations, dest_match, &c);
}

static bool gk_in(const cap_value *list, const char *group, const char *kind)
{
	for (size_t i = 0; i < cap_value_array_len(list); i++) {
		const cap_value *e = cap_value_array_get(list, i);
		const char *g = cap_value_dig_string(e, "group", NULL);
		const char *k = cap_value_dig_string(e, "kind", NULL);
		if (cap_project_glob(g ? g : "", group ? group : "") &&
		    cap_project_glob(k ? k : "", kind ? kind : ""))
			return true;
	}
	return false;
}

bool cap_project_resource_permitted(const cap_project *p, const char *group, const char *kind,
				    bool namespaced)
{
	if (!namespaced)
		return gk_in(p->cluster_whitelist, group, kind) &&
		       !gk_in(p->cluster_blacklist, group, kind);
	if (gk_in(p->namespace_blacklist, group, kind))
		return false;
	if (p->namespace_whitelist && cap_value_array_len(p->namespace_whitelist))
		return gk_in(p->namespace_whitelist, group, kind);
	return true;
}

int cap_project_check_app(const cap_project *p, const cap_app *app, const char *dest_server,
			  const char *dest_name)
{
	const char *proj = p->name ? p->name : app->project;
	for (size_t i = 0; i < cap_app_source_count(app); i++) {
		const char *url =
		    cap_value_dig_string(cap_app_source_at(app, i), "repoURL", NULL);
		if (!cap_project_source_permitted(p, url))
			return cap_error_set(CAP_EPERM,
					     "application repo %s is not permitted in project '%s'",
					     url ? url : "", proj);
	}
	const char *ns = app->destination.namespace ? app->destination.namespace : "";
	if (!cap_project_destination_permitted(p, dest_server, dest_name, ns))
		return cap_error_set(CAP_EPERM,
				     "application destination server '%s' and namespace '%s' do "
				     "not match any of the allowed destinations in project '%s'",
				     dest_server ? dest_server : "", ns, proj);
	return 0;
}
