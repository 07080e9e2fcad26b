# App of apps: a parent Application whose Git path holds two child Applications. capstan run
# creates the children, each child syncs itself (automated policy), the parent is Synced and
# Healthy; a Degraded child does not lower the parent's health by default (Argo CD ≥ 1.8 has no
# health check for Application) but does with the documented argocd-cm customisation
# resource.customizations.health.argoproj.io_Application; removing a child's manifest with prune
# on deletes the child Application and, through its resources finalizer, its objects.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools
command -v git >/dev/null || { echo "git missing; skipping"; exit 0; }

start_drydock --controller-delay-ms 100
check "admin install" capstan admin install --kubeconfig "$KC"

REPO="$E2E_TMP/repo"
gitc() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid "$@"; }
git init -q -b main "$REPO"
mkdir -p "$REPO/parent"

# child NAME [FINALIZER]: the child's manifests (a ConfigMap and a Deployment) under NAME/ and
# its Application under parent/.
child() {
	mkdir -p "$REPO/$1"
	cat >"$REPO/$1/app.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: $1-settings
data:
  greeting: hello from $1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
spec:
  replicas: 1
  selector:
    matchLabels: {app: $1}
  template:
    metadata:
      labels: {app: $1}
    spec:
      containers:
      - name: main
        image: registry.example/$1:1.0
EOF
	cat >"$REPO/parent/$1.yaml" <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: $1
  namespace: argocd
${2:+  finalizers: [$2]}
spec:
  project: default
  source:
    repoURL: file://$REPO
    path: $1
    targetRevision: main
  destination:
    server: https://kubernetes.default.svc
    namespace: ns-$1
  syncPolicy:
    automated: {prune: true}
    syncOptions: [CreateNamespace=true]
EOF
}
child alpha
child beta resources-finalizer.argocd.argoproj.io
gitc add -A
gitc commit -qm children

check "create the parent" capstan app create parent --repo "file://$REPO" --path parent \
	--revision main --dest-server https://kubernetes.default.svc --dest-namespace argocd \
	--sync-policy automated --auto-prune

PORT=$((20000 + RANDOM % 20000))
start_capstan() {
	capstan run --kubeconfig "$KC" --resync 3s --listen "127.0.0.1:$PORT" \
		>>"$E2E_TMP/capstan.log" 2>&1 &
	cap_pid=$!
	e2e_cleanup_hooks+=("kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")
}
start_capstan

check "child alpha appears" wait_until 30 app_is alpha '{.metadata.name}' alpha
check "child beta appears" wait_until 30 app_is beta '{.metadata.name}' beta
check_eq "children carry the parent's tracking id" \
	"parent:argoproj.io/Application:argocd/alpha" \
	"$(app alpha '{.metadata.annotations.argocd\.argoproj\.io/tracking-id}')"
for c in alpha beta; do
	check "child $c syncs itself" wait_until 40 app_is "$c" \
		'{.status.sync.status}/{.status.operationState.phase}' Synced/Succeeded
	check "child $c becomes Healthy" wait_until 40 app_is "$c" '{.status.health.status}' Healthy
	check "child $c deployed its Deployment" k get deploy -n "ns-$c" "$c"
	check_eq "child $c deployed its ConfigMap" "hello from $c" \
		"$(k get cm -n "ns-$c" "$c-settings" -o 'jsonpath={.data.greeting}')"
done
check "parent becomes Synced" wait_until 30 app_is parent '{.status.sync.status}' Synced
check "parent becomes Healthy" wait_until 30 app_is parent '{.status.health.status}' Healthy
check_eq "parent lists the child Applications" "Application/alpha Application/beta " \
	"$(app parent '{range .status.resources[*]}{.kind}/{.name} {end}')"
check_eq "child Applications have no health of their own by default" "" \
	"$(app parent '{.status.resources[*].health.status}')"

# a Degraded child: the parent stays Healthy without a health customisation for Application
sed -i 's/^  name: beta$/  name: beta\n  annotations: {drydock.capstan.dev\/simulate: fail}/' \
	"$REPO/beta/app.yaml"
gitc commit -qam "beta rollout fails"
check "child beta becomes Degraded" wait_until 40 app_is beta '{.status.health.status}' Degraded
k annotate application -n argocd parent argocd.argoproj.io/refresh=normal >/dev/null
check "parent refresh is done" wait_until 15 \
	app_is parent '{.metadata.annotations.argocd\.argoproj\.io/refresh}' ""
check_eq "a Degraded child does not lower the parent by default" Healthy \
	"$(app parent '{.status.health.status}')"

# the customisation from Argo CD's documentation restores the assessment of child apps
kill "$cap_pid"
wait "$cap_pid" 2>/dev/null
k apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels: {app.kubernetes.io/part-of: argocd}
data:
  resource.customizations.health.argoproj.io_Application: |
    hs = {}
    hs.status = "Progressing"
    hs.message = ""
    if obj.status ~= nil then
      if obj.status.health ~= nil then
        hs.status = obj.status.health.status
        if obj.status.health.message ~= nil then
          hs.message = obj.status.health.message
        end
      end
    end
    return hs
EOF
start_capstan
check "with the customisation a Degraded child makes the parent Degraded" \
	wait_until 30 app_is parent '{.status.health.status}' Degraded
check_eq "child health is shown per resource" "Healthy Degraded" \
	"$(app parent '{.status.resources[*].health.status}')"

# removing a child from Git: prune deletes the Application, its finalizer deletes its objects
gitc rm -q parent/beta.yaml
gitc commit -qm "drop beta"
gone() { ! k get "$@" >/dev/null 2>&1; }
check "pruned child Application is deleted" wait_until 40 gone application -n argocd beta
check "its Deployment is deleted" wait_until 20 gone deploy -n ns-beta beta
check "its ConfigMap is deleted" wait_until 20 gone cm -n ns-beta beta-settings
check "the other child stays" k get application -n argocd alpha
check_eq "the other child's objects stay" "hello from alpha" \
	"$(k get cm -n ns-alpha alpha-settings -o 'jsonpath={.data.greeting}')"
check "parent is Healthy again" wait_until 30 app_is parent '{.status.health.status}' Healthy
check "parent is Synced" wait_until 30 app_is parent '{.status.sync.status}' Synced
check_eq "parent lists one child" "Application/alpha " \
	"$(app parent '{range .status.resources[*]}{.kind}/{.name} {end}')"
