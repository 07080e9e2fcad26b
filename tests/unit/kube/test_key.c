/* Object keys: parsing objects, apiVersion splitting, formatting, identity and hashing. */
#include "cap_test.h"

#include <string.h>

#include "base/error.h"
#include "kube/key.h"
#include "value/json.h"

static cap_value *parse(const char *json)
{
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, json, strlen(json), NULL, NULL), 0);
	return v;
}

static void test_from_object_reads_group_version_kind_namespace_name(void **state)
{
	cap_value *o = parse("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
			     "\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"}}");
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	assert_int_equal(cap_kube_key_from_object(&k, o), 0);
	assert_string_equal(k.group, "apps");
	assert_string_equal(k.version, "v1");
	assert_string_equal(k.kind, "Deployment");
	assert_string_equal(k.namespace, "shop");
	assert_string_equal(k.name, "web");
	assert_string_equal(k.resource, "");
	cap_kube_key_release(&k);
	cap_value_free(o);
}

static void test_core_group_is_empty(void **state)
{
	cap_value *o = parse("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}");
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	assert_int_equal(cap_kube_key_from_object(&k, o), 0);
	assert_string_equal(k.group, "");
	assert_string_equal(k.version, "v1");
	assert_string_equal(k.name, "");
	cap_buf b = CAP_BUF_INIT;
	cap_kube_key_api_version(&k, &b);
	assert_string_equal(b.ptr, "v1");
	cap_buf_release(&b);
	cap_kube_key_release(&k);
	cap_value_free(o);
}

static void test_missing_kind_is_invalid_and_leaves_key(void **state)
{
	cap_value *o = parse("{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}");
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&k, "v1", "Secret", "a", "b");
	assert_int_equal(cap_kube_key_from_object(&k, o), CAP_EINVALID);
	assert_string_equal(cap_error_last(), "object has no 'kind'");
	assert_string_equal(k.kind, "Secret");
	cap_kube_key_release(&k);
	cap_value_free(o);
}

static void test_format_reads_group_kind_namespace_name(void **state)
{
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_buf b = CAP_BUF_INIT;
	cap_kube_key_set(&k, "apps/v1", "Deployment", "guestbook", "web");
	cap_kube_key_format(&k, &b);
	assert_string_equal(b.ptr, "apps/Deployment guestbook/web");
	cap_buf_clear(&b);
	cap_kube_key_set(&k, "v1", "Namespace", NULL, "guestbook");
	cap_kube_key_format(&k, &b);
	assert_string_equal(b.ptr, "Namespace guestbook");
	cap_buf_release(&b);
	cap_kube_key_release(&k);
}

static void test_identity_ignores_version_and_resource(void **state)
{
	cap_kube_key a = CAP_KUBE_KEY_INIT, b = CAP_KUBE_KEY_INIT, c = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&a, "apps/v1", "Deployment", "ns", "web");
	cap_kube_key_set(&b, "apps/v1beta2", "Deployment", "ns", "web");
	cap_kube_key_set_member(&b.resource, "deployments");
	cap_kube_key_set(&c, "apps/v1", "Deployment", "ns", "web2");
	assert_true(cap_kube_key_equal(&a, &b));
	assert_int_equal(cap_kube_key_hash(&a), cap_kube_key_hash(&b));
	assert_false(cap_kube_key_equal(&a, &c));
	assert_true(cap_kube_key_compare(&a, &c) < 0);
	assert_true(cap_kube_key_hash(&a) != cap_kube_key_hash(&c));
	cap_kube_key copy = CAP_KUBE_KEY_INIT;
	cap_kube_key_copy(&copy, &b);
	assert_string_equal(copy.resource, "deployments");
	assert_string_equal(copy.version, "v1beta2");
	cap_kube_key_release(&copy);
	cap_kube_key_release(&a);
	cap_kube_key_release(&b);
	cap_kube_key_release(&c);
}

static void test_hash_separates_members(void **state)
{
	cap_kube_key a = CAP_KUBE_KEY_INIT, b = CAP_KUBE_KEY_INIT;
	cap_kube_key_set(&a, "v1", "ConfigMap", "ab", "c");
	cap_kube_key_set(&b, "v1", "ConfigMap", "a", "bc");
	assert_true(cap_kube_key_hash(&a) != cap_kube_key_hash(&b));
	cap_kube_key_release(&a);
	cap_kube_key_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_from_object_reads_group_version_kind_namespace_name),
	    cmocka_unit_test(test_core_group_is_empty),
	    cmocka_unit_test(test_missing_kind_is_invalid_and_leaves_key),
	    cmocka_unit_test(test_format_reads_group_kind_namespace_name),
	    cmocka_unit_test(test_identity_ignores_version_and_resource),
	    cmocka_unit_test(test_hash_separates_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
