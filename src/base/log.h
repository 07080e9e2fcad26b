/* Leveled structured logging: one `key=value` (or JSON) line per event on stderr. */
#pragma once

#include <stdbool.h>

/*
 * Libraries return errors; the controller, servers and CLI log them once, at the edge. A line
 * in text form reads
 *   time=2026-11-24T17:01:11Z level=info msg="sync started" app=guestbook
 * and in JSON form {"time":"…","level":"info","msg":"sync started","app":"guestbook"}. Values
 * with spaces, quotes, '=' or control characters are quoted. Each line is written with a single
 * write(2) under a lock, so lines from threads never interleave. The level starts from
 * CAPSTAN_LOG_LEVEL (debug, info, warn, error; default info) and the format from
 * CAPSTAN_LOG_FORMAT (text or json; default text), read on first use.
 */
typedef enum cap_log_level {
	CAP_LOG_DEBUG,
	CAP_LOG_INFO,
	CAP_LOG_WARN,
	CAP_LOG_ERROR,
} cap_log_level;

typedef enum cap_log_format {
	CAP_LOG_TEXT,
	CAP_LOG_JSON,
} cap_log_format;

/* Parses "debug", "info", "warn"/"warning", "error" (any case); CAP_EINVALID otherwise. */
int cap_log_level_parse(cap_log_level *out, const char *name);
const char *cap_log_level_name(cap_log_level level);
/* Parses "text" or "json"; CAP_EINVALID otherwise. */
int cap_log_format_parse(cap_log_format *out, const char *name);

void cap_log_set_level(cap_log_level level);
cap_log_level cap_log_get_level(void);
void cap_log_set_format(cap_log_format format);
/* Sends lines to fd instead of stderr (tests, log files); -1 restores stderr. */
void cap_log_set_fd(int fd);
/* True when a message at level would be written: skip costly formatting otherwise. */
bool cap_log_enabled(cap_log_level level);

/*
 * Logs msg with key/value string pairs, ended by NULL: cap_log(CAP_LOG_INFO, "synced", "app",
 * name, "revision", sha, NULL). A NULL value prints as an empty string. The macros below add the
 * terminating NULL.
 */
void cap_log(cap_log_level level, const char *msg, ...) __attribute__((sentinel));

#define cap_log_debug(msg, ...) cap_log(CAP_LOG_DEBUG, (msg), ##__VA_ARGS__, (char *)0)
#define cap_log_info(msg, ...)	cap_log(CAP_LOG_INFO, (msg), ##__VA_ARGS__, (char *)0)
#define cap_log_warn(msg, ...)	cap_log(CAP_LOG_WARN, (msg), ##__VA_ARGS__, (char *)0)
#define cap_log_error(msg, ...) cap_log(CAP_LOG_ERROR, (msg), ##__VA_ARGS__, (char *)0)
