/* Tests for the object store: resourceVersions, ordering, history and expiry. */
#include "cap_test.h"

#include <stdio.h>
#include <string.h>

#include "drydock/store.h"
#include "value/json.h"

static cap_value *cm(const char *name)
{
	cap_value *v = cap_value_object();
	cap_value_object_set(v, "kind", cap_value_string("ConfigMap"));
	cap_value *m = cap_value_object();
	cap_value_object_set(m, "name", cap_value_string(name));
	cap_value_object_set(v, "metadata", m);
	return v;
}

static void put_assigns_increasing_resource_versions(void **state)
{
	dd_store s;
	dd_store_init(&s, 0);
	dd_store_lock(&s);
	dd_obj *a = dd_store_put(&s, "/configmaps", "ns", "a", cm("a"));
	uint64_t rv_a = a->rv;
	dd_obj *b = dd_store_put(&s, "/configmaps", "ns", "a", cm("a"));
	assert_true(b->rv > rv_a);
	char want[32];
	snprintf(want, sizeof(want), "%llu", (unsigned long long)b->rv);
	assert_string_equal(cap_value_dig_string(b->v, "metadata", "resourceVersion", NULL), want);
	assert_non_null(strstr(b->json, want));
	assert_ptr_equal(dd_store_get(&s, "/configmaps", "ns", "a"), b);
	dd_store_unlock(&s);
	dd_store_release(&s);
}

static void list_is_sorted_and_resumes_after_a_key(void **state)
{
	dd_store s;
	dd_store_init(&s, 0);
	dd_store_lock(&s);
	const char *names[] = {"c", "a", "b"};
	for (int i = 0; i < 3; i++)
		dd_store_put(&s, "/configmaps", "x", names[i], cm(names[i]));
	dd_store_put(&s, "/configmaps", "a", "z", cm("z"));
	cap_vec out = CAP_VEC_INIT;
	dd_store_list(&s, "/configmaps", NULL, NULL, &out);
	assert_int_equal(out.len, 4);
	assert_string_equal(((dd_obj *)out.items[0])->name, "z");
	assert_string_equal(((dd_obj *)out.items[1])->name, "a");
	assert_string_equal(((dd_obj *)out.items[3])->name, "c");
	cap_vec_clear(&out);
	dd_store_list(&s, "/configmaps", "x", "x/a", &out);
	assert_int_equal(out.len, 2);
	assert_string_equal(((dd_obj *)out.items[0])->name, "b");
	cap_vec_release(&out);
	dd_store_unlock(&s);
	dd_store_release(&s);
}

static void remove_records_a_deleted_event_with_a_new_version(void **state)
{
	dd_store s;
	dd_store_init(&s, 0);
	dd_store_lock(&s);
	dd_obj *a = dd_store_put(&s, "/configmaps", "ns", "a", cm("a"));
	uint64_t rv = a->rv;
	dd_obj *last = dd_store_remove(&s, "/configmaps", "ns", "a");
	assert_non_null(last);
	assert_true(last->rv > rv);
	assert_null(dd_store_get(&s, "/configmaps", "ns", "a"));
	uint64_t seq;
	assert_true(dd_store_seq_after(&s, rv, &seq));
	dd_event *e = dd_store_event(&s, seq);
	assert_non_null(e);
	assert_int_equal(e->type, DD_DELETED);
	assert_null(dd_store_remove(&s, "/configmaps", "ns", "a"));
	dd_store_unlock(&s);
	dd_store_release(&s);
}

static void history_expires_old_versions(void **state)
{
	dd_store s;
	dd_store_init(&s, 4);
	dd_store_lock(&s);
	uint64_t first = dd_store_put(&s, "/configmaps", "ns", "a", cm("a"))->rv;
	for (int i = 0; i < 10; i++)
		dd_store_put(&s, "/configmaps", "ns", "a", cm("a"));
	uint64_t seq;
	assert_false(dd_store_seq_after(&s, first, &seq));
	assert_true(dd_store_seq_after(&s, s.rv - 1, &seq));
	assert_int_equal(dd_store_event(&s, seq)->rv, s.rv);
	dd_store_unlock(&s);
	dd_store_release(&s);
}

static void write_rewrites_api_version_when_asked(void **state)
{
	dd_store s;
	dd_store_init(&s, 0);
	dd_store_lock(&s);
	cap_value *v = cm("a");
	cap_value_object_set(v, "apiVersion", cap_value_string("autoscaling/v2"));
	dd_obj *o = dd_store_put(&s, "autoscaling/hpa", "ns", "a", v);
	cap_buf b = CAP_BUF_INIT;
	dd_obj_write(&b, o, "autoscaling/v1");
	assert_non_null(strstr(b.ptr, "\"apiVersion\":\"autoscaling/v1\""));
	cap_buf_release(&b);
	dd_store_unlock(&s);
	dd_store_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(put_assigns_increasing_resource_versions),
	    cmocka_unit_test(list_is_sorted_and_resumes_after_a_key),
	    cmocka_unit_test(remove_records_a_deleted_event_with_a_new_version),
	    cmocka_unit_test(history_expires_old_versions),
	    cmocka_unit_test(write_rewrites_api_version_when_asked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
