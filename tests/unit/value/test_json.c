/* Tests for JSON parsing and printing: strictness, numbers, escapes, limits, round trips. */
#include "cap_test.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"
#include "value/number.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static cap_value *parse_ok(const char *text)
{
	cap_value *v = NULL;
	if (cap_json_parse(&v, text, strlen(text), "t.json", NULL) != 0)
		fail_msg("parse of %s failed: %s", text, cap_error_last());
	return v;
}

/* Parses text expecting failure with code; returns the message. */
static const char *parse_err(const char *text, size_t len, int code)
{
	cap_value *v = (cap_value *)(uintptr_t)1;
	int err = cap_json_parse(&v, text, len, "t.json", NULL);
	if (err != code)
		fail_msg("parse of '%.*s' gave %d, wanted %d (%s)", (int)len, text, err, code,
			 cap_error_last());
	assert_ptr_equal(v, (cap_value *)(uintptr_t)1);
	return cap_error_last();
}

/* Parses text and prints it back compactly. */
static void assert_reprints(const char *text, const char *expected)
{
	cap_value *v = parse_ok(text);
	char *s = cap_json_to_string(v, CAP_JSON_COMPACT);
	assert_string_equal(s, expected);
	free(s);
	cap_value_free(v);
}

static void real_formatting_is_shortest_round_trip(void **state)
{
	static const struct {
		double d;
		const char *text;
	} cases[] = {
	    {0.1, "0.1"},
	    {1.0, "1.0"},
	    {-0.0, "-0.0"},
	    {1e300, "1e+300"},
	    {1e21, "1e+21"},
	    {1.5e-7, "1.5e-07"},
	    {1e16, "1e+16"},
	    {123456789012345.0, "123456789012345.0"},
	    {0.30000000000000004, "0.30000000000000004"},
	    {123.456, "123.456"},
	    {-2.5, "-2.5"},
	    {5e-324, "4.94065645841247e-324"},
	};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(cases); i++) {
		cap_buf b = CAP_BUF_INIT;
		cap_number_format_real(&b, cases[i].d);
		assert_string_equal(b.ptr, cases[i].text);
		assert_true(strtod(b.ptr, NULL) == cases[i].d);
		cap_buf_release(&b);
	}
}

static void non_finite_reals_format_as_null(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	cap_number_format_real(&b, INFINITY);
	assert_string_equal(b.ptr, "null");
	cap_buf_release(&b);
}

static void parses_every_kind(void **state)
{
	cap_value *v = parse_ok(" {\"n\": null, \"t\": true, \"f\": false, \"i\": -12, \"r\": 2.5,"
				" \"s\": \"x\", \"a\": [1, [2]], \"o\": {}}\n");
	assert_true(cap_value_is_null(cap_value_object_get(v, "n")));
	assert_true(cap_value_get_bool(cap_value_object_get(v, "t")));
	assert_true(cap_value_is_bool(cap_value_object_get(v, "f")));
	assert_false(cap_value_get_bool(cap_value_object_get(v, "f")));
	assert_true(cap_value_is_int(cap_value_object_get(v, "i")));
	assert_int_equal(cap_value_get_int(cap_value_object_get(v, "i")), -12);
	assert_true(cap_value_is_real(cap_value_object_get(v, "r")));
	assert_true(cap_value_get_real(cap_value_object_get(v, "r")) == 2.5);
	assert_string_equal(cap_value_get_string(cap_value_object_get(v, "s")), "x");
	assert_int_equal(cap_value_array_len(cap_value_object_get(v, "a")), 2);
	assert_true(cap_value_is_object(cap_value_object_get(v, "o")));
	cap_value_free(v);
}

static void scalars_are_documents(void **state)
{
	assert_reprints("42", "42");
	assert_reprints(" \"s\" ", "\"s\"");
	assert_reprints("null", "null");
}

static void int64_extremes_stay_exact(void **state)
{
	cap_value *v = parse_ok("[9223372036854775807, -9223372036854775808, 0, -0]");
	assert_true(cap_value_get_int(cap_value_array_get(v, 0)) == INT64_MAX);
	assert_true(cap_value_get_int(cap_value_array_get(v, 1)) == INT64_MIN);
	cap_value_free(v);
	assert_reprints("[9223372036854775807,-9223372036854775808,-0]",
			"[9223372036854775807,-9223372036854775808,0]");
}

