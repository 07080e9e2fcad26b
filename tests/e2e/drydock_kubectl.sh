# drydock against the real kubectl: apply, server-side apply, diff, get/watch, delete cascades,
# rollout, scale, patch, replace, CRDs, namespaces, token auth and TLS.
source "$(dirname "$0")/../lib/e2e.sh"

FIX="$CAP_SOURCE_DIR/tests/fixtures/drydock"
DRYDOCK="$CAP_BIN_DIR/drydock"
if [[ ! -x "$DRYDOCK" ]] || ! command -v kubectl >/dev/null; then
	echo "drydock or kubectl missing; skipping"
	exit 0
fi

# start_drydock NAME ARGS…: starts an instance and waits for its kubeconfig.
start_drydock() {
	local name="$1"
	shift
	local kc="$E2E_TMP/$name.kubeconfig"
	"$DRYDOCK" --kubeconfig "$kc" --controller-delay-ms 100 "$@" 2>"$E2E_TMP/$name.log" &
	local pid=$!
	e2e_cleanup_hooks+=("kill $pid 2>/dev/null; wait $pid 2>/dev/null")
	for _ in $(seq 100); do
		[[ -s "$kc" ]] && break
		sleep 0.05
	done
	eval "${name}_PID=$pid"
	eval "${name}_KC=$kc"
}

start_drydock main
export KUBECONFIG="$main_KC"
CACHE="$E2E_TMP/cache"
k() { kubectl --cache-dir "$CACHE" "$@"; }

# wait_until SECONDS COMMAND…: retries until the command succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}

jp() { k get "$1" -o "jsonpath=$2" 2>&1; }

# --- discovery and basics
check "version answers minor 32" bash -c "kubectl --cache-dir '$CACHE' version -o json | grep -q '\"minor\": \"32\"'"
check "api-resources lists deployments" bash -c "kubectl --cache-dir '$CACHE' api-resources | grep -q '^deployments .*apps/v1'"
check "default namespaces exist" k get ns default kube-system kube-public
check_eq "default ServiceAccount per namespace" "default" "$(jp sa/default '{.metadata.name}')"
check "explain deployment.spec" bash -c "kubectl --cache-dir '$CACHE' explain deployment.spec | grep -q 'DeploymentSpec'"

# --- client-side apply: create and three successive edits
check "apply creates the deployment" k apply -f "$FIX/web-v1.yaml"
check_eq "defaults: strategy RollingUpdate" "RollingUpdate" "$(jp deploy/web '{.spec.strategy.type}')"
check_eq "defaults: revisionHistoryLimit" "10" "$(jp deploy/web '{.spec.revisionHistoryLimit}')"
check_eq "defaults: imagePullPolicy" "IfNotPresent" "$(jp deploy/web '{.spec.template.spec.containers[0].imagePullPolicy}')"
check_eq "defaults: port protocol" "TCP" "$(jp deploy/web '{.spec.template.spec.containers[0].ports[0].protocol}')"
check_eq "defaults: dnsPolicy" "ClusterFirst" "$(jp deploy/web '{.spec.template.spec.dnsPolicy}')"
check "apply edit 1 (image)" k apply -f "$FIX/web-v2.yaml"
check_eq "edit 1 visible" "nginx:1.26 2" "$(jp deploy/web '{.spec.template.spec.containers[0].image} {.metadata.generation}')"
check "apply edit 2 (env)" k apply -f "$FIX/web-v3.yaml"
check_eq "edit 2 visible" "MODE=prod LEVEL=debug" "$(jp deploy/web '{range .spec.template.spec.containers[0].env[*]}{.name}={.value} {end}' | sed 's/ $//')"
k create configmap web-config --from-literal=mode=prod >/dev/null 2>&1 ||
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  mode: prod\n' | k apply -f - >/dev/null
check "apply edit 3 (ports, volumes)" k apply -f "$FIX/web-v4.yaml"
check_eq "edit 3 ports" "80 443" "$(jp deploy/web '{.spec.template.spec.containers[0].ports[*].containerPort}')"
check_eq "edit 3 volumes" "data config" "$(jp deploy/web '{.spec.template.spec.volumes[*].name}')"
check_eq "configMap volume defaultMode" "420" "$(jp deploy/web '{.spec.template.spec.volumes[1].configMap.defaultMode}')"
check "diff unchanged exits 0" k diff -f "$FIX/web-v4.yaml"
k diff -f "$FIX/web-v1.yaml" >/dev/null 2>&1
check_eq "diff changed exits 1" "1" "$?"

