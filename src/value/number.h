/* Number text shared by the JSON and YAML printers: shortest round-trip real formatting. */
#pragma once

#include "base/buf.h"

/*
 * Appends d in the shortest decimal form that strtod reads back to exactly d: the shortest of
 * %.15g, %.16g and %.17g that round-trips (0.1 gives "0.1", not "0.10000000000000001").
 *
 * The text is always a valid JSON number and always reads back as a real, never an integer:
 * when the %g form has neither a '.' nor an exponent, ".0" is appended (1.0 gives "1.0", -0.0
 * gives "-0.0", 1234.0 gives "1234.0"); when it has an exponent it is left alone,
 * since an exponent already marks a real in JSON and YAML ("1e+16", "1e-07", "1.5e+300").
 * d must be finite: JSON has no text for NaN or infinities, so those append "null" and the
 * YAML printer handles them itself (.nan, .inf) before calling this.
 */
void cap_number_format_real(cap_buf *out, double d);
