#!/usr/bin/env bash
# Installs what the editor tests need: the VS Code extension's npm packages
# (exactly as pinned in package-lock.json) and Neovim from Debian when it is
# missing. Tools that cannot be installed are reported, and the tests that
# need them skip.
set -euo pipefail
cd "$(dirname "$0")"

if command -v npm >/dev/null 2>&1; then
    # Install scripts are skipped: the packages used here (esbuild's binary comes
    # as its own package) work without them, and some would try to download.
    (cd vscode && npm ci --ignore-scripts --no-audit --no-fund)
else
    echo "editors/setup.sh: npm not found; the VS Code extension tests will be skipped" >&2
fi

if ! command -v nvim >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
    else
        echo "editors/setup.sh: nvim not found and not root; the Neovim tests will be skipped" >&2
    fi
fi
