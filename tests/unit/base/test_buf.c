/* Tests for cap_buf: growth, formatting, detach and file round trips. */
#include "cap_test.h"

#include "base/buf.h"
#include "base/error.h"

#include <stdlib.h>
#include <string.h>

static void empty_buffer_reads_as_empty_string(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	cap_buf_release(&b);
	assert_string_equal(b.ptr, "");
}

static void appends_grow_and_stay_terminated(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	for (int i = 0; i < 10000; i++)
		cap_buf_putc(&b, 'a' + i % 26);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.ptr[b.len], '\0');
	assert_int_equal(strlen(b.ptr), 10000);
	cap_buf_release(&b);
}

static void printf_formats_long_output(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	cap_buf_puts(&b, "x=");
	cap_buf_printf(&b, "%d %s %0500d", 42, "y", 7);
	assert_int_equal(b.len, 2 + 2 + 1 + 1 + 1 + 500);
	assert_memory_equal(b.ptr, "x=42 y 000", 10);
	cap_buf_release(&b);
}

static void truncate_and_clear_keep_terminator(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	cap_buf_puts(&b, "hello world");
	cap_buf_truncate(&b, 5);
	assert_string_equal(b.ptr, "hello");
	cap_buf_truncate(&b, 50);
	assert_string_equal(b.ptr, "hello");
	cap_buf_clear(&b);
	assert_string_equal(b.ptr, "");
	cap_buf_release(&b);
}

static void detach_hands_over_ownership(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	size_t len;
	char *empty = cap_buf_detach(&b, &len);
	assert_string_equal(empty, "");
	free(empty);
	cap_buf_puts(&b, "abc");
	char *s = cap_buf_detach(&b, &len);
	assert_int_equal(len, 3);
	assert_string_equal(s, "abc");
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");
	free(s);
}

static void atomic_write_then_read_round_trips(void **state)
{
	cap_buf dir = CAP_BUF_INIT, path = CAP_BUF_INIT, data = CAP_BUF_INIT, back = CAP_BUF_INIT;
	cap_test_mkdtemp(&dir);
	cap_buf_printf(&path, "%s/file.txt", dir.ptr);
	cap_buf_puts(&data, "line one\nline two\n");
	assert_int_equal(cap_buf_write_file_atomic(&data, path.ptr), 0);
	assert_int_equal(cap_buf_read_file(&back, path.ptr), 0);
	assert_string_equal(back.ptr, data.ptr);
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&path);
	cap_buf_release(&data);
	cap_buf_release(&back);
}

static void reading_a_missing_file_names_it(void **state)
{
	cap_buf b = CAP_BUF_INIT;
	assert_int_equal(cap_buf_read_file(&b, "/nonexistent/capstan.yaml"), CAP_ENOTFOUND);
	assert_non_null(strstr(cap_error_last(), "'/nonexistent/capstan.yaml'"));
	cap_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_buffer_reads_as_empty_string),
		cmocka_unit_test(appends_grow_and_stay_terminated),
		cmocka_unit_test(printf_formats_long_output),
		cmocka_unit_test(truncate_and_clear_keep_terminator),
		cmocka_unit_test(detach_hands_over_ownership),
		cmocka_unit_test(atomic_write_then_read_round_trips),
		cmocka_unit_test(reading_a_missing_file_names_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