static void too_large_integer_names_position(void **state)
{
	const char *text = "{\"a\":\n  9223372036854775808}";
	const char *msg = parse_err(text, strlen(text), CAP_EINVALID);
	assert_non_null(strstr(msg, "cannot parse 't.json' line 2 column 3:"));
	assert_non_null(strstr(msg, "9223372036854775808"));
	parse_err("-9223372036854775809", 20, CAP_EINVALID);
}

static void reals_print_shortest(void **state)
{
	assert_reprints("[0.1, 1e300, -0.0, 1.0, 1E2, 2.50]", "[0.1,1e+300,-0.0,1.0,100.0,2.5]");
}

static void real_overflow_is_an_error(void **state)
{
	parse_err("1e400", 5, CAP_EINVALID);
}

static void malformed_numbers_are_errors(void **state)
{
	static const char *bad[] = {"01", "1.",	  ".5",	  "-",	 "1e",
				    "+1", "0x10", "1.e3", "--1", "NaN"};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(bad); i++)
		parse_err(bad[i], strlen(bad[i]), CAP_EINVALID);
}

static void unicode_escapes_decode_to_utf8(void **state)
{
	cap_value *v = parse_ok("\"\\u00e9\\u20ac\\ud83d\\ude00\\/\\\"\\\\\\b\\f\\n\\r\\t\"");
	assert_string_equal(cap_value_get_string(v),
			    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/\"\\\b\f\n\r\t");
	cap_value_free(v);
}

static void nul_escape_keeps_length(void **state)
{
	cap_value *v = parse_ok("\"a\\u0000b\"");
	assert_int_equal(cap_value_string_len(v), 3);
	char *s = cap_json_to_string(v, 0);
	assert_string_equal(s, "\"a\\u0000b\"");
	free(s);
	cap_value_free(v);
}

static void unpaired_surrogates_are_errors(void **state)
{
	static const char *bad[] = {"\"\\ud83d\"",	  "\"\\ude00\"", "\"\\ud83dx\"",
				    "\"\\ud83d\\u0041\"", "\"\\u12\"",	 "\"\\x\""};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(bad); i++)
		parse_err(bad[i], strlen(bad[i]), CAP_EINVALID);
}

static void invalid_utf8_is_rejected(void **state)
{
	static const char *bad[] = {
	    "\"\xff\"",		    /* never valid */
	    "\"\xc0\xaf\"",	    /* overlong '/' */
	    "\"\xe0\x80\xaf\"",	    /* overlong */
	    "\"\xed\xa0\x80\"",	    /* encoded surrogate */
	    "\"\xf4\x90\x80\x80\"", /* above U+10FFFF */
	    "\"\xc3\"",		    /* truncated */
	    "\"\xe2\x82\"",	    /* truncated */
	};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(bad); i++) {
		const char *msg = parse_err(bad[i], strlen(bad[i]), CAP_EINVALID);
		assert_non_null(strstr(msg, "UTF-8"));
	}
}

static void control_characters_must_be_escaped(void **state)
{
	parse_err("\"a\nb\"", 5, CAP_EINVALID);
	parse_err("\"a\0b\"", 5, CAP_EINVALID);
}

static void duplicate_key_error_names_line_and_column(void **state)
{
	const char *text = "{\n  \"a\": 1,\n  \"b\": 2,\n    \"a\": 3\n}";
	const char *msg = parse_err(text, strlen(text), CAP_EINVALID);
	assert_string_equal(msg, "cannot parse 't.json' line 4 column 5: duplicate key 'a'");
}

static void duplicate_escaped_key_is_detected(void **state)
{
	const char *text = "{\"a\":1,\"\\u0061\":2}";
	parse_err(text, strlen(text), CAP_EINVALID);
}

static void object_keys_keep_document_order(void **state)
{
	assert_reprints("{\"z\":1,\"a\":2,\"m\":{\"y\":1,\"b\":2}}",
			"{\"z\":1,\"a\":2,\"m\":{\"y\":1,\"b\":2}}");
}

