# capstan run with a second cluster: two drydocks, Capstan installed into the first, the second
# registered by an Argo CD cluster Secret (bearer token and CA, over TLS) added while the
# controller runs. An app whose destination is the second cluster syncs there and not into the
# first, drift on the second is seen and self-healed, a destination by name works, an
# unconfigured server gives InvalidSpecError, an unreachable cluster and a wrong token give a
# ComparisonError naming the cluster, a fixed Secret makes the app compare again, `capstan cluster
# list` shows each cluster's reachability, a cascading delete cleans the second cluster, and an
# app whose cluster Secret was removed is unconfigured again and can still be deleted.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools

start_drydock --controller-delay-ms 200
check "admin install" capstan admin install --kubeconfig "$KC"

KC2="$E2E_TMP/second.kubeconfig"
TOKEN2="second-$RANDOM$RANDOM"
start_drydock_at "$KC2" "$E2E_TMP/second.log" --tls --token "$TOKEN2" --controller-delay-ms 200
k2() { kubectl --kubeconfig "$KC2" --cache-dir "$E2E_TMP/kcache2" "$@"; }
check "second cluster answers" k2 get ns default

view2() { kubectl config view --raw --minify --kubeconfig "$KC2" -o "jsonpath=$1"; }
SERVER2="$(view2 '{.clusters[0].cluster.server}')"
CA2="$(view2 '{.clusters[0].cluster.certificate-authority-data}')"
check "second cluster is served over TLS" grep -q '^https://127.0.0.1:' <<<"$SERVER2"
check_eq "second kubeconfig carries the token" "$TOKEN2" "$(view2 '{.users[0].user.token}')"
check "second kubeconfig carries a CA" test -n "$CA2"

# cluster_secret NAME SERVER CLUSTER_NAME TOKEN: registers a cluster as argocd cluster add does.
cluster_secret() {
	k apply -f - <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: $1
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
type: Opaque
stringData:
  name: $3
  server: $2
  config: |
    {"bearerToken": "$4", "tlsClientConfig": {"insecure": false, "caData": "$CA2"}}
EOF
}

REPO="$E2E_TMP/repo"
gitc() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid "$@"; }
git init -q -b main "$REPO"
cp -r "$CAP_SOURCE_DIR/examples/web" "$REPO/web"
gitc add -A
gitc commit -qm v1

# application NAME DESTINATION NAMESPACE: an auto-syncing, self-healing Application; DESTINATION
# is the YAML of its destination's server or name.
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
    path: web
    targetRevision: main
  destination:
    $2
    namespace: $3
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
EOF
}

PORT=$((20000 + RANDOM % 20000))
capstan run --kubeconfig "$KC" --resync 4s --listen "127.0.0.1:$PORT" >>"$E2E_TMP/capstan.log" 2>&1 &
cap_pid=$!
e2e_cleanup_hooks+=("kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")
check "controller is ready" wait_until 30 curl -sf "http://127.0.0.1:$PORT/healthz"

# before the cluster is registered, its server is not a configured destination
check "create app to the second cluster" application remote "server: $SERVER2" remote
check "unregistered server is InvalidSpecError" wait_until 20 app_is remote \
	'{.status.conditions[?(@.type=="InvalidSpecError")].message}' \
	"cluster '$SERVER2' has not been configured"
check_eq "unregistered server is Unknown" Unknown "$(app remote '{.status.sync.status}')"

check "register the second cluster" cluster_secret second "$SERVER2" second "$TOKEN2"
check "app syncs into the second cluster" wait_until 40 app_is remote \
	'{.status.sync.status}/{.status.operationState.phase}' Synced/Succeeded
check "app becomes Healthy" wait_until 30 app_is remote '{.status.health.status}' Healthy
check_eq "no condition is left" "" "$(app remote '{.status.conditions}')"
check_eq "resources are listed" "ConfigMap/web-settings Service/web Deployment/web " \
	"$(app remote '{range .status.resources[*]}{.kind}/{.name} {end}')"
check_eq "deployment is in the second cluster" "registry.example/web:1.0" \
	"$(k2 get deploy -n remote web -o 'jsonpath={.spec.template.spec.containers[0].image}')"
check "namespace was created in the second cluster" k2 get namespace remote
check "nothing was created in the first cluster" bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get namespace remote"
check "connection is logged" grep -q "msg=\"cluster connected\" server=$SERVER2" \
	"$E2E_TMP/capstan.log"

k2 scale -n remote deploy/web --replicas=5 >/dev/null
replicas_are() { [[ "$(k2 get deploy -n remote web -o 'jsonpath={.spec.replicas}')" == "$1" ]]; }
check "self-heal reverts kubectl scale on the second cluster" wait_until 20 replicas_are 2
k2 delete -n remote configmap web-settings >/dev/null
check "deleted object is recreated on the second cluster" wait_until 20 \
	k2 get -n remote configmap web-settings

