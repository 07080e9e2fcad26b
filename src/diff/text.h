/* Text diffs of objects: line diffs of their YAML renderings, as `argocd app diff` prints them. */
#pragma once

#include <stdbool.h>

#include "base/buf.h"
#include "value/value.h"

typedef enum cap_diff_text_format {
	CAP_DIFF_TEXT_NORMAL = 0, /* diff(1)'s default: "3c3", "< old", "---", "> new" */
	CAP_DIFF_TEXT_UNIFIED,	  /* diff -u: "@@ -3,1 +3,1 @@", " same", "-old", "+new" */
} cap_diff_text_format;

/*
 * Appends the line diff of text a (the old side) and b (the new side) to out, in format, with
 * context lines of context for the unified format. Nothing is appended when they are equal.
 * label_a and label_b head a unified diff ("--- a", "+++ b"); NULL leaves the header out.
 * Returns true when the texts differ. Lines are compared exactly (a shortest edit script,
 * Myers' algorithm).
 */
bool cap_diff_text(cap_buf *out, const char *a, const char *b, cap_diff_text_format format,
		   unsigned context, const char *label_a, const char *label_b);

/*
 * Renders live and predicted (either may be NULL, rendered as nothing) as YAML with sorted keys
 * and appends their line diff, live as the old side. Returns true when they differ. Callers
 * mask Secrets first (cap_diff_hide_secret_data).
 */
bool cap_diff_text_objects(cap_buf *out, const cap_value *live, const cap_value *predicted,
			   cap_diff_text_format format);

/*
 * The diff of a cap_diff result as it may leave the process: copies of both sides with Secret
 * values masked (cap_diff_hide_secret_data), then cap_diff_text_objects. Returns true when
 * they differ.
 */
bool cap_diff_text_masked(cap_buf *out, const cap_value *live, const cap_value *predicted,
			  cap_diff_text_format format);
