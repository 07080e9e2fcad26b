#!/usr/bin/env bash
# capstan app … against drydock with a real git repository: create, list, get, set, manifests,
# diff, resources, history, sync (the operation written), wait, rollback, terminate-op, delete.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools
command -v git >/dev/null || { echo "git missing; skipping"; exit 0; }
start_drydock
unset USER
# run WANT_STATUS COMMAND…: runs it with output in $E2E_TMP/out and $E2E_TMP/err, checks the status.
run() {
	local want="$1"
	shift
	"$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	local rc=$?
	check_eq "exit $want: $*" "$want" "$rc"
	((rc == want)) || head -20 "$E2E_TMP/out" "$E2E_TMP/err"
}
appjson() { k get application "$1" -n argocd -o "jsonpath=$2"; }

capstan admin install >/dev/null 2>&1 || fail "admin install"

REPO="$E2E_TMP/repo"
mkdir -p "$REPO/guestbook"
cat >"$REPO/guestbook/app.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: guestbook-config
data:
  color: blue
---
apiVersion: v1
kind: Service
metadata:
  name: guestbook-ui
spec:
  ports:
  - port: 80
    targetPort: 80
  selector:
    app: guestbook-ui
YAML
git -C "$REPO" init -q -b main
git -C "$REPO" add .
git -C "$REPO" -c user.email=e2e@capstan -c user.name=e2e commit -qm first
FIRST="$(git -C "$REPO" rev-parse HEAD)"
URL="file://$REPO"
SERVER=https://kubernetes.default.svc

# create
run 0 capstan app create guestbook --core --repo "$URL" --path guestbook --revision main \
	--dest-server "$SERVER" --dest-namespace default --sync-option CreateNamespace=true
check_eq "create says so" "application 'guestbook' created" "$(cat "$E2E_TMP/out")"
check_eq "spec.source as argocd writes it" "$URL guestbook main" \
	"$(appjson guestbook '{.spec.source.repoURL} {.spec.source.path} {.spec.source.targetRevision}')"
check_eq "destination" "$SERVER default" \
	"$(appjson guestbook '{.spec.destination.server} {.spec.destination.namespace}')"
check_eq "sync option" "CreateNamespace=true" "$(appjson guestbook '{.spec.syncPolicy.syncOptions[0]}')"
check_eq "project defaults to default" "default" "$(appjson guestbook '{.spec.project}')"
run 0 capstan app create guestbook --repo "$URL" --path guestbook --revision main \
	--dest-server "$SERVER" --dest-namespace default --sync-option CreateNamespace=true
check_eq "same spec again is unchanged" "application 'guestbook' unchanged" "$(cat "$E2E_TMP/out")"
run 1 capstan app create guestbook --repo "$URL" --path other --dest-server "$SERVER"
check "different spec needs --upsert" grep -q "existing application spec is different, use upsert flag to force update" "$E2E_TMP/err"
run 2 capstan app create broken --repo "$URL" --path guestbook
check "destination is required" grep -q "destination" "$E2E_TMP/err"
run 2 capstan app create broken --repo "$URL" --dest-server "$SERVER" --auto-prune
check "auto-prune needs automated" grep -q "auto-prune is only valid with an automated sync policy" "$E2E_TMP/err"
run 1 capstan app create broken --repo "$URL" --dest-server "$SERVER" --project nope
check "unknown project" grep -q "application references project nope which does not exist" "$E2E_TMP/err"
run 1 capstan app create broken --repo "$URL" --dest-name staging --dest-namespace web
check "unknown cluster name" grep -q "there are no clusters with this name: staging" "$E2E_TMP/err"
k apply -f - >/dev/null <<YAML
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: restricted, namespace: argocd}
spec:
  sourceRepos: ['$URL']
  destinations: [{server: '$SERVER', namespace: web}]
YAML
run 1 capstan app create broken --repo "$URL" --dest-server "$SERVER" --dest-namespace db --project restricted
check "destination outside the project" grep -q "application destination server '$SERVER' and namespace 'db' do not match any of the allowed destinations in project 'restricted'" "$E2E_TMP/err"
run 1 capstan app create broken --repo "https://example.com/other.git" --dest-server "$SERVER" --dest-namespace web --project restricted
check "repository outside the project" grep -q "application repo https://example.com/other.git is not permitted in project 'restricted'" "$E2E_TMP/err"
check_eq "refused apps are not stored" "" "$(k get application broken -n argocd --ignore-not-found -o name)"
run 2 capstan app create broken --bogus-flag
run 2 capstan app create broken --repo "$URL" --dest-server "$SERVER" --sync-policy sometimes

cat >"$E2E_TMP/other.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: other
spec:
  project: default
  source:
    repoURL: $URL
    path: guestbook
  destination:
    name: in-cluster
    namespace: other
