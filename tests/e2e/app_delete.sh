# Application deletion as Argo CD does it: resources wave by wave (highest first; a lingering
# object holds the next wave back; progress shows in the status), orphaning, background
# propagation, Delete=false and Delete=confirm (app confirm-deletion), PreDelete hooks before
# anything goes (a failing one blocks), PostDelete hooks once the resources are gone.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools

WAIT_POLL=0.05
start_drydock --controller-delay-ms 100

capstan admin install --kubeconfig "$KC" >/dev/null 2>&1

REPO="$E2E_TMP/repo"
gitc() { git -C "$REPO" -c user.name=e2e -c user.email=e2e@capstan.invalid "$@"; }
git init -q -b main "$REPO"
# cm DIR NAME ANNOTATIONS: a ConfigMap in the app folder DIR
cm() {
	mkdir -p "$REPO/$1"
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  annotations: {%s}\ndata:\n  v: "1"\n' \
		"$2" "$3" >"$REPO/$1/$2.yaml"
}
# job DIR NAME ANNOTATIONS: a Job that runs once
job() {
	mkdir -p "$REPO/$1"
	cat >"$REPO/$1/$2.yaml" <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: $2
  annotations: {$3}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
EOF
}
cm waves w1 'argocd.argoproj.io/sync-wave: "1"'
cm waves w2 'argocd.argoproj.io/sync-wave: "2"'
cm waves w3 'argocd.argoproj.io/sync-wave: "3"'
cm waves kept 'argocd.argoproj.io/sync-wave: "3", argocd.argoproj.io/sync-options: Delete=false'
cm orphan stays ''
cm held low ''
cm held held 'argocd.argoproj.io/sync-wave: "1"'
sed -i 's/^  annotations:/  finalizers: [e2e.capstan.dev\/hold]\n  annotations:/' "$REPO/held/held.yaml"
cm confirm plain ''
cm confirm guarded 'argocd.argoproj.io/sync-options: Delete=confirm'
cm hooks res ''
job hooks pre 'argocd.argoproj.io/hook: PreDelete'
job hooks post 'argocd.argoproj.io/hook: PostDelete'
cm prefail res ''
job prefail pre 'argocd.argoproj.io/hook: PreDelete, drydock.capstan.dev/simulate: fail'
gitc add -A
gitc commit -qm v1

# application NAME FINALIZERS: an auto-synced app of folder NAME into namespace NAME
application() {
	k apply -f - >/dev/null <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: $1
  namespace: argocd
  finalizers: [$2]
spec:
  project: default
  source: {repoURL: "file://$REPO", path: $1, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: $1}
  syncPolicy:
    automated: {prune: true}
    syncOptions: [CreateNamespace=true]
EOF
}
application waves resources-finalizer.argocd.argoproj.io
application orphan resources-finalizer.argocd.argoproj.io
application confirm resources-finalizer.argocd.argoproj.io
application hooks resources-finalizer.argocd.argoproj.io
application prefail resources-finalizer.argocd.argoproj.io
application held resources-finalizer.argocd.argoproj.io

capstan run --kubeconfig "$KC" --resync 60s --listen "" >"$E2E_TMP/capstan.log" 2>&1 &
cap_pid=$!
e2e_cleanup_hooks+=("kill $cap_pid 2>/dev/null; wait $cap_pid 2>/dev/null")

for a in waves orphan confirm hooks prefail held; do
	check "$a syncs" wait_until 30 app_is "$a" '{.status.sync.status}' Synced
done
gone() { ! k get "$@" >/dev/null 2>&1; }
app_gone() { gone application -n argocd "$1"; }

# watch NS KIND: records watch events of KIND in NS, one line each: "SECONDS TYPE NAME DELETING
# SUCCEEDED FAILED", with the local arrival time; stopped at exit
watch() {
	local out="$E2E_TMP/watch-$1-$2"
	k get "$2" -n "$1" -w --output-watch-events -o \
		'jsonpath={.type} {.object.metadata.name} {.object.metadata.deletionTimestamp} {.object.status.succeeded} {.object.status.failed}{"\n"}' 2>/dev/null |
		while IFS= read -r line; do echo "$(date +%s.%N) $line"; done >"$out" &
	e2e_cleanup_hooks+=("kill $! 2>/dev/null")
	sleep 0.5
}
# first_at NS KIND PATTERN: the arrival time of the first recorded event matching the ERE
first_at() { grep -E "$3" "$E2E_TMP/watch-$1-$2" | head -1 | cut -d' ' -f1; }
before() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a < b) }'; }

# waves: deleted from the highest down, each wave once the one above is gone; Delete=false stays
watch waves configmaps
capstan app delete waves -y >/dev/null
check "a cascading delete removes the app" wait_until 30 app_gone waves
check "every wave is deleted" gone cm -n waves w1 w2 w3
check "Delete=false keeps its resource" k get cm -n waves kept
order="$(awk '$2 == "DELETED" && $3 ~ /^w[0-9]$/ { printf "%s ", $3 }' "$E2E_TMP/watch-waves-configmaps")"
check_eq "waves are deleted highest first" "w3 w2 w1 " "$order"
start() { first_at waves configmaps "(MODIFIED|DELETED) $1 [0-9]"; }
end() { first_at waves configmaps "DELETED $1 "; }
check "wave 2 starts once wave 3 is gone" before "$(end w3)" "$(start w2)"
check "wave 1 starts once wave 2 is gone" before "$(end w2)" "$(start w1)"
check "the kept resource is never deleted" bash -c "! grep -q ' kept [0-9]' '$E2E_TMP/watch-waves-configmaps'"

