/* Base64 (RFC 4648): one encoder and one decoder for every reader and writer of it. */
#include "base/base64.h"

#include <stdbool.h>

#include "base/error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void cap_base64_encode(cap_buf *out, const void *data, size_t len)
{
	const unsigned char *s = data;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		cap_buf_putc(out, alphabet[(v >> 18) & 63]);
		cap_buf_putc(out, alphabet[(v >> 12) & 63]);
		cap_buf_putc(out, i + 1 < len ? alphabet[(v >> 6) & 63] : '=');
		cap_buf_putc(out, i + 2 < len ? alphabet[v & 63] : '=');
	}
}

static int value_of(unsigned char c, cap_base64_mode mode)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || (c == '-' && mode == CAP_BASE64_LENIENT))
		return 62;
	if (c == '/' || (c == '_' && mode == CAP_BASE64_LENIENT))
		return 63;
	return -1;
}

static bool skipped(unsigned char c, cap_base64_mode mode)
{
	return c == '\n' || c == '\r' || (mode == CAP_BASE64_LENIENT && (c == ' ' || c == '\t'));
}

int cap_base64_decode(cap_buf *out, const char *s, size_t len, cap_base64_mode mode)
{
	size_t start = out->len;
	unsigned acc = 0, bits = 0, pad = 0, chars = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (skipped(c, mode))
			continue;
		chars++;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = value_of(c, mode);
		if (v < 0 || pad)
			goto bad;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			cap_buf_putc(out, (char)((acc >> bits) & 0xff));
		}
	}
	/* what is left over: none, or 2 or 4 bits that padding (optional when lenient) stands for */
	if (bits >= 6 || pad > 2 || (pad && pad * 2 != bits))
		goto bad;
	if (mode == CAP_BASE64_STRICT && chars % 4 != 0)
		goto bad;
	return 0;
bad:
	cap_buf_truncate(out, start);
	return cap_error_set(CAP_EINVALID, "illegal base64 data");
}
