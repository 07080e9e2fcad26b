/* AppProject rules for the controller: an app's source and destination, each resource's kind. */
#include "controller/internal.h"

#include <string.h>

#include "app/project.h"
#include "base/buf.h"
#include "base/error.h"

int ctl_project_get(cap_controller *c, cap_project *out, const cap_app *app,
		    const cap_settings_cluster *cluster)
{
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_value *obj = NULL;
	cap_kube_key_set(&key, CAP_APP_API_VERSION, CAP_PROJECT_KIND, c->namespace, app->project);
	int rc = cap_cache_get(&obj, c->cache, &key);
	cap_kube_key_release(&key);
	if (rc)
		return cap_error_set(CAP_EINVALID,
				     "Application referencing project %s which does not exist",
				     app->project);
	cap_project p;
	rc = cap_project_parse(&p, obj);
	cap_value_free(obj);
	if (rc)
		return rc;
	if ((rc = cap_project_check_app(&p, app, cluster->server, cluster->name))) {
		cap_project_release(&p);
		return rc;
	}
	*out = p;
	return 0;
}

int ctl_project_check_objects(cap_buf *out, const cap_project *p, const cap_value *objs)
{
	cap_value *obj;
	size_t i;
	int bad = 0;
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	{
		cap_kube_key k = CAP_KUBE_KEY_INIT;
		if (cap_kube_key_from_object(&k, obj)) {
			cap_kube_key_release(&k);
			continue;
		}
		if (!cap_project_resource_permitted(p, k.group, k.kind, k.namespace[0] != '\0')) {
			cap_buf_printf(out, "%sresource %s:%s is not permitted in project %s.",
				       bad ? " " : "", k.group, k.kind, p->name);
			bad++;
		}
		cap_kube_key_release(&k);
	}
	return bad;
}
