/* Structured log lines: level filtering, text or JSON encoding, one write per line. */
#include "base/log.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/time.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static atomic_int log_level = CAP_LOG_INFO;
static atomic_int log_format = CAP_LOG_TEXT;
static atomic_int log_fd = -1;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int cap_log_level_parse(cap_log_level *out, const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(name, level_names[i]) == 0) {
			*out = (cap_log_level)i;
			return 0;
		}
	}
	if (strcasecmp(name, "warning") == 0) {
		*out = CAP_LOG_WARN;
		return 0;
	}
	return cap_error_set(CAP_EINVALID, "unknown log level '%s' (debug, info, warn, error)",
			     name);
}

const char *cap_log_level_name(cap_log_level level)
{
	return (unsigned)level < 4 ? level_names[level] : "unknown";
}

int cap_log_format_parse(cap_log_format *out, const char *name)
{
	if (strcasecmp(name, "text") == 0) {
		*out = CAP_LOG_TEXT;
		return 0;
	}
	if (strcasecmp(name, "json") == 0) {
		*out = CAP_LOG_JSON;
		return 0;
	}
	return cap_error_set(CAP_EINVALID, "unknown log format '%s' (text, json)", name);
}

static void read_env(void)
{
	const char *v = getenv("CAPSTAN_LOG_LEVEL");
	cap_log_level level;
	if (v && *v && cap_log_level_parse(&level, v) == 0)
		atomic_store(&log_level, level);
	v = getenv("CAPSTAN_LOG_FORMAT");
	cap_log_format format;
	if (v && *v && cap_log_format_parse(&format, v) == 0)
		atomic_store(&log_format, format);
}

void cap_log_set_level(cap_log_level level)
{
	pthread_once(&env_once, read_env);
	atomic_store(&log_level, level);
}

cap_log_level cap_log_get_level(void)
{
	pthread_once(&env_once, read_env);
	return (cap_log_level)atomic_load(&log_level);
}

void cap_log_set_format(cap_log_format format)
{
	pthread_once(&env_once, read_env);
	atomic_store(&log_format, format);
}

void cap_log_set_fd(int fd)
{
	atomic_store(&log_fd, fd);
}

bool cap_log_enabled(cap_log_level level)
{
	return level >= cap_log_get_level();
}

static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
			return true;
	}
	return false;
}

/* Quoted and escaped as a JSON string, which logfmt readers accept too. */
static void put_quoted(cap_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	cap_buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"':
			cap_buf_puts(b, "\\\"");
			break;
		case '\\':
			cap_buf_puts(b, "\\\\");
			break;
		case '\n':
			cap_buf_puts(b, "\\n");
			break;
		case '\r':
			cap_buf_puts(b, "\\r");
			break;
		case '\t':
			cap_buf_puts(b, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				cap_buf_puts(b, "\\u00");
				cap_buf_putc(b, hex[c >> 4]);
				cap_buf_putc(b, hex[c & 15]);
			} else {
				cap_buf_putc(b, (char)c);
			}
		}
	}
	cap_buf_putc(b, '"');
}

static void put_field(cap_buf *b, bool json, bool first, const char *key, const char *value)
{
	if (json) {
		if (!first)
			cap_buf_putc(b, ',');
		put_quoted(b, key);
		cap_buf_putc(b, ':');
		put_quoted(b, value);
		return;
	}
	if (!first)
		cap_buf_putc(b, ' ');
	cap_buf_puts(b, key);
	cap_buf_putc(b, '=');
	if (needs_quotes(value))
		put_quoted(b, value);
	else
		cap_buf_puts(b, value);
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

void cap_log(cap_log_level level, const char *msg, ...)
{
	if (!cap_log_enabled(level))
		return;
	bool json = atomic_load(&log_format) == CAP_LOG_JSON;
	char now[CAP_RFC3339_LEN];
	cap_time_format_rfc3339(now, cap_time_wall_s());

	cap_buf line = CAP_BUF_INIT;
	if (json)
		cap_buf_putc(&line, '{');
	put_field(&line, json, true, "time", now);
	put_field(&line, json, false, "level", cap_log_level_name(level));
	put_field(&line, json, false, "msg", msg ? msg : "");
	va_list ap;
	va_start(ap, msg);
	for (;;) {
		const char *key = va_arg(ap, const char *);
		if (!key)
			break;
		const char *value = va_arg(ap, const char *);
		put_field(&line, json, false, key, value ? value : "");
	}
	va_end(ap);
	if (json)
		cap_buf_putc(&line, '}');
	cap_buf_putc(&line, '\n');

	int fd = atomic_load(&log_fd);
	pthread_mutex_lock(&write_lock);
	write_all(fd >= 0 ? fd : STDERR_FILENO, line.ptr, line.len);
	pthread_mutex_unlock(&write_lock);
	cap_buf_release(&line);
}
