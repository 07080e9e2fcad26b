#!/usr/bin/env bash
# capstan admin install against drydock: CRDs established, namespace, default project and settings
# objects created; a second run changes nothing; the embedded CRDs equal deploy/crds.
source "$(dirname "$0")/../lib/e2e.sh"
source "$(dirname "$0")/../lib/cluster.sh"

need_cluster_tools
start_drydock

capstan admin install >"$E2E_TMP/first" 2>&1
check_eq "first install succeeds" 0 "$?"
check "first install creates the application CRD" \
	grep -qx 'customresourcedefinition.apiextensions.k8s.io/applications.argoproj.io created' "$E2E_TMP/first"
check "first install creates the default project" \
	grep -qx 'appproject.argoproj.io/default created' "$E2E_TMP/first"

capstan admin install --kubeconfig "$KC" --core >"$E2E_TMP/second" 2>&1
check_eq "second install succeeds" 0 "$?"
check_eq "second install changes nothing" 0 "$(grep -vc 'unchanged$' "$E2E_TMP/second")"

for crd in applications appprojects applicationsets; do
	cond="$(k get crd "$crd.argoproj.io" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')"
	check_eq "crd $crd is established" "True" "$cond"
done
check_eq "default project allows every repo" "*" \
	"$(k get appproject default -n argocd -o jsonpath='{.spec.sourceRepos[0]}')"
check_eq "default project allows every destination" "* *" \
	"$(k get appproject default -n argocd -o jsonpath='{.spec.destinations[0].server} {.spec.destinations[0].namespace}')"
check_eq "default project allows every cluster kind" "* *" \
	"$(k get appproject default -n argocd -o jsonpath='{.spec.clusterResourceWhitelist[0].group} {.spec.clusterResourceWhitelist[0].kind}')"
for cm in argocd-cm argocd-rbac-cm; do
	check_eq "$cm is part of argocd" "argocd" \
		"$(k get configmap "$cm" -n argocd -o jsonpath='{.metadata.labels.app\.kubernetes\.io/part-of}')"
done
check_eq "argocd-secret exists" "argocd-secret" "$(k get secret argocd-secret -n argocd -o jsonpath='{.metadata.name}')"

# an older CRD is brought up to date
want="$(k get crd appprojects.argoproj.io -o jsonpath='{.spec.versions[0].schema.openAPIV3Schema.description}')"
k patch crd appprojects.argoproj.io --type json \
	-p '[{"op":"replace","path":"/spec/versions/0/schema/openAPIV3Schema/description","value":"old"}]' >/dev/null
capstan admin install >"$E2E_TMP/third" 2>&1
check "a changed CRD is configured" grep -qx 'customresourcedefinition.apiextensions.k8s.io/appprojects.argoproj.io configured' "$E2E_TMP/third"
check_eq "the CRD is restored" "$want" \
	"$(k get crd appprojects.argoproj.io -o jsonpath='{.spec.versions[0].schema.openAPIV3Schema.description}')"

# settings users wrote survive a re-install
k patch configmap argocd-cm -n argocd --type merge -p '{"data":{"timeout.reconciliation":"30s"}}' >/dev/null
capstan admin install >/dev/null 2>&1
check_eq "re-install keeps argocd-cm data" "30s" \
	"$(k get configmap argocd-cm -n argocd -o jsonpath='{.data.timeout\.reconciliation}')"

capstan admin install --namespace capstan-system >/dev/null 2>&1
check_eq "install into another namespace" "default" \
	"$(k get appproject -n capstan-system -o jsonpath='{.items[0].metadata.name}')"

# the embedded CRDs are deploy/crds as shipped
k get crd applications.argoproj.io -o jsonpath='{.spec.versions[0].name}' >"$E2E_TMP/ver"
check_eq "served version is v1alpha1" "v1alpha1" "$(cat "$E2E_TMP/ver")"
for f in "$CAP_SHARED_DATA"/argocd/crds/*.yaml; do
	[[ -f "$f" ]] || continue
	check "deploy/crds/$(basename "$f") is the published file" cmp -s "$f" "$CAP_SOURCE_DIR/deploy/crds/$(basename "$f")"
done

KUBECONFIG="$E2E_TMP/missing" capstan admin install --kubeconfig "$E2E_TMP/missing" >"$E2E_TMP/out" 2>&1
check_eq "missing kubeconfig fails" 1 "$?"
