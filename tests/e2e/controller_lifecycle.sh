# capstan run over an application's life: drift noticed within a second, pruning (and
# Prune=false), rollback to a history entry, retries of a failing sync, and cascading deletion
# through the resources finalizer, multi-source apps, server-side apply, dry runs, AppProject
# rules.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools

WAIT_POLL=0.05
start_drydock --controller-delay-ms 100

capstan admin install --kubeconfig "$KC" >/dev/null 2>&1

REPO="$E2E_TMP/repo"
gitc() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid "$@"; }
git init -q -b main "$REPO"
mkdir "$REPO/app"
cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n%bdata:\n  v: "%s"\n' "$@"; }
cm one "" 1 >"$REPO/app/one.yaml"
cm two "" 1 >"$REPO/app/two.yaml"
# a kind excluded from management (Endpoints, by default) is left out of the comparison
printf 'apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: ignored\nsubsets: []\n' >"$REPO/app/ep.yaml"
cm keep "  annotations:\n    argocd.argoproj.io/sync-options: Prune=false\n" 1 >"$REPO/app/keep.yaml"
gitc add -A
gitc commit -qm v1
v1="$(git -C "$REPO" rev-parse HEAD)"

k apply -f - >/dev/null <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: life
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source: {repoURL: "file://$REPO", path: app, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: life}
  syncPolicy:
    automated: {prune: true}
    syncOptions: [CreateNamespace=true]
    retry: {limit: 2, backoff: {duration: 1s, factor: 1}}
EOF

capstan run --kubeconfig "$KC" --resync 60s --listen "" >"$E2E_TMP/capstan.log" 2>&1 &
cap_pid=$!
e2e_cleanup_hooks+=("kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")

check "automated sync deploys the app" wait_until 20 app_is life '{.status.sync.status}' Synced
check "objects exist" k get cm -n life one two keep
check_eq "excluded kinds are not listed" "" "$(app life '{.status.resources[?(@.kind=="Endpoints")].name}')"

# drift: a live edit is seen through the watch well before the 60 s resync
k patch cm -n life one --type merge -p '{"data":{"v":"drifted"}}' >/dev/null
t0=$SECONDS
check "drift is noticed within a second or two" wait_until 3 \
	app_is life '{.status.sync.status}' OutOfSync
check_eq "the drifted object is named" "one" \
	"$(app life '{.status.resources[?(@.status=="OutOfSync")].name}')"
check "without self-heal, the drift stays" test "$(k get cm -n life one -o 'jsonpath={.data.v}')" = drifted
echo "drift seen after $((SECONDS - t0)) s"

# pruning: files removed from Git go away, except Prune=false
git -C "$REPO" rm -q app/two.yaml app/keep.yaml
gitc commit -qm "drop two and keep"
v2="$(git -C "$REPO" rev-parse HEAD)"
k annotate application -n argocd life argocd.argoproj.io/refresh=normal >/dev/null
check "auto-sync prunes what Git dropped" wait_until 20 bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get cm -n life two"
check "Prune=false keeps its object" k get cm -n life keep
check_eq "prune results are recorded" "Pruned PruneSkipped" \
	"$(app life '{.status.operationState.syncResult.resources[?(@.name=="two")].status} {.status.operationState.syncResult.resources[?(@.name=="keep")].status}')"
check_eq "the kept object still asks to be pruned" "true" \
	"$(app life '{.status.resources[?(@.name=="keep")].requiresPruning}')"

# rollback: a sync of the first history entry's revision and source
k patch application -n argocd life --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}' >/dev/null
src="$(app life '{.status.history[0].source}')"
k patch application -n argocd life --type merge -p "{\"operation\":{\"sync\":{\"revision\":\"$v1\",\"source\":$src},\"initiatedBy\":{\"username\":\"e2e\"}}}" >/dev/null
check "rollback brings back the first revision" wait_until 20 app_is life \
	'{.status.operationState.phase}/{.status.operationState.syncResult.revision}' "Succeeded/$v1"
check "rolled-back object is back" k get cm -n life two
check_eq "history holds the rollback last" "$v1" \
	"$(app life '{.status.history[-1:].revision}')"
check "app is OutOfSync with main after a rollback" wait_until 10 \
	app_is life '{.status.sync.status}/{.status.sync.revision}' "OutOfSync/$v2"

# retries: an object the server rejects fails each attempt until the limit
cat >"$REPO/app/bad.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  selector: {matchLabels: {app: one}}
  template:
    metadata: {labels: {app: two}}
    spec: {containers: [{name: c, image: x}]}
EOF
gitc add -A
gitc commit -qm bad
k patch application -n argocd life --type merge \
	-p '{"operation":{"sync":{"revision":"main"},"initiatedBy":{"username":"e2e"},"retry":{"limit":2,"backoff":{"duration":"1s","factor":1}}}}' >/dev/null
