/* Kubernetes resource quantities ("500m", "1Gi", "1e3") in their canonical text form. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/*
 * Parses text (len bytes) as a resource.Quantity and appends the form the API server writes
 * back: "1000m" gives "1", "1024Mi" gives "1Gi", "0.5Gi" gives "512Mi", "1500" gives "1500",
 * "1000" gives "1k", "100u" stays "100u", "1e3" gives "1e3", "0.5" gives "500m". The suffix
 * family (binary Ki..Ei, decimal n..E, or an exponent) is kept as Kubernetes keeps it, except
 * that binary values below 1024 or with fractions print in decimal form. Values are rounded up
 * to nano units, as the API server rounds them. Returns false (out untouched) when text is not a
 * quantity or does not fit in 96 bits of mantissa.
 */
bool cap_quantity_canonical(cap_buf *out, const char *text, size_t len);
