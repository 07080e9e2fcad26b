/* Checks YAML reading and printing against kubectl, which reads YAML through sigs.k8s.io/yaml. */
#include "cap_test.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The oracle is `kubectl patch --local -f obj.json --type merge -p PATCH -o json|yaml`: it works
 * offline, reads the patch with sigs.k8s.io/yaml (non-strict: a repeated key keeps the last
 * value) and prints the merged object. A merge patch drops null members, so a scalar Capstan
 * reads as null must be absent from kubectl's result. Skipped when kubectl is not installed.
 */

static const char base_object[] =
    "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Thing\",\"metadata\":{\"name\":\"t\"}}";

struct oracle {
	cap_buf dir;
	cap_buf object_path;
};

static int setup(void **state)
{
	if (!cap_test_have_program("kubectl"))
		return 0;
	struct oracle *o = cap_calloc(1, sizeof(*o));
	cap_test_mkdtemp(&o->dir);
	cap_buf_printf(&o->object_path, "%s/obj.json", o->dir.ptr);
	cap_buf text = CAP_BUF_INIT;
	cap_buf_puts(&text, base_object);
	assert_int_equal(cap_buf_write_file_atomic(&text, o->object_path.ptr), 0);
	cap_buf_release(&text);
	*state = o;
	return 0;
}

static int teardown(void **state)
{
	struct oracle *o = *state;
	if (!o)
		return 0;
	cap_test_rmtree(o->dir.ptr);
	cap_buf_release(&o->dir);
	cap_buf_release(&o->object_path);
	free(o);
	return 0;
}

static struct oracle *oracle_or_skip(void **state)
{
	if (!*state)
		skip();
	return *state;
}

/* Runs kubectl with patch as the merge patch; returns its exit status, output in out. */
static int kubectl_patch(struct oracle *o, const char *patch, const char *format, cap_buf *out)
{
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT;
	cap_buf_printf(&path, "%s/patch.yaml", o->dir.ptr);
	cap_buf_puts(&text, patch);
	assert_int_equal(cap_buf_write_file_atomic(&text, path.ptr), 0);
	int rc = cap_test_run(out,
			      "kubectl patch --local -f '%s' --type merge -p \"$(cat '%s')\" -o %s "
			      "2>/dev/null",
			      o->object_path.ptr, path.ptr, format);
	cap_buf_release(&path);
	cap_buf_release(&text);
	return rc;
}

/* kubectl's reading of patch, as the member "data" of its JSON output (new reference). */
static cap_value *kubectl_data(struct oracle *o, const char *patch)
{
	cap_buf out = CAP_BUF_INIT;
	if (kubectl_patch(o, patch, "json", &out) != 0)
		fail_msg("kubectl refused:\n%s", patch);
	cap_value *obj = NULL;
	if (cap_json_parse(&obj, out.ptr, out.len, "kubectl output", NULL) != 0)
		fail_msg("%s", cap_error_last());
	cap_value *data = cap_value_ref(cap_value_object_get(obj, "data"));
	cap_value_free(obj);
	cap_buf_release(&out);
	return data;
}

/* Capstan's reading of patch, read as leniently as kubectl reads it: its "data" member. */
static cap_value *capstan_data(const char *patch)
{
	cap_value *docs = NULL;
	if (cap_yaml_parse_stream_ext(&docs, patch, strlen(patch), "patch.yaml", NULL,
				      CAP_YAML_DUPLICATE_KEYS_LAST_WINS) != 0)
		fail_msg("%s", cap_error_last());
	cap_value *data = cap_value_ref(cap_value_object_get(cap_value_array_get(docs, 0), "data"));
	cap_value_free(docs);
	return data;
}

/* Removes null members, as applying a merge patch does. */
static void drop_nulls(cap_value *v)
{
	const char *k;
	cap_value *e;
	CAP_VALUE_OBJECT_FOREACH_SAFE(v, k, e)
	{
		if (cap_value_is_null(e))
			cap_value_object_del(v, k);
		else
			drop_nulls(e);
	}
}

