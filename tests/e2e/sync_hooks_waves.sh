# The sync engine end to end on drydock with Argo CD's sample apps and apps written here: the
# order of creates and deletes seen through kubectl watches (one global resourceVersion orders
# them), waves mirrored when pruning, hooks with their phases, results and delete policies, CRDs
# before their resources, a failing PreSync Job stopping the sync and running the SyncFail hook,
# a PostSync hook only after the Deployment is Healthy, retries on the backoff schedule, a
# selective sync and a dry run running no hooks, and a controller killed in wave 2 resuming there.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools
APPS="$CAP_SHARED_DATA/argocd/e2e-apps"
[[ -d "$APPS" ]] || { echo "no e2e-apps in $CAP_SHARED_DATA; skipping"; exit 0; }

start_drydock --controller-delay-ms 300
check "admin install" capstan admin install --kubeconfig "$KC"

REPO="$E2E_TMP/repo"
gitc() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid "$@"; }
git init -q -b main "$REPO"
for a in hook hook-and-deployment sync-waves syncwaves-prune-order crd-creation; do
	cp -r "$APPS/$a" "$REPO/$a"
done

# Apps written for this test.
mkdir -p "$REPO/presync-fail" "$REPO/postsync" "$REPO/three-waves" "$REPO/retry"
cat >"$REPO/presync-fail/all.yaml" <<'EOF'
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    argocd.argoproj.io/hook: PreSync
    drydock.capstan.dev/simulate: fail
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: migrate:1}]
---
apiVersion: batch/v1
kind: Job
metadata:
  generateName: notify-
  annotations:
    argocd.argoproj.io/hook: SyncFail
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: notify:1}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data: {a: "1"}
EOF
cat >"$REPO/postsync/all.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {drydock.capstan.dev/simulate: slow}
    spec:
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: smoke
  annotations:
    argocd.argoproj.io/hook: PostSync
    argocd.argoproj.io/hook-delete-policy: HookSucceeded
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: smoke:1}]
EOF
for w in 1 2 3; do
	for n in a b; do
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w%s-%s\n  annotations:\n    argocd.argoproj.io/sync-wave: "%s"\ndata: {n: "%s"}\n' \
			"$w" "$n" "$w" "$n" >"$REPO/three-waves/w$w-$n.yaml"
	done
done
cat >"$REPO/retry/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: lost
  namespace: no-such-namespace
data: {a: "1"}
EOF
gitc add -A
gitc commit -qm v1

# Watches of the kinds the apps use; each line "RV EVENT Kind name deletionTimestamp".
EV="$E2E_TMP/events"
mkdir -p "$EV"
for kind in configmaps pods jobs serviceaccounts roles rolebindings deployments \
	customresourcedefinitions; do
	k get "$kind" -A -w --output-watch-events -o \
		'jsonpath={.object.metadata.resourceVersion}|{.type}|{.object.kind}|{.object.metadata.name}|{.object.metadata.deletionTimestamp}|{.object.status.availableReplicas}{"\n"}' \
		>"$EV/$kind" 2>/dev/null &
	e2e_cleanup_hooks+=("kill $! 2>/dev/null")