static void sorted_keys_use_byte_order(void **state)
{
	cap_value *v =
	    parse_ok("{\"b\":1,\"a\":{\"y\":1,\"x\":2},\"B\":3,\"ab\":4,\"\xc3\xa9\":5}");
	char *s = cap_json_to_string(v, CAP_JSON_SORT_KEYS);
	assert_string_equal(s, "{\"B\":3,\"a\":{\"x\":2,\"y\":1},\"ab\":4,\"b\":1,\"\xc3\xa9\":5}");
	free(s);
	cap_value_free(v);
}

static void indented_output_uses_two_spaces(void **state)
{
	cap_value *v = parse_ok("{\"a\":[1,{}],\"b\":{\"c\":\"d\"},\"e\":[]}");
	char *s = cap_json_to_string(v, CAP_JSON_INDENT);
	assert_string_equal(s, "{\n"
			       "  \"a\": [\n"
			       "    1,\n"
			       "    {}\n"
			       "  ],\n"
			       "  \"b\": {\n"
			       "    \"c\": \"d\"\n"
			       "  },\n"
			       "  \"e\": []\n"
			       "}");
	free(s);
	cap_value_free(v);
}

static void strings_escape_only_what_is_needed(void **state)
{
	cap_value *v =
	    cap_value_string("q\"b\\s/\x01\x1f\t\n\xc3\xa9\xe2\x80\xa8\xe2\x80\xa9\xe2\x82\xac");
	char *s = cap_json_to_string(v, 0);
	assert_string_equal(
	    s, "\"q\\\"b\\\\s/\\u0001\\u001f\\t\\n\xc3\xa9\\u2028\\u2029\xe2\x82\xac\"");
	free(s);
	cap_value_free(v);
}

static void print_appends_to_buffer(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	cap_buf_puts(&b, "x=");
	cap_value *v = cap_value_int(7);
	cap_json_print(&b, v, 0);
	assert_string_equal(b.ptr, "x=7");
	cap_value_free(v);
	cap_buf_release(&b);
}

static void depth_limit_is_enforced(void **state)
{
	cap_parse_limits limits = cap_parse_limits_default;
	limits.max_depth = 3;
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, "[[[1]]]", 7, "d.json", &limits), 0);
	cap_value_free(v);
	assert_int_equal(cap_json_parse(&v, "[[{\"a\":[1]}]]", 13, "d.json", &limits), CAP_ELIMIT);
	assert_non_null(strstr(cap_error_last(), "line 1 column 8"));

	/* the default limit refuses deep nesting before the stack suffers */
	size_t n = 100000;
	char *deep = malloc(n);
	memset(deep, '[', n);
	assert_int_equal(cap_json_parse(&v, deep, n, "deep.json", NULL), CAP_ELIMIT);
	free(deep);
}

static void size_limit_is_enforced(void **state)
{
	cap_parse_limits limits = cap_parse_limits_default;
	limits.max_bytes = 4;
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, "[1,2]", 5, "s.json", &limits), CAP_ELIMIT);
	assert_non_null(strstr(cap_error_last(), "'s.json'"));
	assert_int_equal(cap_json_parse(&v, "[12]", 4, "s.json", &limits), 0);
	cap_value_free(v);
}

static void trailing_garbage_is_an_error(void **state)
{
	const char *msg = parse_err("{} x", 4, CAP_EINVALID);
	assert_non_null(strstr(msg, "line 1 column 4"));
	parse_err("1 2", 3, CAP_EINVALID);
	parse_err("[1,]", 4, CAP_EINVALID);
	parse_err("{\"a\":1,}", 8, CAP_EINVALID);
}

static void empty_input_is_an_error(void **state)
{
	parse_err("", 0, CAP_EINVALID);
	const char *msg = parse_err("  \n ", 4, CAP_EINVALID);
	assert_non_null(strstr(msg, "end of input"));
}

static void input_need_not_be_terminated(void **state)
{
	char text[] = {'1', '.', '5', '9'};
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse(&v, text, 3, NULL, NULL), 0);
	assert_true(cap_value_get_real(v) == 1.5);
	cap_value_free(v);
}

