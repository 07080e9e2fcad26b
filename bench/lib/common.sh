# What the shell benchmarks share: the build's binaries on PATH, a work directory, processes
# stopped on exit, and timing helpers. Source it first: it reads the build folder from $1 or
# $BUILD (default build) and sets root, bin, work and pids.
set -uo pipefail

build="${1:-${BUILD:-build}}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/$build/bin"
export PATH="$root/tools/bin:$bin:$PATH"
work="$(mktemp -d "${TMPDIR:-/tmp}/capstan-bench-XXXXXX")"
# pids: processes the benchmark started; each is stopped on exit, then work is removed
pids=()
cleanup() {
	for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
# now: the time in seconds with fractions; since T: seconds elapsed since T
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