YAML
run 0 capstan app create -f "$E2E_TMP/other.yaml" --helm-set a=b --release-name rel
check_eq "file app lands in argocd" "other" "$(appjson other '{.metadata.name}')"
check_eq "flags apply over the file" "rel a=b" \
	"$(appjson other '{.spec.source.helm.releaseName} {.spec.source.helm.parameters[0].name}={.spec.source.helm.parameters[0].value}')"

# list
run 0 capstan app list
check "list header" grep -Eq '^NAME +CLUSTER +NAMESPACE +PROJECT +STATUS +HEALTH +SYNCPOLICY +CONDITIONS +REPO +PATH +TARGET$' "$E2E_TMP/out"
check "list row" grep -Eq "^argocd/guestbook +$SERVER +default +default +Manual +<none> +$URL +guestbook +main$" "$E2E_TMP/out"
check "list names the cluster by name" grep -Eq "^argocd/other +in-cluster +other" "$E2E_TMP/out"
run 0 capstan app list -o name
check_eq "list -o name" "argocd/guestbook argocd/other" "$(tr '\n' ' ' <"$E2E_TMP/out" | sed 's/ $//')"

# get
run 0 capstan app get guestbook
check "get Name" grep -qx "Name:               argocd/guestbook" "$E2E_TMP/out"
check "get Repo" grep -qx "Repo:               $URL" "$E2E_TMP/out"
check "get Target" grep -qx "Target:             main" "$E2E_TMP/out"
check "get Path" grep -qx "Path:               guestbook" "$E2E_TMP/out"
check "get Sync Policy" grep -qx "Sync Policy:        Manual" "$E2E_TMP/out"
check "get resource header" grep -Eq "^GROUP +KIND +NAMESPACE +NAME +STATUS +HEALTH +HOOK +MESSAGE$" "$E2E_TMP/out"
cp "$E2E_TMP/out" "$E2E_TMP/get-default"
# argocd app get treats -o wide as its default output (case "wide", ""): no extra columns
run 0 capstan app get guestbook -o wide
check "get -o wide is the default output" cmp "$E2E_TMP/get-default" "$E2E_TMP/out"
run 0 capstan app get guestbook -o json
check_eq "get -o json is the object" "guestbook" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["name"])' "$E2E_TMP/out")"
run 0 capstan app get guestbook -o yaml
check "get -o yaml" grep -q "^kind: Application$" "$E2E_TMP/out"
run 1 capstan app get missing
check "unknown app" grep -qx 'capstan: application.argoproj.io "missing" not found' "$E2E_TMP/err"
run 1 capstan app get guestbook -N elsewhere
run 2 capstan app get guestbook -o xml
run 1 capstan app get guestbook --refresh --timeout 1
check_eq "refresh annotation set for the controller" "normal" \
	"$(appjson guestbook '{.metadata.annotations.argocd\.argoproj\.io/refresh}')"
# a controller clears the annotation: get --hard-refresh returns once it is gone
(sleep 1; k annotate application guestbook -n argocd argocd.argoproj.io/refresh- >/dev/null) &
BG=$!
run 0 capstan app get guestbook --hard-refresh --timeout 20
wait $BG

# set
run 0 capstan app set guestbook --sync-policy automated --auto-prune --self-heal --sync-option ServerSideApply=true
check_eq "set automated" "true true" "$(appjson guestbook '{.spec.syncPolicy.automated.prune} {.spec.syncPolicy.automated.selfHeal}')"
check_eq "set adds a sync option" "CreateNamespace=true ServerSideApply=true" \
	"$(appjson guestbook '{.spec.syncPolicy.syncOptions[*]}')"
run 0 capstan app list
check "list shows Auto-Prune" grep -Eq "^argocd/guestbook .* Auto-Prune " "$E2E_TMP/out"
run 0 capstan app get guestbook
check "get shows Automated (Prune)" grep -qx "Sync Policy:        Automated (Prune)" "$E2E_TMP/out"
run 1 capstan app rollback guestbook 0
check "rollback refused with auto-sync" grep -q "rollback cannot be initiated when auto-sync is enabled" "$E2E_TMP/err"
run 0 capstan app set guestbook --sync-policy none --sync-option '!ServerSideApply=true' --dest-namespace web
check_eq "set none removes automated" "" "$(appjson guestbook '{.spec.syncPolicy.automated}')"
check_eq "set removes a sync option" "CreateNamespace=true" "$(appjson guestbook '{.spec.syncPolicy.syncOptions[*]}')"
check_eq "set destination namespace" "web" "$(appjson guestbook '{.spec.destination.namespace}')"
run 0 capstan app set guestbook --dest-namespace default
run 1 capstan app set guestbook --project restricted
check "set checks the project" grep -q "do not match any of the allowed destinations in project 'restricted'" "$E2E_TMP/err"
run 1 capstan app set missing --path x
check "set on an unknown app" grep -q 'application.argoproj.io "missing" not found' "$E2E_TMP/err"
run 2 capstan app set guestbook --self-heal

