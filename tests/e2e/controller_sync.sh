# capstan run against drydock with a real Git repository: an Application goes OutOfSync/Missing,
# a sync operation makes it Synced/Healthy with history, a new commit shows up on resync, the
# refresh annotation is honoured and cleared, self-heal reverts kubectl scale, a broken manifest
# gives Unknown with a ComparisonError, a rejected object fails the sync with the server's words
# and is not retried, a controller killed mid-sync resumes the operation after a restart, and
# a terminated operation stops.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools

start_drydock --controller-delay-ms 200

check "admin install" capstan admin install --kubeconfig "$KC"

REPO="$E2E_TMP/repo"
gitc() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid "$@"; }
git init -q -b main "$REPO"
cp -r "$CAP_SOURCE_DIR/examples/web" "$REPO/web"
mkdir "$REPO/many"
for i in $(seq 1 30); do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%02d\ndata:\n  n: "%d"\n' \
		"$i" "$i" >"$REPO/many/cm-$i.yaml"
done
gitc add -A
gitc commit -qm v1

# application NAME PATH NAMESPACE: creates an Application with kubectl.
application() {
	k apply -f - <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: $1
  namespace: argocd
spec:
  project: default
  source:
    repoURL: file://$REPO
    path: $2
    targetRevision: main
  destination:
    server: https://kubernetes.default.svc
    namespace: $3
  syncPolicy:
    syncOptions: [CreateNamespace=true]
EOF
}
check "create application" application web web demo

PORT=$((20000 + RANDOM % 20000))
start_capstan() {
	capstan run --kubeconfig "$KC" --resync 4s --listen "127.0.0.1:$PORT" "$@" \
		>>"$E2E_TMP/capstan.log" 2>&1 &
	cap_pid=$!
	e2e_cleanup_hooks+=("kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")
}
start_capstan

check "app becomes OutOfSync" wait_until 20 app_is web '{.status.sync.status}' OutOfSync
check_eq "app health is Missing" Missing "$(app web '{.status.health.status}')"
check_eq "resources are listed" "ConfigMap/web-settings Service/web Deployment/web " \
	"$(app web '{range .status.resources[*]}{.kind}/{.name} {end}')"
check_eq "missing resources are Missing" "Missing Missing Missing " \
	"$(app web '{range .status.resources[*]}{.health.status} {end}')"
v1="$(git -C "$REPO" rev-parse HEAD)"
check_eq "revision is the commit of main" "$v1" "$(app web '{.status.sync.revision}')"
check "healthz answers" wait_until 10 curl -sf "http://127.0.0.1:$PORT/healthz"

k patch application -n argocd web --type merge \
	-p '{"operation":{"sync":{"revision":"main"},"initiatedBy":{"username":"e2e"}}}' >/dev/null
check "sync operation succeeds" wait_until 20 app_is web '{.status.operationState.phase}' Succeeded
check_eq "operation message" "successfully synced (all tasks run)" \
	"$(app web '{.status.operationState.message}')"
check_eq "operation is cleared" "" "$(app web '{.operation}')"
check "app becomes Synced" wait_until 20 app_is web '{.status.sync.status}' Synced
check "app becomes Healthy" wait_until 30 app_is web '{.status.health.status}' Healthy
check_eq "one history entry" "0 $v1 e2e" \
	"$(app web '{range .status.history[*]}{.id} {.revision} {.initiatedBy.username}{end}')"
check "namespace was created" k get namespace demo
check_eq "deployment applied" "registry.example/web:1.0" \
	"$(k get deploy -n demo web -o 'jsonpath={.spec.template.spec.containers[0].image}')"
check_eq "result per resource" "Synced deployment.apps/web created" \
	"$(app web '{.status.operationState.syncResult.resources[?(@.kind=="Deployment")].status} {.status.operationState.syncResult.resources[?(@.kind=="Deployment")].message}')"

sed -i 's/web:1.0/web:2.0/' "$REPO/web/deployment.yaml"
gitc commit -qam v2
v2="$(git -C "$REPO" rev-parse HEAD)"
check "new commit is OutOfSync within the resync" \
	wait_until 15 app_is web '{.status.sync.status}/{.status.sync.revision}' "OutOfSync/$v2"
check_eq "deployment is the one out of sync" "Deployment" \
	"$(app web '{.status.resources[?(@.status=="OutOfSync")].kind}')"

k annotate application -n argocd web argocd.argoproj.io/refresh=hard >/dev/null
check "refresh annotation is cleared" wait_until 10 \
	app_is web '{.metadata.annotations.argocd\.argoproj\.io/refresh}' ""

k patch application -n argocd web --type merge \
	-p '{"spec":{"syncPolicy":{"automated":{"prune":true,"selfHeal":true}}}}' >/dev/null
check "auto-sync deploys v2" wait_until 20 app_is web \
	'{.status.sync.status}/{.status.operationState.syncResult.revision}' "Synced/$v2"
check_eq "auto-sync is initiated by automation" "true" \
	"$(app web '{.status.history[1].initiatedBy.automated}')"
check_eq "deployment runs v2" "registry.example/web:2.0" \
	"$(k get deploy -n demo web -o 'jsonpath={.spec.template.spec.containers[0].image}')"
