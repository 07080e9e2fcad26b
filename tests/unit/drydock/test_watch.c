/* Tests for watch streams: initial state, resumption, expiry, selector transitions and timeouts. */
#include "cap_test.h"

#include <stdio.h>
#include <string.h>

#include "drydock/watch.h"

static dd_cluster cluster;

static int setup(void **state)
{
	memset(&cluster, 0, sizeof(cluster));
	dd_store_init(&cluster.store, 8);
	return 0;
}

static int teardown(void **state)
{
	dd_store_release(&cluster.store);
	return 0;
}

static uint64_t put(const char *name, const char *label)
{
	cap_value *v = cap_value_object();
	cap_value_object_set(v, "apiVersion", cap_value_string("v1"));
	cap_value_object_set(v, "kind", cap_value_string("ConfigMap"));
	cap_value *m = cap_value_object();
	cap_value_object_set(m, "name", cap_value_string(name));
	cap_value_object_set(m, "namespace", cap_value_string("ns"));
	if (label) {
		cap_value *l = cap_value_object();
		cap_value_object_set(l, "tier", cap_value_string(label));
		cap_value_object_set(m, "labels", l);
	}
	cap_value_object_set(v, "metadata", m);
	dd_store_lock(&cluster.store);
	uint64_t rv = dd_store_put(&cluster.store, "/configmaps", "ns", name, v)->rv;
	dd_store_unlock(&cluster.store);
	return rv;
}

static dd_watch *watch(uint64_t from, const char *labels)
{
	dd_watch_spec spec = {.bucket = "/configmaps",
			      .api_version = "v1",
			      .kind = "ConfigMap",
			      .ns = "ns",
			      .label_selector = labels,
			      .from_rv = from,
			      .timeout_s = 1};
	dd_watch *w;
	dd_store_lock(&cluster.store);
	assert_int_equal(dd_watch_new(&w, &cluster, &spec), 0);
	dd_store_unlock(&cluster.store);
	return w;
}

/* The event types of the next batch, space separated. */
static void types(dd_watch *w, char *out, size_t n)
{
	cap_buf b = CAP_BUF_INIT;
	out[0] = '\0';
	if (!dd_watch_read(w, &b))
		return;
	const char *p = b.ptr;
	while ((p = strstr(p, "{\"type\":\"")) != NULL) {
		p += 9;
		size_t len = strcspn(p, "\"");
		snprintf(out + strlen(out), n - strlen(out), "%s%.*s", out[0] ? " " : "", (int)len,
			 p);
	}
	cap_buf_release(&b);
}

static void starts_with_the_current_state(void **state)
{
	put("a", NULL);
	put("b", NULL);
	dd_watch *w = watch(0, NULL);
	char t[256];
	types(w, t, sizeof(t));
	assert_string_equal(t, "ADDED ADDED");
	put("a", "x");
	types(w, t, sizeof(t));
	assert_string_equal(t, "MODIFIED");
	dd_watch_free(w);
}

static void resumes_after_a_resource_version(void **state)
{
	uint64_t rv = put("r1", NULL);
	put("r2", NULL);
	dd_watch *w = watch(rv, NULL);
	cap_buf b = CAP_BUF_INIT;
	assert_true(dd_watch_read(w, &b));
	assert_non_null(strstr(b.ptr, "\"name\":\"r2\""));
	assert_null(strstr(b.ptr, "\"name\":\"r1\""));
	cap_buf_release(&b);
	dd_watch_free(w);
}

static void too_old_versions_are_expired(void **state)
{
	uint64_t rv = put("old", NULL);
	for (int i = 0; i < 20; i++)
		put("churn", NULL);
	dd_watch *w = watch(rv, NULL);
	cap_buf b = CAP_BUF_INIT;
	assert_true(dd_watch_read(w, &b));
	assert_non_null(strstr(b.ptr, "\"type\":\"ERROR\""));
	assert_non_null(strstr(b.ptr, "\"code\":410"));
	assert_non_null(strstr(b.ptr, "too old resource version"));
	cap_buf_release(&b);
	assert_false(dd_watch_read(w, &b));
	dd_watch_free(w);
}

static void selectors_see_objects_enter_and_leave(void **state)
{
	uint64_t rv = put("sel", "a");
	dd_watch *w = watch(rv, "tier=b");
	char t[256];
	put("sel", "b");
	types(w, t, sizeof(t));
	assert_string_equal(t, "ADDED");
	put("sel", "c");
	types(w, t, sizeof(t));
	assert_string_equal(t, "DELETED");
	dd_watch_free(w);
}

static void ends_at_its_timeout(void **state)
{
	uint64_t rv = put("quiet", NULL);
	dd_watch *w = watch(rv, NULL);
	cap_buf b = CAP_BUF_INIT;
	assert_false(dd_watch_read(w, &b));
	assert_int_equal(b.len, 0);
	dd_watch_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(starts_with_the_current_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(resumes_after_a_resource_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(too_old_versions_are_expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(selectors_see_objects_enter_and_leave, setup, teardown),
	    cmocka_unit_test_setup_teardown(ends_at_its_timeout, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
