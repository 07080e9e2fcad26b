#!/usr/bin/env bash
# Runs every benchmark: each BUILDDIR/bench/bench_* binary, then each bench/*.sh script, printing
# their figures as they come. Benchmarks time themselves against baselines run in the same run.
#   scripts/bench.sh [BUILDDIR]
set -uo pipefail

build="${1:-build}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/tools/bin:$root/$build/bin:$PATH"
cd "$root" || exit 2

shopt -s nullglob
failed=0
ran=0
for b in "$build"/bench/bench_*; do
	[[ -f "$b" && -x "$b" ]] || continue
	echo "== $(basename "$b")"
	if ! "$b"; then
		echo "!! $(basename "$b") failed"
		failed=$((failed + 1))
	fi
	ran=$((ran + 1))
done
for s in bench/bench_*.sh; do
	echo "== $(basename "$s")"
	if ! BUILD="$build" bash "$s" "$build"; then
		echo "!! $(basename "$s") failed"
		failed=$((failed + 1))
	fi
	ran=$((ran + 1))
done
if ((ran == 0)); then
	echo "no benchmarks found in $build/bench or bench/ (build first: make)" >&2
	exit 2
fi
echo "$ran benchmark(s) run, $failed failed"
exit $((failed ? 1 : 0))
