# Shell harness for end-to-end tests: source it, call check/pass/fail, and it prints a cmocka-style
# summary on exit so the suite's case count includes these checks.
set -uo pipefail

E2E_PASSED=0
E2E_FAILED=0
E2E_FAILURES=()
CAP_SOURCE_DIR="${CAP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
CAP_BIN_DIR="${CAP_BIN_DIR:-$CAP_SOURCE_DIR/build/bin}"
CAP_SHARED_DATA="${CAP_SHARED_DATA:-$CAP_SOURCE_DIR/../shared/data}"
export PATH="$CAP_SOURCE_DIR/tools/bin:$CAP_BIN_DIR:$PATH"
E2E_TMP="$(mktemp -d "${TMPDIR:-/tmp}/capstan-e2e-XXXXXX")"

pass() {
	E2E_PASSED=$((E2E_PASSED + 1))
	echo "[       OK ] $1"
}

fail() {
	E2E_FAILED=$((E2E_FAILED + 1))
	E2E_FAILURES+=("$1")
	echo "[  FAILED  ] $1${2:+: $2}"
}

# check NAME COMMAND…: passes when the command exits 0.
check() {
	local name="$1"
	shift
	local out
	if out="$("$@" 2>&1)"; then
		pass "$name"
	else
		fail "$name" "$(printf '%s' "$out" | tail -5)"
	fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [[ "$2" == "$3" ]]; then
		pass "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# report_oracle_lines: counts the lines an oracle script prints on stdin, "OK NAME" as a pass
# and "FAIL NAME: WHY" as a failure; any other line is shown as it is.
report_oracle_lines() {
	local line rest
	while IFS= read -r line; do
		case "$line" in
		OK\ *) pass "${line#OK }" ;;
		FAIL\ *)
			rest="${line#FAIL }"
			fail "${rest%%:*}" "${rest#*: }"
			;;
		*) echo "$line" ;;
		esac
	done
}

e2e_cleanup_hooks=()
e2e_on_exit() {
	local hook
	for hook in "${e2e_cleanup_hooks[@]+"${e2e_cleanup_hooks[@]}"}"; do
		eval "$hook" || true
	done
	rm -rf "$E2E_TMP"
	echo "[==========] $((E2E_PASSED + E2E_FAILED)) test(s) run."
	echo "[  PASSED  ] $E2E_PASSED test(s)."
	if ((E2E_FAILED)); then
		echo "[  FAILED  ] $E2E_FAILED test(s), listed below:"
		local f
		for f in "${E2E_FAILURES[@]}"; do
			echo "[  FAILED  ] $f"
		done
		exit 1
	fi
}
trap e2e_on_exit EXIT
