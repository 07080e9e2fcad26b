# Controller footprint: N Applications (BENCH_APPS, default 250: the most that finishes within
# about 5 minutes on a shared 2-core machine, with the kubectl baseline at about 0.6 s per app;
# figures are extrapolated to 1,000 apps) of 5 resources each (ConfigMap,
# Secret, ServiceAccount, Service, Deployment), auto-synced into their own namespaces on drydock:
# time from creating the Applications until all are Synced and Healthy, the controller's peak
# resident memory (VmHWM), and its CPU per idle minute afterwards (BENCH_QUIET_S, default 30 s,
# scaled to a minute). Baseline in the same run, on a fresh drydock: kubectl apply -f of the same
# rendered manifests, then kubectl wait until the same Deployments are Available. Argo CD's
# published figure for its controller, 225-450 MiB per 1,000 apps, is printed beside.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
N="${BENCH_APPS:-250}"
QUIET_S="${BENCH_QUIET_S:-30}"
RESYNC="${BENCH_RESYNC:-120s}"
TIMEOUT_S="${BENCH_TIMEOUT_S:-600}"
mib() { echo "$1 / 1024" | bc -l; }

# start_drydock NAME: a drydock with its simulated controllers; sets KUBECONFIG.
start_drydock() {
	"$bin/drydock" --kubeconfig "$work/$1.kc" --controller-delay-ms 50 2>"$work/$1.log" &
	pids+=($!)
	dd_pid=$!
	for _ in $(seq 200); do [[ -s "$work/$1.kc" ]] && break; sleep 0.05; done
	export KUBECONFIG="$work/$1.kc"
}
stop_drydock() { kill "$dd_pid" 2>/dev/null && wait "$dd_pid" 2>/dev/null; }
k() { kubectl --cache-dir "$work/kcache" "$@"; }

git init -q -b main "$work/repo"
cp -r "$root/examples/web" "$work/repo/web"
cat >"$work/repo/web/secret.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: web-token
stringData:
  token: not-a-real-token
EOF
cat >"$work/repo/web/serviceaccount.yaml" <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
EOF
git -C "$work/repo" add -A
git -C "$work/repo" -c user.name=bench -c user.email=bench@capstan.invalid commit -qm v1

# the baseline's files: what the controller applies for each app (tracking annotation included)
capstan admin manifests --repo "$work/repo" --path web --revision main --app-name web-X \
	--dest-namespace web-X >"$work/one.yaml" || { echo "render failed"; exit 1; }
per_app=$(grep -c '^kind:' "$work/one.yaml")
for i in $(seq 1 "$N"); do
	printf -- '---\napiVersion: v1\nkind: Namespace\nmetadata: {name: web-%d}\n' "$i"
done >"$work/namespaces.yaml"
for i in $(seq 1 "$N"); do
	printf -- '---\n'
	sed "s/web-X/web-$i/g" "$work/one.yaml"
done >"$work/all.yaml"

echo "apps: $N x $per_app resources (BENCH_APPS), idle window ${QUIET_S} s (BENCH_QUIET_S), resync $RESYNC"

# baseline: kubectl apply -f, then wait for the Deployments
start_drydock base
start=$(now)
k apply -f "$work/namespaces.yaml" >/dev/null && k apply -f "$work/all.yaml" >/dev/null ||
	{ echo "baseline kubectl apply failed"; exit 1; }
applied=$(since "$start")
k wait --for=condition=Available deployment --all -A --timeout="${TIMEOUT_S}s" >/dev/null ||
	{ echo "baseline Deployments did not become Available"; exit 1; }
base=$(since "$start")
stop_drydock

# Capstan: install, start the controller, create the Applications
start_drydock cap
capstan admin install >/dev/null 2>&1 || { echo "install failed"; exit 1; }
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
capstan run --resync "$RESYNC" --listen "" 2>"$work/capstan.log" &
cap=$!
pids+=($cap)
for _ in $(seq 200); do grep -q 'controller started' "$work/capstan.log" && break; sleep 0.05; done
sleep 1
rss0_kb=$(awk '/VmRSS/ {print $2}' "/proc/$cap/status")
start=$(now)
k apply -f "$work/apps.yaml" >/dev/null || { echo "creating the Applications failed"; exit 1; }
created=$(since "$start")
ready() {
	local n
	n="$(k get applications -n argocd -o \
		'jsonpath={range .items[*]}{.status.sync.status}/{.status.health.status}{"\n"}{end}' |
		grep -c '^Synced/Healthy$')"
	[[ "$n" == "$N" ]]
}
deadline=$((SECONDS + TIMEOUT_S))
until ready; do
	((SECONDS >= deadline)) && { echo "not all apps became Synced/Healthy in $TIMEOUT_S s"; exit 1; }
	sleep 1
done
elapsed=$(since "$start")
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$cap/status")
ticks() { awk '{print $14 + $15}' "/proc/$cap/stat"; }
t0=$(ticks)
sleep "$QUIET_S"
t1=$(ticks)
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$cap/status")
rss2_kb=$(awk '/VmRSS/ {print $2}' "/proc/$cap/status")
hz=$(getconf CLK_TCK)
cpu=$(echo "($t1 - $t0) / $hz" | bc -l)

printf 'capstan: %d apps created in %.1f s, all Synced/Healthy %.1f s after creation (%.1f ms per app)\n' \
	"$N" "$created" "$elapsed" "$(echo "$elapsed * 1000 / $N" | bc -l)"
printf 'baseline kubectl apply -f of the same %d objects: applied in %.1f s, Deployments Available after %.1f s\n' \
	"$((N * per_app))" "$applied" "$base"
printf 'ratio capstan / kubectl: %.2fx\n' "$(echo "$elapsed / $base" | bc -l)"
printf 'controller peak RSS (VmHWM): %.1f MiB; RSS %.1f MiB with no apps, %.1f MiB when converged, %.1f MiB after %d idle s\n' \
	"$(mib "$hwm_kb")" "$(mib "$rss0_kb")" "$(mib "$rss_kb")" "$(mib "$rss2_kb")" "$QUIET_S"
if [[ "$N" != 1000 ]]; then
	printf 'extrapolated to 1,000 apps: peak RSS %.1f MiB, capstan Synced/Healthy %.0f s, kubectl baseline %.0f s\n' \
		"$(echo "($rss0_kb + ($hwm_kb - $rss0_kb) * 1000 / $N) / 1024" | bc -l)" \
		"$(echo "$elapsed * 1000 / $N" | bc -l)" "$(echo "$base * 1000 / $N" | bc -l)"
fi
echo "Argo CD's published controller figure: 225-450 MiB per 1,000 apps"
printf 'controller CPU when idle: %.2f s over %d s = %.2f CPU s per idle minute (resync %s)\n' \
	"$cpu" "$QUIET_S" "$(echo "$cpu * 60 / $QUIET_S" | bc -l)" "$RESYNC"
