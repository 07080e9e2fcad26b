/* JSON text in and out of the value model: strict parsing, shortest round-trip number printing. */
#pragma once

#include "base/buf.h"
#include "value/value.h"

/*
 * Parses one JSON document (RFC 8259; strict UTF-8; integers that fit in int64 stay exact,
 * others are errors; object key order kept; duplicate keys are an error). source names the
 * input in error messages ("cannot parse 'x.json' line 3 column 7: …"; columns count characters,
 * NULL source reads "<input>"); limits may be NULL for cap_parse_limits_default. Malformed input
 * is CAP_EINVALID, input over max_bytes or nesting over max_depth CAP_ELIMIT. "\u0000" is allowed
 * in string values but refused in keys. text need not be NUL-terminated. On success *out is a
 * new reference.
 */
int cap_json_parse(cap_value **out, const char *text, size_t len, const char *source,
		   const cap_parse_limits *limits);
/* Reads and parses a whole file; the path is the source name. */
int cap_json_parse_file(cap_value **out, const char *path, const cap_parse_limits *limits);

enum cap_json_flags {
	CAP_JSON_COMPACT = 0,      /* no spaces or newlines */
	CAP_JSON_INDENT = 1 << 0,  /* two-space indentation, one member per line */
	CAP_JSON_SORT_KEYS = 1 << 1, /* object keys in byte order: the canonical form for hashing */
};

/*
 * Appends v as JSON to out. Reals print in the shortest form that reads back to the same double
 * (0.1 prints "0.1"; integral reals keep a ".0" only if needed to stay real: 1.0 prints "1.0").
 * Strings escape only what JSON requires (plus U+2028/2029 and control characters). No newline
 * follows the document. out stays NUL-terminated.
 */
void cap_json_print(cap_buf *out, const cap_value *v, unsigned flags);
/* The same into a new malloc'd string (free() it). */
char *cap_json_to_string(const cap_value *v, unsigned flags);
