# capstan run against a flaky API server (drydock --faults): 5xx answers on reads and writes and
# dropped watches. Refreshes and status writes are retried, sync retries (syncPolicy.retry) get
# past failed writes, and every app still ends Synced and Healthy.
source "$(dirname "$0")/../lib/e2e.sh"

if [[ ! -x "$CAP_BIN_DIR/drydock" || ! -x "$CAP_BIN_DIR/capstan" ]] || ! command -v kubectl >/dev/null; then
	echo "drydock, capstan or kubectl missing; skipping"
	exit 0
fi

KC="$E2E_TMP/kubeconfig"
"$CAP_BIN_DIR/drydock" --kubeconfig "$KC" --controller-delay-ms 100 \
	--faults "patch:500=10%,create:503=10%,get:500=5%,watch:drop=10%,seed=11" \
	2>"$E2E_TMP/drydock.log" &
dd_pid=$!
e2e_cleanup_hooks+=("kill $dd_pid 2>/dev/null; wait $dd_pid 2>/dev/null")
for _ in $(seq 100); do
	[[ -s "$KC" ]] && break
	sleep 0.05
done
export KUBECONFIG="$KC"
k() { kubectl --cache-dir "$E2E_TMP/kcache" "$@"; }
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS >= deadline)) && return 1
		sleep 0.2
	done
}
check "admin install (retried)" wait_until 60 capstan admin install --kubeconfig "$KC"

REPO="$E2E_TMP/repo"
git init -q -b main "$REPO"
cp -r "$CAP_SOURCE_DIR/examples/web" "$REPO/web"
git -C "$REPO" add -A
git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid commit -qm v1

for i in 1 2 3 4; do
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

all_healthy() {
	local n
	n="$(kubectl --cache-dir "$E2E_TMP/kcache" get applications -n argocd -o \
		'jsonpath={range .items[*]}{.status.sync.status}/{.status.health.status}{"\n"}{end}' |
		grep -c '^Synced/Healthy$')"
	[[ "$n" == 4 ]]
}
check "every app ends Synced and Healthy" wait_until 120 all_healthy
check "the controller kept running" kill -0 "$cap_pid"
kill "$cap_pid"
wait "$cap_pid" 2>/dev/null
check "clean shutdown" grep -q 'msg=stopped' "$E2E_TMP/capstan.log"