k scale -n demo deploy/web --replicas=5 >/dev/null
replicas_are() { [[ "$(k get deploy -n demo web -o 'jsonpath={.spec.replicas}')" == "$1" ]]; }
check "self-heal reverts kubectl scale" wait_until 10 replicas_are 2

history_before="$(app web '{.status.history[*].id}')"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  a: [unclosed\n' \
	>"$REPO/web/broken.yaml"
gitc add -A
gitc commit -qm broken
k annotate application -n argocd web argocd.argoproj.io/refresh=normal >/dev/null
check "broken manifest gives Unknown" wait_until 15 app_is web '{.status.sync.status}' Unknown
cond="$(app web '{.status.conditions[?(@.type=="ComparisonError")].message}')"
check "ComparisonError names file and line" grep -q "broken.yaml' line [0-9]" <<<"$cond"
check "nothing is synced from a broken manifest" bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get cm -n demo broken"
check_eq "no history from a broken manifest" "$history_before" "$(app web '{.status.history[*].id}')"

cat >"$REPO/web/broken.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  selector:
    matchLabels: {app: one}
  template:
    metadata:
      labels: {app: two}
    spec:
      containers: [{name: c, image: x}]
EOF
gitc add -A
gitc commit -qm invalid
v4="$(git -C "$REPO" rev-parse HEAD)"
k annotate application -n argocd web argocd.argoproj.io/refresh=normal >/dev/null
check "rejected object fails the sync" wait_until 20 app_is web \
	'{.status.operationState.phase}/{.status.operationState.syncResult.revision}' "Failed/$v4"
msg="$(app web '{.status.operationState.message}')"
check "failure carries the server's message" grep -q 'selector.*does not match template' <<<"$msg"
check_eq "failed resource is SyncFailed" "SyncFailed" \
	"$(app web '{.status.operationState.syncResult.resources[?(@.name=="bad")].status}')"
failed_at="$(app web '{.status.operationState.startedAt}')"
# the controller must have judged the failed revision again, on refreshes after the failure,
# before the absence of a second sync means anything
rejudged() {
	(($(grep -c "failed previous sync attempt.*revision=$v4" "$E2E_TMP/capstan.log") >= 2))
}
check "failed revision is looked at again" wait_until 20 rejudged
check_eq "failed revision is not retried automatically" 1 \
	"$(grep -c "sync started.*revision=$v4" "$E2E_TMP/capstan.log")"
check_eq "one automated sync of the failed revision" 1 \
	"$(grep -c "initiated automated sync.*revision=$v4" "$E2E_TMP/capstan.log")"
check_eq "failed operation is the last one" "Failed/$failed_at/" \
	"$(app web '{.status.operationState.phase}/{.status.operationState.startedAt}/{.operation}')"

# kill -9 in the middle of a slow sync (rate-limited client), then a restart resumes it
kill "$cap_pid"
wait "$cap_pid" 2>/dev/null
check "clean shutdown on SIGTERM" grep -q 'msg=stopped' "$E2E_TMP/capstan.log"
check "create second application" application many many bulk
start_capstan --kube-qps 6 --kube-burst 90
k patch application -n argocd many --type merge \
	-p '{"operation":{"sync":{},"initiatedBy":{"username":"e2e"}}}' >/dev/null
some_done() {
	[[ "$(app many '{.status.operationState.phase}')" == Running ]] &&
		(($(app many '{.status.operationState.syncResult.resources[*].name}' | wc -w) >= 3))
}
check "sync is under way" wait_until 30 some_done
started="$(app many '{.status.operationState.startedAt}')"
kill -9 "$cap_pid"
wait "$cap_pid" 2>/dev/null
check_eq "operation left Running" Running "$(app many '{.status.operationState.phase}')"
start_capstan
check "restarted controller resumes the sync" wait_until 40 \
	app_is many '{.status.operationState.phase}' Succeeded
check_eq "resumed, not restarted" "$started" "$(app many '{.status.operationState.startedAt}')"
check "resume is logged" grep -q 'msg="sync resumed" app=many' "$E2E_TMP/capstan.log"
check_eq "one history entry after resume" 0 "$(app many '{.status.history[*].id}')"
check_eq "every object synced" 30 "$(k get cm -n bulk -o name | grep -c cm-)"

# terminate-op: the running sync stops between objects and ends Failed
kill "$cap_pid"
wait "$cap_pid" 2>/dev/null
start_capstan --kube-qps 6 --kube-burst 90
k patch application -n argocd many --type merge \
	-p '{"operation":{"sync":{},"initiatedBy":{"username":"e2e"}}}' >/dev/null
check "second sync is under way" wait_until 30 some_done
k patch application -n argocd many --type merge \
	-p '{"status":{"operationState":{"phase":"Terminating"}}}' >/dev/null
check "terminated sync ends Failed" wait_until 20 app_is many '{.status.operationState.phase}' Failed
check_eq "termination message" "Operation terminated" "$(app many '{.status.operationState.message}')"
check_eq "terminated sync adds no history" 0 "$(app many '{.status.history[*].id}')"
