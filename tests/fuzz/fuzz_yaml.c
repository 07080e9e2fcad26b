/* Fuzz target for YAML text: parsing never crashes, and printed YAML and JSON read back equal. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "value/json.h"
#include "value/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_yaml: %s: %s\n", what, cap_error_last());
		abort();
	}
}

static const cap_parse_limits limits = {1 << 20, 64, 20000};

/* YAML output in both key orders reads back equal, and printing that again gives the same text. */
static void check_yaml_round_trip(const cap_value *docs)
{
	static const unsigned modes[] = {0, CAP_YAML_SORT_KEYS};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		cap_buf text = CAP_BUF_INIT, again = CAP_BUF_INIT;
		cap_value *back = NULL;
		cap_yaml_print_stream(&text, docs, modes[i]);
		check(cap_yaml_parse_stream(&back, text.ptr, text.len, "printed", &limits) == 0,
		      "printed YAML does not parse");
		check(cap_value_equal(docs, back), "printed YAML reads back different");
		cap_yaml_print_stream(&again, back, modes[i]);
		check(cap_buf_eq(&again, text.ptr, text.len), "YAML output is not stable");
		cap_value_free(back);
		cap_buf_release(&text);
		cap_buf_release(&again);
	}
}

static void check_json_round_trip(const cap_value *docs)
{
	for (size_t i = 0; i < cap_value_array_len(docs); i++) {
		const cap_value *doc = cap_value_array_get(docs, i);
		cap_buf text = CAP_BUF_INIT;
		cap_value *back = NULL;
		cap_json_print(&text, doc, CAP_JSON_COMPACT);
		check(cap_json_parse(&back, text.ptr, text.len, "printed", &limits) == 0,
		      "printed JSON does not parse");
		check(cap_value_equal(doc, back), "printed JSON reads back different");
		cap_value_free(back);
		cap_buf_release(&text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cap_value *strict = NULL, *lenient = NULL;
	int rc = cap_yaml_parse_stream(&strict, (const char *)data, size, "fuzz", &limits);
	if (rc)
		check(strncmp(cap_error_last(), "cannot parse 'fuzz'", 19) == 0,
		      "error does not name the source");
	int rc2 = cap_yaml_parse_stream_ext(&lenient, (const char *)data, size, "fuzz", &limits,
					    CAP_YAML_DUPLICATE_KEYS_LAST_WINS);
	/* strict reading only adds refusals: whatever it accepts, lenient reading gives the same */
	if (rc == 0)
		check(rc2 == 0 && cap_value_equal(strict, lenient), "strict and lenient disagree");
	if (rc2 == 0) {
		check_yaml_round_trip(lenient);
		check_json_round_trip(lenient);
	}
	cap_value_free(strict);
	cap_value_free(lenient);
	return 0;
}