static void assert_same_reading(struct oracle *o, const char *patch)
{
	cap_value *want = kubectl_data(o, patch);
	cap_value *got = capstan_data(patch);
	drop_nulls(got);
	const char *k;
	cap_value *w;
	CAP_VALUE_OBJECT_FOREACH(want, k, w)
	{
		cap_value *g = cap_value_object_get(got, k);
		if (!cap_value_equal(g, w)) {
			char *ws = cap_json_to_string(w, 0),
			     *gs = g ? cap_json_to_string(g, 0) : NULL;
			fail_msg("key %s: kubectl reads %s, Capstan %s", k, ws,
				 gs ? gs : "nothing");
		}
	}
	if (cap_value_object_len(got) != cap_value_object_len(want)) {
		char *ws = cap_json_to_string(want, 0), *gs = cap_json_to_string(got, 0);
		fail_msg("kubectl reads %s\nCapstan reads %s", ws, gs);
	}
	cap_value_free(want);
	cap_value_free(got);
}

/* Plain, quoted and tagged scalars; each goes in as `data.kN: TEXT`. */
static const char *const scalars[] = {
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "yEs",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "oN",
    "off",
    "Off",
    "OFF",
    "0",
    "12",
    "-3",
    "+4",
    "-0",
    "1_000",
    "1__0_",
    "0x1F",
    "0X1f",
    "-0x10",
    "0x_1F",
    "0o17",
    "0O17",
    "017",
    "-017",
    "0b101",
    "0B11",
    "-0b11",
    "08",
    "-09",
    "0x",
    "0o",
    "0o8",
    "0b2",
    "_1",
    "1_000_x",
    "+",
    "-x",
    "9223372036854775807",
    "-9223372036854775808",
    "1.5",
    "1.",
    "-.5",
    "+.5",
    ".5",
    "1e3",
    "1E-3",
    "1.5e+3",
    ".5e1",
    "6.02e23",
    "1_000.5_",
    "1e400",
    "1e",
    ".",
    ".e3",
    "1.5.5",
    "0x1p3",
    "inf",
    "NaN",
    ".Nan",
    "1:30",
    "190:20:30",
    "1,000",
    "2001-12-14",
    "2001-12-14T21:59:43.10-05:00",
    "1.2.3",
    "v1",
    "10Mi",
    "'12'",
    "\"yes\"",
    "''",
    "!!str 012",
    "!!int \"42\"",
    "!!float 1",
    "!!bool \"yes\"",
    "!!binary aGVsbG8=",
    "!!binary /w==",
    "!custom 12",
    "!!timestamp 2001-12-14",
    "[1, yes, '2']",
    "{a: on}",
};

static void scalars_read_as_kubectl_reads_them(void **state)
{
	struct oracle *o = oracle_or_skip(state);
	cap_buf patch = CAP_BUF_INIT;
	cap_buf_puts(&patch, "data:\n");
	for (size_t i = 0; i < CAP_ARRAY_SIZE(scalars); i++)
		cap_buf_printf(&patch, "  k%zu: %s\n", i, scalars[i]);
	assert_same_reading(o, patch.ptr);
	cap_buf_release(&patch);
}

static void keys_read_as_kubectl_reads_them(void **state)
{
	struct oracle *o = oracle_or_skip(state);
	assert_same_reading(o, "data:\n  true: a\n  n: b\n  1: c\n  0x10: d\n  1.5: e\n  1e6: f\n"
			       "  0.1: g\n  2001-12-14: h\n  'yes': i\n  -0: j\n  1e-7: k\n"
			       "  123456789: l\n  1234567.5: m\n  .inf: o\n");
}

static void anchors_merges_and_repeats_read_as_kubectl_reads_them(void **state)
{
	struct oracle *o = oracle_or_skip(state);
	assert_same_reading(o, "data:\n"
			       "  p: &p {a: 1, b: 1}\n"
			       "  q: &q {b: 2, c: 2}\n"
			       "  one: {<<: *p, a: 0}\n"
			       "  many:\n    <<: [*p, *q]\n    d: 3\n"
			       "  before:\n    c: 9\n    <<: *q\n"
			       "  alias: *p\n"
			       "  again: 1\n  again: 2\n"
			       "  block: |\n    x\n    y\n"
			       "  folded: >-\n    x\n    y\n");
}

static void errors_are_errors_for_kubectl_too(void **state)
{
	struct oracle *o = oracle_or_skip(state);
	const char *bad[] = {
	    "data: .inf\n",	      "data: -.Inf\n",	 "data: .nan\n",    "data: !!int abc\n",
	    "data: !!binary '***'\n", "data: [1, 2\n",	 "data:\n\tx: 1\n", "data: {<<: 1}\n",
	    "data: *nowhere\n",	      "data:\n  ~: 1\n",
	};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(bad); i++) {
		cap_value *docs = NULL;
		if (cap_yaml_parse_stream(&docs, bad[i], strlen(bad[i]), "bad.yaml", NULL) == 0)
			fail_msg("Capstan accepts:\n%s", bad[i]);
		if (kubectl_patch(o, bad[i], "json", NULL) == 0)
			fail_msg("kubectl accepts:\n%s", bad[i]);
	}
}

