#!/usr/bin/env bash
# capstan admin diff against objects a Kubernetes API (drydock) really stored after kubectl apply:
# applied manifests compare equal, drift shows, server-side dry-run answers feed server-side diff.
source "$(dirname "$0")/../lib/e2e.sh"

FIX="$CAP_SOURCE_DIR/tests/fixtures/diff/drydock"
DRYDOCK="$CAP_BIN_DIR/drydock"
if [[ ! -x "$DRYDOCK" ]] || ! command -v kubectl >/dev/null; then
	echo "drydock or kubectl missing; skipping"
	exit 0
fi

KC="$E2E_TMP/kubeconfig"
"$DRYDOCK" --kubeconfig "$KC" --controller-delay-ms 100 2>"$E2E_TMP/drydock.log" &
DD_PID=$!
e2e_cleanup_hooks+=("kill $DD_PID 2>/dev/null; wait $DD_PID 2>/dev/null")
for _ in $(seq 100); do
	[[ -s "$KC" ]] && break
	sleep 0.05
done
export KUBECONFIG="$KC"
k() { kubectl --cache-dir "$E2E_TMP/cache" "$@"; }
live() { k get -n default configmap/shop-config secret/shop-db deployment/shop service/shop -o yaml --show-managed-fields; }

# exit status NAME WANT COMMAND…: passes when the command exits with WANT.
status_is() {
	local name="$1" want="$2"
	shift 2
	"$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	local rc=$?
	check_eq "$name" "$want" "$rc"
	if [[ "$rc" != "$want" ]]; then
		head -40 "$E2E_TMP/out" "$E2E_TMP/err"
	fi
}

check "kubectl apply" k apply -f "$FIX/app.yaml"
live >"$E2E_TMP/live.yaml"
status_is "applied manifests equal what the API stored" 0 capstan admin diff "$FIX/app.yaml" "$E2E_TMP/live.yaml"

# Fields the API server or controllers own (status, defaults, clusterIP) never count; a
# label added by someone else is live-only and does not count either.
check "label added out of band" k label -n default deployment/shop team=payments
live >"$E2E_TMP/live.yaml"
status_is "live-only label is not drift" 0 capstan admin diff "$FIX/app.yaml" "$E2E_TMP/live.yaml"

# Drift: replicas and a ConfigMap value changed in the cluster.
check "scale out of band" k scale -n default deployment/shop --replicas=5
check "edit the configmap out of band" k patch -n default configmap/shop-config --type merge -p '{"data":{"retries":"9"}}'
live >"$E2E_TMP/live.yaml"
status_is "drift is reported" 1 capstan admin diff "$FIX/app.yaml" "$E2E_TMP/live.yaml"
check "drift shows replicas" grep -qx '<   replicas: 5' "$E2E_TMP/out"
check "drift shows the configmap value" grep -qx '<   retries: "9"' "$E2E_TMP/out"
status_is "ignoreDifferences hides replicas but not the configmap" 1 capstan admin diff --ignore-differences <(printf -- '- {group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}\n') "$FIX/app.yaml" "$E2E_TMP/live.yaml"
check "only the configmap is left" bash -c "! grep -q replicas '$E2E_TMP/out' && grep -q retries '$E2E_TMP/out'"

# A changed manifest: removing an env var that was applied shows as a deletion.
sed '/- name: MODE/,/key: mode/d' "$FIX/app.yaml" >"$E2E_TMP/app-v2.yaml"
check "re-apply restores the manifests" k apply -f "$FIX/app.yaml"
live >"$E2E_TMP/live.yaml"
status_is "manifests match again" 0 capstan admin diff "$FIX/app.yaml" "$E2E_TMP/live.yaml"
status_is "removed env var is a difference" 1 capstan admin diff "$E2E_TMP/app-v2.yaml" "$E2E_TMP/live.yaml"
check "diff shows the env var going" grep -q '^<         - name: MODE' "$E2E_TMP/out"
check "secret values stay masked" bash -c "! grep -Eq 'hunter2|aHVudGVyMg' '$E2E_TMP/out'"

# Server-side diff fed by the API server's dry-run answer.
k apply --server-side --force-conflicts --field-manager argocd-controller --dry-run=server --show-managed-fields \
	-f "$E2E_TMP/app-v2.yaml" -o yaml >"$E2E_TMP/predicted.yaml" 2>"$E2E_TMP/err"
check "server-side dry run answers" test -s "$E2E_TMP/predicted.yaml"
status_is "server-side diff sees the env var go" 1 capstan admin diff --server-side-diff --include-mutation-webhook --predicted-live "$E2E_TMP/predicted.yaml" "$E2E_TMP/app-v2.yaml" "$E2E_TMP/live.yaml"
status_is "webhook filtering keeps the apply's own deletion" 1 capstan admin diff --server-side-diff --predicted-live "$E2E_TMP/predicted.yaml" "$E2E_TMP/app-v2.yaml" "$E2E_TMP/live.yaml"
k apply --server-side --force-conflicts --field-manager argocd-controller --dry-run=server --show-managed-fields \
	-f "$FIX/app.yaml" -o yaml >"$E2E_TMP/predicted-same.yaml" 2>"$E2E_TMP/err"
status_is "server-side diff of the applied manifests is empty" 0 capstan admin diff --server-side-diff --include-mutation-webhook --predicted-live "$E2E_TMP/predicted-same.yaml" "$FIX/app.yaml" "$E2E_TMP/live.yaml"
status_is "with webhook filtering too" 0 capstan admin diff --server-side-diff --predicted-live "$E2E_TMP/predicted-same.yaml" "$FIX/app.yaml" "$E2E_TMP/live.yaml"
