# Sync options the controller applies around the engine, end to end on drydock:
# RespectIgnoreDifferences=true keeps an ignored field's live value while the rest follows Git,
# FailOnSharedResource=true refuses an object another app tracks, Prune=confirm waits for the
# app's deletion approval, and the CLI's --server-side and --replace reach the apply.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools
start_drydock --controller-delay-ms 100
check "admin install" capstan admin install --kubeconfig "$KC"

REPO="$E2E_TMP/repo"
gitc() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid "$@"; }
git init -q -b main "$REPO"
mkdir -p "$REPO/web" "$REPO/shared-a" "$REPO/shared-b" "$REPO/confirm"
web() {
	cat >"$REPO/web/deploy.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:$1"}]
EOF
}
web 1.26
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: common\ndata: {a: "1"}\n' >"$REPO/shared-a/cm.yaml"
cp "$REPO/shared-a/cm.yaml" "$REPO/shared-b/cm.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n' >"$REPO/confirm/keep.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: careful\n  annotations:\n    argocd.argoproj.io/sync-options: Prune=confirm\n' \
	>"$REPO/confirm/careful.yaml"
gitc add -A
gitc commit -qm v1

PORT=$((20000 + RANDOM % 20000))
capstan run --kubeconfig "$KC" --resync 30s --listen "127.0.0.1:$PORT" >>"$E2E_TMP/capstan.log" 2>&1 &
cap_pid=$!
e2e_cleanup_hooks+=("kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")

create() { capstan app create "$@" --repo "file://$REPO" --dest-server https://kubernetes.default.svc \
	--dest-namespace default --kubeconfig "$KC" >/dev/null; }

# --- RespectIgnoreDifferences
create web --path web --sync-option RespectIgnoreDifferences=true
k patch application -n argocd web --type merge \
	-p '{"spec":{"ignoreDifferences":[{"group":"apps","kind":"Deployment","jsonPointers":["/spec/replicas"]}]}}' >/dev/null
check "web: first sync" capstan app sync web --kubeconfig "$KC" --timeout 60
k scale deployment web -n default --replicas 3 >/dev/null
web 1.27
gitc commit -qam "web 1.27"
check "web: sync of the new image" capstan app sync web --kubeconfig "$KC" --timeout 60
check_eq "web: the image follows Git" nginx:1.27 \
	"$(k get deployment web -n default -o 'jsonpath={.spec.template.spec.containers[0].image}')"
check_eq "web: the ignored replica count keeps its live value" 3 \
	"$(k get deployment web -n default -o 'jsonpath={.spec.replicas}')"

# --- FailOnSharedResource
create shared-a --path shared-a
check "shared-a: sync" capstan app sync shared-a --kubeconfig "$KC" --timeout 60
create shared-b --path shared-b --sync-option FailOnSharedResource=true
capstan app sync shared-b --kubeconfig "$KC" --timeout 60 >/dev/null 2>&1
check_eq "shared-b: the sync fails" Failed "$(app shared-b '{.status.operationState.phase}')"
check "shared-b: the message names the shared object and its owner" bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd shared-b -o 'jsonpath={.status.operationState.message}' | grep -q 'Shared resource found: ConfigMap/common is part of applications argocd/shared-b and shared-a'"
check_eq "shared-b: the object is still shared-a's" "shared-a:/ConfigMap:default/common" \
	"$(k get configmap common -n default -o 'jsonpath={.metadata.annotations.argocd\.argoproj\.io/tracking-id}')"

# --- Prune=confirm
create confirm --path confirm
check "confirm: sync" capstan app sync confirm --kubeconfig "$KC" --timeout 60
gitc rm -q confirm/careful.yaml
gitc commit -qm "drop careful"
capstan app sync confirm --prune --async --kubeconfig "$KC" >/dev/null
waiting() { [[ "$(app confirm '{.status.operationState.message}')" == "Waiting for pruning confirmation of v1/ConfigMap/careful" ]]; }
check "confirm: the prune waits for approval" wait_until 30 waiting
check "confirm: the object is still there" k get configmap careful -n default
k annotate application -n argocd confirm --overwrite \
	"argocd.argoproj.io/deletion-approved=$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
check "confirm: approved, the operation succeeds" wait_until 30 op_done confirm
check_eq "confirm: phase" Succeeded "$(app confirm '{.status.operationState.phase}')"
check "confirm: the object was pruned" wait_until 10 bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get configmap careful -n default 2>/dev/null"

# --- --server-side and --replace reach the apply
check "web: server-side sync" capstan app sync web --server-side --kubeconfig "$KC" --timeout 60
check_eq "web: argocd-controller now manages the fields by apply" "argocd-controller" \
	"$(k get deployment web -n default --show-managed-fields -o 'jsonpath={.metadata.managedFields[?(@.operation=="Apply")].manager}')"
check_eq "web: result message" "deployment.apps/web serverside-applied" \
	"$(app web '{.status.operationState.syncResult.resources[0].message}')"
check "confirm: replace sync" capstan app sync confirm --replace --kubeconfig "$KC" --timeout 60
check_eq "confirm: result message" "configmap/keep replaced" \
	"$(app confirm '{.status.operationState.syncResult.resources[0].message}')"
