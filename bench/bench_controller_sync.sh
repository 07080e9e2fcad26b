# One Application of 2,000 ConfigMaps (BENCH_SYNC_OBJECTS) on drydock: wall time of
# `capstan app sync` (capstan run doing the work) beside kubectl apply -f of the same 2,000
# files into another namespace of the same drydock, in the same run. The sync is given
# BENCH_SYNC_TIMEOUT_S (default 180 s) so a run stays within about 5 minutes; when it has not
# finished by then, the objects applied so far and the rate are printed instead.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
N="${BENCH_SYNC_OBJECTS:-2000}"
T="${BENCH_SYNC_TIMEOUT_S:-180}"

"$bin/drydock" --kubeconfig "$work/kc" --controller-delay-ms 50 2>"$work/drydock.log" &
pids+=($!)
for _ in $(seq 200); do [[ -s "$work/kc" ]] && break; sleep 0.05; done
export KUBECONFIG="$work/kc"
k() { kubectl --cache-dir "$work/kcache" "$@"; }
capstan admin install >/dev/null 2>&1 || { echo "install failed"; exit 1; }

git init -q -b main "$work/repo"
mkdir "$work/repo/many"
for i in $(seq 1 "$N"); do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%05d\n  labels:\n    app: bench\ndata:\n  index: "%d"\n  payload: "%064d"\n' \
		"$i" "$i" "$i" >"$work/repo/many/cm-$i.yaml"
done
git -C "$work/repo" add -A
git -C "$work/repo" -c user.name=bench -c user.email=bench@capstan.invalid commit -qm v1
echo "objects: $N ConfigMaps in one app (BENCH_SYNC_OBJECTS)"

capstan app create many --repo "file://$work/repo" --path many --revision main \
	--dest-server https://kubernetes.default.svc --dest-namespace many \
	--sync-option CreateNamespace=true >/dev/null || { echo "app create failed"; exit 1; }
capstan run --listen "" 2>"$work/capstan.log" &
pids+=($!)
# wait until the controller has compared the app once (OutOfSync, every object Missing)
deadline=$((SECONDS + 120))
until [[ "$(k get application -n argocd many -o 'jsonpath={.status.sync.status}')" == OutOfSync ]]; do
	((SECONDS >= deadline)) && { echo "app was never compared"; exit 1; }
	sleep 0.2
done

start=$(now)
finished=1
capstan app sync many --timeout "$T" >"$work/sync.out" 2>&1 || finished=0
sync=$(since "$start")
got=$(k get cm -n many -o name | grep -c cm-)
app_kib=$(($(k get application -n argocd many -o json | wc -c) / 1024))
# an unfinished sync is stopped so that it does not compete with the baseline
((finished)) || capstan app terminate-op many >/dev/null 2>&1

k create namespace kc >/dev/null
start=$(now)
k apply -n kc -f "$work/repo/many" >/dev/null || { echo "baseline kubectl apply failed"; exit 1; }
base=$(since "$start")

if ((finished)); then
	printf 'capstan app sync of %d ConfigMaps: %.1f s (%.0f objects/s), %d present afterwards\n' \
		"$N" "$sync" "$(echo "$N / $sync" | bc -l)" "$got"
else
	printf 'capstan app sync of %d ConfigMaps: not finished after %.1f s (BENCH_SYNC_TIMEOUT_S); %d applied (%.0f objects/s); %s\n' \
		"$N" "$sync" "$got" "$(echo "$got / $sync" | bc -l)" "$(tail -1 "$work/sync.out")"
	sync=$(echo "$sync * $N / ($got + 1)" | bc -l)
	printf 'capstan app sync of %d ConfigMaps at that rate: more than %.0f s\n' "$N" "$sync"
fi
printf 'Application object size after the sync: %d KiB\n' "$app_kib"
printf 'baseline kubectl apply -f of the same %d files: %.1f s (%.0f objects/s)\n' \
	"$N" "$base" "$(echo "$N / $base" | bc -l)"
printf 'ratio kubectl / capstan: %.2fx%s\n' "$(echo "$base / $sync" | bc -l)" "$( ((finished)) || echo ' (at most; capstan did not finish)')"
