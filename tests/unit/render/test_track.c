/* Tests for the finishing rules: Lists, tracking annotation or label, CRDs, namespaces, scopes. */
#include "render_fixture.h"

#include "value/json.h"

static cap_value *finish(const char *json, cap_render_tracking tracking, const char *ns, int *rc)
{
	cap_value *objs = NULL;
	if (cap_json_parse(&objs, json, strlen(json), "t", NULL))
		fail_msg("%s", cap_error_last());
	cap_render_request req = {0};
	req.app_name = "shop";
	req.dest_namespace = ns;
	req.tracking = tracking;
	*rc = cap_render_finish(objs, &req);
	return objs;
}

static const char *tracking_id(const cap_value *o)
{
	return cap_value_dig_string(o, "metadata", "annotations", "argocd.argoproj.io/tracking-id",
				    NULL);
}

static void annotation_tracking_uses_group_kind_namespace_name(void **state)
{
	int rc;
	cap_value *objs =
	    finish("[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
		   "\"name\":\"web\"}},{\"apiVersion\":\"v1\",\"kind\":\"Service\","
		   "\"metadata\":{\"name\":\"web\",\"namespace\":\"other\"}}]",
		   CAP_TRACK_ANNOTATION, "prod", &rc);
	assert_int_equal(rc, 0);
	cap_value *d = cap_value_array_get(objs, 0), *s = cap_value_array_get(objs, 1);
	assert_string_equal(tracking_id(d), "shop:apps/Deployment:prod/web");
	assert_string_equal(tracking_id(s), "shop:/Service:other/web");
	assert_string_equal(cap_value_dig_string(d, "metadata", "namespace", NULL), "prod");
	assert_string_equal(cap_value_dig_string(s, "metadata", "namespace", NULL), "other");
	assert_null(cap_value_dig(d, "metadata", "labels", NULL));
	cap_value_free(objs);
}

static void label_tracking_and_both(void **state)
{
	int rc;
	cap_value *objs = finish("[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{"
				 "\"name\":\"c\",\"labels\":{\"keep\":\"me\"}}}]",
				 CAP_TRACK_LABEL, "prod", &rc);
	assert_int_equal(rc, 0);
	cap_value *c = cap_value_array_get(objs, 0);
	assert_string_equal(
	    cap_value_dig_string(c, "metadata", "labels", "app.kubernetes.io/instance", NULL),
	    "shop");
	assert_string_equal(cap_value_dig_string(c, "metadata", "labels", "keep", NULL), "me");
	assert_null(tracking_id(c));
	cap_value_free(objs);
	objs =
	    finish("[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}]",
		   CAP_TRACK_ANNOTATION_AND_LABEL, "prod", &rc);
	c = cap_value_array_get(objs, 0);
	assert_non_null(tracking_id(c));
	assert_non_null(cap_value_dig(c, "metadata", "labels", "app.kubernetes.io/instance", NULL));
	cap_value_free(objs);
}

static void cluster_scoped_kinds_lose_their_namespace(void **state)
{
	int rc;
	cap_value *objs = finish(
	    "[{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\","
	    "\"metadata\":{\"name\":\"r\",\"namespace\":\"x\"}},{\"apiVersion\":\"v1\",\"kind\":"
	    "\"Namespace\",\"metadata\":{\"name\":\"n\"}}]",
	    CAP_TRACK_ANNOTATION, "prod", &rc);
	assert_int_equal(rc, 0);
	cap_value *r = cap_value_array_get(objs, 0), *n = cap_value_array_get(objs, 1);
	/* the id is computed first, from the namespace as written, as Argo CD's repo-server does */
	assert_string_equal(tracking_id(r), "shop:rbac.authorization.k8s.io/ClusterRole:x/r");
	assert_string_equal(tracking_id(n), "shop:/Namespace:prod/n");
	assert_null(cap_value_dig(r, "metadata", "namespace", NULL));
	assert_null(cap_value_dig(n, "metadata", "namespace", NULL));
	cap_value_free(objs);
}

static void crds_are_not_tracked_and_define_scopes(void **state)
{
	int rc;
	cap_value *objs = finish(
	    "[{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
	    "\"metadata\":{\"name\":\"gizmos.example.com\"},\"spec\":{\"group\":\"example.com\","
	    "\"scope\":\"Cluster\",\"names\":{\"kind\":\"Gizmo\"}}},{\"apiVersion\":"
	    "\"example.com/v1\",\"kind\":\"Gizmo\",\"metadata\":{\"name\":\"g\"}},{\"apiVersion\":"
	    "\"other.io/v1\",\"kind\":\"Thing\",\"metadata\":{\"name\":\"t\"}}]",
	    CAP_TRACK_ANNOTATION, "prod", &rc);
	assert_int_equal(rc, 0);
	assert_null(cap_value_dig(cap_value_array_get(objs, 0), "metadata", "annotations", NULL));
	cap_value *g = cap_value_array_get(objs, 1), *t = cap_value_array_get(objs, 2);
	assert_null(cap_value_dig(g, "metadata", "namespace", NULL));
	/* unknown kinds are treated as namespaced, as Argo CD's IsNamespacedOrUnknown */
	assert_string_equal(cap_value_dig_string(t, "metadata", "namespace", NULL), "prod");
	cap_value_free(objs);
}

