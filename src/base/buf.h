/* cap_buf: an owning, growable, always NUL-terminated byte buffer whose pointer is never NULL. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A cap_buf owns ptr (once cap > 0) and keeps ptr[len] == '\0'. A buffer that has never grown
 * points at a shared empty string, so ptr can always be read as a C string; it is released with
 * cap_buf_release. Allocation failure aborts (see base/alloc.h), so appends cannot fail.
 */
typedef struct cap_buf {
	char *ptr;
	size_t len;
	size_t cap;
} cap_buf;

extern char cap_buf__empty[];
#define CAP_BUF_INIT {cap_buf__empty, 0, 0}

void cap_buf_init(cap_buf *b);
/* Frees the contents; the buffer is empty and reusable afterwards. Accepts NULL. */
void cap_buf_release(cap_buf *b);
/* Ensures room for extra more bytes plus the terminator. */
void cap_buf_grow(cap_buf *b, size_t extra);
/* Empties the buffer, keeping its allocation. */
void cap_buf_clear(cap_buf *b);
/* Shortens to len bytes (no-op when already shorter). */
void cap_buf_truncate(cap_buf *b, size_t len);
/* Hands the contents to the caller (free() them) and leaves the buffer empty. */
char *cap_buf_detach(cap_buf *b, size_t *len_out);

void cap_buf_put(cap_buf *b, const void *data, size_t len);
void cap_buf_puts(cap_buf *b, const char *s);
void cap_buf_putc(cap_buf *b, char c);
void cap_buf_printf(cap_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cap_buf_vprintf(cap_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Replaces the contents with a copy of s. */
void cap_buf_sets(cap_buf *b, const char *s);

/* Appends the whole file at path; CAP_ENOTFOUND or CAP_EIO with a message naming the path. */
int cap_buf_read_file(cap_buf *b, const char *path);
/* Appends everything readable from fd until EOF; CAP_EIO on failure. */
int cap_buf_read_fd(cap_buf *b, int fd);
/* Writes the contents to path through a temporary file and rename, so readers never see half. */
int cap_buf_write_file_atomic(const cap_buf *b, const char *path);

/* Writes all len bytes of data to fd, retrying short and interrupted writes: 0, or -1 with errno
 * set (the fd stays open either way). Sets no error message: callers know what the fd is. */
int cap_write_all(int fd, const void *data, size_t len);

static inline bool cap_buf_eq(const cap_buf *b, const char *s, size_t len)
{
	return b->len == len && (len == 0 || __builtin_memcmp(b->ptr, s, len) == 0);
}
