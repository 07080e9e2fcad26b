# Shared set-up for end-to-end tests that need a cluster: one drydock per test, kubectl aimed at it, polling helpers.
# Source after e2e.sh. Every function here is a step tests/e2e/*.sh used to write out by hand.

# need_cluster_tools: ends the test (no cases) when drydock, capstan or kubectl is missing.
need_cluster_tools() {
	if [[ ! -x "$CAP_BIN_DIR/drydock" || ! -x "$CAP_BIN_DIR/capstan" ]] ||
		! command -v kubectl >/dev/null; then
		echo "drydock, capstan or kubectl missing; skipping"
		exit 0
	fi
}

# start_drydock_at KUBECONFIG LOG [ARGS…]: a drydock writing its kubeconfig to KUBECONFIG and its
# log to LOG, stopped on exit. Sets DD_PID.
start_drydock_at() {
	local kc="$1" log="$2"
	shift 2
	"$CAP_BIN_DIR/drydock" --kubeconfig "$kc" "$@" 2>"$log" &
	DD_PID=$!
	e2e_cleanup_hooks+=("kill $DD_PID 2>/dev/null; wait $DD_PID 2>/dev/null")
	for _ in $(seq 100); do
		[[ -s "$kc" ]] && break
		sleep 0.05
	done
}

# start_drydock [ARGS…]: the drydock of this test, stopped on exit. Sets KC, DD_PID, KUBECONFIG.
start_drydock() {
	KC="$E2E_TMP/kubeconfig"
	start_drydock_at "$KC" "$E2E_TMP/drydock.log" "$@"
	export KUBECONFIG="$KC"
}

# k ARGS…: kubectl with a cache of this test's own.
k() { kubectl --cache-dir "$E2E_TMP/kcache" "$@"; }

# wait_until SECONDS COMMAND…: retries every WAIT_POLL seconds (0.1) until the command succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS >= deadline)) && return 1
		sleep "${WAIT_POLL:-0.1}"
	done
}

# app NAME JSONPATH: a field of an Application in argocd; app_is NAME JSONPATH WANT compares it.
app() { k get application -n argocd "$1" -o "jsonpath=$2" 2>/dev/null; }
app_is() { [[ "$(app "$1" "$2")" == "$3" ]]; }
# op_done NAME: the Application's operation has ended (Succeeded, Failed or Error) and was cleared.
op_done() {
	local p
	p="$(app "$1" '{.status.operationState.phase}')"
	[[ "$p" == Succeeded || "$p" == Failed || "$p" == Error ]] && [[ -z "$(app "$1" '{.operation}')" ]]
}
