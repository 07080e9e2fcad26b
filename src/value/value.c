/* The value model's nodes, built on jansson (kept private to value/). */
#include "value/value.h"

#include "base/error.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

#define J(v) ((json_t *)(v))
#define V(j) ((cap_value *)(j))

const cap_parse_limits cap_parse_limits_default = {
	.max_bytes = 64u << 20,
	.max_depth = 512,
	.max_alias_nodes = 1000000,
};

/* jansson returns NULL only when allocation fails; Capstan aborts then (see base/alloc.h). */
static cap_value *checked(json_t *j)
{
	if (!j) {
		fprintf(stderr, "fatal: out of memory in the value model\n");
		abort();
	}
	return V(j);
}

cap_value *cap_value_null(void)
{
	return V(json_null());
}

cap_value *cap_value_bool(bool b)
{
	return V(json_boolean(b));
}

cap_value *cap_value_int(int64_t i)
{
	return checked(json_integer((json_int_t)i));
}

cap_value *cap_value_real(double d)
{
	/* jansson refuses NaN and infinities; JSON cannot carry them, so they become null. */
	json_t *j = json_real(d);
	return j ? V(j) : V(json_null());
}

cap_value *cap_value_string(const char *s)
{
	return cap_value_stringn(s, strlen(s));
}

cap_value *cap_value_stringn(const char *s, size_t len)
{
	json_t *j = json_stringn_nocheck(s, len);
	return checked(j);
}

cap_value *cap_value_array(void)
{
	return checked(json_array());
}

cap_value *cap_value_object(void)
{
	return checked(json_object());
}

cap_value *cap_value_ref(cap_value *v)
{
	return v ? V(json_incref(J(v))) : NULL;
}

void cap_value_free(cap_value *v)
{
	if (v)
		json_decref(J(v));
}

cap_value *cap_value_deep_copy(const cap_value *v)
{
	return v ? V(json_deep_copy(J(v))) : NULL;
}

cap_value_kind cap_value_kind_of(const cap_value *v)
{
	if (!v)
		return CAP_VALUE_NULL;
	switch (json_typeof(J(v))) {
	case JSON_OBJECT: return CAP_VALUE_OBJECT;
	case JSON_ARRAY: return CAP_VALUE_ARRAY;
	case JSON_STRING: return CAP_VALUE_STRING;
	case JSON_INTEGER: return CAP_VALUE_INT;
	case JSON_REAL: return CAP_VALUE_REAL;
	case JSON_TRUE:
	case JSON_FALSE: return CAP_VALUE_BOOL;
	case JSON_NULL:
	default: return CAP_VALUE_NULL;
	}
}

const char *cap_value_kind_name(cap_value_kind kind)
{
	static const char *names[] = {"null", "boolean", "integer", "number", "string", "array", "object"};
	return kind <= CAP_VALUE_OBJECT ? names[kind] : "unknown";
}

bool cap_value_is_bool(const cap_value *v) { return v && json_is_boolean(J(v)); }
bool cap_value_is_int(const cap_value *v) { return v && json_is_integer(J(v)); }
bool cap_value_is_real(const cap_value *v) { return v && json_is_real(J(v)); }
bool cap_value_is_number(const cap_value *v) { return v && json_is_number(J(v)); }
bool cap_value_is_string(const cap_value *v) { return v && json_is_string(J(v)); }
bool cap_value_is_array(const cap_value *v) { return v && json_is_array(J(v)); }
bool cap_value_is_object(const cap_value *v) { return v && json_is_object(J(v)); }

bool cap_value_get_bool(const cap_value *v)
{
	return v && json_is_true(J(v));
}

int64_t cap_value_get_int(const cap_value *v)
{
	return v && json_is_integer(J(v)) ? (int64_t)json_integer_value(J(v)) : 0;
}

double cap_value_get_real(const cap_value *v)
{
	return v ? json_number_value(J(v)) : 0.0;
}

const char *cap_value_get_string(const cap_value *v)
{
	return v ? json_string_value(J(v)) : NULL;
}

size_t cap_value_string_len(const cap_value *v)
{
	return v ? json_string_length(J(v)) : 0;
}

size_t cap_value_array_len(const cap_value *a)
{
	return a ? json_array_size(J(a)) : 0;
}

cap_value *cap_value_array_get(const cap_value *a, size_t i)
{
	return a ? V(json_array_get(J(a), i)) : NULL;
}

static int not_container(cap_value *v, const char *what)
{
	cap_value_free(v);
	return cap_error_set(CAP_EINVALID, "value is not %s", what);
}

int cap_value_array_append(cap_value *a, cap_value *v)
{
	if (!cap_value_is_array(a))
		return not_container(v, "an array");
	json_array_append_new(J(a), J(v));
	return 0;
}

int cap_value_array_insert(cap_value *a, size_t i, cap_value *v)
{
	if (!cap_value_is_array(a))
		return not_container(v, "an array");
	if (i > json_array_size(J(a))) {
		cap_value_free(v);
		return cap_error_set(CAP_ENOTFOUND, "array index %zu out of range", i);
	}
	json_array_insert_new(J(a), i, J(v));
	return 0;
}

