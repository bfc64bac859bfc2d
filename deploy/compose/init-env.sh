#!/usr/bin/env bash
# Writes deploy/.env for Compose: deploy/.env.example with every empty secret filled with a
# freshly generated one (32 random bytes in hex; an Ed25519 key for ECART_USERS_SIGNING_KEY).
# An existing deploy/.env is completed, never overwritten: values already set are kept.
# Needs openssl. Usage: deploy/compose/init-env.sh [path of the .env to write]
set -euo pipefail
deploy="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:-$deploy/.env}"
example="$deploy/.env.example"
command -v openssl >/dev/null || { echo "init-env: openssl is needed" >&2; exit 1; }

is_secret() {
    case "$1" in
        ECART_ADMIN_PASSWORD) return 1 ;; # optional: no admin unless you choose one
        *PASSWORD | *_CLIENT_SECRET | ECART_USERS_SIGNING_KEY) return 0 ;;
        *) return 1 ;;
    esac
}

generate() {
    if [[ $1 == ECART_USERS_SIGNING_KEY ]]; then
        # One line, newlines as \n inside double quotes (Compose's .env syntax).
        printf '"%s"' "$(openssl genpkey -algorithm ed25519 | awk 1 ORS='\\n')"
    else
        openssl rand -hex 32
    fi
}

source_file="$example"
[[ -f $target ]] && source_file="$target"
tmp="$(mktemp "$target.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
chmod 600 "$tmp"
while IFS= read -r line || [[ -n $line ]]; do
    key="${line%%=*}"
    if [[ $line =~ ^[A-Z0-9_]+=$ ]] && is_secret "$key"; then
        line="$key=$(generate "$key")"
    fi
    printf '%s\n' "$line" >>"$tmp"
done <"$source_file"
# Keys the example gained since an existing .env was written.
if [[ $source_file != "$example" ]]; then
    while IFS= read -r line; do
        key="${line%%=*}"
        grep -q "^$key=" "$tmp" && continue
        if [[ $line == "$key=" ]] && is_secret "$key"; then line="$key=$(generate "$key")"; fi
        printf '%s\n' "$line" >>"$tmp"
    done < <(grep -E '^[A-Z0-9_]+=' "$example")
fi
mv "$tmp" "$target"
trap - EXIT
echo "init-env: wrote $target (mode 600)"
