#!/usr/bin/env bash
# `capstan admin manifests` on every Argo CD sample app, checked against kubectl kustomize, helm
# template and the files themselves; git URLs; source flags; and the errors users see.
source "$(dirname "$0")/../lib/e2e.sh"

APPS="$CAP_SHARED_DATA/argocd/e2e-apps"
CAP="$CAP_BIN_DIR/capstan"

# normalise: a JSON array of objects, sorted keys, one line, Lists flattened, nulls dropped.
norm() {
	python3 -c '
import json, sys, yaml
text = sys.stdin.read()
docs = json.loads(text) if sys.argv[1] == "json" else list(yaml.safe_load_all(text))
out = []
for d in docs:
    if d is None: continue
    if isinstance(d.get("items"), list): out.extend(d["items"])
    elif d.get("kind") == "List": pass
    else: out.append(d)
print(json.dumps(out, sort_keys=True))' "$1"
}

# Files of a plain directory in name order, as Argo CD reads them (no recursion).
dir_oracle() {
	local f
	for f in $(cd "$1" && ls | LC_ALL=C sort); do
		case "$f" in *.yaml | *.yml) printf -- '---\n'; cat "$1/$f"; printf '\n' ;; esac
	done
}

for app in "$APPS"/*/; do
	app="$(basename "$app")"
	got="$("$CAP" admin manifests --repo "$APPS" --path "$app" --app-name "" -o json 2>&1)" || {
		fail "renders $app" "$got"
		continue
	}
	got="$(printf '%s' "$got" | norm json)"
	if [[ -f "$APPS/$app/Chart.yaml" ]]; then
		want="$(helm template "$APPS/$app" --name-template "$app" --include-crds | norm yaml)"
	elif [[ -f "$APPS/$app/kustomization.yaml" ]]; then
		want="$(kubectl kustomize "$APPS/$app" | norm yaml)"
	else
		want="$(dir_oracle "$APPS/$app" | norm yaml)"
	fi
	check_eq "sample app $app matches its oracle" "$want" "$got"
done

# Tracking and namespace as the repo-server writes them.
out="$("$CAP" admin manifests --repo "$APPS" --path guestbook --app-name gb --dest-namespace web)"
check_eq "tracking annotation on the deployment" 1 \
	"$(grep -c 'argocd.argoproj.io/tracking-id: gb:apps/Deployment:web/guestbook-ui' <<<"$out")"
check_eq "destination namespace filled in" 2 "$(grep -c '^  namespace: web' <<<"$out")"
out="$("$CAP" admin manifests --repo "$APPS" --path guestbook --tracking-method label)"
check_eq "label tracking uses the path's folder as app name" 2 \
	"$(grep -c 'app.kubernetes.io/instance: guestbook' <<<"$out")"

# Source flags of `argocd app create`.
FIX="$CAP_SOURCE_DIR/tests/fixtures/render"
out="$("$CAP" admin manifests --repo "$FIX" --path helm/chart --helm-set replicas=4 \
	--release-name rel --values values-prod.yaml --helm-set-string image=1.5 -o json | norm json)"
check_eq "--helm-set, --helm-set-string, --values and --release-name" '4 rel-web prod 1.5' \
	"$(python3 -c '
import json,sys; d=[o for o in json.load(sys.stdin) if o["kind"]=="Deployment"][0]
print(d["spec"]["replicas"], d["metadata"]["name"], d["metadata"]["labels"]["tier"],
      d["spec"]["template"]["spec"]["containers"][0]["image"])' <<<"$out")"
out="$("$CAP" admin manifests --repo "$APPS" --path guestbook --nameprefix pre- --namesuffix -suf \
	--kustomize-image quay.io/argoprojlabs/argocd-e2e-container:0.3)"
check "--nameprefix/--namesuffix" grep -q 'name: pre-guestbook-ui-suf' <<<"$out"
check "--kustomize-image" grep -q 'image: quay.io/argoprojlabs/argocd-e2e-container:0.3' <<<"$out"
out="$("$CAP" admin manifests --repo "$FIX" --path dir \
	--directory-recurse --directory-include '*.yaml' --directory-exclude 'sub/*')"
check_eq "--directory-recurse with include and exclude" "ConfigMap ConfigMap ConfigMap" \
	"$(grep '^kind:' <<<"$out" | awk '{print $2}' | xargs)"
out="$("$CAP" admin manifests --repo "$FIX" --path jsonnet \
	--directory-include main.jsonnet --jsonnet-ext-var-str name=from-cli \
	--jsonnet-ext-var-code num=1 --jsonnet-tla-str tier=cli --jsonnet-libs jsonnet/lib)"
check "--jsonnet-ext-var-str and --jsonnet-tla-str" grep -q 'name: from-cli' <<<"$out"
check "--jsonnet-ext-var-code" grep -q 'code: "2"' <<<"$out"

# A git repository, by file:// URL, at a branch and at an older commit.
repo="$E2E_TMP/repo"
mkdir -p "$repo" && cp -r "$APPS/guestbook" "$repo/" && (
	cd "$repo" && git init -q -b main && git add . &&
		git -c user.email=e2e@capstan -c user.name=e2e commit -q -m one &&
		sed -i 's/replicas: 0/replicas: 5/' guestbook/guestbook-ui-deployment.yaml &&
		git -c user.email=e2e@capstan -c user.name=e2e commit -q -am two
)
first="$(git -C "$repo" rev-parse HEAD~1)"
out="$("$CAP" admin manifests --repo "file://$repo" --path guestbook --revision main 2>&1)"
check "renders a file:// git URL at a branch" grep -q 'replicas: 5' <<<"$out"
out="$("$CAP" admin manifests --repo "file://$repo" --path guestbook --revision "$first" 2>&1)"
check "renders an older commit" grep -q 'replicas: 0' <<<"$out"
out="$("$CAP" admin manifests --repo "file://$repo" --path guestbook --revision nope 2>&1)"
check_eq "an unknown revision fails" 1 "$?"

# Errors: message on stderr, exit status 1 (2 for bad flags).
err="$("$CAP" admin manifests --repo "$APPS" --path missing 2>&1 >/dev/null)"
check_eq "missing path exit status" 1 "$?"
check_eq "missing path message" "capstan: cannot render 'missing': app path does not exist" "$err"
err="$("$CAP" admin manifests --repo "$APPS" --path helm-guestbook --values nope.yaml 2>&1)"
check "missing value file message" grep -q "value file 'nope.yaml' not found" <<<"$err"
err="$("$CAP" admin manifests --repo "$APPS" --path helm-guestbook \
	--values ../../../../../../../etc/passwd 2>&1)"
check "value file outside the repository" grep -q "resolved to outside repository root" <<<"$err"
"$CAP" admin manifests --path x >/dev/null 2>&1
check_eq "--repo is required" 2 "$?"
"$CAP" admin manifests --repo "$APPS" --helm-set novalue >/dev/null 2>&1
check_eq "malformed --helm-set" 2 "$?"

# A chart from a Helm repository served over loopback.
charts="$E2E_TMP/charts"
mkdir -p "$charts" && (cd "$charts" && helm package "$FIX/helm/chart" >/dev/null && helm repo index .)
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
(cd "$charts" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
http_pid=$!
e2e_cleanup_hooks+=("kill $http_pid 2>/dev/null")
for _ in $(seq 50); do
	curl -sf "http://127.0.0.1:$port/index.yaml" >/dev/null && break
	sleep 0.1
done
out="$("$CAP" admin manifests --repo "http://127.0.0.1:$port" --chart demo --revision 0.1.x \
	--values values-prod.yaml --dest-namespace shop 2>&1)"
check "--chart renders from a Helm repository" grep -q 'name: demo-web' <<<"$out"
check "value files of a repository chart come from the chart" grep -q 'tier: "prod"\|tier: prod' <<<"$out"
err="$("$CAP" admin manifests --repo "http://127.0.0.1:$port" --chart demo --revision 7.0.0 2>&1)"
check_eq "a missing chart version fails" 1 "$?"
check "and says which" grep -q "chart 'demo' version '7.0.0' not found\|no version matching '7.0.0'" <<<"$err"

# More source flags of `argocd app create`.
out="$("$CAP" admin manifests --repo "$FIX" --path kustomize/base --kustomize-common-label team=x \
	--kustomize-label-without-selector)"
check_eq "--kustomize-label-without-selector leaves selectors alone" 1 "$(grep -c 'team: x' <<<"$out")"
err="$("$CAP" admin manifests --repo "$FIX" --path kustomize/base --kustomize-version v0.0.1 2>&1)"
check "--kustomize-version must be configured" grep -q "kustomize version 'v0.0.1' is not configured" <<<"$err"
out="$("$CAP" admin manifests --repo "$FIX" --path helm/chart --helm-skip-crds)"
check_eq "--helm-skip-crds" 0 "$(grep -c 'kind: CustomResourceDefinition' <<<"$out")"

# A multi-source application: a values repository (git) referenced by a chart from a folder.
vals="$E2E_TMP/values-repo"
mkdir -p "$vals/prod" && echo 'tier: from-ref-repo' >"$vals/prod/web.yaml" && (
	cd "$vals" && git init -q -b main && git add . &&
		git -c user.email=e2e@capstan -c user.name=e2e commit -q -m vals
)
out="$("$CAP" admin manifests --app-name multi --dest-namespace prod --sources "[
	{\"repoURL\": \"file://$vals\", \"targetRevision\": \"main\", \"ref\": \"values\"},
	{\"repoURL\": \"$FIX\", \"path\": \"helm/chart\",
	 \"helm\": {\"valueFiles\": [\"\$values/prod/web.yaml\"]}},
	{\"repoURL\": \"$APPS\", \"path\": \"guestbook\"}]" 2>&1)"
check "--sources renders the chart with the referenced value file" grep -q 'tier: from-ref-repo' <<<"$out"
check "--sources adds the other source's objects" grep -q 'name: guestbook-ui' <<<"$out"
check_eq "--sources tracks everything but the CRD under one app" 4 \
	"$(grep -c 'argocd.argoproj.io/tracking-id: multi:' <<<"$out")"
err="$("$CAP" admin manifests --sources '[{"repoURL": "/nonexistent/x", "path": "a"}]' 2>&1)"
check "--sources errors name the source" grep -q "source 1: " <<<"$err"
