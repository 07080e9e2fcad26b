/* YAML and JSON literals for unit tests: parsed values, the test failing on a parse error. */
#include "value_fixture.h"

#include "cap_test.h"

#include "base/error.h"
#include "value/json.h"
#include "value/yaml.h"

#include <string.h>

cap_value *cap_test_yaml(const char *text)
{
	cap_value *v = NULL;
	if (cap_yaml_parse(&v, text, strlen(text), "test", NULL) != 0)
		fail_msg("cannot parse: %s", cap_error_last());
	return v;
}

cap_value *cap_test_json(const char *text)
{
	cap_value *v = NULL;
	if (cap_json_parse(&v, text, strlen(text), "test", NULL) != 0)
		fail_msg("cannot parse %s: %s", text, cap_error_last());
	return v;
}

void cap_test_assert_yaml_equal(const cap_value *got, const char *want_yaml)
{
	cap_value *want = cap_test_yaml(want_yaml);
	if (!cap_value_equal(got, want))
		fail_msg("got %s\nwant %s", cap_json_to_string(got, CAP_JSON_SORT_KEYS),
			 cap_json_to_string(want, CAP_JSON_SORT_KEYS));
	cap_value_free(want);
}
