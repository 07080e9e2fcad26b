# Lint: includes follow the layer order of ARCHITECTURE.md; files open with a one-line comment;
# headers use #pragma once. Run from the repository root; prints file:line for each violation.
source "${CAP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/lib/e2e.sh"
cd "$CAP_SOURCE_DIR" || exit 1

LAYERS=(base value schema patch kube git render diff health cache sync app controller appset server
	cli)

declare -A RANK
for i in "${!LAYERS[@]}"; do
	RANK[${LAYERS[$i]}]=$i
done

# allowed FROM TARGET_PATH: exit 0 when a file of module FROM may include TARGET_PATH.
allowed() {
	local from="$1" target="$2"
	local to="${target%%/*}"
	[[ "$target" == "version.h" ]] && return 0
	[[ "$from" == "$to" ]] && return 0
	if [[ "$from" == "drydock" ]]; then
		case "$to" in
		base | value | schema | patch) return 0 ;;
		kube) [[ "${target##*/}" == *key*.h || "${target##*/}" == gvk*.h ]] && return 0 ;;
		esac
		return 1
	fi
	[[ "$to" == "drydock" ]] && return 1
	local rf="${RANK[$from]-}" rt="${RANK[$to]-}"
	[[ -z "$rf" || -z "$rt" ]] && return 1
	# server and cli sit above every core module; only cli may include server.
	[[ "$to" == "cli" ]] && return 1
	((rt <= rf))
}

layer_violations=0
while IFS= read -r file; do
	rel="${file#src/}"
	from="${rel%%/*}"
	[[ "$from" == "$rel" ]] && from="" # a file at src/ root (version.c)
	while IFS=: read -r line target; do
		target="${target#*\"}"
		target="${target%%\"*}"
		if [[ "$target" != */* ]]; then
			# A bare name: a sibling file of the same module, or src/version.h.
			[[ "$target" == "version.h" || -e "${file%/*}/$target" ]] && continue
			fail "$file:$line" "includes '$target', which is neither a sibling nor version.h"
			layer_violations=$((layer_violations + 1))
			continue
		fi
		if [[ -z "$from" ]]; then
			fail "$file:$line" "a file at src/ root includes '$target'"
			layer_violations=$((layer_violations + 1))
			continue
		fi
		if ! allowed "$from" "$target"; then
			fail "$file:$line" "'$from' may not include '$target' (layer order)"
			layer_violations=$((layer_violations + 1))
		fi
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file")
done < <(find src -name '*.[ch]' -type f | sort)
((layer_violations == 0)) && pass "includes follow the layer order"

comment_violations=0
pragma_violations=0
while IFS= read -r file; do
	# A one-line purpose comment; clang-format may wrap a long one so that it closes on line 2.
	first="" second=""
	{ IFS= read -r first; IFS= read -r second; } <"$file"
	if ! [[ "$first" =~ ^/\*\ .+\*/$ || "$first" =~ ^//\ .+ ||
		("$first" =~ ^/\*\ .+ && "$second" =~ ^\ .*\*/$) ]]; then
		fail "$file:1" "does not open with a one-line comment on its purpose"
		comment_violations=$((comment_violations + 1))
	fi
	if [[ "$file" == *.h ]] && ! grep -qE '^#pragma once[[:space:]]*$' "$file"; then
		fail "$file:1" "header lacks #pragma once"
		pragma_violations=$((pragma_violations + 1))
	fi
done < <(find src tests bench -name '*.[ch]' -type f 2>/dev/null | sort)
((comment_violations == 0)) && pass "every source file opens with a one-line comment"
((pragma_violations == 0)) && pass "every header uses #pragma once"
