/* Tests for API path and query parsing. */
#include "cap_test.h"

#include <string.h>

#include "base/error.h"
#include "drydock/url.h"

static void core_namespaced_object_path(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_path p;
	assert_int_equal(dd_path_parse(&p, "/api/v1/namespaces/default/pods/web/status", &a), 0);
	assert_true(p.core);
	assert_string_equal(p.group, "");
	assert_string_equal(p.version, "v1");
	assert_string_equal(p.ns, "default");
	assert_string_equal(p.resource, "pods");
	assert_string_equal(p.name, "web");
	assert_string_equal(p.subresource, "status");
	cap_arena_release(&a);
}

static void group_cluster_scoped_list(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_path p;
	assert_int_equal(dd_path_parse(&p, "/apis/rbac.authorization.k8s.io/v1/clusterroles", &a),
			 0);
	assert_false(p.core);
	assert_string_equal(p.group, "rbac.authorization.k8s.io");
	assert_string_equal(p.resource, "clusterroles");
	assert_string_equal(p.name, "");
	cap_arena_release(&a);
}

static void namespace_object_and_its_status(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_path p;
	assert_int_equal(dd_path_parse(&p, "/api/v1/namespaces/team", &a), 0);
	assert_string_equal(p.resource, "namespaces");
	assert_string_equal(p.name, "team");
	assert_int_equal(dd_path_parse(&p, "/api/v1/namespaces/team/finalize", &a), 0);
	assert_string_equal(p.resource, "namespaces");
	assert_string_equal(p.subresource, "finalize");
	cap_arena_release(&a);
}

static void roots_and_foreign_paths(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_path p;
	assert_int_equal(dd_path_parse(&p, "/apis/apps", &a), 0);
	assert_string_equal(p.group, "apps");
	assert_string_equal(p.version, "");
	assert_int_equal(dd_path_parse(&p, "/metrics", &a), CAP_ENOTFOUND);
	assert_int_equal(dd_path_parse(&p, "/api/v1/namespaces/a/pods/b/c/d", &a), CAP_ENOTFOUND);
	cap_arena_release(&a);
}

static void query_decodes_and_types_values(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_query q;
	dd_query_init(&q);
	const char *raw = "labelSelector=app%3Dweb%2Ctier+in+(a)&limit=500&watch=1&timeout=32s"
			  "&dryRun=All&continue=abc";
	assert_int_equal(dd_query_parse(&q, raw, strlen(raw), &a), 0);
	assert_string_equal(q.label_selector, "app=web,tier in (a)");
	assert_int_equal(q.limit, 500);
	assert_true(q.watch);
	assert_true(q.dry_run);
	assert_string_equal(q.cont, "abc");
	cap_arena_release(&a);
}

static void query_refuses_bad_numbers_and_dry_run(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_query q;
	dd_query_init(&q);
	assert_int_equal(dd_query_set(&q, "limit", "ten", &a), CAP_EINVALID);
	assert_int_equal(dd_query_set(&q, "dryRun", "Some", &a), CAP_EINVALID);
	assert_string_equal(cap_error_last(), "Invalid dry run value: Some, valid values are: All");
	cap_arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(core_namespaced_object_path),
	    cmocka_unit_test(group_cluster_scoped_list),
	    cmocka_unit_test(namespace_object_and_its_status),
	    cmocka_unit_test(roots_and_foreign_paths),
	    cmocka_unit_test(query_decodes_and_types_values),
	    cmocka_unit_test(query_refuses_bad_numbers_and_dry_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
