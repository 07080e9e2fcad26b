# AppProject sync windows gate syncs as in Argo CD: an active deny window keeps an automated app
# OutOfSync with no operation and makes `capstan app sync` refuse ("cannot sync: blocked by sync
# window"), manualSync lets a manual sync through, an operation written with kubectl while
# blocked waits Running with "Sync operation blocked by sync window" and runs once the window is
# gone, removing the window lets auto-sync proceed, an allow window that is not open blocks
# auto-sync too, and `capstan proj windows list` shows the windows and their state.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools

start_drydock --controller-delay-ms 200

check "admin install" capstan admin install --kubeconfig "$KC"

REPO="$E2E_TMP/repo"
gitc() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid "$@"; }
git init -q -b main "$REPO"
mkdir "$REPO/cm"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  v: "1"\n' \
	>"$REPO/cm/settings.yaml"
gitc add -A
gitc commit -qm v1
v1="$(git -C "$REPO" rev-parse HEAD)"

# project WINDOWS_JSON: the AppProject "frozen" with these spec.syncWindows.
project() {
	k apply -f - <<EOF2
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: frozen
  namespace: argocd
spec:
  sourceRepos: ['*']
  destinations: [{server: '*', namespace: '*'}]
  clusterResourceWhitelist: [{group: '*', kind: '*'}]
  syncWindows: $1
EOF2
}
DENY='[{"kind":"deny","schedule":"* * * * *","duration":"1h","applications":["*"]}]'
check "project with an active deny window" project "$DENY"

# application NAME NAMESPACE AUTOMATED(true|false): an Application of project frozen.
application() {
	local policy=""
	[[ "$3" == true ]] && policy="automated: {prune: true}"
	k apply -f - <<EOF2
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: $1
  namespace: argocd
spec:
  project: frozen
  source:
    repoURL: file://$REPO
    path: cm
    targetRevision: main
  destination:
    server: https://kubernetes.default.svc
    namespace: $2
  syncPolicy:
    $policy
    syncOptions: [CreateNamespace=true]
EOF2
}
check "create automated application" application auto wa true
check "create manual application" application manual wm false

PORT=$((20000 + RANDOM % 20000))
capstan run --kubeconfig "$KC" --resync 4s --listen "127.0.0.1:$PORT" >>"$E2E_TMP/capstan.log" 2>&1 &
cap_pid=$!
e2e_cleanup_hooks+=("kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")

# prevented N: the controller declined auto-sync of app auto more than N times.
prevented() { (($(grep -c 'msg="Sync prevented by sync window" app=auto' "$E2E_TMP/capstan.log") > $1)); }

check "automated app is OutOfSync" wait_until 20 app_is auto '{.status.sync.status}' OutOfSync
check "auto-sync is prevented and logged" wait_until 20 prevented 0
n="$(grep -c 'Sync prevented by sync window" app=auto' "$E2E_TMP/capstan.log")"
check "auto-sync is judged again on later refreshes" wait_until 20 prevented $((n + 1))
check_eq "no operation while denied" "OutOfSync//" \
	"$(app auto '{.status.sync.status}/{.operation}/{.status.operationState.phase}')"
check "nothing deployed while denied" bash -c "! kubectl --cache-dir '$E2E_TMP/kcache' get cm -n wa settings"

list="$(capstan proj windows list frozen --kubeconfig "$KC")"
check_eq "windows header" \
	"ID STATUS KIND SCHEDULE DURATION APPLICATIONS NAMESPACES CLUSTERS MANUALSYNC SYNCOVERRUN TIMEZONE USEANDOPERATOR" \
	"$(head -1 <<<"$list" | tr -s ' ' | sed 's/ $//')"
check_eq "deny window row" "0 Active deny * * * * * 1h * - - Disabled Disabled Disabled" \
	"$(sed -n 2p <<<"$list" | tr -s ' ' | sed 's/ $//')"
check "windows as json" bash -c \
	"capstan proj windows list frozen -o json --kubeconfig '$KC' | grep -q '\"kind\": \"deny\"'"
out="$(capstan proj windows list nope --kubeconfig "$KC" 2>&1)"
rc=$?
check "missing project is an error" test "$rc" -ne 0
check_eq "missing project message" 'capstan: appprojects.argoproj.io "nope" not found' "$out"

out="$(capstan app sync manual --kubeconfig "$KC" --timeout 30 2>&1)"
rc=$?
check "manual sync is refused" test "$rc" -ne 0
check_eq "refusal message" "capstan: cannot sync: blocked by sync window" "$out"
check_eq "refused sync writes no operation" "" "$(app manual '{.operation}')"

