#!/usr/bin/env bash
# The demo: drydock as the cluster, a Git repository with examples/web, and the real Capstan
# controller (`capstan run`) and CLI (`capstan app …`) through the daily GitOps loop: create,
# diff, sync, a new commit, history, rollback, auto-sync with self-heal, and a Degraded deploy.
# On a terminal it stays up until Ctrl-C; without one it exits 0 once the walk is done.
#
#   scripts/demo.sh [BUILD_DIR | BIN_DIR]    (default: build; BIN_DIR holds capstan and drydock)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
arg="${1:-build}"
bin=""
for dir in "$arg" "$PWD/$arg" "$root/$arg"; do
	[[ "$arg" == /* && "$dir" != "$arg" ]] && continue
	if [[ -x "$dir/bin/capstan" && -x "$dir/bin/drydock" ]]; then
		bin="$(cd "$dir/bin" && pwd)"
		break
	elif [[ -x "$dir/capstan" && -x "$dir/drydock" ]]; then
		bin="$(cd "$dir" && pwd)"
		break
	fi
done
if [[ -z "$bin" ]]; then
	echo "demo: no capstan and drydock binaries in $arg or $arg/bin (build first: make)" >&2
	exit 1
fi
export PATH="$root/tools/bin:$bin:$PATH"
for tool in git kubectl; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is missing (make deps installs it)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/capstan-demo-XXXXXX")"
repo="$work/repo"
log="$work/capstan.log"
export KUBECONFIG="$work/kubeconfig"
export KUBECACHEDIR="$work/kube-cache"
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@capstan.invalid
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@capstan.invalid
unset GIT_DIR GIT_WORK_TREE

# Every process the demo starts, stopped in reverse order on any exit.
pids=()
cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
	done
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		wait "${pids[i]}" 2>/dev/null || true
	done
	if ((rc == 130 || rc == 143)); then
		echo "demo: interrupted; everything it started is stopped" >&2
		rm -rf "$work"
	elif ((rc != 0)); then
		echo >&2
		echo "demo: failed (exit status $rc); logs are kept in $work" >&2
		if [[ -s "$log" ]]; then
			echo "demo: last lines of the controller log ($log):" >&2
			tail -n 25 "$log" >&2
		elif [[ -s "$work/drydock.log" ]]; then
			echo "demo: last lines of drydock's log ($work/drydock.log):" >&2
			tail -n 25 "$work/drydock.log" >&2
		fi
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -t 1 ]]; then
	bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'
else
	bold="" dim="" off=""
fi
n=0
step() {
	n=$((n + 1))
	printf '\n%s== %d. %s%s\n' "$bold" "$n" "$*" "$off"
}
note() { printf '%s-- %s%s\n' "$dim" "$*" "$off"; }
# say COMMAND…: prints the command as a shell would take it, paths under the work dir shortened.
say() {
	local a line=""
	for a in "$@"; do
		if [[ -z "$a" ]]; then
			a="''"
		elif [[ "$a" == ">"* || "$a" == "2>"* || "$a" == "&" ]]; then
			: # a redirection, shown as it is
		elif [[ ! "$a" =~ ^[][A-Za-z0-9_./:=,@%+{}-]+$ ]]; then
			a="'${a//\'/\'\\\'\'}'"
		fi
		line+="${line:+ }$a"
	done
	printf '%s$ %s%s\n' "$bold" "${line//$work/\$DEMO}" "$off"
}
# show COMMAND…: says the command, then runs it.
show() {
	say "$@"
	"$@"
}
die() {
	echo "demo: $*" >&2
	exit 1
}
# wait_for WHAT SECONDS COMMAND…: retries COMMAND until it succeeds; gives up with a message
# (and the controller's log tail, printed on exit) after SECONDS.
wait_for() {
	local what="$1" limit="$2" deadline=$((SECONDS + $2))
	shift 2
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || die "timed out after ${limit}s waiting for $what"
		sleep 0.2
	done
}
# field JSONPATH: a field of the web Application.
field() { kubectl get application -n argocd web -o "jsonpath=$1" 2>/dev/null; }
app_is() { [[ "$(field "$1")" == "$2" ]]; }
replicas() { kubectl get deployment -n demo web -o 'jsonpath={.spec.replicas}' 2>/dev/null; }
replicas_are() { [[ "$(replicas)" == "$1" ]]; }
image() { kubectl get deployment -n demo web -o 'jsonpath={.spec.template.spec.containers[0].image}'; }

started=$SECONDS
echo "Capstan demo: the work directory is $work (shown as \$DEMO)"

step "start drydock, an in-memory Kubernetes API server (it writes \$DEMO/kubeconfig)"
say drydock --kubeconfig "$KUBECONFIG" --controller-delay-ms 1000 "2>$work/drydock.log" "&"
drydock --kubeconfig "$KUBECONFIG" --controller-delay-ms 1000 2>"$work/drydock.log" &
pids+=($!)
wait_for "drydock to write its kubeconfig (see $work/drydock.log)" 10 test -s "$KUBECONFIG"
note "export KUBECONFIG=$KUBECONFIG"
show kubectl get namespaces

step "make a Git repository holding the app (examples/web) and commit v1"
git init -q -b main "$repo"
cp -r "$root/examples/web" "$repo/web"
git -C "$repo" add -A
show git -C "$repo" commit -qm "web v1: registry.example/web:1.0"
v1="$(git -C "$repo" rev-parse HEAD)"
show ls "$repo/web"

step "install Capstan's resources (CRDs, the argocd namespace, the default project)"
show capstan admin install

step "start the controller in the background (log: \$DEMO/capstan.log, resync every 5s)"
say capstan run --resync 5s --listen "" --repo-cache-dir "$work/repo-cache" ">$log" "2>&1" "&"
capstan run --resync 5s --listen "" --repo-cache-dir "$work/repo-cache" >"$log" 2>&1 &
pids+=($!)
sleep 0.5
kill -0 "${pids[-1]}" 2>/dev/null || die "capstan run exited at once"
note "capstan run is pid ${pids[-1]}"

step "create the Application web (manual sync)"
show capstan app create web --repo "file://$repo" --path web --revision main \
	--dest-server https://kubernetes.default.svc --dest-namespace demo \
	--sync-option CreateNamespace=true
wait_for "the controller to compare web (sync status OutOfSync)" 30 app_is '{.status.sync.status}' OutOfSync
wait_for "the controller to assess web's health (Missing)" 30 app_is '{.status.health.status}' Missing
note "nothing is deployed yet: OutOfSync, and Missing"
show capstan app get web

step "what a sync would change"
show capstan app diff web --exit-code=false

step "sync it, and wait until the pods are up"
show capstan app sync web --timeout 60
show capstan app get web
show capstan app wait web --health --timeout 60
show capstan app get web
show kubectl get pods -n demo

step "commit v2 (a new image tag) and refresh: the app is OutOfSync"
show sed -i 's|registry.example/web:1.0|registry.example/web:1.1|' "$repo/web/deployment.yaml"
show git -C "$repo" commit -qam "web v2: registry.example/web:1.1"
v2="$(git -C "$repo" rev-parse HEAD)"
show capstan app get web --refresh --timeout 30
wait_for "web to be OutOfSync at v2" 30 app_is '{.status.sync.status}/{.status.sync.revision}' "OutOfSync/$v2"
show capstan app diff web --exit-code=false

step "sync v2 and look at the history"
show capstan app sync web --timeout 60
wait_for "the controller to compare web at v2 (Synced)" 30 app_is '{.status.sync.status}/{.status.sync.revision}' "Synced/$v2"
show capstan app wait web --health --timeout 60
show capstan app history web
show kubectl get deployment web -n demo -o 'jsonpath={.spec.template.spec.containers[0].image}{"\n"}'

step "roll back to history id 0 (v1)"
show capstan app rollback web 0 --timeout 60
[[ "$(field '{.status.operationState.syncResult.revision}')" == "$v1" ]] ||
	die "the rollback synced $(field '{.status.operationState.syncResult.revision}'), not v1 ($v1)"
[[ "$(image)" == registry.example/web:1.0 ]] || die "rollback left image $(image), not registry.example/web:1.0"
wait_for "web to read OutOfSync after the rollback" 30 app_is '{.status.sync.status}/{.status.sync.revision}' "OutOfSync/$v2"
show capstan app wait web --health --timeout 60
note "the cluster runs v1 while main says v2: OutOfSync, as in Argo CD"
show capstan app get web
show kubectl get deployment web -n demo -o 'jsonpath={.spec.template.spec.containers[0].image}{"\n"}'

step "switch on automated sync with self-heal and prune: main (v2) comes back"
show capstan app set web --sync-policy automated --self-heal --auto-prune
wait_for "auto-sync to deploy v2" 60 app_is \
	'{.status.sync.status}/{.status.operationState.phase}/{.status.operationState.syncResult.revision}' \
	"Synced/Succeeded/$v2"
show kubectl rollout status deployment web -n demo --timeout=60s
show capstan app wait web --health --timeout 60
show capstan app get web
show kubectl get deployment web -n demo -o 'jsonpath={.spec.template.spec.containers[0].image}{"\n"}'

step "someone scales by hand: self-heal puts it back"
show kubectl scale deployment web --replicas=5 -n demo
t0=$EPOCHREALTIME
show kubectl get deployment web -n demo
wait_for "self-heal to set web back to 2 replicas (it has $(replicas))" 60 replicas_are 2
t1=$EPOCHREALTIME
ms=$(((${t1/./} - ${t0/./}) / 1000))
note "reverted to $(replicas) replicas by self-heal after $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s"
show kubectl get deployment web -n demo
show kubectl rollout status deployment web -n demo --timeout=60s
show capstan app wait web --sync --health --timeout 60

step "commit v3, a deploy whose pods crash: auto-sync applies it, and it is Synced but Degraded"
note "drydock's knob: drydock.capstan.dev/simulate (fail on the Deployment, crashloop on its pods)"
show sed -i -e '/^  name: web$/a\  annotations:\n    drydock.capstan.dev/simulate: fail' \
	-e '/^    metadata:$/a\      annotations:\n        drydock.capstan.dev/simulate: crashloop' \
	"$repo/web/deployment.yaml"
show git -C "$repo" --no-pager diff
show git -C "$repo" commit -qam "web v3: pods that crash"
v3="$(git -C "$repo" rev-parse HEAD)"
show capstan app get web --refresh --timeout 30
wait_for "auto-sync to deploy v3" 60 app_is \
	'{.status.operationState.phase}/{.status.operationState.syncResult.revision}' "Succeeded/$v3"
wait_for "web to be Synced and Degraded" 60 app_is '{.status.sync.status}/{.status.health.status}' Synced/Degraded
show capstan app get web
# The Deployment's own "fail" wins over the template's "crashloop": its pods end in Error.
wait_for "web's new pods to fail" 30 bash -c "kubectl get pods -n demo | grep -Eq 'Error|CrashLoopBackOff'"
show kubectl get pods -n demo
show capstan app history web

echo
echo "The walk took $((SECONDS - started))s."
if [[ -t 0 && -t 1 ]]; then
	cat <<EOT

${bold}Everything is still running: drydock, and capstan run (log: $log).${off}
In another terminal:
  export KUBECONFIG=$KUBECONFIG PATH=$bin:\$PATH
  capstan app list
  capstan app get web
  kubectl get pods -n demo
  tail -f $log
Self-heal reverts a change by hand:
  kubectl scale deployment web --replicas=5 -n demo
Fix the crash in Git, and auto-sync makes web Healthy again:
  git -C $repo revert --no-edit HEAD
  capstan app get web --refresh
Press Ctrl-C to stop (everything is cleaned up).
EOT
	trap 'exit 0' INT TERM
	while true; do
		sleep 3600 &
		pids+=($!)
		wait "${pids[-1]}" || true
	done
fi
echo "demo finished"
