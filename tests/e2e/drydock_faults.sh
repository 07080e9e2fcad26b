# drydock fault injection against the real kubectl: injected errors, latency, dropped watches and spurious conflicts.
source "$(dirname "$0")/../lib/e2e.sh"

DRYDOCK="$CAP_BIN_DIR/drydock"
if [[ ! -x "$DRYDOCK" ]] || ! command -v kubectl >/dev/null; then
	echo "drydock or kubectl missing; skipping"
	exit 0
fi

# start NAME ARGS…: an instance whose kubeconfig lands in $E2E_TMP/NAME.kubeconfig.
start() {
	local name="$1"
	shift
	local kc="$E2E_TMP/$name.kubeconfig"
	"$DRYDOCK" --kubeconfig "$kc" "$@" 2>"$E2E_TMP/$name.log" &
	e2e_cleanup_hooks+=("kill $! 2>/dev/null; wait $! 2>/dev/null")
	for _ in $(seq 100); do
		[[ -s "$kc" ]] && break
		sleep 0.05
	done
}
k() {
	local name="$1"
	shift
	KUBECONFIG="$E2E_TMP/$name.kubeconfig" kubectl --cache-dir "$E2E_TMP/cache-$name" "$@"
}

check "a bad fault spec is refused" bash -c "! '$DRYDOCK' --faults 'get:teapot=1' --kubeconfig '$E2E_TMP/x' 2>/dev/null"

start fail --faults 'create:503=100%'
out="$(k fail create namespace doomed 2>&1)"
check "injected 503 on creates reaches kubectl" grep -q 'the server is currently unable to handle the request' <<<"$out"
check "reads still work" k fail get ns default

start busy --faults 'get:429=1.0,seed=7'
out="$(k busy get ns default --request-timeout=3s 2>&1)"
check "injected 429 on reads" grep -qi 'too many requests\|try again later\|timeout\|exceeded' <<<"$out"

start conflict --faults 'patch:409=100%'
k conflict create configmap c --from-literal=a=b >/dev/null 2>&1
out="$(k conflict label cm c x=y 2>&1)"
check "spurious conflicts on patches" grep -q 'Conflict\|the object has been modified' <<<"$out"

start slow --faults 'latency=300'
start_ns=$(date +%s%N)
k slow get ns default >/dev/null 2>&1
elapsed=$((($(date +%s%N) - start_ns) / 1000000))
check "latency is added to requests" test "$elapsed" -ge 300

start drop --faults 'watch:drop=100%'
out="$(timeout 5 env KUBECONFIG="$E2E_TMP/drop.kubeconfig" kubectl --cache-dir "$E2E_TMP/cache-drop" get --raw '/api/v1/namespaces?watch=1' 2>&1)"
check_eq "dropped watches end at once" "0" "$?"

start ok --latency-ms 50
check "--latency-ms slows but serves" k ok get ns default

# the runtime endpoint switches faults on and off without a restart
start live
check "no faults at start" k live get ns default
check "faults set at run time" k live replace --raw /drydock/faults -f - <<<'get:500=100%'
check_eq "the endpoint shows the spec" "get:500=100%" "$(k live get --raw /drydock/faults 2>&1)"
out="$(k live get ns default 2>&1)"
check "runtime 500s reach kubectl" grep -q 'injected fault' <<<"$out"
check "a bad runtime spec is refused" bash -c \
	"! KUBECONFIG='$E2E_TMP/live.kubeconfig' kubectl --cache-dir '$E2E_TMP/cache-live' replace --raw /drydock/faults -f - <<<'get:teapot=1'"
check "clearing faults at run time" k live delete --raw /drydock/faults
check "requests succeed again" k live get ns default

# a stalled connection hangs past the client's timeout
start stall --faults 'get:stall=100%'
start_ns=$(date +%s%N)
out="$(k stall get ns default --request-timeout=2s 2>&1)"
elapsed=$((($(date +%s%N) - start_ns) / 1000000))
check "a stalled request times the client out" test "$elapsed" -ge 1900
check "the client reports the timeout" grep -qi 'timeout\|deadline\|exceeded' <<<"$out"
