/* Tests for YAML printing: kubectl's block layout, key order, quoting that reads back, literal
 * blocks. */
#include "cap_test.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"
#include "value/yaml.h"

#include <string.h>

static cap_value *from_json(const char *json)
{
	cap_value *v = NULL;
	if (cap_json_parse(&v, json, strlen(json), "in.json", NULL) != 0)
		fail_msg("%s", cap_error_last());
	return v;
}

static void assert_prints(const char *json, unsigned flags, const char *want)
{
	cap_value *v = from_json(json);
	cap_buf out = CAP_BUF_INIT;
	cap_yaml_print(&out, v, flags);
	if (strcmp(out.ptr, want) != 0)
		fail_msg("printed:\n%s\nwant:\n%s", out.ptr, want);
	cap_value *back = NULL;
	if (cap_yaml_parse(&back, out.ptr, out.len, "printed.yaml", NULL) != 0)
		fail_msg("%s\n%s", cap_error_last(), out.ptr);
	assert_true(cap_value_equal(v, back));
	cap_value_free(back);
	cap_value_free(v);
	cap_buf_release(&out);
}

static void objects_print_in_kubectl_layout(void **state)
{
	assert_prints(
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
	    "\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":2,\"template\":{\"spec\":"
	    "{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.25\",\"args\":[\"-v\",\"2\"],"
	    "\"ports\":[{\"containerPort\":80}]}]}}}}",
	    0,
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata:\n"
	    "  name: web\n"
	    "  labels:\n"
	    "    app: web\n"
	    "spec:\n"
	    "  replicas: 2\n"
	    "  template:\n"
	    "    spec:\n"
	    "      containers:\n"
	    "      - name: web\n"
	    "        image: nginx:1.25\n"
	    "        args:\n"
	    "        - -v\n"
	    "        - \"2\"\n"
	    "        ports:\n"
	    "        - containerPort: 80\n");
}

static void sort_keys_orders_by_bytes(void **state)
{
	assert_prints("{\"b\":1,\"a\":{\"z\":1,\"Z\":2,\"aa\":3,\"a\":4}}", CAP_YAML_SORT_KEYS,
		      "a:\n  Z: 2\n  a: 4\n  aa: 3\n  z: 1\nb: 1\n");
	assert_prints("{\"b\":1,\"a\":2}", 0, "b: 1\na: 2\n");
}

static void empty_containers_print_in_flow_style(void **state)
{
	assert_prints("{\"a\":{},\"b\":[],\"c\":[{},[]]}", 0, "a: {}\nb: []\nc:\n- {}\n- []\n");
	assert_prints("{}", 0, "{}\n");
	assert_prints("[]", 0, "[]\n");
}

static void nested_sequences_share_the_dash_line(void **state)
{
	assert_prints("[[1,2],[[3]],{\"a\":[4]}]", 0, "- - 1\n  - 2\n- - - 3\n- a:\n  - 4\n");
}

static void scalars_print_as_they_read_back(void **state)
{
	assert_prints(
	    "{\"n\":null,\"t\":true,\"f\":false,\"i\":-42,\"r\":1.0,\"s\":0.1,\"e\":1e+300}", 0,
	    "\"n\": null\nt: true\nf: false\ni: -42\nr: 1.0\ns: 0.1\ne: 1e+300\n");
	assert_prints("\"hello\"", 0, "hello\n");
	assert_prints("12", 0, "12\n");
}

static void strings_that_would_change_type_are_double_quoted(void **state)
{
	assert_prints(
	    "[\"yes\",\"No\",\"on\",\"y\",\"012\",\"0x1F\",\"08\",\"null\",\"~\",\"\",\"1e3\","
	    "\"1.5\",\"-1\",\".inf\",\".NaN\",\"true\"]",
	    0,
	    "- \"yes\"\n- \"No\"\n- \"on\"\n- \"y\"\n- \"012\"\n- \"0x1F\"\n- \"08\"\n"
	    "- \"null\"\n- \"~\"\n- \"\"\n- \"1e3\"\n- \"1.5\"\n- \"-1\"\n- \".inf\"\n"
	    "- \".NaN\"\n- \"true\"\n");
	assert_prints("{\"yes\":1,\"1\":2,\"\":3}", 0, "\"yes\": 1\n\"1\": 2\n\"\": 3\n");
}

static void strings_that_would_change_meaning_are_single_quoted(void **state)
{
	assert_prints(
	    "[\"- x\",\"a: b\",\"a #b\",\" lead\",\"trail \",\"key:\",\"#c\",\"&a\",\"*a\","
	    "\"!t\",\"|\",\">\",\"[x]\",\"{x}\",\"'q'\",\"\\\"q\\\"\",\"%d\",\"@x\",\"`x\","
	    "\"---\",\"...\",\",x\",\"?\",\"-\"]",
	    0,
	    "- '- x'\n- 'a: b'\n- 'a #b'\n- ' lead'\n- 'trail '\n- 'key:'\n- '#c'\n- '&a'\n"
	    "- '*a'\n- '!t'\n- '|'\n- '>'\n- '[x]'\n- '{x}'\n- '''q'''\n- '\"q\"'\n- '%d'\n"
	    "- '@x'\n- '`x'\n- '---'\n- '...'\n- ',x'\n- '?'\n- '-'\n");
	assert_prints("{\"<<\":\"<<\"}", 0, "'<<': <<\n");
}