check "a failing sync is retried" wait_until 15 bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd life -o 'jsonpath={.status.operationState.message}' | grep -q 'Retrying attempt #1'"
check "retries end in Failed" wait_until 20 app_is life '{.status.operationState.phase}' Failed
check_eq "retry count is kept" 2 "$(app life '{.status.operationState.retryCount}')"
check_eq "operation is cleared after the last retry" "" "$(app life '{.operation}')"

# multi-source: two folders rendered together, one revision each
mkdir -p "$REPO/extra"
cm extra "" 1 >"$REPO/extra/extra.yaml"
git -C "$REPO" rm -q app/bad.yaml
gitc add -A
gitc commit -qm extra
k apply -f - >/dev/null <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: duo, namespace: argocd}
spec:
  project: default
  sources:
  - {repoURL: "file://$REPO", path: extra, targetRevision: main}
  - {repoURL: "file://$REPO", path: app, targetRevision: HEAD}
  destination: {server: "https://kubernetes.default.svc", namespace: duo}
  syncPolicy:
    automated: {}
    syncOptions: [CreateNamespace=true]
EOF
check "multi-source app syncs" wait_until 20 app_is duo '{.status.sync.status}' Synced
check "objects of both sources exist" k get cm -n duo extra one
head="$(git -C "$REPO" rev-parse HEAD)"
check_eq "one revision per source" "$head $head" "$(app duo '{.status.sync.revisions[*]}')"
check_eq "history keeps the revisions" "$head $head" "$(app duo '{.status.history[0].revisions[*]}')"

# server-side apply: ServerSideApply=true applies as the argocd-controller field manager
k patch application -n argocd duo --type merge \
	-p '{"spec":{"syncPolicy":{"syncOptions":["CreateNamespace=true","ServerSideApply=true"]}}}' >/dev/null
cm extra "" 2 >"$REPO/extra/extra.yaml"
gitc commit -qam "extra v2"
k annotate application -n argocd duo argocd.argoproj.io/refresh=normal >/dev/null
extra_is() { [[ "$(k get cm -n duo extra -o 'jsonpath={.data.v}')" == "$1" ]]; }
check "server-side apply syncs the change" wait_until 20 extra_is 2
check_eq "applied by the argocd-controller manager" "argocd-controller/Apply" \
	"$(k get cm -n duo extra -o 'jsonpath={range .metadata.managedFields[?(@.manager=="argocd-controller")]}{.manager}/{.operation}{end}')"

# dry run: the operation succeeds and changes nothing
k patch application -n argocd duo --type merge -p '{"spec":{"syncPolicy":{"automated":null}}}' >/dev/null
cm extra "" 3 >"$REPO/extra/extra.yaml"
gitc commit -qam "extra v3"
history_before="$(app duo '{.status.history[*].id}')"
k patch application -n argocd duo --type merge \
	-p '{"operation":{"sync":{"dryRun":true},"initiatedBy":{"username":"e2e"}}}' >/dev/null
check "dry run succeeds" wait_until 20 app_is duo \
	'{.status.operationState.phase}/{.status.operationState.operation.sync.dryRun}' Succeeded/true
check "dry run reports what it would do" grep -q "(server dry run)" \
	<<<"$(app duo '{.status.operationState.syncResult.resources[*].message}')"
check "dry run changes nothing" extra_is 2
check_eq "dry run adds no history" "$history_before" "$(app duo '{.status.history[*].id}')"

# projects: a missing project and a forbidden kind
k apply -f - >/dev/null <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: orphan, namespace: argocd}
spec:
  project: nowhere
  source: {repoURL: "file://$REPO", path: app, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: life}
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: strict, namespace: argocd}
spec:
  sourceRepos: ['*']
  destinations: [{server: '*', namespace: '*'}]
  namespaceResourceBlacklist: [{group: '', kind: ConfigMap}]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: strict, namespace: argocd}
spec:
  project: strict
  source: {repoURL: "file://$REPO", path: app, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: strict}
EOF
check "missing project is an InvalidSpecError" wait_until 10 bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd orphan -o 'jsonpath={.status.conditions[?(@.type==\"InvalidSpecError\")].message}' | grep -q 'project nowhere which does not exist'"
k patch application -n argocd strict --type merge \
	-p '{"operation":{"sync":{},"initiatedBy":{"username":"e2e"}}}' >/dev/null
check "a kind the project forbids fails the sync" wait_until 15 app_is strict \
	'{.status.operationState.phase}' Failed
check "the message names the forbidden kind" grep -q 'resource :ConfigMap is not permitted in project strict' \
	<<<"$(app strict '{.status.operationState.message}')"
check "nothing of a refused sync is applied" bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get cm -n strict one"

# cascading deletion through the resources finalizer
k delete application -n argocd life --wait=false >/dev/null
check "finalizer deletes the app's objects" wait_until 20 bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get cm -n life one"
check "the Application goes away" wait_until 20 bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd life"
