/* YAML scalar resolution as Kubernetes reads YAML (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1). */
#pragma once

#include "base/buf.h"
#include "value/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * How a plain (unquoted, untagged) scalar resolves. Quoted and block (| >) scalars are always
 * strings. The first character decides whether anything but a string is possible at all:
 * only [-+0-9.yYnNtTfFoO~] or the empty scalar can resolve to another type.
 *
 *   text                                          kind    value
 *   ""  ~  null  Null  NULL                       null
 *   y Y yes Yes YES  true True TRUE  on On ON     bool    true
 *   n N no No NO  false False FALSE  off Off OFF  bool    false
 *   12  -3  +4  1_000  1__0_                      int     12, -3, 4, 1000, 10 ('_' dropped)
 *   0x1F 0X1f -0x10 0x_1F                         int     31, 31, -16, 31
 *   0o17 0O17 017  0b101 0B101                    int     15, 15, 15, 5, 5
 *   08  09  (not octal)                           real    8.0, 9.0 (read as a decimal float)
 *   9223372036854775808 .. 18446744073709551615   real    (uint64 in Go: no int64 can hold it)
 *   0xFFFFFFFFFFFFFFFF                            real    1.8446744073709552e19
 *   99999999999999999999                          real    1e20
 *   1.5  1.  -.5  +.5  1e3  1E-3  1.5e+3  .5e1    real    (see the float shape below)
 *   .inf .Inf .INF  +.inf …  -.inf -.Inf -.INF    real    ±infinity (JSON cannot carry these)
 *   .nan .NaN .NAN                                real    NaN (JSON cannot carry it)
 *   1e400  (overflows a double)                   string  "1e400"
 *   2001-12-14  2001-12-14T21:59:43Z              string  (timestamps stay strings)
 *   1_000.5_  ('_' goes before the float test)    real    1000.5
 *   0x  0o  1e  +  -x  _1  TRUE1  nULL  0o8       string
 *   True? Yes! yEs tRUE  Nope  ONE                string  (only the spellings above count)
 *
 * The float shape go-yaml v2 accepts, tried after the integer forms, with '_' removed:
 *   [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?   and, for text starting with '.',
 *   Go's float syntax (where '_' may only stand between digits).
 *
 * Explicit tags (long form "tag:yaml.org,2002:…"): !!str and any unknown or local tag give the
 * text as a string; !!binary gives the base64-decoded bytes as a string (bytes that are not
 * UTF-8 become U+FFFD, as Go's JSON encoder writes them); !!null, !!bool, !!int, !!float and
 * !!timestamp resolve the text by the table above (quoted or not) and fail unless it gives that
 * kind, except that !!float accepts an integer and makes it a real.
 *
 * Mapping keys become strings as sigs.k8s.io/yaml makes them: a string stays, an integer prints
 * in decimal (0x10 gives "16"), a boolean gives "true"/"false" (so the key `n` is "false"), a
 * real prints in Go's shortest float32 'g' form (1.5 gives "1.5", 1e6 gives "1e+06"); a null,
 * sequence or mapping key is an error.
 */

typedef struct cap_yaml_scalar {
	cap_value_kind kind; /* CAP_VALUE_NULL, _BOOL, _INT, _REAL or _STRING */
	bool b;
	int64_t i;
	double d;
} cap_yaml_scalar;

/* Resolves the text of a plain scalar (len bytes at s) by the table above. Never fails. */
void cap_yaml_scalar_resolve(cap_yaml_scalar *out, const char *s, size_t len);

/*
 * Resolves a scalar carrying the explicit tag (long form) by the rules above. A string result
 * (including !!binary, decoded into *decoded, which the caller then uses instead of s) has kind
 * CAP_VALUE_STRING; *decoded is left untouched for other tags. CAP_EINVALID with a message like
 * "cannot decode !!str `abc` as a !!int" when the text does not fit the tag.
 */
int cap_yaml_scalar_resolve_tagged(cap_yaml_scalar *out, cap_buf *decoded, const char *tag,
				   const char *s, size_t len);

/* True when the plain text s would read back as something other than the same string. */
bool cap_yaml_scalar_is_special(const char *s, size_t len);

/*
 * True when s is a timestamp as go-yaml v2 sees one: "2001-12-14", "2001-12-14T21:59:43.1Z",
 * "2001-12-14t21:59:43-05:00", "2001-12-14 21:59:43.10". Such text still reads as a string; it
 * matters to !!timestamp and to printing, which quotes it as kubectl does.
 */
bool cap_yaml_scalar_is_timestamp(const char *s, size_t len);

/*
 * Appends the mapping-key form (see above) of a resolved scalar to out; text and len are the
 * string's bytes when scalar->kind is CAP_VALUE_STRING. CAP_EINVALID when the scalar cannot be a
 * key (null), with a message naming its kind.
 */
int cap_yaml_scalar_key(cap_buf *out, const cap_yaml_scalar *scalar, const char *text, size_t len);