check "manualSync lets users through" project \
	'[{"kind":"deny","schedule":"* * * * *","duration":"1h","applications":["*"],"manualSync":true}]'
check "manual sync runs with manualSync" capstan app sync manual --kubeconfig "$KC" --timeout 60
check_eq "manual sync deployed" 1 "$(k get cm -n wm settings -o 'jsonpath={.data.v}')"
n="$(grep -c 'Sync prevented by sync window" app=auto' "$E2E_TMP/capstan.log")"
check "auto-sync is still prevented with manualSync" wait_until 20 prevented $((n + 1))
check_eq "still no automated operation" "OutOfSync/" \
	"$(app auto '{.status.sync.status}/{.status.operationState.phase}')"
# manualSync is for users: an operation initiated by automation is held all the same
k patch application -n argocd manual --type merge \
	-p '{"operation":{"sync":{},"initiatedBy":{"username":"e2e","automated":true}}}' >/dev/null
check "automated operation is held despite manualSync" wait_until 20 app_is manual \
	'{.status.operationState.phase}/{.status.operationState.message}' \
	"Running/Sync operation blocked by sync window"

# an operation written straight into the Application while the window blocks it
check "deny window without manualSync" project "$DENY"
check "create held application" application held wh false
check "held app is OutOfSync" wait_until 20 app_is held '{.status.sync.status}' OutOfSync
k patch application -n argocd held --type merge \
	-p '{"operation":{"sync":{"revision":"main"},"initiatedBy":{"username":"e2e"}}}' >/dev/null
check "written operation is held Running" wait_until 20 app_is held \
	'{.status.operationState.phase}/{.status.operationState.message}' \
	"Running/Sync operation blocked by sync window"
sleep 5
check_eq "held operation stays held" "Running/Sync operation blocked by sync window" \
	"$(app held '{.status.operationState.phase}/{.status.operationState.message}')"
check "held operation deploys nothing" bash -c "! kubectl --cache-dir '$E2E_TMP/kcache' get cm -n wh settings"
check "held sync is logged" grep -q 'msg="Sync operation blocked by sync window" app=held' \
	"$E2E_TMP/capstan.log"

check "remove the windows" project '[]'
check "auto-sync proceeds once the window is gone" wait_until 30 app_is auto \
	'{.status.sync.status}/{.status.operationState.phase}' Synced/Succeeded
check_eq "the sync was automated" true "$(app auto '{.status.operationState.operation.initiatedBy.automated}')"
check "held operation runs once the window is gone" wait_until 30 app_is held \
	'{.status.operationState.phase}' Succeeded
check_eq "held operation message" "successfully synced (all tasks run)" \
	"$(app held '{.status.operationState.message}')"
check_eq "held operation deployed" 1 "$(k get cm -n wh settings -o 'jsonpath={.data.v}')"
check_eq "held operation is cleared" "" "$(app held '{.operation}')"
check "held automated operation runs once the window is gone" wait_until 30 app_is manual \
	'{.status.operationState.phase}/{.operation}' Succeeded/

# an allow window that opens 12 hours from now blocks auto-sync of a new commit
hour=$(((10#$(date -u +%H) + 12) % 24))
check "allow window 12 hours away" project \
	"[{\"kind\":\"allow\",\"schedule\":\"0 $hour * * *\",\"duration\":\"1h\",\"namespaces\":[\"w*\"]}]"
list="$(capstan proj windows list frozen --kubeconfig "$KC")"
check_eq "allow window row" "0 Inactive allow 0 $hour * * * 1h - w* - Disabled Disabled Disabled" \
	"$(sed -n 2p <<<"$list" | tr -s ' ' | sed 's/ $//')"
sed -i 's/"1"/"2"/' "$REPO/cm/settings.yaml"
gitc commit -qam v2
v2="$(git -C "$REPO" rev-parse HEAD)"
check "new commit is OutOfSync" wait_until 20 app_is auto \
	'{.status.sync.status}/{.status.sync.revision}' "OutOfSync/$v2"
n="$(grep -c 'Sync prevented by sync window" app=auto' "$E2E_TMP/capstan.log")"
check "auto-sync is prevented outside the allow window" wait_until 20 prevented $((n + 1))
check_eq "last sync is still the first commit" "$v1/OutOfSync" \
	"$(app auto '{.status.operationState.syncResult.revision}/{.status.sync.status}')"
check_eq "live object keeps the first commit" 1 "$(k get cm -n wa settings -o 'jsonpath={.data.v}')"
out="$(capstan app sync manual --kubeconfig "$KC" --timeout 30 2>&1)"
check_eq "manual sync is refused outside the allow window" \
	"capstan: cannot sync: blocked by sync window" "$out"
