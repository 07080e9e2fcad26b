/* Semantic versions and Masterminds-style constraints, for semver targetRevision on git tags. */
#include "git/semver.h"

#include "base/alloc.h"
#include "base/error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* [0-9A-Za-z-]+ separated by single dots. */
static bool valid_idents(const char *s, size_t n)
{
	if (n == 0)
		return false;
	bool empty = true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (empty)
				return false;
			empty = true;
		} else if (isalnum((unsigned char)c) || c == '-') {
			empty = false;
		} else {
			return false;
		}
	}
	return !empty;
}

static bool parse_number(const char *s, size_t n, uint64_t *out)
{
	if (n == 0 || n > 19)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool is_wild(const char *s, size_t n)
{
	return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

/*
 * Splits "v1.2.3-pre+meta" into up to three numeric parts (any may be a wildcard when
 * allow_wild) and the prerelease and metadata. nparts is how many numeric parts were written;
 * wild[i] marks wildcard parts.
 */
static bool split_version(const char *text, bool allow_wild, uint64_t parts[3], bool wild[3],
			  int *nparts, const char **pre, size_t *pre_len, const char **meta,
			  size_t *meta_len)
{
	const char *s = text;
	if (*s == 'v' || *s == 'V')
		s++;
	size_t core = strcspn(s, "-+");
	const char *p = s, *end = s + core;
	*nparts = 0;
	for (;;) {
		if (*nparts == 3)
			return false; /* a fourth part */
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *stop = dot ? dot : end;
		size_t n = (size_t)(stop - p);
		int i = *nparts;
		wild[i] = false;
		parts[i] = 0;
		if (allow_wild && is_wild(p, n))
			wild[i] = true;
		else if (!parse_number(p, n, &parts[i]))
			return false;
		(*nparts)++;
		if (!dot)
			break;
		p = dot + 1;
	}
	*pre = "";
	*pre_len = 0;
	*meta = "";
	*meta_len = 0;
	const char *q = end;
	if (*q == '-') {
		q++;
		size_t n = strcspn(q, "+");
		if (!valid_idents(q, n))
			return false;
		*pre = q;
		*pre_len = n;
		q += n;
	}
	if (*q == '+') {
		q++;
		size_t n = strlen(q);
		if (!valid_idents(q, n))
			return false;
		*meta = q;
		*meta_len = n;
		q += n;
	}
	return *q == '\0';
}

int cap_semver_parse(cap_semver *out, const char *text)
{
	uint64_t parts[3];
	bool wild[3];
	int n;
	const char *pre, *meta;
	size_t pre_len, meta_len;
	if (!text || !split_version(text, false, parts, wild, &n, &pre, &pre_len, &meta, &meta_len))
		return cap_error_set(CAP_EINVALID, "'%s' is not a semantic version",
				     text ? text : "");
	out->major = parts[0];
	out->minor = n > 1 ? parts[1] : 0;
	out->patch = n > 2 ? parts[2] : 0;
	out->prerelease = cap_strndup(pre, pre_len);
	out->metadata = cap_strndup(meta, meta_len);
	return 0;
}

void cap_semver_release(cap_semver *v)
{
	if (!v)
		return;
	free(v->prerelease);
	free(v->metadata);
	v->prerelease = v->metadata = NULL;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* Semver 2.0 prerelease precedence: identifiers left to right, numbers below words. */
static int compare_prerelease(const char *a, const char *b)
{
	if (!*a || !*b)
		return *a ? -1 : *b ? 1 : 0; /* no prerelease ranks higher */
	while (*a || *b) {
		if (!*a)
			return -1;
		if (!*b)
			return 1;
		size_t na = strcspn(a, "."), nb = strcspn(b, ".");
		bool da = all_digits(a, na), db = all_digits(b, nb);
		int c;
		if (da && db) {
			uint64_t x = 0, y = 0;
			parse_number(a, na, &x);
			parse_number(b, nb, &y);
			c = x < y ? -1 : x > y;
		} else if (da || db) {
			c = da ? -1 : 1;
		} else {
			c = strncmp(a, b, na < nb ? na : nb);
			if (!c)
				c = na < nb ? -1 : na > nb;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += na + (a[na] == '.');
		b += nb + (b[nb] == '.');
	}
	return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

int cap_semver_compare(const cap_semver *a, const cap_semver *b)
{
	int c = cmp_u64(a->major, b->major);
	if (!c)
		c = cmp_u64(a->minor, b->minor);
	if (!c)
		c = cmp_u64(a->patch, b->patch);
	if (!c)
		c = compare_prerelease(a->prerelease, b->prerelease);
	return c;
}

enum op { OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE, OP_CARET };

typedef struct comparison {
	enum op op;
	cap_semver con;
	bool dirty, minor_dirty, patch_dirty;
} comparison;

struct cap_semver_constraint {
	comparison *items;
	size_t len, cap;
	size_t *group_end; /* end index (exclusive) of each OR group */
	size_t groups;
};

static bool parse_op(const char *s, size_t n, enum op *out)
{
	static const struct {
		const char *text;
		enum op op;
	} ops[] = {{"", OP_EQ},	  {"=", OP_EQ},	   {"!=", OP_NE},    {">", OP_GT},
		   {"<", OP_LT},  {">=", OP_GE},   {"=>", OP_GE},    {"<=", OP_LE},
		   {"=<", OP_LE}, {"~", OP_TILDE}, {"~>", OP_TILDE}, {"^", OP_CARET}};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strlen(ops[i].text) == n && memcmp(ops[i].text, s, n) == 0) {
			*out = ops[i].op;
			return true;
		}
	}
	return false;
}

/* A constraint version: partial and wildcard parts make it "dirty" as in Masterminds v3. */
static bool parse_cv(comparison *c, const char *text)
{
	uint64_t parts[3];
	bool wild[3];
	int n;
	const char *pre, *meta;
	size_t pre_len, meta_len;
	if (!split_version(text, true, parts, wild, &n, &pre, &pre_len, &meta, &meta_len))
		return false;
	c->dirty = c->minor_dirty = c->patch_dirty = false;
	c->con.major = c->con.minor = c->con.patch = 0;
	if (wild[0]) {
		c->dirty = true;
	} else if (n < 2 || wild[1]) {
		c->dirty = c->minor_dirty = true;
		c->con.major = parts[0];
	} else if (n < 3 || wild[2]) {
		c->dirty = c->patch_dirty = true;
		c->con.major = parts[0];
		c->con.minor = parts[1];
	} else {
		c->con.major = parts[0];
		c->con.minor = parts[1];
		c->con.patch = parts[2];
	}
	c->con.prerelease = cap_strndup(pre, pre_len);
	c->con.metadata = cap_strndup(meta, meta_len);
	return true;
}

static void push(cap_semver_constraint *sc, const comparison *c)
{
	if (sc->len == sc->cap) {
		sc->cap = sc->cap ? sc->cap * 2 : 4;
		sc->items = cap_realloc(sc->items, sc->cap * sizeof(*sc->items));
	}
	sc->items[sc->len++] = *c;
}

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',';
}

/* One AND group: comparisons separated by spaces or commas; "a - b" is a range. */
static bool parse_group(cap_semver_constraint *sc, const char *s, size_t len)
{
	size_t start = sc->len, i = 0;
	bool range_pending = false;
	char tok[256];
	while (i < len) {
		while (i < len && is_sep(s[i]))
			i++;
		if (i >= len)
			break;
		size_t op0 = i;
		while (i < len && strchr("=!<>~^", s[i]))
			i++;
		size_t op_len = i - op0;
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t v0 = i;
		while (i < len && !is_sep(s[i]))
			i++;
		size_t v_len = i - v0;
		if (op_len == 0 && v_len == 1 && s[v0] == '-') {
			/* A hyphen range: the previous bare version becomes >=, the next <=. */
			if (range_pending || sc->len == start || sc->items[sc->len - 1].op != OP_EQ)
				return false;
			sc->items[sc->len - 1].op = OP_GE;
			range_pending = true;
			continue;
		}
		if (v_len == 0 || v_len >= sizeof(tok))
			return false;
		comparison c = {0};
		if (!parse_op(s + op0, op_len, &c.op))
			return false;
		memcpy(tok, s + v0, v_len);
		tok[v_len] = '\0';
		if (!parse_cv(&c, tok))
			return false;
		if (range_pending) {
			if (op_len)
				goto bad;
			c.op = OP_LE;
			range_pending = false;
		}
		push(sc, &c);
		continue;
	bad:
		cap_semver_release(&c.con);
		return false;
	}
	return !range_pending && sc->len > start;
}

void cap_semver_constraint_free(cap_semver_constraint *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->len; i++)
		cap_semver_release(&c->items[i].con);
	free(c->items);
	free(c->group_end);
	free(c);
}

int cap_semver_constraint_parse(cap_semver_constraint **out, const char *text)
{
	cap_semver_constraint *sc = cap_calloc(1, sizeof(*sc));
	const char *s = text ? text : "";
	size_t total = strlen(s);
	sc->group_end = cap_calloc(total / 2 + 2, sizeof(size_t));
	bool ok = total > 0;
	while (ok) {
		const char *bar = strstr(s, "||");
		size_t n = bar ? (size_t)(bar - s) : strlen(s);
		ok = parse_group(sc, s, n);
		if (ok)
			sc->group_end[sc->groups++] = sc->len;
		if (!bar)
			break;
		s = bar + 2;
	}
	if (!ok) {
		cap_semver_constraint_free(sc);
		return cap_error_set(CAP_EINVALID, "'%s' is not a semver constraint",
				     text ? text : "");
	}
	*out = sc;
	return 0;
}

static bool check_one(const comparison *c, const cap_semver *v)
{
	const cap_semver *k = &c->con;
	if (*v->prerelease && !*k->prerelease)
		return false;
	int cmp = cap_semver_compare(v, k);
	switch (c->op) {
	case OP_EQ:
		if (!c->dirty)
			return cmp == 0;
		/* a partial version means "within it", like a tilde */
		__attribute__((fallthrough));
	case OP_TILDE:
		if (cmp < 0)
			return false;
		if (k->major == 0 && k->minor == 0 && k->patch == 0 && !c->minor_dirty &&
		    !c->patch_dirty)
			return true;
		if (v->major != k->major)
			return false;
		return v->minor == k->minor || c->minor_dirty;
	case OP_NE:
		if (c->dirty) {
			if (k->major != v->major)
				return true;
			if (c->minor_dirty)
				return false;
			if (k->minor != v->minor)
				return true;
			if (c->patch_dirty)
				return compare_prerelease(v->prerelease, k->prerelease) != 0;
		}
		return cmp != 0;
	case OP_GT:
		if (!c->dirty)
			return cmp > 0;
		if (v->major != k->major)
			return v->major > k->major;
		if (c->minor_dirty)
			return false;
		if (c->patch_dirty)
			return v->minor > k->minor;
		return cmp > 0;
	case OP_LT:
		return cmp < 0;
	case OP_GE:
		return cmp >= 0;
	case OP_LE:
		if (!c->dirty)
			return cmp <= 0;
		if (v->major > k->major)
			return false;
		return !(v->major == k->major && v->minor > k->minor && !c->minor_dirty);
	case OP_CARET:
		if (cmp < 0)
			return false;
		if (k->major > 0 || c->minor_dirty)
			return v->major == k->major;
		if (v->major > 0)
			return false;
		if (k->minor > 0 || c->patch_dirty)
			return v->minor == k->minor;
		if (v->minor > 0)
			return false;
		return v->patch == k->patch;
	}
	return false;
}

bool cap_semver_constraint_check(const cap_semver_constraint *c, const cap_semver *v)
{
	size_t begin = 0;
	for (size_t g = 0; g < c->groups; g++) {
		bool all = true;
		for (size_t i = begin; i < c->group_end[g] && all; i++)
			all = check_one(&c->items[i], v);
		if (all)
			return true;
		begin = c->group_end[g];
	}
	return false;
}
