# capstan run stops within a few seconds of SIGTERM even when the API server is gone: killed
# while a rate-limited sync is under way, or frozen (SIGSTOP) while capstan is starting, so that
# its requests hang; either way it exits 0 having logged msg=stopped.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools
command -v git >/dev/null || { echo "git missing; skipping"; exit 0; }

REPO="$E2E_TMP/repo"
git init -q -b main "$REPO"
mkdir "$REPO/many"
for i in $(seq 1 60); do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%02d\ndata:\n  n: "%d"\n' \
		"$i" "$i" >"$REPO/many/cm-$i.yaml"
done
git -C "$REPO" add -A
git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid commit -qm v1

# start_capstan LOG ARGS…: capstan run in the background (cap_pid), stopped at exit.
start_capstan() {
	local log="$1"
	shift
	capstan run --kubeconfig "$KC" --listen "" --resync 2s "$@" >>"$log" 2>&1 &
	cap_pid=$!
	e2e_cleanup_hooks+=("kill -9 $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")
}

# stop_capstan: SIGTERM to capstan; sets stop_took (whole seconds) and stop_rc once it exited.
stop_capstan() {
	local start=$SECONDS
	kill -TERM "$cap_pid"
	wait "$cap_pid"
	stop_rc=$?
	stop_took=$((SECONDS - start))
}

# 1. the server is killed in the middle of a slow sync
start_drydock
check "admin install" capstan admin install --kubeconfig "$KC"
check "create application" capstan app create many --kubeconfig "$KC" --repo "file://$REPO" \
	--path many --revision main --dest-server https://kubernetes.default.svc \
	--dest-namespace bulk --sync-policy automated --sync-option CreateNamespace=true
start_capstan "$E2E_TMP/sync.log" --kube-qps 4 --kube-burst 60
under_way() { [[ "$(app many '{.status.operationState.phase}')" == Running ]]; }
check "sync is under way" wait_until 30 under_way
kill "$DD_PID"
wait "$DD_PID" 2>/dev/null
sleep 1
stop_capstan
check "SIGTERM with the server gone stops within 5 s" test "$stop_took" -le 5
check_eq "exit status after SIGTERM" 0 "$stop_rc"
check "the stop is clean" grep -q 'msg=stopped' "$E2E_TMP/sync.log"

# 2. the server hangs (stopped, its socket still open) while capstan starts
rm -f "$KC"
start_drydock
start_capstan "$E2E_TMP/start.log"
kill -STOP "$DD_PID"
e2e_cleanup_hooks+=("kill -CONT $DD_PID 2>/dev/null")
sleep 1
stop_capstan
check "SIGTERM while requests hang stops within 5 s" test "$stop_took" -le 5
check_eq "exit status after SIGTERM during start-up" 0 "$stop_rc"
check "the stop during start-up is clean" grep -q 'msg=stopped' "$E2E_TMP/start.log"
kill -CONT "$DD_PID"