# a new commit reaches the second cluster
sed -i 's/web:1.0/web:2.0/' "$REPO/web/deployment.yaml"
gitc commit -qam v2
image_is() {
	[[ "$(k2 get deploy -n remote web -o 'jsonpath={.spec.template.spec.containers[0].image}')" == "$1" ]]
}
check "new commit is synced to the second cluster" wait_until 30 image_is registry.example/web:2.0

check "create app to the second cluster by name" application byname "name: second" named
check "app by name syncs into the second cluster" wait_until 40 app_is byname \
	'{.status.sync.status}/{.status.operationState.phase}' Synced/Succeeded
check "app by name created its namespace there" k2 get namespace named

check "create app to an unknown server" application nowhere "server: https://unknown.invalid:6443" x
check "unknown server is InvalidSpecError" wait_until 20 app_is nowhere \
	'{.status.conditions[?(@.type=="InvalidSpecError")].message}' \
	"cluster 'https://unknown.invalid:6443' has not been configured"
check_eq "unknown server is Unknown" Unknown "$(app nowhere '{.status.sync.status}')"
check_eq "unknown server starts no sync" "" "$(app nowhere '{.status.operationState.phase}')"

# a registered cluster nobody listens at
DEAD="https://127.0.0.1:$((PORT + 1))"
check "register an unreachable cluster" cluster_secret dead "$DEAD" dead "$TOKEN2"
check "create app to the unreachable cluster" application unreachable "server: $DEAD" x
check "unreachable cluster is a ComparisonError" wait_until 30 app_is unreachable \
	'{.status.sync.status}' Unknown
cond="$(app unreachable '{.status.conditions[?(@.type=="ComparisonError")].message}')"
check "ComparisonError names the cluster" grep -q "failed to sync cluster $DEAD: .*cannot reach" \
	<<<"$cond"

# a wrong token in the Secret makes a new connection, which fails; the right one heals it
check "wrong token in the secret" cluster_secret second "$SERVER2" second wrong-token
check "wrong token is a ComparisonError" wait_until 30 app_is remote \
	'{.status.sync.status}' Unknown
cond="$(app remote '{.status.conditions[?(@.type=="ComparisonError")].message}')"
check "ComparisonError names the cluster and the refusal" grep -q \
	"failed to sync cluster $SERVER2: .*Unauthorized" <<<"$cond"
check "right token again" cluster_secret second "$SERVER2" second "$TOKEN2"
check "app compares again after the fix" wait_until 40 app_is remote \
	'{.status.sync.status}/{.status.health.status}' Synced/Healthy
check_eq "no condition after the fix" "" "$(app remote '{.status.conditions}')"

list="$(capstan cluster list --kubeconfig "$KC")"
echo "$list"
row() { awk -v s="$1" '$1 == s {print $2, $3, $4}' <<<"$list"; }
check_eq "cluster list header" "SERVER NAME VERSION STATUS MESSAGE PROJECT" \
	"$(head -1 <<<"$list" | tr -s ' ')"
check_eq "in-cluster is listed and reachable" "in-cluster 1.32 Successful" \
	"$(row https://kubernetes.default.svc)"
check_eq "second cluster is listed and reachable" "second 1.32 Successful" "$(row "$SERVER2")"
check_eq "unreachable cluster is listed as Failed" "dead Failed cannot" "$(row "$DEAD")"
check_eq "cluster list -o server" "3" "$(capstan cluster list --kubeconfig "$KC" -o server | wc -l)"

# cascading delete removes the objects from the second cluster
k patch application -n argocd byname --type merge \
	-p '{"metadata":{"finalizers":["resources-finalizer.argocd.argoproj.io"]}}' >/dev/null
k delete application -n argocd byname --wait=false >/dev/null
check "cascading delete removes the app" wait_until 30 bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd byname"
check "its objects are gone from the second cluster" wait_until 30 bash -c \
	"! kubectl --kubeconfig '$KC2' --cache-dir '$E2E_TMP/kcache2' get deploy -n named web"

# a removed cluster Secret: its apps are unconfigured again, and a cascading delete lets go
k delete secret -n argocd dead >/dev/null
check "removed cluster is InvalidSpecError" wait_until 30 app_is unreachable \
	'{.status.conditions[?(@.type=="InvalidSpecError")].message}' \
	"cluster '$DEAD' has not been configured"
k patch application -n argocd unreachable --type merge \
	-p '{"metadata":{"finalizers":["resources-finalizer.argocd.argoproj.io"]}}' >/dev/null
k delete application -n argocd unreachable --wait=false >/dev/null
check "app of a removed cluster can be deleted" wait_until 30 bash -c \
	"! kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd unreachable"

check "controller is still running" kill -0 "$cap_pid"
check "controller is still healthy" curl -sf "http://127.0.0.1:$PORT/healthz"
