/* Tests for YAML scalar resolution: the type and value Kubernetes gives each plain, quoted or
 * tagged scalar. */
#include "cap_test.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/yaml.h"
#include "value/yaml_scalar.h"

#include <math.h>
#include <string.h>

struct row {
	const char *yaml; /* the text after "v: " */
	cap_value_kind kind;
	double number;	  /* INT and REAL: the value; BOOL: 0 or 1 */
	const char *text; /* STRING: the value (NULL means the yaml text itself) */
};

#define NUL_(y)                                                                                    \
	{                                                                                          \
		y, CAP_VALUE_NULL, 0, NULL                                                         \
	}
#define BOOL_(y, b)                                                                                \
	{                                                                                          \
		y, CAP_VALUE_BOOL, b, NULL                                                         \
	}
#define INT_(y, i)                                                                                 \
	{                                                                                          \
		y, CAP_VALUE_INT, i, NULL                                                          \
	}
#define REAL_(y, d)                                                                                \
	{                                                                                          \
		y, CAP_VALUE_REAL, d, NULL                                                         \
	}
#define STR_(y)                                                                                    \
	{                                                                                          \
		y, CAP_VALUE_STRING, 0, NULL                                                       \
	}
#define STRV_(y, s)                                                                                \
	{                                                                                          \
		y, CAP_VALUE_STRING, 0, s                                                          \
	}

/* Each row was checked against sigs.k8s.io/yaml through kubectl (see test_yaml_oracle.c). */
static const struct row rows[] = {
    /* nulls */
    NUL_(""),
    NUL_("~"),
    NUL_("null"),
    NUL_("Null"),
    NUL_("NULL"),
    STR_("nULL"),
    STR_("nul"),
    STRV_("'null'", "null"),
    STRV_("\"~\"", "~"),
    /* booleans: exactly go-yaml v2's spellings */
    BOOL_("y", 1),
    BOOL_("Y", 1),
    BOOL_("yes", 1),
    BOOL_("Yes", 1),
    BOOL_("YES", 1),
    BOOL_("true", 1),
    BOOL_("True", 1),
    BOOL_("TRUE", 1),
    BOOL_("on", 1),
    BOOL_("On", 1),
    BOOL_("ON", 1),
    BOOL_("n", 0),
    BOOL_("N", 0),
    BOOL_("no", 0),
    BOOL_("No", 0),
    BOOL_("NO", 0),
    BOOL_("false", 0),
    BOOL_("False", 0),
    BOOL_("FALSE", 0),
    BOOL_("off", 0),
    BOOL_("Off", 0),
    BOOL_("OFF", 0),
    STR_("yEs"),
    STR_("tRUE"),
    STR_("oN"),
    STR_("nO"),
    STR_("ye"),
    STR_("truee"),
    STRV_("\"yes\"", "yes"),
    STRV_("'on'", "on"),
    STRV_("!!str true", "true"),
    /* integers */
    INT_("0", 0),
    INT_("12", 12),
    INT_("-3", -3),
    INT_("+4", 4),
    INT_("-0", 0),
    INT_("1_000", 1000),
    INT_("1__0_", 10),
    INT_("0x1F", 31),
    INT_("0X1f", 31),
    INT_("-0x10", -16),
    INT_("0x_1F", 31),
    INT_("0o17", 15),
    INT_("0O17", 15),
    INT_("017", 15),
    INT_("-017", -15),
    INT_("0b101", 5),
    INT_("0B11", 3),
    INT_("-0b11", -3),
    INT_("9223372036854775807", 9223372036854775807.0),
    INT_("-9223372036854775808", -9223372036854775808.0),
    /* decimals that are not octal, and integers beyond int64, become reals */
    REAL_("08", 8),
    REAL_("-09", -9),
    REAL_("9223372036854775808", 9223372036854775808.0),
    REAL_("18446744073709551615", 18446744073709551615.0),
    REAL_("0xFFFFFFFFFFFFFFFF", 18446744073709551615.0),
    REAL_("99999999999999999999", 1e20),
    REAL_("-9223372036854775809", -9223372036854775809.0),
    STR_("0x"),
    STR_("0o"),
    STR_("0o8"),
    STR_("0b2"),
    STR_("0x1G"),
    STR_("_1"),
    STR_("1_000_x"),
    STR_("+"),
    STR_("-x"),
    STR_("+-1"),
    /* reals */
    REAL_("1.5", 1.5),
    REAL_("1.", 1),
    REAL_("-.5", -0.5),
    REAL_("+.5", 0.5),
    REAL_(".5", 0.5),
    REAL_("1e3", 1000),
    REAL_("1E-3", 0.001),
    REAL_("1.5e+3", 1500),
    REAL_(".5e1", 5),
    REAL_("6.02e23", 6.02e23),
    REAL_("1_000.5_", 1000.5),
    REAL_("!!float 1", 1),
    REAL_("!!float \"2\"", 2),
    REAL_("1e-400", 0),
    STR_("1e400"),
    STR_("1e"),
    STR_("1e+"),
    STR_("."),
    STR_(".e3"),
    STR_("1.5.5"),
    STR_("0x1p3"),
    STR_("inf"),
    STR_("Infinity"),
    STR_("NaN"),
    STR_("nan"),
    STR_(".Nan"),
    STR_("1:30"),
    STR_("190:20:30"),
    STR_("1,000"),
    /* timestamps, versions and other lookalikes stay strings */
    STR_("2001-12-14"),
    STR_("2001-12-14T21:59:43.10-05:00"),
    STR_("2001-12-14 21:59:43.10"),
    STR_("1.2.3"),
    STR_("v1"),
    STR_("10Mi"),
    STR_("100m"),
    STR_("0.5Gi"),
    STR_("<<x"),
    /* quoting and block styles keep strings */
    STRV_("\"12\"", "12"),
    STRV_("'1e3'", "1e3"),
    STRV_("\"\"", ""),
    STRV_("''", ""),
    STRV_("|\n  12\n", "12\n"),
    STRV_(">-\n  true\n", "true"),
    STRV_("\"a\\tb\\u00e9\"", "a\tb\xc3\xa9"),
    STRV_("'it''s'", "it's"),
    /* explicit tags */
    INT_("!!int \"42\"", 42),
    BOOL_("!!bool \"yes\"", 1),
    NUL_("!!null ''"),
    STRV_("!!str 012", "012"),
    STRV_("!!binary aGVsbG8=", "hello"),
    STRV_("!!binary |\n  aGVs\n  bG8=\n", "hello"),
    STRV_("!!binary /w==", "\xef\xbf\xbd"),
    STRV_("!!timestamp 2001-12-14", "2001-12-14"),
    STRV_("!custom 12", "12"),
    STRV_("! 12", "12"),
};