static void lists_are_flattened(void **state)
{
	int rc;
	cap_value *objs = finish(
	    "[{\"apiVersion\":\"v1\",\"kind\":\"ConfigMapList\",\"items\":[{\"apiVersion\":\"v1\","
	    "\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}},{\"apiVersion\":\"v1\","
	    "\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b\"}}]},{\"apiVersion\":\"v1\","
	    "\"kind\":\"List\"}]",
	    CAP_TRACK_ANNOTATION, "prod", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(cap_value_array_len(objs), 2);
	assert_non_null(fx_find(objs, "ConfigMap", "b"));
	cap_value_free(objs);
	objs = finish("[{\"kind\":\"List\",\"items\":[3]}]", CAP_TRACK_ANNOTATION, "prod", &rc);
	assert_int_equal(rc, CAP_EINVALID);
	cap_value_free(objs);
}

static void objects_without_kind_are_errors(void **state)
{
	int rc;
	cap_value *objs = finish("[{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"nameless\"}}]",
				 CAP_TRACK_ANNOTATION, "prod", &rc);
	assert_int_equal(rc, CAP_EINVALID);
	FX_ERROR_HAS("'nameless' has no kind");
	cap_value_free(objs);
}

static void builtin_scopes_agree_with_discovery(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_value *doc = NULL, *item, *ver, *res;
	size_t i, j, k, checked = 0;
	cap_test_shared_path(&path, "kubernetes/discovery/aggregated_v2.json");
	assert_int_equal(cap_json_parse_file(&doc, path.ptr, NULL), 0);
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(doc, "items", NULL), i, item)
	{
		const char *group = cap_value_dig_string(item, "metadata", "name", NULL);
		CAP_VALUE_ARRAY_FOREACH(cap_value_dig(item, "versions", NULL), j, ver)
		CAP_VALUE_ARRAY_FOREACH(cap_value_dig(ver, "resources", NULL), k, res)
		{
			const char *kind = cap_value_dig_string(res, "responseKind", "kind", NULL);
			const char *scope = cap_value_dig_string(res, "scope", NULL);
			int want = !strcmp(scope, "Cluster") ? 0 : -1;
			if (cap_render_builtin_scope(group ? group : "", kind) != want)
				fail_msg("%s/%s: scope %s", group, kind, scope);
			checked++;
		}
	}
	cap_value_free(doc);
	cap_test_shared_path(&path, "kubernetes/discovery/api__v1.json");
	assert_int_equal(cap_json_parse_file(&doc, path.ptr, NULL), 0);
	CAP_VALUE_ARRAY_FOREACH(cap_value_dig(doc, "resources", NULL), i, res)
	{
		const char *name = cap_value_dig_string(res, "name", NULL);
		if (strchr(name, '/'))
			continue; /* subresources */
		int want = cap_value_get_bool(cap_value_dig(res, "namespaced", NULL)) ? -1 : 0;
		assert_int_equal(
		    cap_render_builtin_scope("", cap_value_dig_string(res, "kind", NULL)), want);
		checked++;
	}
	assert_true(checked > 50);
	cap_value_free(doc);
	cap_buf_release(&path);
}

static int scope_says_cluster(void *ctx, const char *group, const char *kind)
{
	return !strcmp(kind, "Thing") ? 0 : -1;
}

static void live_discovery_can_override(void **state)
{
	cap_value *objs = NULL;
	const char *json = "[{\"apiVersion\":\"other.io/v1\",\"kind\":\"Thing\",\"metadata\":{"
			   "\"name\":\"t\",\"namespace\":\"x\"}}]";
	assert_int_equal(cap_json_parse(&objs, json, strlen(json), "t", NULL), 0);
	cap_render_request req = {0};
	req.app_name = "shop";
	req.dest_namespace = "prod";
	req.scope = scope_says_cluster;
	assert_int_equal(cap_render_finish(objs, &req), 0);
	assert_null(cap_value_dig(cap_value_array_get(objs, 0), "metadata", "namespace", NULL));
	cap_value_free(objs);
}

static void tracking_methods_parse(void **state)
{
	cap_render_tracking t;
	assert_int_equal(cap_render_tracking_parse(&t, "label"), 0);
	assert_int_equal(t, CAP_TRACK_LABEL);
	assert_int_equal(cap_render_tracking_parse(&t, "annotation+label"), 0);
	assert_int_equal(t, CAP_TRACK_ANNOTATION_AND_LABEL);
	assert_int_equal(cap_render_tracking_parse(&t, NULL), 0);
	assert_int_equal(t, CAP_TRACK_ANNOTATION);
	assert_int_equal(cap_render_tracking_parse(&t, "uid"), CAP_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(annotation_tracking_uses_group_kind_namespace_name),
	    cmocka_unit_test(label_tracking_and_both),
	    cmocka_unit_test(cluster_scoped_kinds_lose_their_namespace),
	    cmocka_unit_test(crds_are_not_tracked_and_define_scopes),
	    cmocka_unit_test(lists_are_flattened),
	    cmocka_unit_test(objects_without_kind_are_errors),
	    cmocka_unit_test(builtin_scopes_agree_with_discovery),
	    cmocka_unit_test(live_discovery_can_override),
	    cmocka_unit_test(tracking_methods_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
