#!/usr/bin/env bash
# The demo: drydock as the cluster, a Git repository with examples/web, and Capstan rendering,
# diffing and judging health through the daily loop. Stays up on a terminal until Ctrl-C.
set -euo pipefail

build="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/$build/bin"
export PATH="$root/tools/bin:$bin:$PATH"

work="$(mktemp -d "${TMPDIR:-/tmp}/capstan-demo-XXXXXX")"
drydock_pid=""
cleanup() {
	[[ -n "$drydock_pid" ]] && kill "$drydock_pid" 2>/dev/null && wait "$drydock_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

n=0
step() {
	n=$((n + 1))
	printf '\n\033[1m== %d. %s\033[0m\n' "$n" "$*"
}
run() {
	printf '$ %s\n' "$*"
	"$@"
}

step "start drydock, an in-memory Kubernetes API server"
"$bin/drydock" --listen 127.0.0.1:0 --kubeconfig "$work/kubeconfig" --controller-delay-ms 500 \
	>"$work/drydock.log" 2>&1 &
drydock_pid=$!
for _ in $(seq 100); do
	[[ -s "$work/kubeconfig" ]] && break
	sleep 0.1
done
[[ -s "$work/kubeconfig" ]] || { echo "drydock did not start:" >&2; cat "$work/drydock.log" >&2; exit 1; }
export KUBECONFIG="$work/kubeconfig"
run kubectl get namespaces

step "make a Git repository holding the app (examples/web), commit v1"
git init -q -b main "$work/repo"
cp -r "$root/examples/web" "$work/repo/web"
git -C "$work/repo" -c user.name=demo -c user.email=demo@capstan.invalid add -A
git -C "$work/repo" -c user.name=demo -c user.email=demo@capstan.invalid commit -qm "web v1"
run git -C "$work/repo" log --oneline

render() {
	capstan admin manifests --repo "file://$work/repo" --path web --revision main \
		--app-name web --dest-namespace demo >"$work/desired.yaml"
}
live() {
	kubectl get -n demo deployment/web service/web configmap/web-settings -o yaml \
		>"$work/live.yaml" 2>/dev/null || : >"$work/live.yaml"
}
compare() {
	live
	if capstan admin diff "$work/desired.yaml" "$work/live.yaml"; then
		echo "sync status: Synced"
	else
		echo "sync status: OutOfSync"
	fi
}
health() {
	kubectl get -n demo deployment/web -o yaml >"$work/deploy.yaml"
	capstan admin settings resource-overrides health "$work/deploy.yaml"
}
wait_healthy() {
	kubectl rollout status -n demo deployment/web --timeout=30s >/dev/null
	for _ in $(seq 50); do
		kubectl get -n demo deployment/web -o yaml >"$work/deploy.yaml"
		capstan admin settings resource-overrides health "$work/deploy.yaml" |
			grep -q '^STATUS: Healthy' && break
		sleep 0.2
	done
	health
}

step "render the desired state from Git (tracking annotations, destination namespace)"
render
run cat "$work/desired.yaml"

step "compare with the cluster: nothing is deployed yet"
run kubectl create namespace demo
compare

step "sync: apply the rendered objects"
run kubectl apply -f "$work/desired.yaml"
health
wait_healthy
compare

step "commit v2 (new image tag) and compare again"
sed -i 's|registry.example/web:1.0|registry.example/web:1.1|' "$work/repo/web/deployment.yaml"
git -C "$work/repo" -c user.name=demo -c user.email=demo@capstan.invalid commit -qam "web v2"
render
compare || true
run kubectl apply -f "$work/desired.yaml"
wait_healthy
compare

step "someone scales by hand: drift shows as OutOfSync"
run kubectl scale -n demo deployment/web --replicas=5
compare
run kubectl apply -f "$work/desired.yaml"
compare

step "a crash-looping deploy: Synced but Degraded"
# drydock's knob makes the new pods crash-loop; "fail" also lets the progress deadline pass at once.
run kubectl patch -n demo deployment/web --type merge -p \
	'{"metadata":{"annotations":{"drydock.capstan.dev/simulate":"fail"}},"spec":{"template":{"metadata":{"annotations":{"drydock.capstan.dev/simulate":"crashloop"}}}}}'
for _ in $(seq 50); do
	kubectl get -n demo deployment/web -o yaml >"$work/deploy.yaml"
	capstan admin settings resource-overrides health "$work/deploy.yaml" |
		grep -q '^STATUS: Degraded' && break
	sleep 0.2
done
health
pod="$(kubectl get pods -n demo -o name | head -1)"
kubectl get -n demo "$pod" -o yaml >"$work/pod.yaml"
echo "one of its pods:"
capstan admin settings resource-overrides health "$work/pod.yaml"

if [[ -t 0 && -t 1 ]]; then
	cat <<EOT

The cluster is still up. In another terminal:
  export KUBECONFIG=$KUBECONFIG
  kubectl get all -n demo
  $bin/capstan admin manifests --repo file://$work/repo --path web --app-name web --dest-namespace demo
Press Ctrl-C to stop.
EOT
	while true; do sleep 3600; done
fi
echo
echo "demo finished"