static void printed_yaml_matches_kubectl_output(void **state)
{
	struct oracle *o = oracle_or_skip(state);
	const char *patch =
	    "{\"data\":{\"a\":\"yes\",\"b\":\"012\",\"c\":\"a: "
	    "b\",\"d\":\"line1\\nline2\\n\",\"e\":\"\","
	    "\"f\":\"- x\",\"g\":\" lead\",\"h\":\"1e3\",\"i\":\"x "
	    "#y\",\"j\":\"#c\",\"k\":\"it's\","
	    "\"l\":\"-x\",\"m\":\"null\",\"n\":\"one\\ntwo\",\"o\":\"trail "
	    "\\nx\",\"p\":\"tab\\there\","
	    "\"r\":[],\"s\":{},\"t\":[[1,2],{\"a\":[3]}],\"u\":1.5,\"v\":\"x\\n\\n\","
	    "\"w\":\"caf\xc3\xa9\",\"y\":\"2001-12-14\",\"z\":\"?\",\"on\":true,\"i2\":-7,"
	    "\"ts\":\"2001-12-14 21:59:43Z\",\"q\":\"'q'\",\"nul\":null}}";
	cap_buf want = CAP_BUF_INIT, got = CAP_BUF_INIT;
	assert_int_equal(kubectl_patch(o, patch, "yaml", &want), 0);
	cap_value *v = NULL;
	assert_int_equal(cap_yaml_parse(&v, want.ptr, want.len, "kubectl.yaml", NULL), 0);
	cap_yaml_print(&got, v, CAP_YAML_SORT_KEYS);
	if (strcmp(got.ptr, want.ptr) != 0)
		fail_msg("kubectl prints:\n%s\nCapstan prints:\n%s", want.ptr, got.ptr);
	cap_value_free(v);
	cap_buf_release(&want);
	cap_buf_release(&got);
}

static const char *const tricky[] = {
    "yes",
    "NO",
    "~",
    "012",
    "08",
    "0x1F",
    "1e3",
    ".inf",
    "1e400",
    "9223372036854775808",
    "2001-12-14",
    "- x",
    "-x",
    "---",
    "...",
    "? x",
    ":",
    "x: y",
    "x #y",
    "#x",
    "&a",
    "*a",
    "!a",
    "|",
    ">",
    "'",
    "\"",
    "%TAG",
    "@x",
    "`x",
    "[a]",
    "{a: b}",
    "<<",
    " lead",
    "trail ",
    "a\tb",
    "line\n",
    "two\nlines",
    "two\nlines\n",
    "trail breaks\n\n\n",
    "  indented\nx\n",
    "a \nb",
    "cr\r\n",
    "bell\a",
    "del\x7f",
    "nel\xc2\x85",
    "ls\xe2\x80\xa8",
    "caf\xc3\xa9",
    "\\n",
    "key: |\n  x",
    "",
};

static void kubectl_reads_printed_strings_back(void **state)
{
	struct oracle *o = oracle_or_skip(state);
	cap_value *patch = cap_value_object(), *data = cap_value_object();
	for (size_t i = 0; i < CAP_ARRAY_SIZE(tricky); i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%zu", i);
		cap_value_object_set(data, key, cap_value_string(tricky[i]));
		cap_value_object_set(data, tricky[i], cap_value_int((int64_t)i));
	}
	cap_value_object_set(patch, "data", data);
	cap_buf text = CAP_BUF_INIT;
	cap_yaml_print(&text, patch, 0);
	cap_value *back = kubectl_data(o, text.ptr);
	if (!cap_value_equal(back, data)) {
		char *b = cap_json_to_string(back, CAP_JSON_SORT_KEYS);
		fail_msg("kubectl read\n%s\nas %s", text.ptr, b);
	}
	cap_value_free(back);
	cap_value_free(patch);
	cap_buf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scalars_read_as_kubectl_reads_them),
	    cmocka_unit_test(keys_read_as_kubectl_reads_them),
	    cmocka_unit_test(anchors_merges_and_repeats_read_as_kubectl_reads_them),
	    cmocka_unit_test(errors_are_errors_for_kubectl_too),
	    cmocka_unit_test(printed_yaml_matches_kubectl_output),
	    cmocka_unit_test(kubectl_reads_printed_strings_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