static void harmless_punctuation_stays_plain(void **state)
{
	assert_prints(
	    "[\"-x\",\"a:b\",\"a#b\",\"it's\",\"1.2.3\",\"10Mi\",\"http://x/y?z=1\",\"caf\u00e9\","
	    "\"2001-12-14x\",\"a, b\",\"yEs\"]",
	    0,
	    "- -x\n- a:b\n- a#b\n- it's\n- 1.2.3\n- 10Mi\n- http://x/y?z=1\n- caf\xc3\xa9\n"
	    "- 2001-12-14x\n- a, b\n- yEs\n");
}

static void timestamps_are_quoted_as_kubectl_quotes_them(void **state)
{
	assert_prints("[\"2001-12-14\",\"2001-1-2\",\"2001-12-14T21:59:43.10Z\","
		      "\"2001-12-14t21:59:43-05:00\",\"2001-12-14 21:59:43\",\"2001-02-30\","
		      "\"2001-12-14 21:59:43Z\",\"2001-12-14T25:00:00Z\"]",
		      0,
		      "- \"2001-12-14\"\n- \"2001-1-2\"\n- \"2001-12-14T21:59:43.10Z\"\n"
		      "- \"2001-12-14t21:59:43-05:00\"\n- \"2001-12-14 21:59:43\"\n- 2001-02-30\n"
		      "- 2001-12-14 21:59:43Z\n- 2001-12-14T25:00:00Z\n");
}

static void multi_line_strings_use_literal_blocks(void **state)
{
	assert_prints(
	    "{\"a\":\"one\\ntwo\\n\",\"b\":\"one\\ntwo\",\"c\":\"x\\n\\n\",\"d\":[\"p\\n\\nq\\n\"]"
	    "}",
	    0, "a: |\n  one\n  two\nb: |-\n  one\n  two\nc: |+\n  x\n\nd:\n- |\n  p\n\n  q\n");
	assert_prints("{\"a\":{\"script\":\"set -e\\n  indented\\n\"}}", 0,
		      "a:\n  script: |\n    set -e\n      indented\n");
}

static void strings_a_literal_block_cannot_hold_are_escaped(void **state)
{
	assert_prints("[\" lead\\nx\",\"\\nfirst\",\"trail \\nx\",\"tab\\there\",\"cr\\r\\n\","
		      "\"nul\\u0000\",\"bell\\u0007\",\"nel\\u0085\",\"ls\\u2028\",\"bom\\ufeff\","
		      "\"del\\u007f\",\"c1\\u0090\",\"nonchar\\uffff\",\"q\\\"\\\\\\n\"]",
		      0,
		      "- \" lead\\nx\"\n- \"\\nfirst\"\n- \"trail \\nx\"\n- \"tab\\there\"\n"
		      "- \"cr\\r\\n\"\n- \"nul\\0\"\n- \"bell\\a\"\n- \"nel\\N\"\n- \"ls\\L\"\n"
		      "- \"bom\\uFEFF\"\n- \"del\\x7F\"\n- \"c1\\u0090\"\n- \"nonchar\\uFFFF\"\n- "
		      "|\n  q\"\\\n");
}

static void multi_line_keys_are_double_quoted(void **state)
{
	assert_prints("{\"a\\nb\":1}", 0, "\"a\\nb\": 1\n");
}

static void very_long_keys_use_explicit_entries(void **state)
{
	cap_value *v = cap_value_object();
	char key[1500];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	cap_value_object_set(v, key, cap_value_string("v"));
	cap_value *list = cap_value_array();
	cap_value_array_append(list, cap_value_int(1));
	key[0] = 'j';
	cap_value_object_set(v, key, list);
	cap_buf out = CAP_BUF_INIT;
	cap_yaml_print(&out, v, 0);
	assert_memory_equal(out.ptr, "? \"kkk", 6);
	cap_value *back = NULL;
	assert_int_equal(cap_yaml_parse(&back, out.ptr, out.len, "long.yaml", NULL), 0);
	assert_true(cap_value_equal(v, back));
	cap_value_free(back);
	cap_value_free(v);
	cap_buf_release(&out);
}

static void stream_separates_documents(void **state)
{
	cap_value *docs = from_json("[{\"a\":1},\"x\",[]]");
	cap_buf out = CAP_BUF_INIT;
	cap_yaml_print_stream(&out, docs, 0);
	assert_string_equal(out.ptr, "a: 1\n---\nx\n---\n[]\n");
	cap_value *back = NULL;
	assert_int_equal(cap_yaml_parse_stream(&back, out.ptr, out.len, "s.yaml", NULL), 0);
	assert_true(cap_value_equal(docs, back));
	cap_value_free(back);
	cap_value_free(docs);
	cap_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(objects_print_in_kubectl_layout),
	    cmocka_unit_test(sort_keys_orders_by_bytes),
	    cmocka_unit_test(empty_containers_print_in_flow_style),
	    cmocka_unit_test(nested_sequences_share_the_dash_line),
	    cmocka_unit_test(scalars_print_as_they_read_back),
	    cmocka_unit_test(strings_that_would_change_type_are_double_quoted),
	    cmocka_unit_test(strings_that_would_change_meaning_are_single_quoted),
	    cmocka_unit_test(harmless_punctuation_stays_plain),
	    cmocka_unit_test(timestamps_are_quoted_as_kubectl_quotes_them),
	    cmocka_unit_test(multi_line_strings_use_literal_blocks),
	    cmocka_unit_test(strings_a_literal_block_cannot_hold_are_escaped),
	    cmocka_unit_test(multi_line_keys_are_double_quoted),
	    cmocka_unit_test(very_long_keys_use_explicit_entries),
	    cmocka_unit_test(stream_separates_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
