/* Base64 (RFC 4648) encoding and decoding, as Kubernetes and YAML write it. */
#pragma once

#include <stddef.h>

#include "base/buf.h"

/* Appends the standard, padded encoding of data (Go's base64.StdEncoding). */
void cap_base64_encode(cap_buf *out, const void *data, size_t len);

typedef enum cap_base64_mode {
	/*
	 * Go's base64.StdEncoding, as Secret data and YAML !!binary are read: the standard
	 * alphabet, padding required, line breaks ignored, anything else an error.
	 */
	CAP_BASE64_STRICT,
	/*
	 * What people paste into kubeconfigs and Secrets: blanks and line breaks ignored, the URL
	 * alphabet ('-', '_') too, padding optional; still nothing may follow padding.
	 */
	CAP_BASE64_LENIENT,
} cap_base64_mode;

/*
 * Appends the bytes s[0..len) encodes. CAP_EINVALID "illegal base64 data" otherwise, with out
 * left as it was.
 */
int cap_base64_decode(cap_buf *out, const char *s, size_t len, cap_base64_mode mode);
