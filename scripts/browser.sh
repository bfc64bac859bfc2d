#!/usr/bin/env bash
# Installs Debian's `chromium` when it is missing (the browser tests drive it through
# Playwright's `executable_path`; no browser is ever downloaded from anywhere else).
# Idempotent: prints the version and does nothing when /usr/bin/chromium is already there.
set -euo pipefail

CHROMIUM=${ECART_TEST_CHROMIUM:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
  "$CHROMIUM" --version 2>/dev/null || echo "chromium: $CHROMIUM"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  echo "browser.sh: $CHROMIUM is missing and neither root nor sudo is available;" \
    "install Debian's chromium package (apt-get install chromium)" >&2
  exit 1
fi

echo "browser.sh: installing Debian's chromium"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
"$CHROMIUM" --version
