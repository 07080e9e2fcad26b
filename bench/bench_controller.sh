# Controller footprint: N Applications (default 200) of the web example, each auto-synced into its
# own namespace on drydock; time until all are Synced and Healthy, the controller's resident
# memory then, and its CPU over a quiet minute of resyncs. Argo CD's published figure for its
# controller, 225-450 MiB per 1,000 apps, is printed beside Capstan's extrapolated to 1,000.
set -uo pipefail

build="${1:-${BUILD:-build}}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/$build/bin"
export PATH="$root/tools/bin:$bin:$PATH"
N="${BENCH_APPS:-200}"
QUIET_S="${BENCH_QUIET_S:-60}"
work="$(mktemp -d "${TMPDIR:-/tmp}/capstan-bench-XXXXXX")"
pids=()
cleanup() {
	for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

"$bin/drydock" --kubeconfig "$work/kc" --controller-delay-ms 50 2>"$work/drydock.log" &
pids+=($!)
for _ in $(seq 200); do [[ -s "$work/kc" ]] && break; sleep 0.05; done
export KUBECONFIG="$work/kc"
k() { kubectl --cache-dir "$work/kcache" "$@"; }
capstan admin install --kubeconfig "$work/kc" >/dev/null 2>&1 || { echo "install failed"; exit 1; }

git init -q -b main "$work/repo"
cp -r "$root/examples/web" "$work/repo/web"
git -C "$work/repo" add -A
git -C "$work/repo" -c user.name=bench -c user.email=bench@capstan.invalid commit -qm v1

for i in $(seq 1 "$N"); do
	cat <<EOF
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web-$i, namespace: argocd}
spec:
  project: default
  source: {repoURL: "file://$work/repo", path: web, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: web-$i}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
EOF
done >"$work/apps.yaml"
capstan run --kubeconfig "$work/kc" --resync 30s --listen "" 2>"$work/capstan.log" &
cap=$!
pids+=($cap)
for _ in $(seq 200); do grep -q 'controller started' "$work/capstan.log" && break; sleep 0.05; done
sleep 1
rss0_kb=$(awk '/VmRSS/ {print $2}' "/proc/$cap/status")
start=$(date +%s.%N)
k apply -f "$work/apps.yaml" >/dev/null
ready() {
	local n
	n="$(k get applications -n argocd -o \
		'jsonpath={range .items[*]}{.status.sync.status}/{.status.health.status}{"\n"}{end}' |
		grep -c '^Synced/Healthy$')"
	[[ "$n" == "$N" ]]
}
deadline=$((SECONDS + 600))
until ready; do
	((SECONDS >= deadline)) && { echo "not all apps became Synced/Healthy"; exit 1; }
	sleep 1
done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$cap/status")
ticks() { awk '{print $14 + $15}' "/proc/$cap/stat"; }
t0=$(ticks)
sleep "$QUIET_S"
t1=$(ticks)
rss2_kb=$(awk '/VmRSS/ {print $2}' "/proc/$cap/status")
hz=$(getconf CLK_TCK)
printf 'apps: %d (3 objects each), all Synced/Healthy after %.1f s\n' "$N" "$elapsed"
printf 'controller RSS: %.1f MiB with no apps, %.1f MiB with %d\n' \
	"$(echo "$rss0_kb / 1024" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)" "$N"
printf 'controller RSS after %d quiet seconds: %.1f MiB\n' "$QUIET_S" \
	"$(echo "$rss2_kb / 1024" | bc -l)"
printf 'extrapolated to 1,000 apps: %.1f MiB (Argo CD: 225-450 MiB)\n' \
	"$(echo "($rss0_kb + ($rss_kb - $rss0_kb) * 1000 / $N) / 1024" | bc -l)"
printf 'CPU over %d quiet seconds (30 s resync): %.2f s\n' "$QUIET_S" \
	"$(echo "($t1 - $t0) / $hz" | bc -l)"
