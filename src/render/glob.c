/* Glob matching: brace alternatives expanded, then fnmatch without path semantics. */
#include "render/glob.h"

#include "base/buf.h"
#include "base/strvec.h"

#include <fnmatch.h>
#include <string.h>

#define MAX_ALTERNATIVES 1024

/* Index of the brace closing the one at open, or -1; skips escapes and nested braces. */
static long closing_brace(const char *p, size_t open)
{
	int depth = 0;
	for (size_t i = open; p[i]; i++) {
		if (p[i] == '\\' && p[i + 1]) {
			i++;
		} else if (p[i] == '{') {
			depth++;
		} else if (p[i] == '}' && --depth == 0) {
			return (long)i;
		}
	}
	return -1;
}

/* Appends every expansion of pattern to out; false when there are too many or braces are bad. */
static bool expand(cap_strvec *out, const char *pattern)
{
	size_t open;
	for (open = 0; pattern[open]; open++) {
		if (pattern[open] == '\\' && pattern[open + 1])
			open++;
		else if (pattern[open] == '{')
			break;
	}
	if (!pattern[open]) {
		if (out->len >= MAX_ALTERNATIVES)
			return false;
		cap_strvec_push(out, pattern);
		return true;
	}
	long close = closing_brace(pattern, open);
	if (close < 0)
		return false;
	/* Split the inside at top-level commas and expand prefix + alternative + suffix. */
	size_t start = open + 1;
	int depth = 0;
	cap_buf alt = CAP_BUF_INIT;
	bool ok = true;
	for (size_t i = open + 1; ok && i <= (size_t)close; i++) {
		char c = pattern[i];
		if (c == '\\' && i + 1 < (size_t)close) {
			i++;
			continue;
		}
		if (c == '{')
			depth++;
		else if (c == '}' && depth > 0 && i != (size_t)close)
			depth--;
		else if ((c == ',' && depth == 0) || i == (size_t)close) {
			cap_buf_clear(&alt);
			cap_buf_put(&alt, pattern, open);
			cap_buf_put(&alt, pattern + start, i - start);
			cap_buf_puts(&alt, pattern + close + 1);
			ok = expand(out, alt.ptr);
			start = i + 1;
		}
	}
	cap_buf_release(&alt);
	return ok;
}

bool cap_render_glob_match(const char *pattern, const char *text)
{
	cap_strvec alts = CAP_STRVEC_INIT;
	bool matched = false;
	if (expand(&alts, pattern))
		for (size_t i = 0; i < alts.len && !matched; i++)
			matched = fnmatch(alts.items[i], text, 0) == 0;
	cap_strvec_release(&alts);
	return matched;
}
