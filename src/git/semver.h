/* Semver versions and constraints by the Masterminds rules Argo CD uses for targetRevision. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"

/*
 * A parsed version: "v1.2.3-rc.1+build" (the leading v, missing minor or patch are accepted, as
 * Masterminds' NewVersion does). prerelease and metadata point into the parsed text's copy held
 * by the struct. Release with cap_semver_release.
 */
typedef struct cap_semver {
	uint64_t major, minor, patch;
	char *prerelease; /* "" when none; owned */
	char *metadata;	  /* "" when none; owned */
} cap_semver;

/* Parses text; CAP_EINVALID when it is not a version. */
int cap_semver_parse(cap_semver *out, const char *text);
void cap_semver_release(cap_semver *v);
/* <0, 0, >0 by semver precedence (a version without prerelease ranks above one with). */
int cap_semver_compare(const cap_semver *a, const cap_semver *b);

/*
 * A constraint: OR groups ("||") of AND lists (separated by spaces or commas) of comparisons
 * (=, !=, >, <, >=, <=, ~, ~>, ^, x, X and * wildcards, partial versions, "1.2 - 1.4.5" ranges).
 * Versions with a prerelease match only comparisons that carry a prerelease themselves.
 */
typedef struct cap_semver_constraint cap_semver_constraint;

/* Parses text into a new constraint (free with cap_semver_constraint_free); CAP_EINVALID if not
 * one. */
int cap_semver_constraint_parse(cap_semver_constraint **out, const char *text);
void cap_semver_constraint_free(cap_semver_constraint *c);
bool cap_semver_constraint_check(const cap_semver_constraint *c, const cap_semver *v);
