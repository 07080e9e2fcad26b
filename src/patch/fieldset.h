/* cap_fieldset: a set of field paths (server-side apply ownership), in and out of FieldsV1. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "value/value.h"

/*
 * A set of paths into an object, stored as a tree whose edges are path elements written as
 * FieldsV1 writes them: "f:<field>", "k:<JSON object of the key fields>" for an item of an
 * associative list, "v:<JSON value>" for an item of a set, "i:<index>" for a positional item.
 * A node is a member when its own path is in the set (FieldsV1 writes "." for it, or an empty
 * object for a member without children). Children are kept sorted by element text, so two equal
 * sets print the same. A set owns its nodes; cap_fieldset_free frees the tree.
 */
typedef struct cap_fieldset cap_fieldset;

typedef struct cap_fieldset_edge {
	char *element;
	cap_fieldset *set;
} cap_fieldset_edge;

struct cap_fieldset {
	bool member;
	size_t len, cap;
	cap_fieldset_edge *kids; /* sorted by element (strcmp) */
};

cap_fieldset *cap_fieldset_new(void);
/* Frees the tree. Accepts NULL. */
void cap_fieldset_free(cap_fieldset *s);
cap_fieldset *cap_fieldset_copy(const cap_fieldset *s);

/* The child at element, or NULL. */
cap_fieldset *cap_fieldset_get(const cap_fieldset *s, const char *element);
/* The child at element, created (not a member) when absent. */
cap_fieldset *cap_fieldset_child(cap_fieldset *s, const char *element);

/* True when no path is a member. */
bool cap_fieldset_empty(const cap_fieldset *s);
/* True when some member lies strictly below s (s itself not counted). */
bool cap_fieldset_has_descendants(const cap_fieldset *s);

/* dst becomes dst ∪ src. */
void cap_fieldset_union(cap_fieldset *dst, const cap_fieldset *src);
/* dst becomes dst − src (path by path: removing a path keeps the paths below it). */
void cap_fieldset_subtract(cap_fieldset *dst, const cap_fieldset *src);
/* A new set a ∩ b. */
cap_fieldset *cap_fieldset_intersect(const cap_fieldset *a, const cap_fieldset *b);
/* Drops children that hold no member, at every depth. */
void cap_fieldset_prune(cap_fieldset *s);

/*
 * Reads a FieldsV1 value (an object of element -> object, "." marking membership) into a new
 * set. CAP_EINVALID naming the element when a key is not a valid element or a value is not an
 * object.
 */
int cap_fieldset_from_fields_v1(cap_fieldset **out, const cap_value *fields);
/* The FieldsV1 value of s: a new reference. */
cap_value *cap_fieldset_to_fields_v1(const cap_fieldset *s);

/*
 * Calls fn with each member's path, shallowest first and in element order; path is an array of
 * len elements (borrowed for the call).
 */
void cap_fieldset_walk(const cap_fieldset *s,
		       void (*fn)(const char *const *path, size_t len, void *ctx), void *ctx);

/*
 * Appends a path in the API server's text form: ".spec.replicas",
 * ".spec.containers[name=\"web\"].image", ".finalizers[=\"x\"]", ".items[3]".
 */
void cap_fieldset_path_string(cap_buf *out, const char *const *path, size_t len);
