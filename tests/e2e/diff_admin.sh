#!/usr/bin/env bash
# capstan admin diff and admin settings resource-overrides ignore-differences, driven as a user would.
source "$(dirname "$0")/../lib/e2e.sh"

F="$CAP_SHARED_DATA/argocd/fixtures/diff"
T="$CAP_SOURCE_DIR/tests/fixtures/diff"

# exit status NAME WANT COMMAND…: passes when the command exits with WANT.
status_is() {
	local name="$1" want="$2"
	shift 2
	"$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
	check_eq "$name" "$want" "$?"
}

status_is "equal deployment exits 0" 0 capstan admin diff "$F/deployment-config.json" "$F/deployment-live.json"
status_is "equal secret with null data exits 0" 0 capstan admin diff "$F/wordpress-config.json" "$F/wordpress-live.json"
status_is "aggregated role differs by default" 1 capstan admin diff "$F/aggr-clusterrole-config.json" "$F/aggr-clusterrole-live.json"
status_is "aggregated role equal when ignored" 0 capstan admin diff --ignore-aggregated-roles "$F/aggr-clusterrole-config.json" "$F/aggr-clusterrole-live.json"
status_is "structured merge finds the removed type" 1 capstan admin diff --structured-merge "$F/smd-service-config.yaml" "$F/smd-service-live-with-type.yaml"
check "structured merge diff names the change" grep -q '^> *type: ClusterIP' "$E2E_TMP/out"
status_is "server-side diff with a dry-run answer" 1 capstan admin diff --server-side-diff --predicted-live "$F/ssd-configmap-predicted-live.json" "$F/ssd-configmap-config.yaml" "$F/ssd-configmap-live.yaml"
check "server-side diff shows the removed key" grep -q '^<   key3' "$E2E_TMP/out"
status_is "missing file is an error" 2 capstan admin diff "$E2E_TMP/none.yaml" "$F/deployment-live.json"

# A changed Secret: the diff shows a change, never the values.
cat >"$E2E_TMP/secret-config.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: {password: hunter2, user: admin}
YAML
cat >"$E2E_TMP/secret-live.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop, uid: 1, resourceVersion: "4"}
type: Opaque
data: {password: b2xkLXBhc3N3b3Jk, user: YWRtaW4=}
YAML
status_is "changed secret exits 1" 1 capstan admin diff -u "$E2E_TMP/secret-config.yaml" "$E2E_TMP/secret-live.yaml"
check "secret diff masks values" bash -c "! grep -Eq 'hunter2|aHVudGVyMg|b2xkLXBhc3N3b3Jk|YWRtaW4' '$E2E_TMP/out'"
check "secret diff shows the changed key" grep -qx -- '-  password: ++++++++++++' "$E2E_TMP/out"
check "secret diff keeps the unchanged key equal" grep -q '^   user: ++++++++' "$E2E_TMP/out"

KUBECTL_EXTERNAL_DIFF="diff -u" capstan admin diff "$E2E_TMP/secret-config.yaml" "$E2E_TMP/secret-live.yaml" >"$E2E_TMP/out" 2>&1
check "KUBECTL_EXTERNAL_DIFF runs the tool on masked files" grep -q '^+++ .*/db' "$E2E_TMP/out"
check "the external tool sees masked values only" bash -c "grep -qx -- '-  password: ++++++++++++' '$E2E_TMP/out' && ! grep -q b2xkLXBhc3N3b3Jk '$E2E_TMP/out'"

# Extraneous live objects count unless they ask to be ignored.
cat >"$E2E_TMP/live-extra.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: extra
  annotations: {argocd.argoproj.io/compare-options: IgnoreExtraneous}
YAML
printf -- '---\n' >"$E2E_TMP/empty.yaml"
status_is "ignored extraneous object exits 0" 0 capstan admin diff "$E2E_TMP/empty.yaml" "$E2E_TMP/live-extra.yaml"
sed 's/IgnoreExtraneous/Prune=false/' "$E2E_TMP/live-extra.yaml" >"$E2E_TMP/live-extra2.yaml"
status_is "extraneous object exits 1" 1 capstan admin diff "$E2E_TMP/empty.yaml" "$E2E_TMP/live-extra2.yaml"

# ignoreDifferences from argocd-cm.
out="$(capstan admin settings resource-overrides ignore-differences "$T/deployment.yaml" --argocd-cm-path "$T/argocd-cm.yaml")"
check_eq "ignore-differences lists the removed fields" "Following fields are ignored:" "$(printf '%s\n' "$out" | head -1)"
check "ignore-differences removes replicas" grep -q '^<   replicas: 5' <(printf '%s\n' "$out")
check "ignore-differences removes the jq-selected container" grep -q 'name: istio-proxy' <(printf '%s\n' "$out")
cat >"$E2E_TMP/live-deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web, injected-by-webhook: "true"}}
spec:
  replicas: 9
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.25"}
      - {name: istio-proxy, image: "istio/proxyv2:1.21"}
YAML
status_is "argocd-cm rules hide replicas and the sidecar" 0 capstan admin diff --argocd-cm-path "$T/argocd-cm.yaml" "$T/deployment.yaml" "$E2E_TMP/live-deploy.yaml"
status_is "without the rules they differ" 1 capstan admin diff "$T/deployment.yaml" "$E2E_TMP/live-deploy.yaml"
out="$(capstan admin settings resource-overrides ignore-differences "$T/service.yaml" --argocd-cm-path "$T/argocd-cm.yaml")"
check_eq "kinds without their own override say so" "No overrides configured for '/Service'" "$out"
cat >"$E2E_TMP/cm-health.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cm}
data:
  resource.customizations.health.apps_Deployment: |
    hs = {status = "Healthy"}
    return hs
YAML
out="$(capstan admin settings resource-overrides ignore-differences "$T/deployment.yaml" --argocd-cm-path "$E2E_TMP/cm-health.yaml")"
check_eq "overrides without ignoreDifferences say so" "Ignore differences are not configured for 'apps/Deployment'" "$out"
