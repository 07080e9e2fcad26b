/* cap_value: the JSON value model every layer shares (Kubernetes objects as trees of values). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A cap_value is a reference-counted node: null, boolean, 64-bit integer, double, UTF-8 string,
 * array, or object whose keys keep insertion order. The representation is private to value/.
 *
 * Ownership rules (as in jansson, which sits underneath):
 *  - constructors and cap_value_deep_copy return a NEW reference that the caller must release
 *    with cap_value_free (which drops one reference and frees the node when none remain);
 *  - getters (cap_value_array_get, cap_value_object_get, iteration) return BORROWED references,
 *    valid while the container holds them; take your own with cap_value_ref;
 *  - setters and appends STEAL the reference to the value passed in, even when they fail, so
 *    `cap_value_object_set(o, "k", cap_value_string("v"))` never leaks.
 * Values are not thread-safe for writing; a value shared between threads must not be changed.
 * Functions taking a value accept NULL where noted and treat it as "absent".
 */
typedef struct cap_value cap_value;

typedef enum cap_value_kind {
	CAP_VALUE_NULL,
	CAP_VALUE_BOOL,
	CAP_VALUE_INT,
	CAP_VALUE_REAL,
	CAP_VALUE_STRING,
	CAP_VALUE_ARRAY,
	CAP_VALUE_OBJECT,
} cap_value_kind;

/* Limits applied by the JSON and YAML parsers to untrusted input. */
typedef struct cap_parse_limits {
	size_t max_bytes;        /* whole input size */
	unsigned max_depth;      /* nesting of arrays and objects */
	size_t max_alias_nodes;  /* YAML: nodes produced through alias expansion (billion laughs) */
} cap_parse_limits;

/* 64 MiB, depth 512, 1,000,000 nodes through aliases: used when a parser is passed NULL. */
extern const cap_parse_limits cap_parse_limits_default;

/* Constructors: each returns a new reference. Strings are copied and must be valid UTF-8. */
cap_value *cap_value_null(void);
cap_value *cap_value_bool(bool b);
cap_value *cap_value_int(int64_t i);
cap_value *cap_value_real(double d);
cap_value *cap_value_string(const char *s);
cap_value *cap_value_stringn(const char *s, size_t len);
cap_value *cap_value_array(void);
cap_value *cap_value_object(void);

/* Takes another reference to v and returns it (NULL passes through). */
cap_value *cap_value_ref(cap_value *v);
/* Drops one reference; frees the tree when it was the last. Accepts NULL. */
void cap_value_free(cap_value *v);
/* A new, unshared tree equal to v. NULL gives NULL. */
cap_value *cap_value_deep_copy(const cap_value *v);

/* Kind of v; NULL is reported as CAP_VALUE_NULL. */
cap_value_kind cap_value_kind_of(const cap_value *v);
const char *cap_value_kind_name(cap_value_kind kind);
static inline bool cap_value_is_null(const cap_value *v) { return cap_value_kind_of(v) == CAP_VALUE_NULL; }
bool cap_value_is_bool(const cap_value *v);
bool cap_value_is_int(const cap_value *v);
bool cap_value_is_real(const cap_value *v);
bool cap_value_is_number(const cap_value *v);
bool cap_value_is_string(const cap_value *v);
bool cap_value_is_array(const cap_value *v);
bool cap_value_is_object(const cap_value *v);

/* Scalar getters: false, 0, 0.0 or NULL when v is absent or of another kind. */
bool cap_value_get_bool(const cap_value *v);
int64_t cap_value_get_int(const cap_value *v);
/* An integer is converted to double. */
double cap_value_get_real(const cap_value *v);
/* The string's bytes (NUL-terminated, may contain no NUL for keys); NULL when not a string. */
const char *cap_value_get_string(const cap_value *v);
size_t cap_value_string_len(const cap_value *v);

/* Arrays. Indexes out of range give NULL / CAP_ENOTFOUND; a non-array gives CAP_EINVALID. */
size_t cap_value_array_len(const cap_value *a);
cap_value *cap_value_array_get(const cap_value *a, size_t i);
int cap_value_array_append(cap_value *a, cap_value *v);
/* Inserts before index i (i == len appends). */
int cap_value_array_insert(cap_value *a, size_t i, cap_value *v);
int cap_value_array_set(cap_value *a, size_t i, cap_value *v);
int cap_value_array_remove(cap_value *a, size_t i);
void cap_value_array_clear(cap_value *a);

/* Objects. Keys are NUL-terminated UTF-8; setting an existing key replaces it in place. */
size_t cap_value_object_len(const cap_value *o);
cap_value *cap_value_object_get(const cap_value *o, const char *key);
cap_value *cap_value_object_getn(const cap_value *o, const char *key, size_t key_len);
int cap_value_object_set(cap_value *o, const char *key, cap_value *v);
int cap_value_object_setn(cap_value *o, const char *key, size_t key_len, cap_value *v);
/* Removes key; CAP_ENOTFOUND when absent. */
int cap_value_object_del(cap_value *o, const char *key);
void cap_value_object_clear(cap_value *o);

/*
 * Object iteration in insertion order. An iterator is invalidated by removing its own key; use
 * CAP_VALUE_OBJECT_FOREACH_SAFE to delete while iterating.
 */
void *cap_value_object_iter(const cap_value *o);
void *cap_value_object_iter_next(const cap_value *o, void *iter);
const char *cap_value_object_iter_key(void *iter);
size_t cap_value_object_iter_key_len(void *iter);
cap_value *cap_value_object_iter_value(void *iter);

#define CAP_VALUE_OBJECT_FOREACH(obj, key, val)                                                    \
	for (void *cap__it = cap_value_object_iter(obj);                                          \
	     cap__it && ((key) = cap_value_object_iter_key(cap__it),                              \
			 (val) = cap_value_object_iter_value(cap__it), 1);                         \
	     cap__it = cap_value_object_iter_next((obj), cap__it))

#define CAP_VALUE_OBJECT_FOREACH_SAFE(obj, key, val)                                               \
	for (void *cap__it = cap_value_object_iter(obj),                                          \
		  *cap__next = cap__it ? cap_value_object_iter_next((obj), cap__it) : NULL;       \
	     cap__it && ((key) = cap_value_object_iter_key(cap__it),                              \
			 (val) = cap_value_object_iter_value(cap__it), 1);                         \
	     cap__it = cap__next,                                                                  \
		  cap__next = cap__it ? cap_value_object_iter_next((obj), cap__it) : NULL)

#define CAP_VALUE_ARRAY_FOREACH(arr, idx, val)                                                     \
	for ((idx) = 0; (idx) < cap_value_array_len(arr) && ((val) = cap_value_array_get((arr), (idx)), 1); \
	     (idx)++)

/*
 * Deep equality: object key order does not matter, array order does, and numbers compare by
 * value (the integer 1 equals the real 1.0, as they are one JSON number). NULL equals only NULL.
 */
bool cap_value_equal(const cap_value *a, const cap_value *b);

/*
 * A stable 64-bit hash: the same on every run and machine, independent of object key order,
 * and equal for values that cap_value_equal calls equal. Used as a cache key and for the
 * unchanged-object fast path, so it must never change between releases without a reason.
 */
uint64_t cap_value_hash(const cap_value *v);

/* Convenience lookups along a path of object keys, ending in NULL: borrowed result or NULL. */
cap_value *cap_value_dig(const cap_value *v, ...) __attribute__((sentinel));
/* The string at that path, or NULL. */
const char *cap_value_dig_string(const cap_value *v, ...) __attribute__((sentinel));
