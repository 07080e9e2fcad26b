/* Tests for managedFields entries: decoding, the API server's order, identities and errors. */
#include "cap_test.h"

#include "base/error.h"
#include "patch/managed_fields.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdlib.h>
#include <string.h>

static cap_value *fixture_managed_fields(cap_value **docs, const char *file)
{
	cap_buf rel = CAP_BUF_INIT, path = CAP_BUF_INIT;
	cap_buf_printf(&rel, "argocd/fixtures/diff/%s", file);
	cap_test_shared_path(&path, rel.ptr);
	assert_int_equal(cap_yaml_parse_file(docs, path.ptr, NULL), 0);
	cap_buf_release(&rel);
	cap_buf_release(&path);
	return cap_value_dig(cap_value_array_get(*docs, 0), "metadata", "managedFields", NULL);
}

/* An API server wrote these entries: decoding and encoding gives them back, in its order. */
static void api_server_entries_round_trip(void **state)
{
	static const char *const files[] = {"smd-service-live-with-type.yaml",
					    "smd-deploy2-live.yaml", "smd-service-live.yaml"};
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		cap_value *docs = NULL;
		cap_value *mf = fixture_managed_fields(&docs, files[f]);
		cap_managed_fields m = CAP_MANAGED_FIELDS_INIT;
		assert_int_equal(cap_managed_fields_decode(&m, mf), 0);
		assert_int_equal(m.len, cap_value_array_len(mf));
		cap_value *back = cap_managed_fields_encode(&m);
		if (!cap_value_equal(back, mf))
			fail_msg("%s: entries changed: %s", files[f], cap_json_to_string(back, 0));
		cap_value_free(back);
		cap_managed_fields_release(&m);
		cap_value_free(docs);
	}
}

static void entries_decode_with_subresource_and_identity(void **state)
{
	cap_value *docs = NULL;
	cap_value *mf = fixture_managed_fields(&docs, "smd-service-live-with-type.yaml");
	cap_managed_fields m = CAP_MANAGED_FIELDS_INIT;
	assert_int_equal(cap_managed_fields_decode(&m, mf), 0);
	assert_int_equal(m.len, 3);
	assert_string_equal(m.items[2].manager, "kube-vpnkit-forwarder");
	assert_string_equal(m.items[2].subresource, "status");
	assert_null(m.items[0].subresource);
	/* An applier is one manager whatever the version; an updater is one per version. */
	assert_ptr_equal(cap_managed_fields_find(&m, "argocd-controller", "Apply", "v2", NULL),
			 &m.items[0]);
	assert_ptr_equal(
	    cap_managed_fields_find(&m, "kubectl-client-side-apply", "Update", "v1", ""),
	    &m.items[1]);
	assert_null(cap_managed_fields_find(&m, "kubectl-client-side-apply", "Update", "v2", NULL));
	assert_null(cap_managed_fields_find(&m, "kube-vpnkit-forwarder", "Update", "v1", NULL));
	cap_buf d = CAP_BUF_INIT;
	cap_managed_entry_describe(&d, &m.items[1]);
	assert_string_equal(d.ptr, "\"kubectl-client-side-apply\" using v1");
	cap_buf_clear(&d);
	cap_managed_entry_describe(&d, &m.items[2]);
	assert_string_equal(d.ptr,
			    "\"kube-vpnkit-forwarder\" with subresource \"status\" using v1");
	cap_buf_clear(&d);
	cap_managed_entry_describe(&d, &m.items[0]);
	assert_string_equal(d.ptr, "\"argocd-controller\"");
	cap_buf_release(&d);
	cap_managed_fields_release(&m);
	cap_value_free(docs);
}

static void encoding_sorts_and_drops_empty_entries(void **state)
{
	cap_managed_fields m = CAP_MANAGED_FIELDS_INIT;
	cap_managed_entry *e = cap_managed_fields_upsert(&m, "z", "Update", "v1", NULL);
	e->time = strdup("2024-01-01T00:00:00Z");
	cap_fieldset_child(e->set, "f:a")->member = true;
	e = cap_managed_fields_upsert(&m, "y", "Update", "v1", NULL);
	e->time = strdup("2023-01-01T00:00:00Z");
	cap_fieldset_child(e->set, "f:b")->member = true;
	cap_managed_fields_upsert(&m, "empty", "Apply", "v1", NULL);
	e = cap_managed_fields_upsert(&m, "x", "Apply", "v1", NULL);
	e->time = strdup("2025-01-01T00:00:00Z");
	cap_fieldset_child(e->set, "f:c")->member = true;
	assert_ptr_equal(cap_managed_fields_upsert(&m, "x", "Apply", "v2", NULL), e);
	cap_value *out = cap_managed_fields_encode(&m);
	assert_int_equal(cap_value_array_len(out), 3);
	assert_string_equal(cap_value_dig_string(cap_value_array_get(out, 0), "manager", NULL),
			    "x");
	assert_string_equal(cap_value_dig_string(cap_value_array_get(out, 0), "apiVersion", NULL),
			    "v2");
	assert_string_equal(cap_value_dig_string(cap_value_array_get(out, 1), "manager", NULL),
			    "y");
	assert_string_equal(cap_value_dig_string(cap_value_array_get(out, 2), "manager", NULL),
			    "z");
	assert_string_equal(cap_value_dig_string(cap_value_array_get(out, 2), "fieldsType", NULL),
			    "FieldsV1");
	cap_value_free(out);
	cap_managed_fields_release(&m);
}

static void malformed_entries_name_their_index(void **state)
{
	static const char *const bad[] = {
	    "[{\"manager\":\"a\",\"operation\":\"Apply\"},{\"manager\":\"b\",\"operation\":"
	    "\"Patch\"}]",
	    "[{}, {\"manager\":\"b\",\"operation\":\"Update\",\"fieldsType\":\"FieldsV2\"}]",
	    "[{\"operation\":\"Apply\"},{\"operation\":\"Update\",\"fieldsV1\":{\"x\":{}}}]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cap_value *v = NULL;
		cap_managed_fields m = CAP_MANAGED_FIELDS_INIT;
		assert_int_equal(cap_json_parse(&v, bad[i], strlen(bad[i]), "t", NULL), 0);
		assert_int_equal(cap_managed_fields_decode(&m, v), CAP_EINVALID);
		assert_int_equal(m.len, 0);
		if (i != 1)
			assert_non_null(strstr(cap_error_last(), "managedFields[1]"));
		cap_value_free(v);
	}
	cap_value *obj = NULL;
	cap_managed_fields m = CAP_MANAGED_FIELDS_INIT;
	assert_int_equal(cap_json_parse(&obj, "{}", 2, "t", NULL), 0);
	assert_int_equal(cap_managed_fields_decode(&m, obj), CAP_EINVALID);
	assert_int_equal(cap_managed_fields_decode(&m, NULL), 0);
	cap_value_free(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(api_server_entries_round_trip),
	    cmocka_unit_test(entries_decode_with_subresource_and_identity),
	    cmocka_unit_test(encoding_sorts_and_drops_empty_entries),
	    cmocka_unit_test(malformed_entries_name_their_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
