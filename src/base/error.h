/* The error convention: functions return 0 or a negative CAP_E code and leave a per-thread message. */
#pragma once

#include <stdarg.h>

/*
 * Every fallible function returns int: 0 on success, or one of these negative codes. On failure
 * it also leaves a message for the calling thread (cap_error_set), lowercase, saying what failed
 * and quoting the subject: "cannot parse 'apps/web.yaml' line 12 column 3: duplicate key 'name'".
 * Outputs are untouched on failure.
 */
enum {
	CAP_OK = 0,
	CAP_EGENERIC = -1,     /* something failed; the message says what */
	CAP_ENOTFOUND = -2,    /* the named thing does not exist */
	CAP_EEXISTS = -3,      /* the thing to create already exists */
	CAP_ECONFLICT = -4,    /* a concurrent or ownership conflict (HTTP 409) */
	CAP_EINVALID = -5,     /* the input is malformed or breaks a rule */
	CAP_EIO = -6,          /* reading or writing a file, pipe or socket failed */
	CAP_ETIMEOUT = -7,     /* a deadline passed */
	CAP_ELIMIT = -8,       /* a size, depth or count limit was exceeded */
	CAP_EUNSUPPORTED = -9, /* a valid request Capstan does not handle */
	CAP_EPERM = -10,       /* forbidden by policy (RBAC, project, path rules) */
	CAP_EAUTH = -11,       /* missing or wrong credentials */
	CAP_EUNAVAILABLE = -12, /* a peer or service is unreachable or refused; worth retrying */
	CAP_ECANCELED = -13,   /* the operation was stopped on request */
};

/*
 * Records code and a printf-style message as the calling thread's last error and returns code,
 * so failures read `return cap_error_set(CAP_EINVALID, "bad '%s'", name);`.
 */
int cap_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cap_error_vset(int code, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/*
 * Puts context in front of the current message ("cannot render 'guestbook': " + message) and
 * returns the current code, for callers that pass an error up.
 */
int cap_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The calling thread's last message; "" when none. Valid until the thread's next error call. */
const char *cap_error_last(void);
/* The calling thread's last code; 0 when none. */
int cap_error_last_code(void);
/* Forgets the calling thread's last error. */
void cap_error_clear(void);
/* A stable lowercase name for a code ("not found", "conflict", …). */
const char *cap_error_name(int code);
