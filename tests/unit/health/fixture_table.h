/* Expectation tables for the health tests: one cmocka case per row of a "file status message" TSV.
 */
#pragma once

#include "cap_test.h"

#include "base/buf.h"
#include "base/vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row; message is NULL when the table leaves it unchecked (an empty third column). */
struct fixture_row {
	const char *file;
	const char *status;
	const char *message;
};

typedef CAP_VEC_OF(struct CMUnitTest) fixture_cases;

/* Everything the tables allocate, freed together by fixture_table_free after the run. */
static cap_vec fixture_allocs = CAP_VEC_INIT;

/*
 * Reads the table at path (lines starting with '#' and the "file" header skipped) and appends one
 * case per row running fn with the row as its state. Rows stay allocated for the whole run.
 * keep_empty_message: an empty message column means "" (checked) instead of unchecked.
 */
static inline size_t fixture_table_add(fixture_cases *cases, const char *path,
				       CMUnitTestFunction fn, int keep_empty_message)
{
	cap_buf text = CAP_BUF_INIT;
	if (cap_buf_read_file(&text, path) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	char *data = cap_buf_detach(&text, NULL); /* kept: rows point into it */
	cap_vec_push(&fixture_allocs, data);
	size_t rows = 0;
	for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#' || strncmp(line, "file\t", 5) == 0)
			continue;
		struct fixture_row *row = calloc(1, sizeof(*row));
		char *status = strchr(line, '\t');
		if (!row || !status) {
			fprintf(stderr, "%s: malformed row '%s'\n", path, line);
			exit(1);
		}
		cap_vec_push(&fixture_allocs, row);
		*status++ = '\0';
		char *message = strchr(status, '\t');
		if (message)
			*message++ = '\0';
		row->file = line;
		row->status = status;
		row->message = message && (*message || keep_empty_message)
				   ? message
				   : (keep_empty_message ? "" : NULL);
		CAP_VEC_PUSH(cases, ((struct CMUnitTest){line, fn, NULL, NULL, row}));
		rows++;
	}
	return rows;
}

/* Frees the rows of every table and the case list. */
static inline void fixture_table_free(fixture_cases *cases)
{
	cap_vec_release_with(&fixture_allocs, free);
	CAP_VEC_RELEASE(cases);
}

/*
 * Runs the fixed cases, then one case per row of the table at path (see fixture_table_add), as
 * the cmocka group name with group setup and teardown (either may be NULL). A table of fewer than
 * min_rows rows fails the run (returns 1) so that a truncated table cannot pass unnoticed.
 */
static inline int fixture_table_run(const char *name, const struct CMUnitTest *fixed,
				    size_t n_fixed, const char *path, CMUnitTestFunction fn,
				    int keep_empty_message, size_t min_rows,
				    CMFixtureFunction setup, CMFixtureFunction teardown)
{
	fixture_cases cases = CAP_VEC_INIT;
	for (size_t i = 0; i < n_fixed; i++)
		CAP_VEC_PUSH(&cases, fixed[i]);
	size_t rows = fixture_table_add(&cases, path, fn, keep_empty_message);
	if (rows < min_rows) {
		fprintf(stderr, "%s: only %zu rows\n", path, rows);
		return 1;
	}
	int rc = _cmocka_run_group_tests(name, cases.items, cases.len, setup, teardown);
	fixture_table_free(&cases);
	return rc;
}
