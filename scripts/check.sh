#!/usr/bin/env bash
# Runs every CTest test of a build, shows one line per test, the output of failures, and a
# closing "N passed, N failed" that counts test cases across all suites (cmocka and e2e).
set -uo pipefail

build="${1:-build}"
shift || true
jobs="${JOBS:-$(nproc)}"
log="$build/test-output.log"

cd "$build" || exit 2
ctest -j "$jobs" -V "$@" >"test-output.log" 2>&1
rc=$?
cd - >/dev/null

# Per-test status lines, as ctest prints them.
grep -E '^ *[0-9]+/[0-9]+ Test +#' "$log" | sed 's/^ *//'

# The output of each failed test: with -V, every line of test N is prefixed "N: ".
failed_ids=$(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(Failed|Timeout|Exception|Not Run)' "$log" |
	sed -E 's/.*Test +#([0-9]+):.*/\1/')
for id in $failed_ids; do
	echo "---- output of test #$id ----"
	grep -E "^$id: " "$log" | sed -E "s/^$id: //" | tail -200
done

passed=$(grep -E '^[0-9]+: \[  PASSED  \] [0-9]+ test' "$log" | sed -E 's/.*\[  PASSED  \] ([0-9]+).*/\1/' |
	awk '{s+=$1} END {print s+0}')
failed=$(grep -E '^[0-9]+: \[  FAILED  \] [0-9]+ test' "$log" | sed -E 's/.*\[  FAILED  \] ([0-9]+).*/\1/' |
	awk '{s+=$1} END {print s+0}')
# A test program that crashed or timed out before its summary counts as one failed case.
for id in $failed_ids; do
	grep -qE "^$id: \[  FAILED  \] [0-9]+ test" "$log" || failed=$((failed + 1))
done
skipped=$(grep -E '^[0-9]+: \[  SKIPPED \] [0-9]+ test' "$log" | sed -E 's/.*\[  SKIPPED \] ([0-9]+).*/\1/' |
	awk '{s+=$1} END {print s+0}')

echo "full test output: $log"
if ((skipped)); then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
if ((rc != 0 || failed != 0)); then
	exit 1
fi
