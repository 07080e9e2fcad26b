#!/usr/bin/env bash
# `capstan admin manifests` against real git remotes: git daemon and smart HTTP on loopback,
# every revision form, a shared cache directory used offline, submodules, and scrubbed errors.
source "$(dirname "$0")/../lib/e2e.sh"

CAP="$CAP_BIN_DIR/capstan"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=e2e GIT_AUTHOR_EMAIL=e2e@capstan.invalid
export GIT_COMMITTER_NAME=e2e GIT_COMMITTER_EMAIL=e2e@capstan.invalid

# A repository whose app/cm.yaml says which release it is, tagged along the way.
repo="$E2E_TMP/srv/apps"
mkdir -p "$repo/app"
git -C "$repo" init -q -b main
release() {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  release: "%s"\n' \
		"$1" >"$repo/app/cm.yaml"
	git -C "$repo" add -A && git -C "$repo" commit -q -m "release $1"
}
release 1.0.0 && git -C "$repo" tag v1.0.0
release 1.1.0 && git -C "$repo" tag -a v1.1.0 -m "annotated 1.1.0"
release 1.2.3 && git -C "$repo" tag v1.2.3
release 2.0.0-rc.1 && git -C "$repo" tag v2.0.0-rc.1
release next

# Another repository, added to apps as a submodule by a relative URL.
lib="$E2E_TMP/srv/lib"
mkdir -p "$lib" && git -C "$lib" init -q -b main
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: from-lib\n' >"$lib/secret.yaml"
git -C "$lib" add -A && git -C "$lib" commit -q -m lib
git -C "$repo" -c protocol.file.allow=always submodule add -q ../lib app/lib 2>/dev/null
git -C "$repo" commit -q -m "vendor lib"

# released VERSION: the release the rendered manifests carry.
released() {
	sed -n 's/^  release: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p'
}

render() {
	"$CAP" admin manifests --path app --app-name "" --cache-dir "$E2E_TMP/cache" "$@" 2>&1
}
render_lib() {
	"$CAP" admin manifests --path app/lib --app-name "" --cache-dir "$E2E_TMP/cache" "$@" 2>&1
}

url="file://$repo"
check_eq "semver wildcard picks the highest match" 1.2.3 "$(render --repo "$url" --revision '1.*' | released)"
check_eq "caret range" 1.2.3 "$(render --repo "$url" --revision '^1.0' | released)"
check_eq "range with an upper bound" 1.1.0 \
	"$(render --repo "$url" --revision '>=1.0.0 <1.2.0' | released)"
check_eq "annotated tag resolves to its commit" 1.1.0 "$(render --repo "$url" --revision v1.1.0 | released)"
check_eq "prerelease only when asked for" 2.0.0-rc.1 \
	"$(render --repo "$url" --revision '>=2.0.0-alpha' | released)"
short="$(git -C "$repo" rev-parse --short=9 v1.0.0)"
check_eq "short commit SHA" 1.0.0 "$(render --repo "$url" --revision "$short" | released)"
check_eq "HEAD" next "$(render --repo "$url" --revision HEAD | released)"
out="$(render_lib --repo "$url" --revision HEAD)"
check "submodule files are part of the tree" grep -q 'name: from-lib' <<<"$out"
out="$(render --repo "$url" --revision 'no-such-branch')"
check "unknown revision fails naming it" grep -q "'no-such-branch'" <<<"$out"

# git daemon on loopback.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
git daemon --reuseaddr --export-all --base-path="$E2E_TMP/srv" --listen=127.0.0.1 --port="$port" \
	--pid-file="$E2E_TMP/daemon.pid" --detach "$E2E_TMP/srv"
e2e_cleanup_hooks+=('kill "$(cat "$E2E_TMP/daemon.pid")" 2>/dev/null')
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
check_eq "git:// at a branch" next "$(render --repo "git://127.0.0.1:$port/apps" --revision main | released)"
out="$(render_lib --repo "git://127.0.0.1:$port/apps" --revision main --cache-dir "$E2E_TMP/c2")"
check "submodule over git:// by relative URL" grep -q 'name: from-lib' <<<"$out"
check_eq "the submodule has a cached repository of its own" 2 "$(ls "$E2E_TMP/c2/repos" | grep -vc lock)"

# Smart HTTP through git http-backend.
python3 "$CAP_SOURCE_DIR/tests/lib/git_http_server.py" --root "$E2E_TMP/srv" \
	--port-file "$E2E_TMP/http.port" --log "$E2E_TMP/http.log" --watch-pid $$ >/dev/null 2>&1 &
http_pid=$!
e2e_cleanup_hooks+=("kill $http_pid 2>/dev/null")
for _ in $(seq 200); do [[ -s "$E2E_TMP/http.port" ]] && break; sleep 0.05; done
hport="$(cat "$E2E_TMP/http.port")"
check_eq "http:// at a tag" 1.2.3 "$(render --repo "http://127.0.0.1:$hport/apps" --revision v1.2.3 | released)"
out="$(render --repo "http://alice:hunter2-secret@127.0.0.1:$hport/missing" --revision main)"
check "a failing URL is reported" grep -q "127.0.0.1:$hport/missing" <<<"$out"
if grep -q hunter2-secret <<<"$out"; then
	fail "credentials in the URL stay out of the message" "$out"
else
	pass "credentials in the URL stay out of the message"
fi

# The cache directory keeps one tree per commit; a full SHA renders with every server gone.
sha="$(git -C "$repo" rev-parse v1.2.3)"
check "one read-only tree per commit" test -d "$E2E_TMP/cache/trees/$sha"
check_eq "trees are read-only" "-r--r--r--" "$(stat -c %A "$E2E_TMP/cache/trees/$sha/app/cm.yaml")"
kill "$http_pid" "$(cat "$E2E_TMP/daemon.pid")" 2>/dev/null
mv "$repo" "$repo.gone"
check_eq "a cached commit renders offline" 1.2.3 \
	"$(render --repo "http://127.0.0.1:$hport/apps" --revision "$sha" | released)"
mv "$repo.gone" "$repo"