static void check_row(const struct row *r)
{
	cap_buf doc = CAP_BUF_INIT;
	cap_buf_printf(&doc, "v: %s\n", r->yaml);
	cap_value *v = NULL;
	if (cap_yaml_parse(&v, doc.ptr, doc.len, "row.yaml", NULL) != 0)
		fail_msg("'%s': %s", r->yaml, cap_error_last());
	cap_value *got = cap_value_object_get(v, "v");
	if (cap_value_kind_of(got) != r->kind)
		fail_msg("'%s' resolved to a %s, want a %s", r->yaml,
			 cap_value_kind_name(cap_value_kind_of(got)), cap_value_kind_name(r->kind));
	switch (r->kind) {
	case CAP_VALUE_BOOL:
		if (cap_value_get_bool(got) != (r->number != 0))
			fail_msg("'%s' resolved to the wrong boolean", r->yaml);
		break;
	case CAP_VALUE_INT:
		if ((double)cap_value_get_int(got) != r->number)
			fail_msg("'%s' resolved to %lld", r->yaml,
				 (long long)cap_value_get_int(got));
		break;
	case CAP_VALUE_REAL:
		if (cap_value_get_real(got) != r->number)
			fail_msg("'%s' resolved to %.17g", r->yaml, cap_value_get_real(got));
		break;
	case CAP_VALUE_STRING: {
		const char *want = r->text ? r->text : r->yaml;
		if (strcmp(cap_value_get_string(got), want) != 0)
			fail_msg("'%s' resolved to the string '%s'", r->yaml,
				 cap_value_get_string(got));
		break;
	}
	default:
		break;
	}
	cap_value_free(v);
	cap_buf_release(&doc);
}