done
# events: every watched event so far, in the cluster's order.
events() { cat "$EV"/* | sort -t"|" -n -k1,1; }
# first_rv EVENT KIND NAME [deleting]: the resourceVersion of the first such event (a deletion
# starts with a deletionTimestamp or ends with DELETED).
first_rv() {
	if [[ "${4:-}" == deleting ]]; then
		events | awk -F'|' -v k="$2" -v n="$3" '$3==k && $4==n && ($2=="DELETED" || $5!="") {print $1; exit}'
	else
		events | awk -F'|' -v e="$1" -v k="$2" -v n="$3" '$2==e && $3==k && $4==n {print $1; exit}'
	fi
}
before() { [[ -n "$1" && -n "$2" ]] && (($1 < $2)); }

# application NAME PATH [SYNC-POLICY-YAML]
application() {
	k apply -f - >/dev/null <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: $1
  namespace: argocd
spec:
  project: default
  source: {repoURL: "file://$REPO", path: $2, targetRevision: main}
  destination: {server: https://kubernetes.default.svc, namespace: ${4:-default}}
  syncPolicy: {${3:-}}
EOF
}
sync_op() { # sync_op NAME [EXTRA-JSON-MEMBERS]
	k patch application -n argocd "$1" --type merge \
		-p "{\"operation\":{\"sync\":{${2:-}},\"initiatedBy\":{\"username\":\"e2e\"}}}" >/dev/null
}
result() { # result APP KIND NAME FIELD: a field of that task's result
	app "$1" "{.status.operationState.syncResult.resources[?(@.name==\"$3\")].$4}"
}

PORT=$((20000 + RANDOM % 20000))
start_capstan() {
	capstan run --kubeconfig "$KC" --resync 30s --sync-wave-delay "${WAVE_DELAY:-1s}" \
		--listen "127.0.0.1:$PORT" >>"$E2E_TMP/capstan.log" 2>&1 &
	cap_pid=$!
	e2e_cleanup_hooks+=("kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")
}
start_capstan

# --- sync-waves: cm-1 (wave 1) before cm-2 (wave 2), a wave delay apart
application sync-waves sync-waves
sync_op sync-waves
check "sync-waves: operation succeeds" wait_until 30 op_done sync-waves
check_eq "sync-waves: phase" Succeeded "$(app sync-waves '{.status.operationState.phase}')"
check "sync-waves: cm-1 created before cm-2" before "$(first_rv ADDED ConfigMap cm-1)" \
	"$(first_rv ADDED ConfigMap cm-2)"
check_eq "sync-waves: results in wave order" "cm-1 cm-2 " \
	"$(app sync-waves '{range .status.operationState.syncResult.resources[*]}{.name} {end}')"
check "sync-waves: app Synced" wait_until 20 app_is sync-waves '{.status.sync.status}' Synced

# --- syncwaves-prune-order: created 0 → 1 → 2, pruned 2 → 1 → 0
application prune-order syncwaves-prune-order
sync_op prune-order
check "prune-order: operation succeeds" wait_until 40 op_done prune-order
sa="$(first_rv ADDED ServiceAccount modify-pods-sa)"
role="$(first_rv ADDED Role modify-pods-role)"
rb="$(first_rv ADDED RoleBinding modify-pods-rolebinding)"
pod="$(first_rv ADDED Pod pod-with-finalizers)"
check "prune-order: wave 0 (sa, role) before wave 1 (rolebinding)" \
	bash -c "(($sa < $rb && $role < $rb))"
check "prune-order: wave 1 before wave 2 (pod)" before "$rb" "$pod"
gitc rm -q -r syncwaves-prune-order
mkdir -p "$REPO/syncwaves-prune-order"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n' >"$REPO/syncwaves-prune-order/keep.yaml"
gitc add -A
gitc commit -qm "prune the waves"
sync_op prune-order '"prune":true'
check "prune-order: pod deletion starts" wait_until 30 bash -c \
	"cat '$EV'/* | awk -F'|' '\$3==\"Pod\" && \$4==\"pod-with-finalizers\" && \$5!=\"\"' | grep -q ."
# the pod keeps its finalizer (nothing runs its preStop hook here): let it go, as the hook would
k patch pod pod-with-finalizers -n default --type json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null 2>&1
check "prune-order: prune operation succeeds" wait_until 40 op_done prune-order
pd="$(first_rv x Pod pod-with-finalizers deleting)"
rbd="$(first_rv x RoleBinding modify-pods-rolebinding deleting)"
sad="$(first_rv x ServiceAccount modify-pods-sa deleting)"
roled="$(first_rv x Role modify-pods-role deleting)"
check "prune-order: pod (wave 2) deleted before rolebinding (wave 1)" before "$pd" "$rbd"
check "prune-order: rolebinding deleted before sa and role (wave 0)" \
	bash -c "[[ -n '$sad' && -n '$roled' ]] && (($rbd < $sad && $rbd < $roled))"
check_eq "prune-order: pruned results" "Pruned Pruned Pruned Pruned" \
	"$(app prune-order '{.status.operationState.syncResult.resources[?(@.status=="Pruned")].status}')"

# --- hook: a Sync hook Pod runs beside the pod and finishes Succeeded
application hook hook
sync_op hook
check "hook: operation succeeds" wait_until 30 op_done hook
check_eq "hook: phase" Succeeded "$(app hook '{.status.operationState.phase}')"
check_eq "hook: result of the hook" "Sync Succeeded Sync" \
	"$(result hook Pod hook hookType) $(result hook Pod hook hookPhase) $(result hook Pod hook syncPhase)"
check_eq "hook: the hook pod completed" Succeeded "$(k get pod hook -n default -o 'jsonpath={.status.phase}')"
check_eq "hook: hook finalizer removed once done" "" \
	"$(k get pod hook -n default -o 'jsonpath={.metadata.finalizers}')"
check "hook: the hook is not a managed resource" bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd hook -o 'jsonpath={.status.resources[*].name}' | grep -qw hook"
check "hook: app Synced" wait_until 20 app_is hook '{.status.sync.status}' Synced
uid1="$(k get pod hook -n default -o 'jsonpath={.metadata.uid}')"
sync_op hook
check "hook: second sync succeeds" wait_until 30 op_done hook
uid2="$(k get pod hook -n default -o 'jsonpath={.metadata.uid}')"
check "hook: BeforeHookCreation replaced the hook" bash -c "[[ -n '$uid2' && '$uid1' != '$uid2' ]]"

# --- hook-and-deployment: a Sync Job hook and a Deployment
application hook-and-deployment hook-and-deployment
sync_op hook-and-deployment
check "hook-and-deployment: operation succeeds" wait_until 40 op_done hook-and-deployment
check_eq "hook-and-deployment: phase" Succeeded "$(app hook-and-deployment '{.status.operationState.phase}')"
check_eq "hook-and-deployment: job hook succeeded" Succeeded "$(result hook-and-deployment Job my-hook hookPhase)"
check "hook-and-deployment: Healthy" wait_until 30 app_is hook-and-deployment '{.status.health.status}' Healthy

# --- crd-creation: the CRDs come first, their resources in the same sync
application crd-creation crd-creation
sync_op crd-creation
check "crd-creation: operation succeeds" wait_until 40 op_done crd-creation
check_eq "crd-creation: phase" Succeeded "$(app crd-creation '{.status.operationState.phase}')"
crd_rv="$(first_rv ADDED CustomResourceDefinition dummies.argoproj.io)"
cr_rv="$(k get dummies.argoproj.io dummy-crd-instance -n default -o 'jsonpath={.metadata.resourceVersion}')"
check "crd-creation: CRD created before its resource" before "$crd_rv" "$cr_rv"
check "crd-creation: cluster-scoped resource created" k get clusterdummies.argoproj.io cluster-dummy-crd-instance

# --- a failing PreSync Job: nothing of the Sync phase is applied, the SyncFail hook runs
application presync-fail presync-fail
sync_op presync-fail
check "presync-fail: operation fails" wait_until 40 op_done presync-fail
check_eq "presync-fail: phase" Failed "$(app presync-fail '{.status.operationState.phase}')"
check "presync-fail: message names the failure" bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd presync-fail -o 'jsonpath={.status.operationState.message}' | grep -q 'one or more synchronization tasks completed unsuccessfully'"
check_eq "presync-fail: migrate hook failed" "PreSync Failed" \
	"$(result presync-fail Job migrate syncPhase) $(result presync-fail Job migrate hookPhase)"
check "presync-fail: the ConfigMap was never applied" bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get configmap app-config -n default 2>/dev/null"
check "presync-fail: SyncFail hook created" bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get jobs -n default -o name | grep -q 'job.batch/notify-'"
check_eq "presync-fail: SyncFail hook result" "SyncFail" \
	"$(app presync-fail '{.status.operationState.syncResult.resources[?(@.hookType=="SyncFail")].syncPhase}')"
sf_rv="$(events | awk -F'|' '$2=="ADDED" && $3=="Job" && $4 ~ /^notify-/ {print $1; exit}')"
check "presync-fail: SyncFail ran after the PreSync hook" before "$(first_rv ADDED Job migrate)" "$sf_rv"

# --- PostSync: the smoke Job is created only once the Deployment is Healthy
application postsync postsync
sync_op postsync
check "postsync: operation succeeds" wait_until 60 op_done postsync
check_eq "postsync: phase" Succeeded "$(app postsync '{.status.operationState.phase}')"
job_rv="$(first_rv ADDED Job smoke)"
avail_rv="$(events | awk -F"|" '$3=="Deployment" && $4=="web" && $6=="2" {print $1; exit}')"
check "postsync: the Deployment became available before the hook was created" \
	before "$avail_rv" "$job_rv"
check_eq "postsync: hook result" "PostSync Succeeded" \
	"$(result postsync Job smoke syncPhase) $(result postsync Job smoke hookPhase)"
check "postsync: HookSucceeded deleted the Job" wait_until 20 bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get job smoke -n default 2>/dev/null"

# --- selective sync and dry run run no hooks
k delete pod hook -n default --wait=false >/dev/null 2>&1
k patch pod hook -n default --type json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null 2>&1
wait_until 10 bash -c "! kubectl --cache-dir '$E2E_TMP/kcache' get pod hook -n default 2>/dev/null"
sync_op hook '"resources":[{"kind":"Pod","name":"pod"}]'
check "selective sync succeeds" wait_until 30 op_done hook
check "selective sync ran no hook" bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get pod hook -n default 2>/dev/null"
sync_op hook '"dryRun":true'
check "dry-run sync succeeds" wait_until 30 op_done hook
check "dry-run sync ran no hook" bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get pod hook -n default 2>/dev/null"

# --- retries follow the backoff schedule: 1s, then 2s (factor 2)
application retry retry
k patch application -n argocd retry --type merge -p \
	'{"operation":{"sync":{},"initiatedBy":{"username":"e2e"},"retry":{"limit":2,"backoff":{"duration":"1s","factor":2,"maxDuration":"1m"}}}}' >/dev/null
msgs="$E2E_TMP/retry-messages"
: >"$msgs"
watch_retry() {
	local m
	m="$(app retry '{.status.operationState.message}')"
	[[ -n "$m" ]] && ! grep -qxF -- "$m" "$msgs" && echo "$m" >>"$msgs"
	op_done retry
}
check "retry: operation ends" wait_until 30 watch_retry
check_eq "retry: phase and retry count" "Failed 2" \
	"$(app retry '{.status.operationState.phase} {.status.operationState.retryCount}')"
at1="$(grep -o 'Retrying attempt #1 at [^ ]*Z' "$msgs" | head -1 | awk '{print $NF}')"
at2="$(grep -o 'Retrying attempt #2 at [^ ]*Z' "$msgs" | head -1 | awk '{print $NF}')"
check "retry: both attempts were announced" bash -c "[[ -n '$at1' && -n '$at2' ]]"
gap=$(($(date -d "$at2" +%s) - $(date -d "$at1" +%s)))
check "retry: second wait is about twice the first (gap ${gap}s)" bash -c "((gap=$gap, gap >= 2 && gap <= 4))"
check "retry: failure names the namespace" bash -c \
	"grep -q 'no-such-namespace' '$msgs'"

# --- a controller killed in wave 2 resumes there
kill "$cap_pid"
wait "$cap_pid" 2>/dev/null
WAVE_DELAY=4s start_capstan
application three-waves three-waves
sync_op three-waves
in_wave2() { [[ "$(result three-waves ConfigMap w2-a status)" == Synced ]]; }
check "three-waves: wave 2 applied" wait_until 30 in_wave2
kill -9 "$cap_pid"
wait "$cap_pid" 2>/dev/null
check_eq "three-waves: wave 3 not applied yet" "" "$(result three-waves ConfigMap w3-a status)"
started="$(app three-waves '{.status.operationState.startedAt}')"
WAVE_DELAY=1s start_capstan
check "three-waves: resumed operation succeeds" wait_until 90 op_done three-waves
op_done three-waves || tail -n 30 "$E2E_TMP/capstan.log" >&2
check_eq "three-waves: phase" Succeeded "$(app three-waves '{.status.operationState.phase}')"
check_eq "three-waves: same operation" "$started" "$(app three-waves '{.status.operationState.startedAt}')"
check_eq "three-waves: wave 1 was not applied again" "configmap/w1-a created" \
	"$(result three-waves ConfigMap w1-a message)"
check_eq "three-waves: wave 3 applied after the restart" "configmap/w3-b created" \
	"$(result three-waves ConfigMap w3-b message)"
check "three-waves: resumed is logged" grep -q 'msg="sync resumed" app=three-waves' "$E2E_TMP/capstan.log"

