/* Round trips: every YAML and JSON file in the shared data, and tricky strings, print and read back
 * equal. */
#include "cap_test.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"
#include "value/yaml.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>

static size_t files_checked;

/* YAML out and in, then JSON out and in, each must give back an equal stream. */
static void assert_round_trips(const cap_value *docs, const char *source, bool json_as_yaml)
{
	unsigned yaml_flags[] = {0, CAP_YAML_SORT_KEYS};
	for (size_t f = 0; f < CAP_ARRAY_SIZE(yaml_flags); f++) {
		cap_buf out = CAP_BUF_INIT;
		cap_value *back = NULL;
		cap_yaml_print_stream(&out, docs, yaml_flags[f]);
		if (cap_yaml_parse_stream(&back, out.ptr, out.len, source, NULL) != 0)
			fail_msg("printed YAML of '%s' does not parse: %s", source,
				 cap_error_last());
		if (!cap_value_equal(docs, back))
			fail_msg("printed YAML of '%s' reads back different", source);
		cap_value_free(back);
		cap_buf_release(&out);
	}
	size_t i;
	cap_value *doc;
	CAP_VALUE_ARRAY_FOREACH(docs, i, doc)
	{
		char *json = cap_json_to_string(doc, CAP_JSON_INDENT);
		cap_value *back = NULL;
		if (cap_json_parse(&back, json, strlen(json), source, NULL) != 0)
			fail_msg("printed JSON of '%s' does not parse: %s", source,
				 cap_error_last());
		if (!cap_value_equal(doc, back))
			fail_msg("printed JSON of '%s' document %zu reads back different", source,
				 i);
		/*
		 * JSON is YAML, as long as it holds no raw character YAML forbids (DEL, C1
		 * controls, which JSON leaves unescaped): the YAML reader must agree with the JSON
		 * reader.
		 */
		cap_value *as_yaml = NULL;
		if (json_as_yaml && cap_yaml_parse(&as_yaml, json, strlen(json), source, NULL) != 0)
			fail_msg("JSON of '%s' does not parse as YAML: %s", source,
				 cap_error_last());
		if (json_as_yaml && !cap_value_equal(doc, as_yaml))
			fail_msg("JSON of '%s' reads differently as YAML", source);
		cap_value_free(as_yaml);
		cap_value_free(back);
		free(json);
	}
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static int check_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	bool yaml = has_suffix(path, ".yaml") || has_suffix(path, ".yml");
	bool json = has_suffix(path, ".json");
	/* Helm templates are Go templates, YAML only once rendered */
	if (type != FTW_F || (!yaml && !json) || strstr(path, "/templates/"))
		return 0;
	cap_value *docs = NULL;
	if (yaml) {
		/* read as Argo CD reads its own fixtures: one of them repeats a key */
		cap_buf text = CAP_BUF_INIT;
		cap_test_read_file(&text, path);
		if (cap_yaml_parse_stream_ext(&docs, text.ptr, text.len, path, NULL,
					      CAP_YAML_DUPLICATE_KEYS_LAST_WINS) != 0)
			fail_msg("%s", cap_error_last());
		cap_buf_release(&text);
	} else {
		cap_value *doc = NULL;
		if (cap_json_parse_file(&doc, path, NULL) != 0)
			fail_msg("%s", cap_error_last());
		docs = cap_value_array();
		cap_value_array_append(docs, doc);
	}
	assert_round_trips(docs, path, true);
	cap_value_free(docs);
	files_checked++;
	return 0;
}

static void every_shared_data_file_round_trips(void **state)
{
	cap_buf root = CAP_BUF_INIT;
	cap_test_shared_path(&root, "");
	files_checked = 0;
	assert_int_equal(nftw(root.ptr, check_file, 16, FTW_PHYS), 0);
	assert_true(files_checked >= 100);
	cap_buf_release(&root);
}

static const char *const tricky[] = {
    "",
    " ",
    "  ",
    "yes",
    "Yes",
    "NO",
    "on",
    "off",
    "y",
    "n",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "0",
    "-0",
    "012",
    "08",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "1e3",
    "1E3",
    ".5",
    "-.5",
    "1.",
    ".inf",
    "-.Inf",
    ".nan",
    "1e400",
    "9223372036854775808",
    "2001-12-14",
    "12:30:00",
    "- x",
    "-x",
    "-",
    "--",
    "---",
    "--- x",
    "...",
    "? x",
    "?x",
    ":",
    ":x",
    "x:",
    "x: y",
    "x:y",
    "x #y",
    "x#y",
    "#x",
    "&a",
    "*a",
    "!a",
    "!!str",
    "|",
    "|-",
    ">",
    "'",
    "''",
    "\"",
    "\"x\"",
    "'x'",
    "%TAG",
    "@x",
    "`x",
    "[",
    "]",
    "{",
    "}",
    "[a, b]",
    "{a: b}",
    ",",
    "a,b",
    "<<",
    "<<x",
    "=",
    " lead",
    "trail ",
    "\ttab",
    "tab\t",
    "a\tb",
    "line\n",
    "two\nlines",
    "two\nlines\n",
    "\nlead break",
    "trail breaks\n\n\n",
    "  indented\nblock\n",
    "a\n  b\n",
    "a \nb",
    "a\n \nb",
    "cr\r\n",
    "\r",
    "nul\0x",
    "bell\a",
    "esc\x1b",
    "del\x7f",
    "nel\xc2\x85",
    "nbsp\xc2\xa0",
    "ls\xe2\x80\xa8",
    "ps\xe2\x80\xa9",
    "bom\xef\xbb\xbf",
    "\xef\xbb\xbf"
    "first",
    "caf\xc3\xa9",
    "\xf0\x9f\x9a\x80",
    "\xef\xbf\xbf\xef\xbf\xbe",
    "\\",
    "\\n",
    "a\\tb",
    "# comment\nnot",
    "key: |\n  x",
    "- a\n- b",
};

static void tricky_strings_round_trip_as_values_and_keys(void **state)
{
	for (size_t i = 0; i < CAP_ARRAY_SIZE(tricky); i++) {
		/* "nul\0x" has its length from the table's storage, the others stop at NUL */
		size_t len = !strcmp(tricky[i], "nul") ? 5 : strlen(tricky[i]);
		cap_value *docs = cap_value_array();
		cap_value *obj = cap_value_object();
		cap_value *list = cap_value_array();
		/* keys cannot hold NUL in the value model */
		cap_value_object_set(obj, tricky[i], cap_value_stringn(tricky[i], len));
		cap_value_object_set(obj, "nested", cap_value_stringn(tricky[i], len));
		cap_value_array_append(list, cap_value_stringn(tricky[i], len));
		cap_value_array_append(docs, cap_value_stringn(tricky[i], len));
		cap_value_array_append(docs, obj);
		cap_value_array_append(docs, list);
		assert_round_trips(docs, tricky[i], false);
		cap_value_free(docs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_shared_data_file_round_trips),
	    cmocka_unit_test(tricky_strings_round_trip_as_values_and_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
