#!/usr/bin/env bash
# Runs every libFuzzer target in a folder for a while each, seeded from tests/fuzz/corpus/<name>
# (with tests/fuzz/<name>.dict as its dictionary when there is one), prints one result line per
# target, and exits non-zero when any target found a crash.
#   scripts/fuzz.sh BUILD_FUZZ_DIR SECONDS
# The seed corpus is copied to a scratch folder, so new inputs never land in the repository;
# findings are kept in BUILD_FUZZ_DIR/findings/<name>/ with the log of the run.
set -uo pipefail

dir="${1:?usage: scripts/fuzz.sh BUILD_FUZZ_DIR SECONDS}"
seconds="${2:-60}"
max_len="${FUZZ_MAX_LEN:-8192}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/capstan-fuzz-XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

shopt -s nullglob
targets=("$dir"/fuzz_*)
if ((${#targets[@]} == 0)); then
	echo "no fuzz targets in $dir" >&2
	exit 2
fi

failed=0
for bin in "${targets[@]}"; do
	[[ -x "$bin" && -f "$bin" ]] || continue
	target="$(basename "$bin")"
	name="${target#fuzz_}"
	corpus="$scratch/$name"
	findings="$dir/findings/$name"
	mkdir -p "$corpus" "$findings"
	seeds="$root/tests/fuzz/corpus/$name"
	[[ -d "$seeds" ]] && cp -R "$seeds"/. "$corpus"/
	log="$findings/run.log"
	dict=()
	[[ -f "$root/tests/fuzz/$name.dict" ]] && dict=(-dict="$root/tests/fuzz/$name.dict")
	"$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$findings/" "${dict[@]+"${dict[@]}"}" \
		"$corpus" >"$log" 2>&1
	rc=$?
	runs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)"
	cov="$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')"
	units="$(find "$corpus" -type f | wc -l)"
	if ((rc == 0)); then
		printf '%-24s ok      %s runs in %ss, coverage %s, corpus %s inputs\n' "$target" \
			"${runs:-?}" "$seconds" "${cov:-?}" "$units"
	else
		failed=$((failed + 1))
		artifact="$(grep -Eo "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/.*to //')"
		printf '%-24s FOUND   exit %s, input %s, log %s\n' "$target" "$rc" "${artifact:-none}" "$log"
		grep -E '^(==[0-9]+==ERROR|fuzz_[a-z_]+:|SUMMARY)' "$log" | head -3 | sed 's/^/    /'
	fi
done
exit $((failed ? 1 : 0))
