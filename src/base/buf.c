/* Growable byte buffers and whole-file reads and atomic writes. */
#include "base/buf.h"

#include "base/alloc.h"
#include "base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char cap_buf__empty[1];

void cap_buf_init(cap_buf *b)
{
	b->ptr = cap_buf__empty;
	b->len = 0;
	b->cap = 0;
}

void cap_buf_release(cap_buf *b)
{
	if (!b)
		return;
	if (b->cap)
		free(b->ptr);
	cap_buf_init(b);
}

void cap_buf_grow(cap_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap < (1u << 30) ? cap * 2 : cap + (1u << 30);
	if (b->cap) {
		b->ptr = cap_realloc(b->ptr, cap);
	} else {
		b->ptr = cap_malloc(cap);
		b->ptr[0] = '\0';
	}
	b->cap = cap;
}

void cap_buf_clear(cap_buf *b)
{
	cap_buf_truncate(b, 0);
}

void cap_buf_truncate(cap_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->ptr[len] = '\0';
}

char *cap_buf_detach(cap_buf *b, size_t *len_out)
{
	char *p = b->cap ? b->ptr : cap_strdup("");
	if (len_out)
		*len_out = b->len;
	cap_buf_init(b);
	return p;
}

void cap_buf_put(cap_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	cap_buf_grow(b, len);
	memmove(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void cap_buf_puts(cap_buf *b, const char *s)
{
	cap_buf_put(b, s, strlen(s));
}

void cap_buf_putc(cap_buf *b, char c)
{
	cap_buf_grow(b, 1);
	b->ptr[b->len++] = c;
	b->ptr[b->len] = '\0';
}

void cap_buf_vprintf(cap_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(b->ptr + b->len, b->cap ? b->cap - b->len : 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	if ((size_t)n >= (b->cap ? b->cap - b->len : 0)) {
		cap_buf_grow(b, (size_t)n);
		vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void cap_buf_printf(cap_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cap_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void cap_buf_sets(cap_buf *b, const char *s)
{
	cap_buf_clear(b);
	cap_buf_puts(b, s);
}

int cap_buf_read_fd(cap_buf *b, int fd)
{
	for (;;) {
		cap_buf_grow(b, 65536);
		ssize_t n = read(fd, b->ptr + b->len, b->cap - b->len - 1);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			b->ptr[b->len] = '\0';
			return cap_error_set(CAP_EIO, "cannot read: %s", strerror(errno));
		}
		b->len += (size_t)n;
	}
	b->ptr[b->len] = '\0';
	return 0;
}

int cap_buf_read_file(cap_buf *b, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cap_error_set(errno == ENOENT ? CAP_ENOTFOUND : CAP_EIO,
				     "cannot open '%s': %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		cap_buf_grow(b, (size_t)st.st_size);
	int rc = cap_buf_read_fd(b, fd);
	close(fd);
	if (rc)
		return cap_error_prefix("'%s': ", path);
	return 0;
}

int cap_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cap_buf_write_file_atomic(const cap_buf *b, const char *path)
{
	cap_buf tmp = CAP_BUF_INIT;
	cap_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int rc = cap_error_set(CAP_EIO, "cannot create '%s': %s", tmp.ptr, strerror(errno));
		cap_buf_release(&tmp);
		return rc;
	}
	if (cap_write_all(fd, b->ptr, b->len) < 0) {
		int rc = cap_error_set(CAP_EIO, "cannot write '%s': %s", path, strerror(errno));
		close(fd);
		unlink(tmp.ptr);
		cap_buf_release(&tmp);
		return rc;
	}
	close(fd);
	if (rename(tmp.ptr, path) < 0) {
		int rc = cap_error_set(CAP_EIO, "cannot rename to '%s': %s", path, strerror(errno));
		unlink(tmp.ptr);
		cap_buf_release(&tmp);
		return rc;
	}
	cap_buf_release(&tmp);
	return 0;
}
