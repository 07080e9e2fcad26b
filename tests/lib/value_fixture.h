/* YAML and JSON literals for unit tests: parsed values, the test failing on a parse error. */
#pragma once

#include "value/value.h"

/* The value of a YAML document given inline; the caller frees it. Fails the test when it does
 * not parse, with the parser's message. */
cap_value *cap_test_yaml(const char *text);

/* The value of a JSON text given inline; the caller frees it. Fails the test when it does not
 * parse, quoting the text and the parser's message. */
cap_value *cap_test_json(const char *text);

/* Fails the test unless got equals the value of the YAML document want_yaml, printing both as
 * JSON with sorted keys. */
void cap_test_assert_yaml_equal(const cap_value *got, const char *want_yaml);
