/* YAML streams into values through libyaml's event API: anchors, merge keys, limits, positions. */
#include "value/yaml.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/yaml_scalar.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MERGE_TAG "tag:yaml.org,2002:merge"

/* One open sequence or mapping. */
struct frame {
	cap_value *node; /* the array or object being filled */
	char *anchor;	 /* registered once the node is complete; NULL when none */
	bool is_map;
	/* mappings only */
	bool have_key;
	bool key_is_merge;
	cap_buf key;
	size_t key_line; /* 1-based line and column of the pending key */
	size_t key_column;
	size_t *key_lines; /* line of each key by insertion index; 0 when it came from `<<` */
	size_t nkeys, key_lines_cap;
};

struct parser {
	const char *source;
	const char *text;
	size_t len;
	const cap_parse_limits *limits;
	struct frame *frames;
	size_t depth, frames_cap;
	cap_value *root;    /* the current document's value, once complete */
	cap_value *anchors; /* object: anchor name -> completed value, for this document */
	size_t alias_nodes; /* nodes produced through aliases so far */
	unsigned flags;	    /* cap_yaml_parse_flags */
	cap_buf decoded;    /* scratch for !!binary */
};

/* Formats "cannot parse 'source' line L column C: message" as the thread's error. */
static int fail_at(struct parser *p, int code, size_t line, size_t column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail_at(struct parser *p, int code, size_t line, size_t column, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cap_error_set(code, "cannot parse '%s' line %zu column %zu: %s", p->source, line,
			     column, msg);
}

static int fail_mark(struct parser *p, int code, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_mark(struct parser *p, int code, yaml_mark_t mark, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail_at(p, code, mark.line + 1, mark.column + 1, "%s", msg);
}

/* Byte offset of (0-based) line and column, counting columns in UTF-8 characters. */
static size_t offset_of(const struct parser *p, size_t line, size_t column)
{
	size_t i = 0;
	for (size_t l = 0; l < line && i < p->len; i++)
		if (p->text[i] == '\n')
			l++;
	for (size_t c = 0; c < column && i < p->len; i++)
		if (((unsigned char)p->text[i] & 0xc0) != 0x80)
			c++;
	while (i < p->len && ((unsigned char)p->text[i] & 0xc0) == 0x80)
		i++;
	return i;
}

/* Turns libyaml's error state into Capstan's message, with 1-based positions. */
static int fail_libyaml(struct parser *p, const yaml_parser_t *yp)
{
	const char *problem = yp->problem ? yp->problem : "malformed YAML";
	if (yp->error == YAML_READER_ERROR) {
		size_t line = 1, column = 1, off = yp->problem_offset;
		/* point at the sequence's first byte, not the trailing byte that broke it */
		bool trailing = strstr(problem, "trailing") || strstr(problem, "incomplete");
		for (int back = 0;
		     trailing && back < 3 && off > 0 && off <= p->len &&
		     (off == p->len || ((unsigned char)p->text[off] & 0xc0) != 0xc0) &&
		     ((unsigned char)p->text[off - 1] & 0x80);
		     back++)
			off--;
		for (size_t i = 0; i < off && i < p->len; i++) {
			if (p->text[i] == '\n')
				line++, column = 1;
			else if (((unsigned char)p->text[i] & 0xc0) != 0x80)
				column++;
		}
		if (yp->problem_value >= 0)
			return fail_at(p, CAP_EINVALID, line, column, "%s 0x%02x", problem,
				       yp->problem_value);
		return fail_at(p, CAP_EINVALID, line, column, "%s", problem);
	}
	yaml_mark_t mark = yp->problem_mark;
	size_t off = offset_of(p, mark.line, mark.column);
	if (yp->error == YAML_SCANNER_ERROR && off < p->len && p->text[off] == '\t')
		return fail_mark(p, CAP_EINVALID, mark,
				 "found a tab character that violates indentation");
	if (yp->context)
		return fail_mark(p, CAP_EINVALID, mark, "%s %s started at line %zu column %zu",
				 problem, yp->context, yp->context_mark.line + 1,
				 yp->context_mark.column + 1);
	return fail_mark(p, CAP_EINVALID, mark, "%s", problem);
}

static struct frame *top(struct parser *p)
{
	return p->depth ? &p->frames[p->depth - 1] : NULL;
}

static void frame_release(struct frame *f)
{
	cap_value_free(f->node);
	free(f->anchor);
	free(f->key_lines);
	cap_buf_release(&f->key);
}

static void parser_reset_document(struct parser *p)
{
	while (p->depth)
		frame_release(&p->frames[--p->depth]);
	cap_value_free(p->root);
	p->root = NULL;
	cap_value_object_clear(p->anchors);
}

static size_t count_nodes(const cap_value *v)
{
	size_t n = 1;
	if (cap_value_is_array(v)) {
		size_t i;
		cap_value *e;
		CAP_VALUE_ARRAY_FOREACH(v, i, e)
		n += count_nodes(e);
	} else if (cap_value_is_object(v)) {
		const char *k;
		cap_value *e;
		CAP_VALUE_OBJECT_FOREACH(v, k, e)
		{
			(void)k;
			n += count_nodes(e);
		}
	}
	return n;
}

static void register_anchor(struct parser *p, const char *anchor, cap_value *v)
{
	if (anchor)
		cap_value_object_set(p->anchors, anchor, cap_value_ref(v));
}

/* Index of key in o by insertion order. */
static size_t key_index(const cap_value *o, const char *key, size_t len)
{
	size_t i = 0;
	const char *k;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(o, k, v)
	{
		(void)v;
		if (cap_value_object_iter_key_len(cap__it) == len && memcmp(k, key, len) == 0)
			return i;
		i++;
	}
	return i;
}

static void remember_key_line(struct frame *f, size_t line)
{
	if (f->nkeys == f->key_lines_cap) {
		f->key_lines_cap = f->key_lines_cap ? f->key_lines_cap * 2 : 8;
		f->key_lines = cap_realloc(f->key_lines, f->key_lines_cap * sizeof(*f->key_lines));
	}
	f->key_lines[f->nkeys++] = line;
}

/* Copies every member of src into the mapping, replacing what is there, as go-yaml v2 does. */
static void merge_object(struct frame *f, const cap_value *src)
{
	const char *k;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(src, k, v)
	{
		size_t klen = cap_value_object_iter_key_len(cap__it);
		if (!cap_value_object_getn(f->node, k, klen))
			remember_key_line(f, 0);
		cap_value_object_setn(f->node, k, klen, cap_value_ref(v));
	}
}

/*
 * `<<: map` or `<<: [map, …]` applies where it stands, as go-yaml v2 reads it: merged members
 * replace keys written before the `<<`, keys written after it replace merged members, and in a
 * sequence earlier maps win (they are applied last). Steals v.
 */
static int add_merge(struct parser *p, struct frame *f, cap_value *v)
{
	size_t n = cap_value_array_len(v);
	if (cap_value_is_array(v)) {
		for (size_t i = 0; i < n; i++)
			if (!cap_value_is_object(cap_value_array_get(v, i)))
				goto bad;
		for (size_t i = n; i-- > 0;)
			merge_object(f, cap_value_array_get(v, i));
	} else if (cap_value_is_object(v)) {
		merge_object(f, v);
	} else {
		goto bad;
	}
	cap_value_free(v);
	return 0;
bad:
	cap_value_free(v);
	return fail_at(p, CAP_EINVALID, f->key_line, f->key_column,
		       "map merge requires map or sequence of maps as the value");
}

/* Places a complete value in the open container, or makes it the document's root. Steals v. */
static int add_value(struct parser *p, cap_value *v)
{
	struct frame *f = top(p);
	if (!f) {
		cap_value_free(p->root);
		p->root = v;
		return 0;
	}
	if (!f->is_map)
		return cap_value_array_append(f->node, v);
	f->have_key = false;
	if (f->key_is_merge)
		return add_merge(p, f, v);
	/* one hash lookup per key: a set that does not grow the object replaced an existing key */
	size_t before = cap_value_object_len(f->node);
	cap_value_object_setn(f->node, f->key.ptr, f->key.len, v);
	if (cap_value_object_len(f->node) > before) {
		remember_key_line(f, f->key_line);
		return 0;
	}
	size_t *first = &f->key_lines[key_index(f->node, f->key.ptr, f->key.len)];
	/* a key that came from `<<` may be written again; one written twice is an error */
	if (*first && !(p->flags & CAP_YAML_DUPLICATE_KEYS_LAST_WINS))
		return fail_at(p, CAP_EINVALID, f->key_line, f->key_column,
			       "mapping key \"%.*s\" already defined at line %zu",
			       (int)(f->key.len > 200 ? 200 : f->key.len), f->key.ptr, *first);
	if (!*first)
		*first = f->key_line;
	return 0;
}

/* Sets the pending key of the mapping on top from a resolved scalar. */
static int set_key(struct parser *p, struct frame *f, const cap_yaml_scalar *s, const char *text,
		   size_t len, yaml_mark_t mark)
{
	cap_buf_clear(&f->key);
	if (cap_yaml_scalar_key(&f->key, s, text, len) != 0)
		return fail_mark(p, CAP_EINVALID, mark, "%s", cap_error_last());
	if (memchr(f->key.ptr, '\0', f->key.len))
		return fail_mark(p, CAP_EINVALID, mark, "mapping key contains a NUL character");
	f->have_key = true;
	f->key_is_merge = false;
	f->key_line = mark.line + 1;
	f->key_column = mark.column + 1;
	return 0;
}

static cap_value *scalar_value(const cap_yaml_scalar *s, const char *text, size_t len)
{
	switch (s->kind) {
	case CAP_VALUE_NULL:
		return cap_value_null();
	case CAP_VALUE_BOOL:
		return cap_value_bool(s->b);
	case CAP_VALUE_INT:
		return cap_value_int(s->i);
	case CAP_VALUE_REAL:
		return cap_value_real(s->d);
	default:
		return cap_value_stringn(text, len);
	}
}

static int on_scalar(struct parser *p, const yaml_event_t *ev)
{
	const char *text = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	struct frame *f = top(p);
	cap_yaml_scalar s;

	if (tag) {
		if (cap_yaml_scalar_resolve_tagged(&s, &p->decoded, tag, text, len) != 0)
			return fail_mark(p, CAP_EINVALID, ev->start_mark, "%s", cap_error_last());
		if (!strcmp(tag, "tag:yaml.org,2002:binary")) {
			text = p->decoded.ptr;
			len = p->decoded.len;
		}
	} else if (ev->data.scalar.plain_implicit) {
		cap_yaml_scalar_resolve(&s, text, len);
	} else {
		memset(&s, 0, sizeof(s));
		s.kind = CAP_VALUE_STRING;
	}

	if (f && f->is_map && !f->have_key) {
		bool merge = len == 2 && !memcmp(text, "<<", 2) &&
			     (ev->data.scalar.plain_implicit || (tag && !strcmp(tag, MERGE_TAG)));
		if (merge) {
			f->have_key = true;
			f->key_is_merge = true;
			f->key_line = ev->start_mark.line + 1;
			f->key_column = ev->start_mark.column + 1;
			return 0;
		}
		if (ev->data.scalar.anchor) {
			cap_value *k = scalar_value(&s, text, len);
			register_anchor(p, (const char *)ev->data.scalar.anchor, k);
			cap_value_free(k);
		}
		return set_key(p, f, &s, text, len, ev->start_mark);
	}
	if (s.kind == CAP_VALUE_REAL && !isfinite(s.d))
		return fail_mark(p, CAP_EINVALID, ev->start_mark,
				 "value '%.*s' is not a finite number, which JSON cannot hold",
				 (int)(len > 64 ? 64 : len), text);
	cap_value *v = scalar_value(&s, text, len);
	register_anchor(p, (const char *)ev->data.scalar.anchor, v);
	return add_value(p, v);
}

static int on_alias(struct parser *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	cap_value *target = cap_value_object_get(p->anchors, name);
	if (!target)
		return fail_mark(p, CAP_EINVALID, ev->start_mark, "unknown anchor '%s' referenced",
				 name);
	size_t n = count_nodes(target);
	if (n > p->limits->max_alias_nodes - p->alias_nodes ||
	    p->alias_nodes > p->limits->max_alias_nodes)
		return fail_mark(p, CAP_ELIMIT, ev->start_mark,
				 "aliases expand to more than %zu nodes (alias '%s')",
				 p->limits->max_alias_nodes, name);
	p->alias_nodes += n;
	struct frame *f = top(p);
	if (f && f->is_map && !f->have_key) {
		cap_yaml_scalar s = {.kind = cap_value_kind_of(target)};
		if (s.kind == CAP_VALUE_ARRAY || s.kind == CAP_VALUE_OBJECT)
			return fail_mark(p, CAP_EINVALID, ev->start_mark,
					 "invalid map key: alias '%s' is a %s", name,
					 cap_value_kind_name(s.kind));
		s.b = cap_value_get_bool(target);
		s.i = cap_value_get_int(target);
		s.d = cap_value_get_real(target);
		return set_key(p, f, &s, cap_value_get_string(target), cap_value_string_len(target),
			       ev->start_mark);
	}
	cap_value *copy = cap_value_is_array(target) || cap_value_is_object(target)
			      ? cap_value_deep_copy(target)
			      : cap_value_ref(target);
	return add_value(p, copy);
}

static int on_start(struct parser *p, const yaml_event_t *ev, bool is_map)
{
	struct frame *f = top(p);
	if (f && f->is_map && !f->have_key)
		return fail_mark(p, CAP_EINVALID, ev->start_mark,
				 "invalid map key: a %s cannot be a key",
				 is_map ? "mapping" : "sequence");
	if (p->depth >= p->limits->max_depth)
		return fail_mark(p, CAP_ELIMIT, ev->start_mark, "nesting deeper than %u levels",
				 p->limits->max_depth);
	if (p->depth == p->frames_cap) {
		p->frames_cap = p->frames_cap ? p->frames_cap * 2 : 16;
		p->frames = cap_realloc(p->frames, p->frames_cap * sizeof(*p->frames));
	}
	f = &p->frames[p->depth++];
	memset(f, 0, sizeof(*f));
	cap_buf_init(&f->key);
	f->is_map = is_map;
	f->node = is_map ? cap_value_object() : cap_value_array();
	const yaml_char_t *anchor =
	    is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	if (anchor)
		f->anchor = cap_strdup((const char *)anchor);
	return 0;
}

static int on_end(struct parser *p)
{
	struct frame *f = top(p);
	cap_value *node = f->node;
	f->node = NULL;
	register_anchor(p, f->anchor, node);
	frame_release(f);
	p->depth--;
	return add_value(p, node);
}

static int on_event(struct parser *p, const yaml_event_t *ev, cap_value *docs)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		parser_reset_document(p);
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		if (p->root && !cap_value_is_null(p->root)) {
			cap_value_array_append(docs, p->root);
			p->root = NULL;
		}
		parser_reset_document(p);
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(p, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(p, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(p, ev, false);
	case YAML_MAPPING_START_EVENT:
		return on_start(p, ev, true);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(p);
	default:
		return 0;
	}
}

int cap_yaml_parse_stream(cap_value **out_docs, const char *text, size_t len, const char *source,
			  const cap_parse_limits *limits)
{
	return cap_yaml_parse_stream_ext(out_docs, text, len, source, limits, 0);
}

int cap_yaml_parse_stream_ext(cap_value **out_docs, const char *text, size_t len,
			      const char *source, const cap_parse_limits *limits, unsigned flags)
{
	struct parser p = {
	    .flags = flags,
	    .source = source ? source : "<input>",
	    .text = text,
	    .len = len,
	    .limits = limits ? limits : &cap_parse_limits_default,
	};
	if (len > p.limits->max_bytes)
		return cap_error_set(CAP_ELIMIT,
				     "cannot parse '%s': %zu bytes is more than the limit of %zu",
				     p.source, len, p.limits->max_bytes);
	yaml_parser_t yp;
	if (!yaml_parser_initialize(&yp)) {
		fprintf(stderr, "fatal: out of memory in the YAML parser\n");
		abort();
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	p.anchors = cap_value_object();
	cap_buf_init(&p.decoded);
	cap_value *docs = cap_value_array();
	int rc = 0;
	for (bool done = false; !done && rc == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&yp, &ev)) {
			rc = fail_libyaml(&p, &yp);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = on_event(&p, &ev, docs);
		yaml_event_delete(&ev);
	}
	parser_reset_document(&p);
	free(p.frames);
	cap_value_free(p.anchors);
	cap_buf_release(&p.decoded);
	yaml_parser_delete(&yp);
	if (rc) {
		cap_value_free(docs);
		return rc;
	}
	*out_docs = docs;
	return 0;
}

int cap_yaml_parse(cap_value **out, const char *text, size_t len, const char *source,
		   const cap_parse_limits *limits)
{
	cap_value *docs;
	int rc = cap_yaml_parse_stream(&docs, text, len, source, limits);
	if (rc)
		return rc;
	size_t n = cap_value_array_len(docs);
	if (n > 1) {
		cap_value_free(docs);
		return cap_error_set(CAP_EINVALID,
				     "cannot parse '%s': expected one YAML document, found %zu",
				     source ? source : "<input>", n);
	}
	*out = n ? cap_value_ref(cap_value_array_get(docs, 0)) : cap_value_null();
	cap_value_free(docs);
	return 0;
}

int cap_yaml_parse_file(cap_value **out_docs, const char *path, const cap_parse_limits *limits)
{
	cap_buf text = CAP_BUF_INIT;
	int rc = cap_buf_read_file(&text, path);
	if (rc == 0)
		rc = cap_yaml_parse_stream(out_docs, text.ptr, text.len, path, limits);
	cap_buf_release(&text);
	return rc;
}