# a wave whose object lingers (a finalizer of someone else's) holds the next wave back, and the
# app's status shows the deletion under way
capstan app delete held -y >/dev/null
check "the lingering resource is being deleted" wait_until 20 bash -c \
	"[[ -n \"\$(kubectl --cache-dir '$E2E_TMP/kcache' get cm -n held held -o 'jsonpath={.metadata.deletionTimestamp}')\" ]]"
check "the status shows it pending deletion" wait_until 20 app_is held \
	'{.status.resources[?(@.name=="held")].health.status}/{.status.health.status}' \
	Progressing/Progressing
sleep 1
check "the lower wave waits for it" k get cm -n held low
check_eq "the lower wave is not being deleted" "" \
	"$(k get cm -n held low -o 'jsonpath={.metadata.deletionTimestamp}')"
k patch cm -n held held --type merge -p '{"metadata":{"finalizers":null}}' >/dev/null
check "once it is gone the next wave goes" wait_until 20 gone cm -n held low
check "then the app goes" wait_until 20 app_gone held

# orphan: --cascade=false drops the finalizer; the resources stay
capstan app delete orphan --cascade=false -y >/dev/null
check "a non-cascading delete removes the app" wait_until 20 app_gone orphan
check "orphaned resources stay" k get cm -n orphan stays
check "--cascade=false refuses a propagation policy" bash -c \
	"! capstan app delete confirm --cascade=false -p background -y --kubeconfig '$KC' 2>/dev/null"

# Delete=confirm with background propagation: nothing goes until the deletion is approved
capstan app delete confirm -p background -y >/dev/null
check_eq "-p background sets the background finalizer" \
	"resources-finalizer.argocd.argoproj.io/background" "$(app confirm '{.metadata.finalizers[*]}')"
check "the wait for confirmation is reported" wait_until 20 bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd confirm -o 'jsonpath={.status.conditions[?(@.type==\"DeletionError\")].message}' | grep -q 'waiting for deletion confirmation of ConfigMap confirm/guarded'"
sleep 1
check "nothing is deleted before confirmation" k get cm -n confirm plain guarded
capstan app confirm-deletion confirm >/dev/null
check "after app confirm-deletion the app goes" wait_until 30 app_gone confirm
check "its resources are deleted" gone cm -n confirm plain guarded
check "background propagation is used" grep -q 'app=confirm.*propagation=Background' "$E2E_TMP/capstan.log"

# hooks: the app's PreDelete and PostDelete hooks make Argo CD's finalizers; a sync runs neither
check "PreDelete hooks add the pre-delete finalizers" wait_until 20 bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd hooks -o 'jsonpath={.metadata.finalizers[*]}' | grep -q 'pre-delete-finalizer.argocd.argoproj.io pre-delete-finalizer.argocd.argoproj.io/cleanup'"
check "PostDelete hooks add the post-delete finalizers" bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd hooks -o 'jsonpath={.metadata.finalizers[*]}' | grep -q 'post-delete-finalizer.argoproj.io post-delete-finalizer.argoproj.io/cleanup'"
check_eq "a sync runs no deletion hook" "" "$(k get jobs -n hooks -o name)"
watch hooks configmaps
watch hooks jobs
capstan app delete hooks -y >/dev/null
check "the app with hooks is deleted" wait_until 40 app_gone hooks
check "its resources are deleted" gone cm -n hooks res
check "its hooks are deleted after they succeeded" gone jobs -n hooks pre post
res_deleting="$(first_at hooks configmaps '(MODIFIED|DELETED) res [0-9]')"
res_gone="$(first_at hooks configmaps 'DELETED res ')"
check "the PreDelete hook runs before anything is deleted" \
	before "$(first_at hooks jobs 'ADDED pre ')" "$res_deleting"
check "the PreDelete hook completed before anything is deleted" \
	before "$(first_at hooks jobs ' pre  1 ')" "$res_deleting"
check "the PostDelete hook runs once the resources are gone" \
	before "$res_gone" "$(first_at hooks jobs 'ADDED post ')"
check "the PostDelete hook completed" grep -qE ' post  1 ' "$E2E_TMP/watch-hooks-jobs"

# a failing PreDelete hook blocks the deletion, with a condition naming it
check "the failing app has the pre-delete finalizer" wait_until 20 bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd prefail -o 'jsonpath={.metadata.finalizers[*]}' | grep -q 'pre-delete-finalizer.argocd.argoproj.io'"
capstan app delete prefail -y >/dev/null
check "a failed PreDelete hook is reported" wait_until 20 bash -c \
	"kubectl --cache-dir '$E2E_TMP/kcache' get application -n argocd prefail -o 'jsonpath={.status.conditions[?(@.type==\"DeletionError\")].message}' | grep -q 'PreDelete hook(s) failed: prefail/pre'"
sleep 1
check "a failed PreDelete hook blocks the deletion" k get cm -n prefail res
check "the blocked app stays" k get application -n argocd prefail
# the way out Argo CD documents: remove the pre-delete finalizer by hand
finalizers() { app "$1" '{range .metadata.finalizers[*]}{@}{"\n"}{end}'; }
keep_fins="$(finalizers prefail |
	grep -vx 'pre-delete-finalizer.argocd.argoproj.io' | sed 's/.*/"&"/' | paste -sd,)"
k patch application -n argocd prefail --type merge \
	-p "{\"metadata\":{\"finalizers\":[$keep_fins]}}" >/dev/null
check_eq "the pre-delete finalizer was removed by hand" 0 \
	"$(finalizers prefail | grep -cx 'pre-delete-finalizer.argocd.argoproj.io')"
check "removing the pre-delete finalizer unblocks the deletion" wait_until 30 app_gone prefail
check "the unblocked deletion removes the resources" gone cm -n prefail res
check "the failed hook is cleaned up" gone job -n prefail pre