int cap_value_array_set(cap_value *a, size_t i, cap_value *v)
{
	if (!cap_value_is_array(a))
		return not_container(v, "an array");
	if (i >= json_array_size(J(a))) {
		cap_value_free(v);
		return cap_error_set(CAP_ENOTFOUND, "array index %zu out of range", i);
	}
	json_array_set_new(J(a), i, J(v));
	return 0;
}

int cap_value_array_remove(cap_value *a, size_t i)
{
	if (!cap_value_is_array(a))
		return cap_error_set(CAP_EINVALID, "value is not an array");
	if (json_array_remove(J(a), i))
		return cap_error_set(CAP_ENOTFOUND, "array index %zu out of range", i);
	return 0;
}

void cap_value_array_clear(cap_value *a)
{
	if (cap_value_is_array(a))
		json_array_clear(J(a));
}

size_t cap_value_object_len(const cap_value *o)
{
	return o ? json_object_size(J(o)) : 0;
}

cap_value *cap_value_object_get(const cap_value *o, const char *key)
{
	return o ? V(json_object_get(J(o), key)) : NULL;
}

cap_value *cap_value_object_getn(const cap_value *o, const char *key, size_t key_len)
{
	return o ? V(json_object_getn(J(o), key, key_len)) : NULL;
}

int cap_value_object_set(cap_value *o, const char *key, cap_value *v)
{
	return cap_value_object_setn(o, key, strlen(key), v);
}

int cap_value_object_setn(cap_value *o, const char *key, size_t key_len, cap_value *v)
{
	if (!cap_value_is_object(o))
		return not_container(v, "an object");
	json_object_setn_new_nocheck(J(o), key, key_len, J(v));
	return 0;
}

int cap_value_object_del(cap_value *o, const char *key)
{
	if (!cap_value_is_object(o))
		return cap_error_set(CAP_EINVALID, "value is not an object");
	if (json_object_del(J(o), key))
		return cap_error_set(CAP_ENOTFOUND, "key '%s' not found", key);
	return 0;
}

void cap_value_object_clear(cap_value *o)
{
	if (cap_value_is_object(o))
		json_object_clear(J(o));
}

void *cap_value_object_iter(const cap_value *o)
{
	return cap_value_is_object(o) ? json_object_iter(J(o)) : NULL;
}

void *cap_value_object_iter_next(const cap_value *o, void *iter)
{
	return json_object_iter_next(J(o), iter);
}

const char *cap_value_object_iter_key(void *iter)
{
	return json_object_iter_key(iter);
}

size_t cap_value_object_iter_key_len(void *iter)
{
	return json_object_iter_key_len(iter);
}

cap_value *cap_value_object_iter_value(void *iter)
{
	return V(json_object_iter_value(iter));
}

bool cap_value_equal(const cap_value *a, const cap_value *b)
{
	if (a == b)
		return true;
	if (!a || !b)
		return false;
	cap_value_kind ka = cap_value_kind_of(a), kb = cap_value_kind_of(b);
	if ((ka == CAP_VALUE_INT || ka == CAP_VALUE_REAL) && (kb == CAP_VALUE_INT || kb == CAP_VALUE_REAL)) {
		if (ka == CAP_VALUE_INT && kb == CAP_VALUE_INT)
			return cap_value_get_int(a) == cap_value_get_int(b);
		return cap_value_get_real(a) == cap_value_get_real(b);
	}
	if (ka != kb)
		return false;
	switch (ka) {
	case CAP_VALUE_NULL: return true;
	case CAP_VALUE_BOOL: return cap_value_get_bool(a) == cap_value_get_bool(b);
	case CAP_VALUE_STRING:
		return cap_value_string_len(a) == cap_value_string_len(b) &&
		       memcmp(cap_value_get_string(a), cap_value_get_string(b), cap_value_string_len(a)) == 0;
	case CAP_VALUE_ARRAY: {
		size_t n = cap_value_array_len(a);
		if (n != cap_value_array_len(b))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!cap_value_equal(cap_value_array_get(a, i), cap_value_array_get(b, i)))
				return false;
		return true;
	}
	case CAP_VALUE_OBJECT: {
		if (cap_value_object_len(a) != cap_value_object_len(b))
			return false;
		const char *key;
		cap_value *va;
		CAP_VALUE_OBJECT_FOREACH(a, key, va)
		{
			cap_value *vb = cap_value_object_getn(b, key, cap_value_object_iter_key_len(cap__it));
			if (!vb || !cap_value_equal(va, vb))
				return false;
		}
		return true;
	}
	default: return false;
	}
}

static cap_value *vdig(const cap_value *v, va_list ap)
{
	const char *key;
	while (v && (key = va_arg(ap, const char *)))
		v = cap_value_object_get(v, key);
	return (cap_value *)v;
}

cap_value *cap_value_dig(const cap_value *v, ...)
{
	va_list ap;
	va_start(ap, v);
	cap_value *r = vdig(v, ap);
	va_end(ap);
	return r;
}

const char *cap_value_dig_string(const cap_value *v, ...)
{
	va_list ap;
	va_start(ap, v);
	cap_value *r = vdig(v, ap);
	va_end(ap);
	return cap_value_get_string(r);
}
