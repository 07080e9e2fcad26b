/* Base64, URL escaping and secret wiping shared by the kube/ files. */
#include "kube/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int cap_kube__base64_decode(cap_buf *out, const char *s, size_t len)
{
	size_t start = out->len;
	unsigned acc = 0;
	int bits = 0;
	bool padding = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			padding = true;
			continue;
		}
		int v = b64_value(c);
		if (v < 0 || padding) {
			cap_buf_truncate(out, start);
			return cap_error_set(CAP_EINVALID, "illegal base64 data");
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			cap_buf_putc(out, (char)((acc >> bits) & 0xff));
		}
	}
	if (bits >= 6) {
		cap_buf_truncate(out, start);
		return cap_error_set(CAP_EINVALID, "illegal base64 data");
	}
	return 0;
}

void cap_kube__base64_encode(cap_buf *out, const void *data, size_t len)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = data;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		cap_buf_putc(out, t[(v >> 18) & 63]);
		cap_buf_putc(out, t[(v >> 12) & 63]);
		cap_buf_putc(out, i + 1 < len ? t[(v >> 6) & 63] : '=');
		cap_buf_putc(out, i + 2 < len ? t[v & 63] : '=');
	}
}

void cap_kube__url_escape(cap_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			cap_buf_putc(out, (char)c);
		} else {
			cap_buf_putc(out, '%');
			cap_buf_putc(out, hex[c >> 4]);
			cap_buf_putc(out, hex[c & 15]);
		}
	}
}

void cap_kube__free_secret(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