static void each_scalar_resolves_as_kubernetes_reads_it(void **state)
{
	assert_true(CAP_ARRAY_SIZE(rows) >= 70);
	for (size_t i = 0; i < CAP_ARRAY_SIZE(rows); i++)
		check_row(&rows[i]);
}

static void special_strings_are_reported_for_quoting(void **state)
{
	const char *special[] = {"yes", "012", "null", "1e3", "", "~", "-.inf", "0x1F", "08"};
	const char *plain[] = {"hello", "1e400", "2001-12-14", "v1", "yEs", "1.2.3"};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(special); i++)
		assert_true(cap_yaml_scalar_is_special(special[i], strlen(special[i])));
	for (size_t i = 0; i < CAP_ARRAY_SIZE(plain); i++)
		assert_false(cap_yaml_scalar_is_special(plain[i], strlen(plain[i])));
}

static void non_string_keys_become_strings(void **state)
{
	const char *text = "true: a\nn: b\n1: c\n0x10: d\n1.5: e\n1e6: f\n-.inf: g\n0.1: h\n"
			   "2001-12-14: i\n'yes': j\n";
	const char *keys[] = {"true",  "false", "1",   "16",	     "1.5",
			      "1e+06", "-.inf", "0.1", "2001-12-14", "yes"};
	cap_value *v;
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "keys.yaml", NULL), 0);
	assert_int_equal(cap_value_object_len(v), CAP_ARRAY_SIZE(keys));
	for (size_t i = 0; i < CAP_ARRAY_SIZE(keys); i++)
		if (!cap_value_object_get(v, keys[i]))
			fail_msg("key '%s' missing", keys[i]);
	cap_value_free(v);
}

static void null_key_is_rejected(void **state)
{
	const char *text = "a: 1\n~: 2\n";
	cap_value *v = NULL;
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "k.yaml", NULL), CAP_EINVALID);
	assert_null(v);
	assert_non_null(strstr(cap_error_last(), "'k.yaml' line 2 column 1"));
}

static void tag_mismatch_names_the_tag(void **state)
{
	const char *cases[][2] = {
	    {"v: !!int abc\n", "cannot decode !!str `abc` as a !!int"},
	    {"v: !!bool 1\n", "cannot decode !!int `1` as a !!bool"},
	    {"v: !!int 1.5\n", "cannot decode !!float `1.5` as a !!int"},
	    {"v: !!null x\n", "cannot decode !!str `x` as a !!null"},
	    {"v: !!binary '***'\n", "invalid base64"},
	    {"v: !!timestamp soon\n", "as a !!timestamp"},
	    {"v: !!bool \"y\\0\"\n", "as a !!bool"},
	};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(cases); i++) {
		cap_value *v = NULL;
		assert_int_equal(
		    cap_yaml_parse(&v, cases[i][0], strlen(cases[i][0]), "t.yaml", NULL),
		    CAP_EINVALID);
		if (!strstr(cap_error_last(), cases[i][1]) ||
		    !strstr(cap_error_last(), "'t.yaml' line 1 column 4"))
			fail_msg("'%s' gave: %s", cases[i][0], cap_error_last());
	}
}

static void non_finite_reals_are_rejected_as_values(void **state)
{
	const char *cases[] = {"v: .inf\n", "v: -.Inf\n", "v: .NaN\n", "v: !!float .nan\n"};
	for (size_t i = 0; i < CAP_ARRAY_SIZE(cases); i++) {
		cap_value *v = NULL;
		assert_int_equal(cap_yaml_parse(&v, cases[i], strlen(cases[i]), "f.yaml", NULL),
				 CAP_EINVALID);
		assert_non_null(strstr(cap_error_last(), "not a finite number"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_scalar_resolves_as_kubernetes_reads_it),
	    cmocka_unit_test(special_strings_are_reported_for_quoting),
	    cmocka_unit_test(non_string_keys_become_strings),
	    cmocka_unit_test(null_key_is_rejected),
	    cmocka_unit_test(tag_mismatch_names_the_tag),
	    cmocka_unit_test(non_finite_reals_are_rejected_as_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