static void oversized_file_is_refused_before_reading(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_test_shared_path(&path, "kubernetes/openapi-v2/swagger.json");
	cap_parse_limits limits = cap_parse_limits_default;
	limits.max_bytes = 1000;
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse_file(&v, path.ptr, &limits), CAP_ELIMIT);
	assert_non_null(strstr(cap_error_last(), "swagger.json"));
	assert_null(v);
	cap_buf_release(&path);
}

static void missing_file_is_not_found(void **state)
{
	cap_value *v = NULL;
	assert_int_equal(cap_json_parse_file(&v, "/nonexistent/x.json", NULL), CAP_ENOTFOUND);
}

static int round_trips;

static void round_trip_file(const char *path)
{
	cap_value *v = NULL, *back = NULL;
	if (cap_json_parse_file(&v, path, NULL) != 0)
		fail_msg("%s", cap_error_last());
	static const unsigned modes[] = {CAP_JSON_COMPACT, CAP_JSON_INDENT, CAP_JSON_SORT_KEYS};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(modes); i++) {
		cap_buf text = CAP_BUF_INIT;
		cap_json_print(&text, v, modes[i]);
		if (cap_json_parse(&back, text.ptr, text.len, path, NULL) != 0)
			fail_msg("reparse: %s", cap_error_last());
		if (!cap_value_equal(v, back))
			fail_msg("%s changed after printing with flags %u", path, modes[i]);
		cap_value_free(back);
		cap_buf_release(&text);
	}
	cap_value_free(v);
	round_trips++;
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		cap_buf path = CAP_BUF_INIT;
		cap_buf_printf(&path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path.ptr, &st) == 0 && S_ISDIR(st.st_mode))
			walk(path.ptr);
		else if (path.len > 5 && strcmp(path.ptr + path.len - 5, ".json") == 0)
			round_trip_file(path.ptr);
		cap_buf_release(&path);
	}
	closedir(d);
}

static void shared_json_files_round_trip(void **state)
{
	cap_buf root = CAP_BUF_INIT;
	cap_test_shared_path(&root, "");
	walk(root.ptr);
	assert_true(round_trips > 10);
	cap_buf_release(&root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(real_formatting_is_shortest_round_trip),
	    cmocka_unit_test(non_finite_reals_format_as_null),
	    cmocka_unit_test(parses_every_kind),
	    cmocka_unit_test(scalars_are_documents),
	    cmocka_unit_test(int64_extremes_stay_exact),
	    cmocka_unit_test(too_large_integer_names_position),
	    cmocka_unit_test(reals_print_shortest),
	    cmocka_unit_test(real_overflow_is_an_error),
	    cmocka_unit_test(malformed_numbers_are_errors),
	    cmocka_unit_test(unicode_escapes_decode_to_utf8),
	    cmocka_unit_test(nul_escape_keeps_length),
	    cmocka_unit_test(unpaired_surrogates_are_errors),
	    cmocka_unit_test(invalid_utf8_is_rejected),
	    cmocka_unit_test(control_characters_must_be_escaped),
	    cmocka_unit_test(duplicate_key_error_names_line_and_column),
	    cmocka_unit_test(duplicate_escaped_key_is_detected),
	    cmocka_unit_test(object_keys_keep_document_order),
	    cmocka_unit_test(sorted_keys_use_byte_order),
	    cmocka_unit_test(indented_output_uses_two_spaces),
	    cmocka_unit_test(strings_escape_only_what_is_needed),
	    cmocka_unit_test(print_appends_to_buffer),
	    cmocka_unit_test(depth_limit_is_enforced),
	    cmocka_unit_test(size_limit_is_enforced),
	    cmocka_unit_test(trailing_garbage_is_an_error),
	    cmocka_unit_test(empty_input_is_an_error),
	    cmocka_unit_test(input_need_not_be_terminated),
	    cmocka_unit_test(oversized_file_is_refused_before_reading),
	    cmocka_unit_test(missing_file_is_not_found),
	    cmocka_unit_test(shared_json_files_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
