# Oracle: every case of tests/fixtures/patch/apply_cases.json through `kubectl patch --local` and
# `capstan admin patch apply` (strategic, merge and json), requiring the same result.
source "$(dirname "$0")/../lib/e2e.sh"

if ! command -v kubectl >/dev/null || ! command -v python3 >/dev/null; then
	echo "kubectl or python3 missing: skipping"
	exit 0
fi

report_oracle_lines < <(python3 "$CAP_SOURCE_DIR/tests/lib/patch_oracle.py" check 2>&1)
((E2E_PASSED + E2E_FAILED >= 40)) || fail "oracle ran fewer than 40 cases"
