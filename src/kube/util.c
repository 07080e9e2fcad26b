/* URL escaping and secret wiping shared by the kube/ files. */
#include "kube/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"

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