# manifests and diff
run 0 capstan app manifests guestbook
check "manifests render git" grep -q "name: guestbook-config" "$E2E_TMP/out"
check "manifests carry tracking" grep -q "argocd.argoproj.io/tracking-id: guestbook:/ConfigMap:default/guestbook-config" "$E2E_TMP/out"
cp "$E2E_TMP/out" "$E2E_TMP/desired.yaml"
run 1 capstan app diff guestbook
check "diff shows the missing ConfigMap" grep -q "===== /ConfigMap default/guestbook-config ======" "$E2E_TMP/out"
k apply -f "$E2E_TMP/desired.yaml" >/dev/null
run 0 capstan app diff guestbook
check_eq "no diff once applied" "" "$(cat "$E2E_TMP/out")"
k patch configmap guestbook-config -n default --type merge -p '{"data":{"color":"red"}}' >/dev/null
run 1 capstan app diff guestbook
check "diff shows drift" grep -q "color: red" "$E2E_TMP/out"
run 0 capstan app diff guestbook --exit-code=false
run 2 capstan app diff missing
run 0 capstan app manifests guestbook --source live
check "live manifests show the live value" grep -q "color: red" "$E2E_TMP/out"

# a multi-source application renders every source
mkdir -p "$REPO/extra"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  k: v\n' >"$REPO/extra/cm.yaml"
git -C "$REPO" add . && git -C "$REPO" -c user.email=e2e@capstan -c user.name=e2e commit -qm extra
k apply -f - >/dev/null <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: multi, namespace: argocd}
spec:
  project: default
  sources:
  - {repoURL: '$URL', path: guestbook, targetRevision: main}
  - {repoURL: '$URL', path: extra, targetRevision: main}
  destination: {server: '$SERVER', namespace: multi}
YAML
run 0 capstan app manifests multi
check "multi-source renders the first source" grep -q "name: guestbook-config" "$E2E_TMP/out"
check "multi-source renders the second source" grep -q "name: extra" "$E2E_TMP/out"
check "multi-source objects land in the destination namespace" grep -q "namespace: multi" "$E2E_TMP/out"
run 0 capstan app get multi
check "get lists every source" test "$(grep -c '^Repo:' "$E2E_TMP/out")" -eq 2

