# End to end: `capstan admin settings resource-overrides health` on files, as a user runs it.
source "${CAP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/lib/e2e.sh"

FIX="$CAP_SOURCE_DIR/tests/fixtures/health"
ARGO="$CAP_SHARED_DATA/argocd/fixtures/health"
health() {
	capstan admin settings resource-overrides health "$@" 2>&1
}

out="$(health "$ARGO/pod-crashloop.yaml")"
check_eq "built-in pod check prints status and message" \
	"STATUS: Degraded
MESSAGE: Back-off 40s restarting failed container=main pod=my-pod_argocd(63674389-f613-11e8-a057-fe5f49266390)" \
	"$out"

out="$(health "$ARGO/job-suspended.yaml" --argocd-cm-path "$FIX/argocd-cm.yaml")"
check_eq "built-in check applies when argocd-cm has no script for the kind" \
	"STATUS: Suspended
MESSAGE: Job suspended" "$out"

out="$(health "$FIX/custom/certificate-issuing.yaml" --argocd-cm-path "$FIX/argocd-cm.yaml")"
check_eq "argocd-cm Lua script decides a CRD's health" \
	"STATUS: Progressing
MESSAGE: Issuing certificate as Secret does not exist" "$out"

out="$(health "$FIX/custom/crossplane-bucket-sync-error.yaml" --argocd-cm-path "$FIX/argocd-cm.yaml")"
check_eq "wildcard key matches a Crossplane managed resource" \
	"STATUS: Degraded
MESSAGE: cannot create bucket: AccessDenied" "$out"

out="$(health "$FIX/custom/helmrelease-upgrade-failed.yaml" --argocd-cm-path "$FIX/argocd-cm.yaml")"
check_eq "older resource.customizations form with useOpenLibs" \
	"STATUS: Degraded
MESSAGE: Helm upgrade failed: timed out waiting for the condition" "$out"

out="$(health "$FIX/custom/certificate-ready.yaml")"
check_eq "kinds without a check say so" \
	"Health script is not configured for 'Certificate.cert-manager.io/web-tls'" "$out"

cat >"$E2E_TMP/argocd-cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-cm, namespace: argocd}
data:
  resource.customizations.health.example.com_Broken: |
    return {status = obj.status.phase}
  resource.customizations.health.example.com_Spinning: |
    while true do end
YAML
printf 'apiVersion: example.com/v1\nkind: Broken\nmetadata: {name: b, namespace: ns}\n' \
	>"$E2E_TMP/broken.yaml"
printf 'apiVersion: example.com/v1\nkind: Spinning\nmetadata: {name: s, namespace: ns}\n' \
	>"$E2E_TMP/spinning.yaml"

if out="$(health "$E2E_TMP/broken.yaml" --argocd-cm-path "$E2E_TMP/argocd-cm.yaml")"; then
	fail "lua error fails the command" "exit status 0: $out"
else
	case "$out" in
	*"failed to get resource health for 'ns/b': <string>:1: attempt to index"*)
		pass "lua error fails the command" ;;
	*) fail "lua error fails the command" "$out" ;;
	esac
fi

start=$(date +%s%N)
if out="$(health "$E2E_TMP/spinning.yaml" --argocd-cm-path "$E2E_TMP/argocd-cm.yaml")"; then
	fail "endless script stops at the one second limit" "exit status 0: $out"
else
	took=$((($(date +%s%N) - start) / 1000000))
	if [[ "$out" == *"timed out after 1000 ms"* ]] && ((took < 3000)); then
		pass "endless script stops at the one second limit"
	else
		fail "endless script stops at the one second limit" "after ${took} ms: $out"
	fi
fi

if out="$(health "$E2E_TMP/none.yaml")"; then
	fail "missing file is an error" "$out"
else
	case "$out" in
	*"$E2E_TMP/none.yaml"*) pass "missing file is an error" ;;
	*) fail "missing file is an error" "$out" ;;
	esac
fi

if health >/dev/null; then
	fail "missing argument prints usage and fails"
else
	pass "missing argument prints usage and fails"
fi
