/* AppProject parsing and the permission checks Argo CD makes against it. */
#include "app/project.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "git/url.h"

#include <ctype.h>
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
		p.windows[i].manual_sync =
		    cap_value_get_bool(cap_value_object_get(e, "manualSync"));
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

/* Argo CD's globMatch with negation: "!pattern" matches what pattern does not. */
static bool neg_glob(const char *pattern, const char *text, bool path)
{
	if (!pattern)
		return false;
	bool neg = *pattern == '!';
	const char *p = neg ? pattern + 1 : pattern;
	bool m;
	if (!strcmp(p, "*") || !path || strstr(p, "**"))
		m = cap_project_glob(p, text);
	else
		m = fnmatch(p, text ? text : "", FNM_PATHNAME) == 0;
	return neg ? !m : m;
}

static bool is_deny(const char *pattern)
{
	return pattern && *pattern == '!';
}

/* Git URLs compared as Argo CD's NormalizeGitURL leaves them: lowercase, no ".git", no "/". */
static void normalize_url(cap_buf *out, const char *url)
{
	const char *p = url ? url : "";
	bool neg = *p == '!';
	if (neg)
		p++;
	cap_buf_clear(out);
	if (neg)
		cap_buf_putc(out, '!');
	if (!strcmp(p, "*")) {
		cap_buf_puts(out, p);
		return;
	}
	cap_buf n = CAP_BUF_INIT;
	cap_git_url_normalize(&n, p);
	for (size_t i = 0; i < n.len; i++)
		cap_buf_putc(out, (char)tolower((unsigned char)n.ptr[i]));
	cap_buf_release(&n);
	while (out->len > 1 && out->ptr[out->len - 1] == '/')
		cap_buf_truncate(out, out->len - 1);
	if (out->len > 4 && !strcmp(out->ptr + out->len - 4, ".git"))
		cap_buf_truncate(out, out->len - 4);
}

bool cap_project_source_permitted(const cap_project *p, const char *repo_url)
{
	cap_buf nu = CAP_BUF_INIT, np = CAP_BUF_INIT;
	normalize_url(&nu, repo_url);
	bool any = false, denied = false;
	for (size_t i = 0; i < cap_value_array_len(p->source_repos) && !denied; i++) {
		normalize_url(&np, cap_value_get_string(cap_value_array_get(p->source_repos, i)));
		if (neg_glob(np.ptr, nu.ptr, true))
			any = true;
		else if (is_deny(np.ptr))
			denied = true;
	}
	cap_buf_release(&nu);
	cap_buf_release(&np);
	return any && !denied;
}

bool cap_project_destination_permitted(const cap_project *p, const char *server, const char *name,
				       const char *namespace)
{
	bool any = false;
	for (size_t i = 0; i < cap_value_array_len(p->destinations); i++) {
		const cap_value *e = cap_value_array_get(p->destinations, i);
		const char *sp = cap_value_dig_string(e, "server", NULL);
		const char *np = cap_value_dig_string(e, "name", NULL);
		const char *nsp = cap_value_dig_string(e, "namespace", NULL);
		bool name_m = name && *name && np && *np && neg_glob(np, name, false);
		bool server_m = server && *server && sp && *sp && neg_glob(sp, server, false);
		bool ns_m = neg_glob(nsp ? nsp : "", namespace ? namespace : "", false);
		if ((server_m || name_m) && ns_m)
			any = true;
		else if ((!name_m && is_deny(np)) || (!server_m && is_deny(sp)) ||
			 (!ns_m && is_deny(nsp)))
			return false;
	}
	return any;
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
		const char *url = cap_value_dig_string(cap_app_source_at(app, i), "repoURL", NULL);
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

int cap_project_load(cap_project *out, cap_kube_client *client, const char *namespace,
		     const char *name)
{
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&key, CAP_APP_API_VERSION, CAP_PROJECT_KIND, namespace, name);
	cap_kube_key_set_member(&key.resource, CAP_PROJECT_RESOURCE);
	cap_value *obj = NULL;
	int rc = cap_kube_get(client, &obj, &key);
	cap_kube_key_release(&key);
	if (rc == CAP_ENOTFOUND)
		return cap_error_set(
		    CAP_ENOTFOUND, "application references project %s which does not exist", name);
	if (!rc)
		rc = cap_project_parse(out, obj);
	cap_value_free(obj);
	return rc;
}
