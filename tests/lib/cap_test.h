/* Shared helpers for cmocka unit tests: includes, fixture paths and temporary directories. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/buf.h"

/* Path of a file in ../shared/data (CAP_SHARED_DATA), e.g. "argocd/crds/application-crd.yaml". */
void cap_test_shared_path(cap_buf *out, const char *relative);
/* Path of a file in tests/fixtures/. */
void cap_test_fixture_path(cap_buf *out, const char *relative);
/* Reads a whole file into out; fails the test when it cannot. */
void cap_test_read_file(cap_buf *out, const char *path);
/* Makes a fresh empty directory under $TMPDIR for this test and writes its path to out. */
void cap_test_mkdtemp(cap_buf *out);
/* Removes a directory tree made by cap_test_mkdtemp. */
void cap_test_rmtree(const char *path);
/* Runs a shell command, capturing stdout into out (may be NULL); returns its exit status. */
int cap_test_run(cap_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when the named program is on PATH. */
int cap_test_have_program(const char *name);
