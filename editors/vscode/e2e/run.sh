#!/usr/bin/env bash
# The VS Code extension tested in a real VS Code: packages the extension,
# installs code-server and playwright-core (pinned, cached in e2e/.cache and
# e2e/node_modules), and runs e2e.test.mjs with Node's test runner. Skips,
# saying why, when a tool it needs is missing. About a minute and a half with
# code-server cached, a minute more without.
#
#   bash editors/vscode/e2e/run.sh                  # the test
#   bash editors/vscode/e2e/run.sh --screenshots    # the test, saving docs/images/*.png
set -euo pipefail
e2e="$(cd "$(dirname "$0")" && pwd)"
extension="$(dirname "$e2e")"
root="$(cd "$extension/../.." && pwd)"

skip() {
    echo "editors/vscode/e2e: skipped: $*"
    exit 0
}

pictures=""
case "${1:-}" in
    --screenshots) pictures="$root/docs/images" ;;
    "") ;;
    *) echo "usage: $0 [--screenshots]" >&2; exit 2 ;;
esac

# Debian's Chromium and ripgrep, and what code-server's native modules build
# with, installed when missing and this runs as root with apt-get (as CI does).
packages=()
command -v chromium >/dev/null || packages+=(chromium)
command -v rg >/dev/null || packages+=(ripgrep)
[ -e /usr/include/gssapi/gssapi.h ] || packages+=(libkrb5-dev)
command -v g++ >/dev/null && command -v make >/dev/null || packages+=(build-essential)
if [ ${#packages[@]} -gt 0 ] && [ -z "${CHROMIUM:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

command -v node >/dev/null && command -v npm >/dev/null || skip "Node.js and npm are not installed"
[ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || skip "code-server 4.100.3 needs Node.js 20, not $(node --version)"
chromium="${CHROMIUM:-$(command -v chromium || true)}"
[ -n "$chromium" ] || skip "Chromium is not installed (Debian: apt-get install chromium)"
command -v rg >/dev/null || skip "ripgrep is not installed (Debian: apt-get install ripgrep)"
command -v g++ >/dev/null && command -v make >/dev/null || skip "a C++ toolchain is not installed (Debian: apt-get install build-essential)"
[ -e /usr/include/gssapi/gssapi.h ] || skip "the Kerberos headers are not installed (Debian: apt-get install libkrb5-dev)"
[ -x "$root/.venv/bin/esker-lsp" ] || skip "Esker is not installed in .venv (python3 -m venv .venv && .venv/bin/pip install -e .)"
[ -x "$extension/node_modules/.bin/vsce" ] || skip "the extension's npm packages are not installed: run editors/setup.sh"

bash "$e2e/install-code-server.sh"
(cd "$e2e" && npm_config_cache="$e2e/.cache/npm" npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
vsix="$e2e/.cache/esker.vsix"
(cd "$extension" && npm run --silent package -- --out "$vsix" >/dev/null)

cd "$e2e"
ESKER_E2E_VSIX="$vsix" ESKER_E2E_VENV="$root/.venv" ESKER_E2E_CHROMIUM="$chromium" \
    ESKER_E2E_SCREENSHOTS="$pictures" node --test --test-reporter=spec e2e.test.mjs
