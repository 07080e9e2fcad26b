/* Tests for label and field selectors. */
#include "cap_test.h"

#include <string.h>

#include "base/error.h"
#include "drydock/select.h"
#include "value/json.h"

static cap_value *obj(const char *json)
{
	cap_value *v;
	assert_int_equal(cap_json_parse(&v, json, strlen(json), "test", NULL), 0);
	return v;
}

static bool labels_match(const char *sel, const char *json)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_selector s;
	assert_int_equal(dd_selector_parse_labels(&s, sel, &a), 0);
	cap_value *v = obj(json);
	bool m = dd_selector_match_labels(&s, v);
	cap_value_free(v);
	cap_arena_release(&a);
	return m;
}

#define WEB                                                                                        \
	"{\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"web\",\"tier\":\"fe\",\"n\":\"3\"}" \
	"}}"

static void equality_requirements(void **state)
{
	assert_true(labels_match("app=web", WEB));
	assert_true(labels_match("app==web,tier=fe", WEB));
	assert_false(labels_match("app=api", WEB));
	assert_true(labels_match("app!=api", WEB));
	assert_true(labels_match("missing!=x", WEB));
}

static void set_based_requirements(void **state)
{
	assert_true(labels_match("tier in (fe, be)", WEB));
	assert_false(labels_match("tier notin (fe)", WEB));
	assert_true(labels_match("app", WEB));
	assert_true(labels_match("!missing", WEB));
	assert_false(labels_match("!app", WEB));
	assert_true(labels_match("n>2", WEB));
	assert_false(labels_match("n<2", WEB));
}

static void empty_selector_matches_everything(void **state)
{
	assert_true(labels_match("", "{\"metadata\":{}}"));
}

static void malformed_selectors_are_errors(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_selector s;
	assert_int_equal(dd_selector_parse_labels(&s, "app in web", &a), CAP_EINVALID);
	assert_int_equal(dd_selector_parse_labels(&s, "app=web,,", &a), CAP_EINVALID);
	assert_int_equal(dd_selector_parse_labels(&s, "tier in (a", &a), CAP_EINVALID);
	cap_arena_release(&a);
}

static void field_selectors_read_paths(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_selector s;
	cap_value *pod = obj("{\"metadata\":{\"name\":\"p\",\"namespace\":\"x\"},"
			     "\"status\":{\"phase\":\"Running\"}}");
	assert_int_equal(dd_selector_parse_fields(&s, "status.phase=Running,metadata.name!=q", &a),
			 0);
	assert_true(dd_selector_match_fields(&s, pod));
	assert_int_equal(dd_selector_parse_fields(&s, "metadata.namespace=y", &a), 0);
	assert_false(dd_selector_match_fields(&s, pod));
	cap_value_free(pod);
	cap_arena_release(&a);
}

static void unsupported_field_labels_are_refused(void **state)
{
	cap_arena a = CAP_ARENA_INIT;
	dd_selector s;
	assert_int_equal(dd_selector_parse_fields(&s, "spec.replicas=1", &a), 0);
	assert_int_equal(dd_selector_check_fields(&s, "apps", "deployments"), CAP_EINVALID);
	assert_string_equal(cap_error_last(), "field label not supported: spec.replicas");
	assert_int_equal(dd_selector_parse_fields(&s, "spec.nodeName=n", &a), 0);
	assert_int_equal(dd_selector_check_fields(&s, "", "pods"), 0);
	cap_arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(equality_requirements),
	    cmocka_unit_test(set_based_requirements),
	    cmocka_unit_test(empty_selector_matches_everything),
	    cmocka_unit_test(malformed_selectors_are_errors),
	    cmocka_unit_test(field_selectors_read_paths),
	    cmocka_unit_test(unsupported_field_labels_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
