#!/usr/bin/env bash
# Two capstan processes share rendered manifests through a real Redis, as several repo-servers do.
source "$(dirname "$0")/../lib/e2e.sh"

CAP="$CAP_BIN_DIR/capstan"
if ! command -v redis-server >/dev/null; then
	echo "redis-server not installed: skipped"
	exit 0
fi

# start_redis LOG [ARG…]: a throwaway redis-server on a free port with the extra arguments, killed
# at exit; sets redis_port and redis_pid and waits (up to 5 s) until it answers.
start_redis() {
	local log="$1"
	shift
	redis_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
	redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no "$@" \
		>"$log" 2>&1 &
	redis_pid=$!
	e2e_cleanup_hooks+=("kill $redis_pid 2>/dev/null")
	for _ in $(seq 50); do
		redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
}

start_redis "$E2E_TMP/redis.log"
port="$redis_port"

repo="$E2E_TMP/repo"
mkdir -p "$repo" && cp -r "$CAP_SHARED_DATA/argocd/e2e-apps/guestbook" "$repo/" && (
	cd "$repo" && git init -q -b main && git add . &&
		git -c user.email=e2e@capstan -c user.name=e2e commit -q -m one
)

# Each run is its own process with its own git cache: only Redis is shared.
render() {
	"$CAP" admin manifests --repo "file://$repo" --path guestbook --revision main \
		--cache-dir "$E2E_TMP/cache-$1" --redis "127.0.0.1:$port" --cache-stats "${@:2}" \
		2>"$E2E_TMP/stderr" >"$E2E_TMP/out-$1"
}
render a
check_eq "first repo-server renders" "manifest cache: miss" "$(cat "$E2E_TMP/stderr")"
render b
check_eq "second repo-server reads the first one's render" "manifest cache: hit" \
	"$(cat "$E2E_TMP/stderr")"
check "both print the same objects" cmp "$E2E_TMP/out-a" "$E2E_TMP/out-b"
check_eq "the entry is in Redis under capstan's prefix" 1 \
	"$(redis-cli -p "$port" --scan --pattern 'capstan|mfst|*' | wc -l)"
render c --hard-refresh
check_eq "a hard refresh renders again" "manifest cache: miss" "$(cat "$E2E_TMP/stderr")"
render d --app-name other
check_eq "another app name is another entry" "manifest cache: miss" "$(cat "$E2E_TMP/stderr")"

kill "$redis_pid"
wait "$redis_pid" 2>/dev/null
render e
check_eq "without Redis the render still succeeds" 0 "$?"
check_eq "and says Redis was unavailable" "manifest cache: miss (redis unavailable)" \
	"$(cat "$E2E_TMP/stderr")"

# A Redis with a password: REDIS_PASSWORD from the environment, as Argo CD's components take it.
start_redis "$E2E_TMP/redis2.log" --requirepass pw-e2e
port="$redis_port"
REDIS_PASSWORD=pw-e2e render f
check_eq "a password-protected Redis takes REDIS_PASSWORD" "manifest cache: miss" \
	"$(cat "$E2E_TMP/stderr")"
REDIS_PASSWORD=pw-e2e render g
check_eq "and shares through it" "manifest cache: hit" "$(cat "$E2E_TMP/stderr")"
REDIS_PASSWORD=wrong render h
check_eq "a wrong password only costs a render" "manifest cache: miss (redis unavailable)" \
	"$(cat "$E2E_TMP/stderr")"
