/* After rendering: Lists flattened, tracking annotation or label, destination namespace. */
#include "render/render.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/hashmap.h"

#include <string.h>

#define TRACKING_ANNOTATION    "argocd.argoproj.io/tracking-id"
#define DEFAULT_INSTANCE_LABEL "app.kubernetes.io/instance"
#define LABEL_MAX	       63

/* Cluster-scoped kinds of Kubernetes 1.32 (group, kind); every other built-in kind is namespaced.
 */
static const char *const cluster_scoped[][2] = {
    {"", "ComponentStatus"},
    {"", "Namespace"},
    {"", "Node"},
    {"", "PersistentVolume"},
    {"admissionregistration.k8s.io", "MutatingAdmissionPolicy"},
    {"admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"},
    {"admissionregistration.k8s.io", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"},
    {"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"},
    {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"},
    {"apiextensions.k8s.io", "CustomResourceDefinition"},
    {"apiregistration.k8s.io", "APIService"},
    {"authentication.k8s.io", "SelfSubjectReview"},
    {"authentication.k8s.io", "TokenReview"},
    {"authorization.k8s.io", "SelfSubjectAccessReview"},
    {"authorization.k8s.io", "SelfSubjectRulesReview"},
    {"authorization.k8s.io", "SubjectAccessReview"},
    {"certificates.k8s.io", "CertificateSigningRequest"},
    {"certificates.k8s.io", "ClusterTrustBundle"},
    {"flowcontrol.apiserver.k8s.io", "FlowSchema"},
    {"flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"},
    {"internal.apiserver.k8s.io", "StorageVersion"},
    {"networking.k8s.io", "IPAddress"},
    {"networking.k8s.io", "IngressClass"},
    {"networking.k8s.io", "ServiceCIDR"},
    {"node.k8s.io", "RuntimeClass"},
    {"rbac.authorization.k8s.io", "ClusterRole"},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding"},
    {"resource.k8s.io", "DeviceClass"},
    {"resource.k8s.io", "DeviceTaintRule"},
    {"resource.k8s.io", "ResourceSlice"},
    {"scheduling.k8s.io", "PriorityClass"},
    {"storage.k8s.io", "CSIDriver"},
    {"storage.k8s.io", "CSINode"},
    {"storage.k8s.io", "StorageClass"},
    {"storage.k8s.io", "VolumeAttachment"},
    {"storage.k8s.io", "VolumeAttributesClass"},
    {"storagemigration.k8s.io", "StorageVersionMigration"},
};

int cap_render_builtin_scope(const char *group, const char *kind)
{
	for (size_t i = 0; i < sizeof(cluster_scoped) / sizeof(cluster_scoped[0]); i++)
		if (!strcmp(cluster_scoped[i][0], group) && !strcmp(cluster_scoped[i][1], kind))
			return 0;
	return -1;
}

/* The group of an apiVersion: "apps/v1" gives "apps", "v1" gives "". */
static void group_of(cap_buf *out, const cap_value *obj)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *slash = av ? strchr(av, '/') : NULL;
	cap_buf_clear(out);
	if (slash)
		cap_buf_put(out, av, (size_t)(slash - av));
}

static bool is_crd(const char *group, const char *kind)
{
	return !strcmp(group, "apiextensions.k8s.io") && !strcmp(kind, "CustomResourceDefinition");
}

/* Objects with an items array are Lists (unstructured's IsList): their items replace them. */
static int flatten(cap_value **out, cap_value *objs)
{
	cap_value *flat = cap_value_array(), *obj;
	size_t i;
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	{
		cap_value *items = cap_value_object_get(obj, "items");
		const char *kind = cap_value_dig_string(obj, "kind", NULL);
		if (!cap_value_is_object(obj)) {
			cap_value_free(flat);
			return cap_error_set(CAP_EINVALID, "manifest %zu is not an object", i + 1);
		}
		if (cap_value_is_array(items)) {
			cap_value *item;
			size_t j;
			CAP_VALUE_ARRAY_FOREACH(items, j, item)
			{
				if (!cap_value_is_object(item)) {
					cap_value_free(flat);
					return cap_error_set(
					    CAP_EINVALID, "resource list item has unexpected type");
				}
				cap_value_array_append(flat, cap_value_ref(item));
			}
		} else if (kind && !strcmp(kind, "List")) {
			/* a List without items: nothing to add */
		} else {
			cap_value_array_append(flat, cap_value_ref(obj));
		}
	}
	*out = flat;
	return 0;
}

static cap_value *child_object(cap_value *parent, const char *key)
{
	cap_value *c = cap_value_object_get(parent, key);
	if (!cap_value_is_object(c)) {
		cap_value_object_set(parent, key, cap_value_object());
		c = cap_value_object_get(parent, key);
	}
	return c;
}

static void set_label(cap_value *meta, const char *key, const char *app, bool truncate)
{
	size_t n = strlen(app);
	if (truncate && n > LABEL_MAX) {
		n = LABEL_MAX;
		/* a label value must end with an alphanumeric character */
		while (n > 0 && !((app[n - 1] >= 'a' && app[n - 1] <= 'z') ||
				  (app[n - 1] >= 'A' && app[n - 1] <= 'Z') ||
				  (app[n - 1] >= '0' && app[n - 1] <= '9')))
			n--;
	}
	cap_value_object_set(child_object(meta, "labels"), key, cap_value_stringn(app, n));
}

static void track(cap_value *obj, const char *group, const char *kind,
		  const cap_render_request *req)
{
	cap_value *meta = child_object(obj, "metadata");
	const char *key = req->instance_label_key && *req->instance_label_key
			      ? req->instance_label_key
			      : DEFAULT_INSTANCE_LABEL;
	if (req->tracking != CAP_TRACK_LABEL) {
		const char *ns = cap_value_dig_string(meta, "namespace", NULL);
		const char *name = cap_value_dig_string(meta, "name", NULL);
		if (!ns || !*ns)
			ns = req->dest_namespace ? req->dest_namespace : "";
		cap_buf id = CAP_BUF_INIT;
		cap_buf_printf(&id, "%s:%s/%s:%s/%s", req->app_name, group, kind, ns,
			       name ? name : "");
		cap_value_object_set(child_object(meta, "annotations"), TRACKING_ANNOTATION,
				     cap_value_stringn(id.ptr, id.len));
		cap_buf_release(&id);
	}
	if (req->tracking != CAP_TRACK_ANNOTATION)
		set_label(meta, key, req->app_name,
			  req->tracking == CAP_TRACK_ANNOTATION_AND_LABEL);
}

/* Cluster-scoped kinds that CRDs of this very set define ("group/Kind" keys). */
static void crd_scopes(cap_hashmap *cluster, const cap_value *objs)
{
	cap_value *obj;
	size_t i;
	cap_buf key = CAP_BUF_INIT, group = CAP_BUF_INIT;
	CAP_VALUE_ARRAY_FOREACH(objs, i, obj)
	{
		const char *kind = cap_value_dig_string(obj, "kind", NULL);
		group_of(&group, obj);
		if (!kind || !is_crd(group.ptr, kind))
			continue;
		const char *scope = cap_value_dig_string(obj, "spec", "scope", NULL);
		const char *g = cap_value_dig_string(obj, "spec", "group", NULL);
		const char *k = cap_value_dig_string(obj, "spec", "names", "kind", NULL);
		if (scope && g && k && !strcmp(scope, "Cluster")) {
			cap_buf_clear(&key);
			cap_buf_printf(&key, "%s/%s", g, k);
			cap_hashmap_put(cluster, key.ptr, NULL);
		}
	}
	cap_buf_release(&key);
	cap_buf_release(&group);
}

static bool is_namespaced(const cap_hashmap *crd_cluster, const char *group, const char *kind,
			  const cap_render_request *req)
{
	if (req->scope) {
		int s = req->scope(req->scope_ctx, group, kind);
		if (s >= 0)
			return s == 1;
	}
	if (cap_render_builtin_scope(group, kind) == 0)
		return false;
	cap_buf key = CAP_BUF_INIT;
	cap_buf_printf(&key, "%s/%s", group, kind);
	bool cluster = cap_hashmap_contains(crd_cluster, key.ptr);
	cap_buf_release(&key);
	return !cluster; /* unknown kinds count as namespaced, as Argo CD's IsNamespacedOrUnknown */
}

int cap_render_finish(cap_value *objs, const cap_render_request *req)
{
	cap_value *flat = NULL, *obj;
	cap_hashmap crd_cluster = CAP_HASHMAP_INIT;
	cap_buf group = CAP_BUF_INIT;
	size_t i;
	int rc = flatten(&flat, objs);
	if (rc)
		return rc;
	CAP_VALUE_ARRAY_FOREACH(flat, i, obj)
	{
		const char *kind = cap_value_dig_string(obj, "kind", NULL);
		if (!kind || !*kind) {
			const char *name = cap_value_dig_string(obj, "metadata", "name", NULL);
			rc = cap_error_set(CAP_EINVALID, "object %zu%s%s%s has no kind", i + 1,
					   name ? " '" : "", name ? name : "", name ? "'" : "");
			goto done;
		}
	}
	crd_scopes(&crd_cluster, flat);
	CAP_VALUE_ARRAY_FOREACH(flat, i, obj)
	{
		const char *kind = cap_value_dig_string(obj, "kind", NULL);
		group_of(&group, obj);
		if (req->app_name && *req->app_name && !is_crd(group.ptr, kind))
			track(obj, group.ptr, kind, req);
		cap_value *meta = child_object(obj, "metadata");
		const char *ns = cap_value_dig_string(meta, "namespace", NULL);
		if (!is_namespaced(&crd_cluster, group.ptr, kind, req)) {
			if (cap_value_object_get(meta, "namespace"))
				cap_value_object_del(meta, "namespace");
		} else if ((!ns || !*ns) && req->dest_namespace && *req->dest_namespace) {
			cap_value_object_set(meta, "namespace",
					     cap_value_string(req->dest_namespace));
		}
	}
	/* objs takes the flattened list's items in order */
	cap_value_array_clear(objs);
	CAP_VALUE_ARRAY_FOREACH(flat, i, obj)
	cap_value_array_append(objs, cap_value_ref(obj));
done:
	cap_value_free(flat);
	cap_hashmap_release(&crd_cluster, NULL);
	cap_buf_release(&group);
	return rc;
}
