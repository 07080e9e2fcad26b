/* Tests for base64: round trips, Go's strict reading of Secret data and YAML, the lenient one. */
#include "cap_test.h"

#include <string.h>

#include "base/base64.h"
#include "base/error.h"

static int decode(cap_buf *out, const char *s, cap_base64_mode mode)
{
	cap_buf_clear(out);
	return cap_base64_decode(out, s, strlen(s), mode);
}

static void round_trips_every_length(void **state)
{
	(void)state;
	const char data[] = "\x00\xff" "any bytes at all, \x80 included";
	cap_buf enc = CAP_BUF_INIT, dec = CAP_BUF_INIT;
	for (size_t n = 0; n < sizeof(data); n++) {
		cap_buf_clear(&enc);
		cap_base64_encode(&enc, data, n);
		assert_int_equal(enc.len % 4, 0);
		assert_int_equal(decode(&dec, enc.ptr, CAP_BASE64_STRICT), 0);
		assert_int_equal(dec.len, n);
		assert_memory_equal(dec.ptr, data, n);
	}
	cap_buf_clear(&enc);
	cap_base64_encode(&enc, "hello", 5);
	assert_string_equal(enc.ptr, "aGVsbG8=");
	cap_buf_release(&enc);
	cap_buf_release(&dec);
}

static void strict_is_go_std_encoding(void **state)
{
	(void)state;
	cap_buf b = CAP_BUF_INIT;
	assert_int_equal(decode(&b, "aGVs\nbG8=\n", CAP_BASE64_STRICT), 0);
	assert_string_equal(b.ptr, "hello");
	/* padding required, no blanks, no URL alphabet, nothing after padding */
	assert_int_equal(decode(&b, "aGVsbG8", CAP_BASE64_STRICT), CAP_EINVALID);
	assert_int_equal(decode(&b, "aGVs bG8=", CAP_BASE64_STRICT), CAP_EINVALID);
	assert_int_equal(decode(&b, "-_8=", CAP_BASE64_STRICT), CAP_EINVALID);
	assert_int_equal(decode(&b, "aGVsbG8=aGVs", CAP_BASE64_STRICT), CAP_EINVALID);
	assert_int_equal(decode(&b, "aGVsbG8===", CAP_BASE64_STRICT), CAP_EINVALID);
	assert_string_equal(cap_error_last(), "illegal base64 data");
	cap_buf_release(&b);
}

static void lenient_takes_what_people_paste(void **state)
{
	(void)state;
	cap_buf b = CAP_BUF_INIT;
	assert_int_equal(decode(&b, " aGVs\tbG8 ", CAP_BASE64_LENIENT), 0);
	assert_string_equal(b.ptr, "hello");
	assert_int_equal(decode(&b, "-_8", CAP_BASE64_LENIENT), 0);
	assert_int_equal(b.len, 2);
	assert_int_equal((unsigned char)b.ptr[0], 0xfb);
	assert_int_equal(decode(&b, "a", CAP_BASE64_LENIENT), CAP_EINVALID);
	assert_int_equal(decode(&b, "aGVsbG8=x", CAP_BASE64_LENIENT), CAP_EINVALID);
	cap_buf_release(&b);
}

static void a_failure_leaves_out_as_it_was(void **state)
{
	(void)state;
	cap_buf b = CAP_BUF_INIT;
	cap_buf_puts(&b, "kept");
	assert_int_equal(cap_base64_decode(&b, "aGVsbG8*", 8, CAP_BASE64_STRICT), CAP_EINVALID);
	assert_string_equal(b.ptr, "kept");
	cap_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trips_every_length),
	    cmocka_unit_test(strict_is_go_std_encoding),
	    cmocka_unit_test(lenient_takes_what_people_paste),
	    cmocka_unit_test(a_failure_leaves_out_as_it_was),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
