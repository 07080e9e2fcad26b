# Drift latency on drydock: kubectl scale of a managed Deployment, then (self-heal off) the time
# until the Application reads OutOfSync, and (self-heal on) the time until the live object is
# back. Times run from the moment a watch sees the scaled Deployment to the moment a watch sees
# the app's status or the Deployment change; BENCH_DRIFT_SAMPLES samples (default 7) each, median
# and max. Baseline in the same run: healing by hand with kubectl apply -f of the same rendered
# manifests, timed from its start until the watch sees the Deployment back.
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
S="${BENCH_DRIFT_SAMPLES:-7}"
RESYNC="${BENCH_RESYNC:-120s}"

"$bin/drydock" --kubeconfig "$work/kc" --controller-delay-ms 50 2>"$work/drydock.log" &
pids+=($!)
for _ in $(seq 200); do [[ -s "$work/kc" ]] && break; sleep 0.05; done
export KUBECONFIG="$work/kc"
k() { kubectl --cache-dir "$work/kcache" "$@"; }
capstan admin install >/dev/null 2>&1 || { echo "install failed"; exit 1; }

git init -q -b main "$work/repo"
cp -r "$root/examples/web" "$work/repo/web"
git -C "$work/repo" add -A
git -C "$work/repo" -c user.name=bench -c user.email=bench@capstan.invalid commit -qm v1
capstan admin manifests --repo "$work/repo" --path web --revision main --app-name drift \
	--dest-namespace drift >"$work/rendered.yaml" || { echo "render failed"; exit 1; }

capstan app create drift --repo "file://$work/repo" --path web --revision main \
	--dest-server https://kubernetes.default.svc --dest-namespace drift \
	--sync-policy automated --sync-option CreateNamespace=true >/dev/null ||
	{ echo "app create failed"; exit 1; }
capstan run --resync "$RESYNC" --listen "" 2>"$work/capstan.log" &
pids+=($!)

app_status() { k get application -n argocd drift -o 'jsonpath={.status.sync.status}/{.status.health.status}' 2>/dev/null; }
wait_synced() {
	local deadline=$((SECONDS + 120))
	until [[ "$(app_status)" == Synced/Healthy ]]; do
		((SECONDS >= deadline)) && { echo "app did not become Synced/Healthy"; exit 1; }
		sleep 0.2
	done
}
wait_synced

# watches: every event becomes "EPOCH-SECONDS app STATUS" or "EPOCH-SECONDS deploy REPLICAS"
stamp() { while IFS= read -r line; do echo "$EPOCHREALTIME $1 $line"; done; }
k get application -n argocd drift -w -o 'jsonpath={.status.sync.status}{"\n"}' |
	stamp app >>"$work/events" &
pids+=($!)
k get deployment -n drift web -w -o 'jsonpath={.spec.replicas}{"\n"}' |
	stamp deploy >>"$work/events" &
pids+=($!)
sleep 1

# first_event KIND VALUE AFTER: the time of the first such event after AFTER, waiting up to 60 s.
first_event() {
	local t deadline=$((SECONDS + 60))
	while :; do
		t="$(awk -v k="$1" -v v="$2" -v a="$3" '$2 == k && $3 == v && $1 >= a {print $1; exit}' \
			"$work/events")"
		[[ -n "$t" ]] && { echo "$t"; return 0; }
		((SECONDS >= deadline)) && return 1
		sleep 0.02
	done
}
# stats: "median X ms, max Y ms" of the millisecond figures on stdin
stats() { sort -n | awk '{v[NR] = $1} END {printf "median %.0f ms, max %.0f ms (%d samples)", \
	(NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR], NR}'; }
ms() { echo "($1 - $2) * 1000" | bc -l; }

detect=() manual=()
for s in $(seq 1 "$S"); do
	r=$((2 + s))
	begin=$EPOCHREALTIME
	k scale -n drift deployment/web --replicas="$r" >/dev/null
	drifted="$(first_event deploy "$r" "$begin")" || { echo "scale not seen"; exit 1; }
	seen="$(first_event app OutOfSync "$drifted")" || { echo "OutOfSync not seen"; exit 1; }
	detect+=("$(ms "$seen" "$drifted")")
	begin=$EPOCHREALTIME
	k apply -f "$work/rendered.yaml" >/dev/null
	back="$(first_event deploy 2 "$begin")" || { echo "kubectl apply did not heal"; exit 1; }
	manual+=("$(ms "$back" "$begin")")
	wait_synced
	sleep 0.5
done

k patch application -n argocd drift --type merge \
	-p '{"spec":{"syncPolicy":{"automated":{"selfHeal":true}}}}' >/dev/null
wait_synced
sleep 1
heal=()
for s in $(seq 1 "$S"); do
	r=$((20 + s))
	begin=$EPOCHREALTIME
	k scale -n drift deployment/web --replicas="$r" >/dev/null
	drifted="$(first_event deploy "$r" "$begin")" || { echo "scale not seen"; exit 1; }
	back="$(first_event deploy 2 "$drifted")" || { echo "self-heal not seen in 60 s"; exit 1; }
	heal+=("$(ms "$back" "$drifted")")
	wait_synced
	# past the self-heal backoff (2 s after the last sync finished, as Argo CD): a sample
	# measures drift to healed, not the wait between two heals
	sleep 3
done

echo "drift samples: $S (BENCH_DRIFT_SAMPLES), resync $RESYNC"
printf 'self-heal off, kubectl scale -> app OutOfSync: %s\n' "$(printf '%s\n' "${detect[@]}" | stats)"
printf 'self-heal on, kubectl scale -> Deployment back: %s\n' "$(printf '%s\n' "${heal[@]}" | stats)"
printf 'baseline, kubectl apply -f of the rendered manifests -> Deployment back: %s\n' \
	"$(printf '%s\n' "${manual[@]}" | stats)"
