/* Shell-style wildcard matching with one backtrack point: '*' and '?' over whole strings. */
#include "base/wildcard.h"

#include <stddef.h>

bool cap_wildcard_match(const char *p, const char *t)
{
	const char *star = NULL, *resume = NULL;
	while (*t) {
		if (*p == '*') {
			star = p++;
			resume = t;
		} else if (*p == '?' || *p == *t) {
			p++;
			t++;
		} else if (star) {
			p = star + 1;
			t = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
