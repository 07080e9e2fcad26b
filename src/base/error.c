/* Per-thread last-error storage behind cap_error_set and cap_error_last. */
#include "base/error.h"

#include <stdio.h>
#include <string.h>

#define CAP_ERROR_MAX 4096

static _Thread_local char last_message[CAP_ERROR_MAX];
static _Thread_local int last_code;

int cap_error_vset(int code, const char *fmt, va_list ap)
{
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	last_code = code;
	return code;
}

int cap_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cap_error_vset(code, fmt, ap);
	va_end(ap);
	return code;
}

int cap_error_prefix(const char *fmt, ...)
{
	char prefix[CAP_ERROR_MAX];
	char joined[CAP_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t plen = strnlen(prefix, sizeof(joined) - 1);
	memcpy(joined, prefix, plen);
	size_t mlen = strnlen(last_message, sizeof(joined) - 1 - plen);
	memcpy(joined + plen, last_message, mlen);
	joined[plen + mlen] = '\0';
	memcpy(last_message, joined, plen + mlen + 1);
	if (!last_code)
		last_code = CAP_EGENERIC;
	return last_code;
}

const char *cap_error_last(void)
{
	return last_message;
}

int cap_error_last_code(void)
{
	return last_code;
}

void cap_error_clear(void)
{
	last_message[0] = '\0';
	last_code = 0;
}

const char *cap_error_name(int code)
{
	switch (code) {
	case CAP_OK: return "ok";
	case CAP_ENOTFOUND: return "not found";
	case CAP_EEXISTS: return "already exists";
	case CAP_ECONFLICT: return "conflict";
	case CAP_EINVALID: return "invalid";
	case CAP_EIO: return "i/o error";
	case CAP_ETIMEOUT: return "timed out";
	case CAP_ELIMIT: return "limit exceeded";
	case CAP_EUNSUPPORTED: return "unsupported";
	case CAP_EPERM: return "permission denied";
	case CAP_EAUTH: return "unauthenticated";
	case CAP_EUNAVAILABLE: return "unavailable";
	case CAP_ECANCELED: return "canceled";
	default: return "error";
	}
}