# status written by a controller: resources, history
k patch application guestbook -n argocd --type merge -p "{\"status\":{\"sync\":{\"status\":\"OutOfSync\",\"revision\":\"$FIRST\"},\"health\":{\"status\":\"Healthy\"},
 \"resources\":[{\"version\":\"v1\",\"kind\":\"ConfigMap\",\"namespace\":\"default\",\"name\":\"guestbook-config\",\"status\":\"OutOfSync\",\"health\":{\"status\":\"Healthy\"}}],
 \"history\":[{\"id\":0,\"revision\":\"$FIRST\",\"deployedAt\":\"2026-11-24T10:00:00Z\",\"source\":{\"repoURL\":\"$URL\",\"path\":\"guestbook\",\"targetRevision\":\"main\"}},
              {\"id\":1,\"revision\":\"$FIRST\",\"deployedAt\":\"2026-11-24T11:00:00Z\",\"source\":{\"repoURL\":\"$URL\",\"path\":\"guestbook\",\"targetRevision\":\"v1\"}}]}}" >/dev/null
run 0 capstan app get guestbook
check "get Sync Status" grep -qx "Sync Status:        OutOfSync from main (${FIRST:0:7})" "$E2E_TMP/out"
check "get Health Status" grep -qx "Health Status:      Healthy" "$E2E_TMP/out"
check "get resource row" grep -Eq "^ +ConfigMap +default +guestbook-config +OutOfSync +Healthy" "$E2E_TMP/out"
run 0 capstan app resources guestbook
check "resources row" grep -Eq "^ +ConfigMap +default +guestbook-config +No$" "$E2E_TMP/out"
run 0 capstan app history guestbook
check "history header" grep -Eq "^ID +DATE +REVISION$" "$E2E_TMP/out"
check "history row" grep -Eq "^1 +2026-11-24T11:00:00Z +v1 \($FIRST\)$" "$E2E_TMP/out"

# sync: the operation argocd writes
run 0 capstan app sync guestbook --async --prune --revision main --resource :ConfigMap:guestbook-config \
	--resource apps:Deployment:default/web
check_eq "operation initiated by the user" "admin" "$(appjson guestbook '{.operation.initiatedBy.username}')"
check_eq "operation sync" "main true" "$(appjson guestbook '{.operation.sync.revision} {.operation.sync.prune}')"
check_eq "operation strategy hook" "{}" "$(appjson guestbook '{.operation.sync.syncStrategy.hook}')"
check_eq "operation resources" ":ConfigMap:guestbook-config apps:Deployment:default/web" \
	"$(appjson guestbook '{.operation.sync.resources[0].group}:{.operation.sync.resources[0].kind}:{.operation.sync.resources[0].name} {.operation.sync.resources[1].group}:{.operation.sync.resources[1].kind}:{.operation.sync.resources[1].namespace}/{.operation.sync.resources[1].name}')"
run 1 capstan app sync guestbook --async
check "second sync refused" grep -q "another operation is already in progress" "$E2E_TMP/err"
run 2 capstan app sync guestbook --resource nonsense
check "bad --resource" grep -q "resource should have GROUP:KIND:NAME" "$E2E_TMP/err"
run 0 capstan app terminate-op guestbook
check_eq "terminate-op sets Terminating" "Terminating" "$(appjson guestbook '{.status.operationState.phase}')"

# a controller finishing the operation: sync and wait observe it
finish() {
	k patch application guestbook -n argocd --type merge -p "{\"operation\":null,\"status\":{\"sync\":{\"status\":\"Synced\",\"revision\":\"$FIRST\"},
	 \"operationState\":{\"phase\":\"$1\",\"message\":\"$2\",\"startedAt\":\"2026-11-24T12:00:00Z\",\"finishedAt\":\"2026-11-24T12:00:03Z\",
	 \"operation\":{\"sync\":{\"revision\":\"main\"}},
	 \"syncResult\":{\"revision\":\"$FIRST\",\"resources\":[{\"group\":\"\",\"kind\":\"ConfigMap\",\"namespace\":\"default\",\"name\":\"guestbook-config\",\"status\":\"$3\",\"message\":\"configmap/guestbook-config configured\",\"syncPhase\":\"Sync\"}]}}}}" >/dev/null
}
k patch application guestbook -n argocd --type merge -p '{"operation":null,"status":{"operationState":{"phase":"Succeeded"}}}' >/dev/null
(sleep 1; finish Succeeded "successfully synced (all tasks run)" Synced) &
BG=$!
run 0 capstan app sync guestbook --timeout 30
wait $BG
check "sync prints the result" grep -q "Message:            successfully synced (all tasks run)" "$E2E_TMP/out"
check "sync prints per-resource progress" grep -q "configmap/guestbook-config configured" "$E2E_TMP/out"
check "progress table header" grep -Eq "^TIMESTAMP +GROUP +KIND +NAMESPACE +NAME +STATUS +HEALTH +HOOK +MESSAGE$" "$E2E_TMP/out"
run 0 capstan app wait guestbook --sync --operation --timeout 5
run 1 capstan app wait guestbook --health --degraded --timeout 1
check "wait times out" grep -q 'timed out (1s) waiting for app "guestbook" match desired state' "$E2E_TMP/err"

(sleep 1; finish Failed "one or more objects failed to apply" SyncFailed) &
BG=$!
run 1 capstan app sync guestbook --timeout 30
wait $BG
check "failed sync says why" grep -q "Failed: one or more objects failed to apply" "$E2E_TMP/err"

# rollback to history id 0
(sleep 1; finish Succeeded "successfully synced (all tasks run)" Synced) &
BG=$!
run 0 capstan app rollback guestbook 0 --timeout 30
wait $BG
run 1 capstan app rollback guestbook 7
check "unknown history id" grep -q "does not have deployment id '7' in history" "$E2E_TMP/err"
k patch application guestbook -n argocd --type merge -p '{"operation":null}' >/dev/null
run 1 capstan app terminate-op guestbook
check "nothing to terminate" grep -q "No operation is in progress" "$E2E_TMP/err"

# delete
run 0 capstan app delete other multi --cascade=false -y --wait
check_eq "other and multi are gone" "" "$(k get application other multi -n argocd --ignore-not-found -o name)"
k patch application guestbook -n argocd --type merge -p '{"metadata":{"finalizers":["example.com/hold"]}}' >/dev/null
run 0 capstan app delete guestbook -y
check_eq "cascade keeps the resources finalizer" "example.com/hold resources-finalizer.argocd.argoproj.io" \
	"$(appjson guestbook '{.metadata.finalizers[*]}')"
check "deletion started" test -n "$(appjson guestbook '{.metadata.deletionTimestamp}')"
run 1 capstan app delete missing -y
echo n | capstan app delete guestbook >"$E2E_TMP/out" 2>&1
check "delete asks first" grep -q "was cancelled" "$E2E_TMP/out"
