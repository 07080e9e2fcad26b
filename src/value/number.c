/* Shortest round-trip formatting of doubles as JSON/YAML number text. */
#include "value/number.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cap_number_format_real(cap_buf *out, double d)
{
	if (!isfinite(d)) {
		cap_buf_put(out, "null", 4);
		return;
	}
	/* 17 significant digits always round-trip a binary64; try fewer first for short output. */
	char text[40];
	int n = 0;
	for (int precision = 15; precision <= 17; precision++) {
		n = snprintf(text, sizeof(text), "%.*g", precision, d);
		if (precision == 17 || strtod(text, NULL) == d)
			break;
	}
	cap_buf_put(out, text, (size_t)n);
	if (!memchr(text, '.', (size_t)n) && !memchr(text, 'e', (size_t)n))
		cap_buf_put(out, ".0", 2);
}