# --- workloads
check "rollout status" timeout 30 kubectl --cache-dir "$CACHE" rollout status deploy/web --timeout=25s
check "wait for Available" k wait --for=condition=Available deploy/web --timeout=20s
check "scale to 3" k scale deploy/web --replicas=3
check "scaled pods appear" wait_until 20 bash -c "[[ \$(kubectl --cache-dir '$CACHE' get pods -l app=web --field-selector status.phase=Running -o name | wc -l) == 3 ]]"
check_eq "replicasets owned by the deployment" "Deployment" "$(k get rs -l app=web -o jsonpath='{.items[0].metadata.ownerReferences[0].kind}')"

# --- patch, label, replace
check "patch strategic" k patch deploy web -p '{"metadata":{"labels":{"tier":"fe"}}}'
check "patch merge" k patch deploy web --type=merge -p '{"metadata":{"annotations":{"note":"m"}}}'
check "patch json" k patch deploy web --type=json -p '[{"op":"add","path":"/metadata/labels/json","value":"yes"}]'
check_eq "patches visible" "fe m yes" "$(jp deploy/web '{.metadata.labels.tier} {.metadata.annotations.note} {.metadata.labels.json}')"
check "label" k label deploy web env=dev
k get deploy web -o json >"$E2E_TMP/web.json"
k label deploy web bump=1 >/dev/null
out="$(k replace -f "$E2E_TMP/web.json" 2>&1)"
check_eq "replace with a stale resourceVersion is a conflict" "Conflict" "$(grep -o 'Conflict' <<<"$out" | head -1)"
check "create -f" k create -f <(printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: created\n  labels:\n    set: one\ndata:\n  k: v\n')
out="$(k create -f <(printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: created\n') 2>&1)"
check_eq "create twice is AlreadyExists" 'Error from server (AlreadyExists): error when creating "/dev/fd/63": configmaps "created" already exists' "$(sed 's|/dev/fd/[0-9]*|/dev/fd/63|' <<<"$out")"
out="$(k get deploy nosuch 2>&1)"
check_eq "get missing is NotFound" 'Error from server (NotFound): deployments.apps "nosuch" not found' "$out"

# --- get variants
check_eq "get -l" "deployment.apps/web" "$(k get deploy -l env=dev -o name)"
check_eq "get -l set-based" "configmap/created" "$(k get cm -l 'set in (one,two)' -o name)"
check_eq "get --field-selector" "configmap/created" "$(k get cm --field-selector metadata.name=created -o name)"
check "get -A" bash -c "kubectl --cache-dir '$CACHE' get sa -A -o name | grep -c serviceaccount/default | grep -qx 4"
for i in 1 2 3 4 5; do printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: chunk-%s\n' $i; echo ---; done | k apply -f - >/dev/null
check_eq "get --chunk-size pages through" "5" "$(k get cm --chunk-size=2 -o name | grep -c chunk-)"
check "get -o yaml" bash -c "kubectl --cache-dir '$CACHE' get deploy web -o yaml | grep -q '^kind: Deployment'"
check "get -o json" bash -c "kubectl --cache-dir '$CACHE' get deploy web -o json | python3 -c 'import json,sys; json.load(sys.stdin)'"

# --- watch
k get cm -w -o name >"$E2E_TMP/watch.out" 2>&1 &
wpid=$!
k get cm --output-watch-events -w -o json >"$E2E_TMP/watch-events.out" 2>&1 &
wpid2=$!
wait_until 10 bash -c "grep -q 'configmap' '$E2E_TMP/watch.out'"
sleep 0.5
k create configmap watched --from-literal=a=1 >/dev/null 2>&1 ||
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n' | k apply -f - >/dev/null
k label cm watched w=1 >/dev/null
k delete cm watched >/dev/null
wait_until 10 bash -c "grep -q '\"DELETED\"' '$E2E_TMP/watch-events.out'"
kill $wpid $wpid2 2>/dev/null
wait $wpid $wpid2 2>/dev/null
events="$(python3 -c '
import json, sys
text = open(sys.argv[1]).read()
dec, i, out = json.JSONDecoder(), 0, []
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    ev, i = dec.raw_decode(text, i)
    if ev["object"]["metadata"]["name"] == "watched":
        out.append(ev["type"])
print(" ".join(out))' "$E2E_TMP/watch-events.out" 2>&1)"
check_eq "watch receives ADDED/MODIFIED/DELETED" "ADDED MODIFIED DELETED" "$events"
check "plain watch lists then follows" grep -q 'configmap/watched' "$E2E_TMP/watch.out"

# --- server-side apply
sed 's/name: web$/name: api/; s/app: web/app: api/g' "$FIX/web-v1.yaml" >"$E2E_TMP/api.yaml"
check "apply --server-side creates" k apply --server-side -f "$E2E_TMP/api.yaml"
check "kubectl scale takes replicas" k scale deploy/api --replicas=4
out="$(k apply --server-side -f "$E2E_TMP/api.yaml" 2>&1)"
check "apply --server-side reports the conflict" grep -q 'Apply failed with 1 conflict' <<<"$out"
check "apply --server-side --force-conflicts" k apply --server-side --force-conflicts -f "$E2E_TMP/api.yaml"
check_eq "forced value wins" "2" "$(jp deploy/api '{.spec.replicas}')"

sed 's/name: web$/name: mig/; s/app: web/app: mig/g' "$FIX/web-v1.yaml" | k apply -f - >/dev/null
check "server-side apply takes over from client-side apply" k apply --server-side -f <(sed 's/name: web$/name: mig/; s/app: web/app: mig/g' "$FIX/web-v2.yaml")
check_eq "the applier now owns the fields" "kubectl Apply nginx:1.26" "$(jp deploy/mig '{.metadata.managedFields[0].manager} {.metadata.managedFields[0].operation} {.spec.template.spec.containers[0].image}')"

# --- deletion
check "delete background cascade" k delete deploy api --cascade=background
check "background cascade removes replicasets" wait_until 10 bash -c "[[ -z \$(kubectl --cache-dir '$CACHE' get rs -l app=api -o name) ]]"
k apply -f <(sed 's/name: web$/name: fg/; s/app: web/app: fg/g' "$FIX/web-v1.yaml") >/dev/null
wait_until 10 bash -c "[[ -n \$(kubectl --cache-dir '$CACHE' get rs -l app=fg -o name) ]]"
check "delete foreground cascade" k delete deploy fg --cascade=foreground --timeout=20s
check_eq "foreground leaves no replicasets" "" "$(k get rs -l app=fg -o name)"
k apply -f <(sed 's/name: web$/name: orphan/; s/app: web/app: orphan/g' "$FIX/web-v1.yaml") >/dev/null
wait_until 10 bash -c "[[ -n \$(kubectl --cache-dir '$CACHE' get rs -l app=orphan -o name) ]]"
check "delete orphan cascade" k delete deploy orphan --cascade=orphan
check "orphaned replicaset stays, without owner" wait_until 10 bash -c "[[ -n \$(kubectl --cache-dir '$CACHE' get rs -l app=orphan -o name) && -z \$(kubectl --cache-dir '$CACHE' get rs -l app=orphan -o jsonpath='{.items[0].metadata.ownerReferences}') ]]"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: [example.com/hold]\n' | k apply -f - >/dev/null
k delete cm held --wait=false >/dev/null
check "finalizer keeps the object with deletionTimestamp" bash -c "[[ -n \$(kubectl --cache-dir '$CACHE' get cm held -o jsonpath='{.metadata.deletionTimestamp}') ]]"
k patch cm held --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null 2>&1
check "removing the finalizer deletes it" wait_until 5 bash -c "! kubectl --cache-dir '$CACHE' get cm held"

# --- CRDs
check "create a CRD" k apply -f "$FIX/crd.yaml"
check "CRD served in discovery" wait_until 5 bash -c "kubectl --cache-dir '$CACHE' api-resources | grep -q '^widgets'"
k get widgets -w -o name >"$E2E_TMP/widgets.out" 2>&1 &
wpid=$!
sleep 1
check "apply custom resources" k apply -f "$FIX/widgets.yaml"
check_eq "schema default applied" "1" "$(jp widget/small '{.spec.size}')"
check_eq "list custom resources with a selector" "widget.example.com/large" "$(k get wd -l tier=b -o name)"
check "explain a custom resource" bash -c "kubectl --cache-dir '$CACHE' explain widget.spec | grep -q size"
check "delete a custom resource" k delete widget small
wait_until 10 bash -c "[[ \$(grep -c widget.example.com/ '$E2E_TMP/widgets.out') -ge 3 ]]"
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null
check_eq "watch on custom resources" "3" "$(grep -c 'widget.example.com/' "$E2E_TMP/widgets.out")"
check "delete the CRD" k delete crd widgets.example.com
check "CRD deletion removes its resources" wait_until 5 bash -c "! kubectl --cache-dir '$CACHE' get widgets.example.com large"

# --- namespaces
check "create namespace" k create namespace team
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inner\n  namespace: team\n' | k apply -f - >/dev/null
k apply -n team -f "$FIX/web-v1.yaml" >/dev/null
check "delete namespace with contents" k delete namespace team --timeout=30s
check "namespace gone" wait_until 10 bash -c "! kubectl --cache-dir '$CACHE' get ns team"
out="$(printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: missing\n' | k apply -f - 2>&1)"
check "create in a missing namespace is NotFound" grep -q 'namespaces "missing" not found' <<<"$out"
out="$(printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n' | k apply -f - 2>&1)"
check "invalid names are rejected" grep -q 'a lowercase RFC 1123 subdomain' <<<"$out"

# --- services
printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: websvc\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n' | k apply -f - >/dev/null
check "service gets a clusterIP" bash -c "kubectl --cache-dir '$CACHE' get svc websvc -o jsonpath='{.spec.clusterIP}' | grep -q '^10\\.96\\.'"
check_eq "service targetPort defaults to port" "80" "$(jp svc/websvc '{.spec.ports[0].targetPort}')"

# --- typed commands, validation, logs, auth
check "create deployment (protobuf body)" k create deployment typed --image=nginx:1.27 --replicas=1 --port=8080
check_eq "typed deployment defaulted" "RollingUpdate IfNotPresent TCP" "$(jp deploy/typed '{.spec.strategy.type} {.spec.template.spec.containers[0].imagePullPolicy} {.spec.template.spec.containers[0].ports[0].protocol}')"
check "create secret (protobuf body)" k create secret generic creds --from-literal=user=admin
check_eq "secret data and type" "YWRtaW4= Opaque" "$(jp secret/creds '{.data.user} {.type}')"
out="$(sed 's/replicas: 2/replicas: 2\n  bogus: 1/' "$FIX/web-v1.yaml" | k apply -f - 2>&1)"
check "strict validation names the unknown field" grep -q 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.bogus"' <<<"$out"
out="$(sed 's/replicas: 2/replicas: 2\n  bogus: 1/' "$FIX/web-v1.yaml" | k apply --validate=warn -f - 2>&1)"
check "warn validation warns and applies" grep -q 'Warning: unknown field "spec.bogus"' <<<"$out"
check_eq "auth can-i" "yes" "$(k auth can-i delete pods 2>&1)"
out="$(sed 's/image: nginx:1.25/image: ""/' "$FIX/web-v1.yaml" | sed 's/name: web$/name: noimage/' | k apply -f - 2>&1)"
check_eq "invalid objects are refused as the API server words it" 'The Deployment "noimage" is invalid: spec.template.spec.containers[0].image: Required value' "$out"
check "auth whoami" bash -c "kubectl --cache-dir '$CACHE' auth whoami | grep -q drydock-admin"
check "logs of a simulated pod" bash -c "kubectl --cache-dir '$CACHE' logs deploy/web | grep -q 'runs image nginx'"
check "events record scaling" bash -c "kubectl --cache-dir '$CACHE' get events --field-selector involvedObject.kind=Deployment,involvedObject.name=web -o name | grep -q event"
check "describe shows conditions" wait_until 10 bash -c "kubectl --cache-dir '$CACHE' describe deploy web | grep -q 'NewReplicaSetAvailable'"
check "rollout history lists revisions" bash -c "kubectl --cache-dir '$CACHE' rollout history deploy/web | grep -q '^3 '"
check "rollout undo" k rollout undo deploy/web
check "undo rolls back the image" wait_until 10 bash -c "[[ \$(kubectl --cache-dir '$CACHE' get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}') == nginx:1.26 ]]"
check "get -o wide shows images" bash -c "kubectl --cache-dir '$CACHE' get deploy web -o wide | grep -q 'nginx:1.26'"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: crashy\n  annotations:\n    drydock.capstan.dev/simulate: crashloop\nspec:\n  selector:\n    matchLabels: {app: crashy}\n  template:\n    metadata:\n      labels: {app: crashy}\n    spec:\n      containers:\n      - name: c\n        image: busybox\n' | k apply -f - >/dev/null
check "crashloop knob shows CrashLoopBackOff" wait_until 10 bash -c "kubectl --cache-dir '$CACHE' get pods -l app=crashy | grep -q CrashLoopBackOff"
out="$(k rollout status deploy/crashy --timeout=2s 2>&1)"
check "rollout status of a crashlooping deployment times out" grep -q 'timed out waiting' <<<"$out"
check "wait --for=delete" bash -c "kubectl --cache-dir '$CACHE' delete deploy crashy --wait=false >/dev/null && kubectl --cache-dir '$CACHE' wait --for=delete deploy/crashy --timeout=10s"

# --- more everyday commands
check "set image" k set image deploy/typed nginx=nginx:1.28
check_eq "set image visible" "nginx:1.28" "$(jp deploy/typed '{.spec.template.spec.containers[0].image}')"
check "expose a deployment" k expose deployment typed --port 80 --target-port 8080
check_eq "exposed service ports" "80 8080" "$(jp svc/typed '{.spec.ports[0].port} {.spec.ports[0].targetPort}')"
check "run a pod" k run solo --image=busybox -- sleep 100
check "the pod runs" wait_until 10 bash -c "[[ \$(kubectl --cache-dir '$CACHE' get pod solo -o jsonpath='{.status.phase}') == Running ]]"
check "server dry-run changes nothing" bash -c "kubectl --cache-dir '$CACHE' create cm dry --dry-run=server -o name && ! kubectl --cache-dir '$CACHE' get cm dry"
sed 's/name: web$/name: typed2/; s/app: web/app: typed2/g' "$FIX/web-v1.yaml" >"$E2E_TMP/typed2.yaml"
k apply -f "$E2E_TMP/typed2.yaml" >/dev/null
check "replace --force" k replace --force -f "$E2E_TMP/typed2.yaml"
check "delete by label" bash -c "kubectl --cache-dir '$CACHE' delete cm -l set=one && ! kubectl --cache-dir '$CACHE' get cm created"
check "verbose readiness" bash -c "kubectl --cache-dir '$CACHE' get --raw '/readyz?verbose' | grep -q 'readyz check passed'"
out="$(k get tokenreviews 2>&1)"
check "verbs the resource lacks are MethodNotAllowed" grep -q 'MethodNotAllowed' <<<"$out"

printf 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: once\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n' | k apply -f - >/dev/null
check "a job completes" k wait --for=condition=complete job/once --timeout=15s
printf 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 2\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n' | k apply -f - >/dev/null
check "statefulset rollout status" k rollout status sts/db --timeout=15s
check_eq "statefulset pods are ordinal" "db-0 db-1" "$(k get pods -l app=db -o jsonpath='{.items[*].metadata.name}')"
k scale sts/db --replicas=3 >/dev/null
check "statefulset scales up" wait_until 15 bash -c "[[ \$(kubectl --cache-dir '$CACHE' get pods -l app=db -o name | wc -l) == 3 ]]"
k scale sts/db --replicas=1 >/dev/null
check "statefulset scale-down deletes the highest ordinals" wait_until 15 bash -c "[[ \$(kubectl --cache-dir '$CACHE' get pods -l app=db -o jsonpath='{.items[*].metadata.name}') == db-0 ]]"

# --- scale-down deletes not-ready pods first, as the ReplicaSet controller does: an older pod
# that never became ready goes before a newer ready one
printf 'apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: pick\n  annotations: {drydock.capstan.dev/simulate: never-ready}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: pick}\n  template:\n    metadata:\n      labels: {app: pick}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n' | k apply -f - >/dev/null
check "the first pod runs" wait_until 10 bash -c "[[ \$(kubectl --cache-dir '$CACHE' get pods -l app=pick -o jsonpath='{.items[*].status.phase}') == Running ]]"
unready="$(k get pods -l app=pick -o jsonpath='{.items[0].metadata.name}')"
check_eq "the first pod is not ready" "False" "$(k get pod "$unready" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')"
k annotate rs pick drydock.capstan.dev/simulate- >/dev/null
sleep 1 # a newer creationTimestamp for the second pod
k scale rs pick --replicas=2 >/dev/null
check "the second pod becomes ready" wait_until 10 bash -c "[[ \$(kubectl --cache-dir '$CACHE' get rs pick -o jsonpath='{.status.readyReplicas}') == 1 && \$(kubectl --cache-dir '$CACHE' get pods -l app=pick -o name | wc -l) == 2 ]]"
k scale rs pick --replicas=1 >/dev/null
check "scale-down deletes the not-ready pod" wait_until 10 bash -c "! kubectl --cache-dir '$CACHE' get pod '$unready'"
check_eq "the ready pod stays" "True" "$(k get pods -l app=pick -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}')"

# --- token auth and TLS
start_drydock auth --tls --token s3cret
out="$(KUBECONFIG="$auth_KC" kubectl --cache-dir "$E2E_TMP/cache-auth" --token wrong get ns 2>&1)"
check "wrong token is Unauthorized" grep -qi 'unauthorized\|must be logged in' <<<"$out"
check "right token works" env KUBECONFIG="$auth_KC" kubectl --cache-dir "$E2E_TMP/cache-auth2" get ns default
start_drydock tls --tls
check "TLS with the generated CA" env KUBECONFIG="$tls_KC" kubectl --cache-dir "$E2E_TMP/cache-tls" get ns default
check "separate instances are separate clusters" bash -c "! KUBECONFIG='$tls_KC' kubectl --cache-dir '$E2E_TMP/cache-tls' get deploy web"

# --- clean exit
kill -TERM "$main_PID"
for _ in $(seq 50); do kill -0 "$main_PID" 2>/dev/null || break; sleep 0.1; done
check "exits on SIGTERM" bash -c "! kill -0 $main_PID 2>/dev/null"
