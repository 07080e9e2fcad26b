/* Fuzz target for JSON text: parse never crashes, and print/reparse/hash/pointer agree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "value/json.h"
#include "value/pointer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_json: %s\n", what);
		abort();
	}
}

/* Every node reached through a pointer built from its path is that very node. */
static void check_pointers(const cap_value *root, const cap_value *v, cap_buf *path, int *budget)
{
	if (--*budget < 0)
		return;
	cap_value *got = NULL;
	check(cap_pointer_get(&got, root, path->ptr) == 0 && got == v, "pointer does not resolve");
	size_t mark = path->len;
	if (cap_value_is_object(v)) {
		for (void *it = cap_value_object_iter(v); it;
		     it = cap_value_object_iter_next(v, it)) {
			cap_pointer_append_token(path, cap_value_object_iter_key(it),
						 cap_value_object_iter_key_len(it));
			check_pointers(root, cap_value_object_iter_value(it), path, budget);
			cap_buf_truncate(path, mark);
		}
	} else if (cap_value_is_array(v)) {
		for (size_t i = 0; i < cap_value_array_len(v); i++) {
			cap_buf_printf(path, "/%zu", i);
			check_pointers(root, cap_value_array_get(v, i), path, budget);
			cap_buf_truncate(path, mark);
		}
	}
}

/* The input read as a pointer: lookups and parsing must agree on whether it is well formed. */
static void check_input_as_pointer(const cap_value *doc, const uint8_t *data, size_t size)
{
	char *pointer = strndup((const char *)data, size < 256 ? size : 256);
	cap_value *got = NULL, *tokens = NULL;
	int get_err = cap_pointer_get(&got, doc, pointer);
	int parse_err = cap_pointer_parse(&tokens, pointer);
	if (parse_err)
		check(get_err == parse_err, "get accepted a pointer parse refused");
	cap_value_free(tokens);
	free(pointer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const cap_parse_limits limits = {1 << 20, 128, 0};
	static const unsigned modes[] = {CAP_JSON_COMPACT, CAP_JSON_INDENT,
					 CAP_JSON_SORT_KEYS | CAP_JSON_INDENT};
	cap_value *doc = NULL;
	if (cap_json_parse(&doc, (const char *)data, size, "fuzz", &limits) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		cap_buf text = CAP_BUF_INIT;
		cap_value *back = NULL;
		cap_json_print(&text, doc, modes[i]);
		check(cap_json_parse(&back, text.ptr, text.len, "printed", &limits) == 0,
		      "printed text does not parse");
		check(cap_value_equal(doc, back), "reparsed value differs");
		check(cap_value_hash(doc) == cap_value_hash(back),
		      "reparsed value hashes differently");
		if (i == 0) {
			/* compact output is a fixed point */
			cap_buf again = CAP_BUF_INIT;
			cap_json_print(&again, back, modes[i]);
			check(cap_buf_eq(&again, text.ptr, text.len),
			      "compact output is not stable");
			cap_buf_release(&again);
		}
		cap_value_free(back);
		cap_buf_release(&text);
	}
	cap_buf path = CAP_BUF_INIT;
	int budget = 1000;
	check_pointers(doc, doc, &path, &budget);
	cap_buf_release(&path);
	check_input_as_pointer(doc, data, size);
	cap_value_free(doc);
	return 0;
}
