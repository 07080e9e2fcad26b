# Oracle: a Deployment edited step by step with the real `kubectl apply` against a recording API
# stub; each strategic merge patch kubectl sends must equal `capstan admin patch create`'s.
source "$(dirname "$0")/../lib/e2e.sh"

if ! command -v kubectl >/dev/null || ! command -v python3 >/dev/null; then
	echo "kubectl or python3 missing: skipping"
	exit 0
fi

report_oracle_lines < <(python3 "$CAP_SOURCE_DIR/tests/lib/three_way_oracle.py" "$CAP_SHARED_DATA" 2>&1)
((E2E_PASSED + E2E_FAILED >= 16)) || fail "three-way oracle ran fewer than 16 steps"
