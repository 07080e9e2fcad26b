#!/usr/bin/env bash
# make demo without a terminal: scripts/demo.sh walks the daily loop with capstan run and the
# capstan app commands against drydock, exits 0, says Synced, Healthy, the self-heal revert and
# the Degraded deploy, and leaves no process or work directory behind.
source "$(dirname "$0")/../lib/e2e.sh"

if [[ ! -x "$CAP_BIN_DIR/drydock" || ! -x "$CAP_BIN_DIR/capstan" ]] || ! command -v kubectl >/dev/null ||
	! command -v git >/dev/null; then
	echo "drydock, capstan, kubectl or git missing; skipping"
	exit 0
fi

OUT="$E2E_TMP/demo.out"
started=$SECONDS
TMPDIR="$E2E_TMP" timeout 170 "$CAP_SOURCE_DIR/scripts/demo.sh" "$(dirname "$CAP_BIN_DIR")" \
	</dev/null >"$OUT" 2>&1
rc=$?
took=$((SECONDS - started))
check_eq "demo exits 0 without a terminal" 0 "$rc"
((rc == 0)) || tail -40 "$OUT"
check "well under two minutes ($took s)" test "$took" -lt 100

has() { grep -Eq "$1" "$OUT"; }
check "controller runs in the background" has '^\$ capstan run --resync 5s .*&$'
check "new app is OutOfSync" has '^Sync Status: +OutOfSync from main'
check "new app is Missing" has '^Health Status: +Missing$'
check "diff shows the Deployment" has '^===== apps/Deployment demo/web ======$'
check "sync succeeds" has '^Message: +successfully synced \(all tasks run\)$'
check "app becomes Synced" has '^Sync Status: +Synced to main'
check "app becomes Healthy" has '^Health Status: +Healthy$'
check "app wait reaches the desired state" has "^application 'web' reached the desired state$"
check "v2 shows in the diff" has '^> +image: registry.example/web:1.1$'
check "history lists the syncs" has '^1 +[0-9T:Z-]+ +main \([0-9a-f]{40}\)$'
check "rollback runs v1" has '^registry.example/web:1.0$'
check "auto-sync is on" has '^Sync Policy: +Automated \(Prune\)$'
check "self-heal reverts kubectl scale" has '^-- reverted to 2 replicas by self-heal after [0-9.]+s$'
check "the crashing deploy is Degraded" has '^Health Status: +Degraded$'
check "Degraded while Synced" grep -Eq '^apps +Deployment +demo +web +Synced +Degraded' "$OUT"
check_eq "the walk ends" "demo finished" "$(tail -1 "$OUT")"
"$CAP_SOURCE_DIR/scripts/demo.sh" "$E2E_TMP/nowhere" </dev/null >"$E2E_TMP/bad.out" 2>&1
check_eq "a directory without binaries is refused" 1 "$?"
check "and says so" grep -q "no capstan and drydock binaries in $E2E_TMP/nowhere" "$E2E_TMP/bad.out"
check_eq "no process left behind" "" "$(pgrep -af "$E2E_TMP/capstan-demo-" || true)"
check_eq "work directory removed" "" "$(find "$E2E_TMP" -maxdepth 1 -name 'capstan-demo-*')"
