/* Tests for line diffs: diff(1)'s normal and unified formats, and object renderings. */
#include "cap_test.h"

#include "base/buf.h"
#include "base/error.h"
#include "diff/text.h"
#include "value/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(const char *a, const char *b, cap_diff_text_format f, const char *want)
{
	cap_buf out = CAP_BUF_INIT;
	bool differ = cap_diff_text(&out, a, b, f, 3, NULL, NULL);
	assert_int_equal(differ, strcmp(a, b) != 0);
	if (strcmp(out.ptr, want))
		fail_msg("got:\n%s\nwant:\n%s", out.ptr, want);
	cap_buf_release(&out);
}

static void normal_format_changes_adds_and_deletes(void **state)
{
	check("a\nb\nc\n", "a\nB\nc\n", CAP_DIFF_TEXT_NORMAL, "2c2\n< b\n---\n> B\n");
	check("a\nb\nc\n", "a\nc\n", CAP_DIFF_TEXT_NORMAL, "2d1\n< b\n");
	check("a\nc\n", "a\nb\nc\n", CAP_DIFF_TEXT_NORMAL, "1a2\n> b\n");
	check("a\nb\n", "a\nb\nc\nd\n", CAP_DIFF_TEXT_NORMAL, "2a3,4\n> c\n> d\n");
	check("x\ny\nz\n", "", CAP_DIFF_TEXT_NORMAL, "1,3d0\n< x\n< y\n< z\n");
	check("", "x\n", CAP_DIFF_TEXT_NORMAL, "0a1\n> x\n");
	check("same\n", "same\n", CAP_DIFF_TEXT_NORMAL, "");
}

static void unified_format_has_context(void **state)
{
	check("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
	      CAP_DIFF_TEXT_UNIFIED, "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
	check("a\n", "b\n", CAP_DIFF_TEXT_UNIFIED, "@@ -1 +1 @@\n-a\n+b\n");
	check("", "a\n", CAP_DIFF_TEXT_UNIFIED, "@@ -0,0 +1 @@\n+a\n");
}

/* Whatever the inputs, the printed script agrees with diff(1) on the changed line counts. */
static void agrees_with_diff_utility(void **state)
{
	if (!cap_test_have_program("diff"))
		skip();
	cap_buf dir = CAP_BUF_INIT, a = CAP_BUF_INIT, b = CAP_BUF_INIT, ours = CAP_BUF_INIT,
		theirs = CAP_BUF_INIT, path = CAP_BUF_INIT;
	cap_test_mkdtemp(&dir);
	srand(7);
	for (int round = 0; round < 30; round++) {
		cap_buf_clear(&a);
		cap_buf_clear(&b);
		for (int i = 0; i < 40; i++) {
			int r = rand() % 10;
			if (r < 7 || r == 8)
				cap_buf_printf(&a, "line %d\n", i);
			if (r < 7 || r == 9)
				cap_buf_printf(&b, "line %d\n", r == 9 ? i + 1000 : i);
		}
		cap_buf_clear(&path);
		cap_buf_printf(&path, "%s/a", dir.ptr);
		assert_int_equal(cap_buf_write_file_atomic(&a, path.ptr), 0);
		cap_buf_clear(&path);
		cap_buf_printf(&path, "%s/b", dir.ptr);
		assert_int_equal(cap_buf_write_file_atomic(&b, path.ptr), 0);
		cap_buf_clear(&ours);
		cap_buf_clear(&theirs);
		cap_diff_text(&ours, a.ptr, b.ptr, CAP_DIFF_TEXT_NORMAL, 3, NULL, NULL);
		cap_test_run(&theirs, "diff '%s/a' '%s/b'", dir.ptr, dir.ptr);
		/* Both are shortest scripts: the same numbers of removed and added lines. */
		int ours_del = 0, ours_add = 0, their_del = 0, their_add = 0;
		for (char *p = ours.ptr; *p; p = strchr(p, '\n') + 1) {
			ours_del += *p == '<';
			ours_add += *p == '>';
		}
		for (char *p = theirs.ptr; *p; p = strchr(p, '\n') + 1) {
			their_del += *p == '<';
			their_add += *p == '>';
		}
		assert_int_equal(ours_del, their_del);
		assert_int_equal(ours_add, their_add);
	}
	cap_test_rmtree(dir.ptr);
	cap_buf_release(&dir);
	cap_buf_release(&a);
	cap_buf_release(&b);
	cap_buf_release(&ours);
	cap_buf_release(&theirs);
	cap_buf_release(&path);
}

static void objects_render_as_sorted_yaml(void **state)
{
	cap_value *live = NULL, *pred = NULL;
	const char *l =
	    "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"data\":{\"b\":\"1\",\"a\":\"x\"}}";
	const char *p =
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{\"a\":\"z\",\"b\":\"1\"}}";
	assert_int_equal(cap_json_parse(&live, l, strlen(l), "l", NULL), 0);
	assert_int_equal(cap_json_parse(&pred, p, strlen(p), "p", NULL), 0);
	cap_buf out = CAP_BUF_INIT;
	assert_true(cap_diff_text_objects(&out, live, pred, CAP_DIFF_TEXT_NORMAL));
	assert_string_equal(out.ptr, "3c3\n<   a: x\n---\n>   a: z\n");
	cap_buf_clear(&out);
	assert_true(cap_diff_text_objects(&out, NULL, pred, CAP_DIFF_TEXT_NORMAL));
	assert_non_null(strstr(out.ptr, "0a1,5\n> apiVersion: v1\n"));
	cap_buf_release(&out);
	cap_value_free(live);
	cap_value_free(pred);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(normal_format_changes_adds_and_deletes),
	    cmocka_unit_test(unified_format_has_context),
	    cmocka_unit_test(agrees_with_diff_utility),
	    cmocka_unit_test(objects_render_as_sorted_yaml),
	};
	return cmocka_run_group_tests_name("diff/text", tests, NULL, NULL);
}
