#!/usr/bin/env bash
# Sets `image.tag` in a Helm values file to a commit SHA and pushes the change to main:
#   bump-image-tag.sh deploy/helm/ecart/values-staging.yaml <40-hex sha>
# Edits that one line in place (sed on the `tag:` under the top-level `image:` block),
# leaving comments and layout alone. Retries on a race with another push.
set -euo pipefail
values="$1" tag="$2"
[[ $tag =~ ^[0-9a-f]{40}$ ]] || { echo "bump-image-tag: not a commit SHA: $tag" >&2; exit 1; }
[[ -f $values ]] || { echo "bump-image-tag: no $values" >&2; exit 1; }

set_tag() {
    sed -i -E "/^image:/,/^[^[:space:]#]/ s/^([[:space:]]+tag:[[:space:]]*).*/\1\"$tag\"/" "$values"
    grep -q "^[[:space:]]*tag: \"$tag\"" "$values" ||
        { echo "bump-image-tag: found no image.tag in $values" >&2; exit 1; }
}

set_tag
if git diff --quiet -- "$values"; then
    echo "bump-image-tag: $values already at $tag"
    exit 0
fi
[[ ${BUMP_NO_PUSH:-} == 1 ]] && exit 0 # tests: edit only
git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git commit -m "deploy: $(basename "$values" .yaml) image.tag $tag" -- "$values"
for attempt in 1 2 3; do
    git push origin HEAD:main && exit 0
    echo "bump-image-tag: push rejected (attempt $attempt), rebasing" >&2
    git pull --rebase origin main
done
exit 1
