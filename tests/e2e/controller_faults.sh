# capstan run with 50 apps against a flaky API server (drydock --faults): 5% of all requests
# answered 500 and 5% of watch batches dropped. Refreshes and status writes are retried, sync
# retries (syncPolicy.retry) get past failed writes, every app still ends Synced and Healthy, and
# no operation is recorded twice in an app's history.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools

WAIT_POLL=0.2
start_drydock --controller-delay-ms 100 --faults "500=5%,watch:drop=5%,seed=11"
check "admin install (retried)" wait_until 60 capstan admin install --kubeconfig "$KC"

REPO="$E2E_TMP/repo"
git init -q -b main "$REPO"
cp -r "$CAP_SOURCE_DIR/examples/web" "$REPO/web"
git -C "$REPO" add -A
git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid commit -qm v1

APPS=50
for i in $(seq 1 "$APPS"); do
	cat <<EOF
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web-$i, namespace: argocd}
spec:
  project: default
  source: {repoURL: "file://$REPO", path: web, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: web-$i}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
    retry: {limit: 10, backoff: {duration: 1s, factor: 1}}
EOF
done >"$E2E_TMP/apps.yaml"
check "create applications (retried)" wait_until 60 kubectl --cache-dir "$E2E_TMP/kcache" apply -f "$E2E_TMP/apps.yaml"

capstan run --kubeconfig "$KC" --resync 5s --listen "" >"$E2E_TMP/capstan.log" 2>&1 &
cap_pid=$!
e2e_cleanup_hooks+=("kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")

# Synced and Healthy with its operation done: an app whose first attempt applied everything
# looks Synced and Healthy while a retry of its operation is still pending, and history is only
# written when the operation succeeds.
all_healthy() {
	local n
	n="$(kubectl --cache-dir "$E2E_TMP/kcache" get applications -n argocd -o \
		'jsonpath={range .items[*]}{.status.sync.status}/{.status.health.status}/{.status.operationState.phase}/{.operation.sync}{"\n"}{end}' |
		grep -c '^Synced/Healthy/Succeeded/$')"
	[[ "$n" == "$APPS" ]]
}
check "every app ends Synced and Healthy, its operation done" wait_until 75 all_healthy
# one line per app: its name, then "id/revision/deployStartedAt" per history entry; the read
# itself may be answered with an injected 500
read_history() {
	k get applications -n argocd -o 'jsonpath={range .items[*]}{.metadata.name}{range .status.history[*]} {.id}/{.revision}/{.deployStartedAt}{end}{"\n"}{end}' \
		>"$E2E_TMP/history"
}
check "read history (retried)" wait_until 20 read_history
check_eq "every app has a history entry" "$APPS" "$(awk 'NF >= 2' "$E2E_TMP/history" | wc -l)"
# a duplicate: the same revision and start time (one operation) twice, or an id reused
dups="$(awk '{
	delete op; delete id
	for (i = 2; i <= NF; i++) {
		split($i, f, "/")
		if (op[f[2] "/" f[3]]++) print $1 " records revision " f[2] " twice for one operation"
		if (id[f[1]]++) print $1 " reuses history id " f[1]
	}
}' "$E2E_TMP/history")"
check_eq "no duplicate history entries" "" "$dups"
check "the controller kept running" kill -0 "$cap_pid"
kill "$cap_pid"
wait "$cap_pid" 2>/dev/null
check "clean shutdown" grep -q 'msg=stopped' "$E2E_TMP/capstan.log"
