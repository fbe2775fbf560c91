#!/usr/bin/env bash
# Installs code-server (VS Code served to a browser) for the end-to-end test
# into e2e/.cache/, inside the checkout. Its own install step downloads
# ripgrep and a kerberos prebuild, which a closed network refuses, so the
# install scripts are skipped and the native modules are built here against
# the running Node.js instead; Debian's rg stands in for the downloaded one.
# Needs Debian's ripgrep, libkrb5-dev and build-essential. Does nothing when
# the pinned version is already installed.
set -euo pipefail
cd "$(dirname "$0")"

VERSION=4.100.3
PREFIX=.cache/code-server-$VERSION
DONE=$PREFIX/.installed
if [ -f "$DONE" ]; then
    exit 0
fi
rm -rf "$PREFIX"
mkdir -p "$PREFIX"
cd "$PREFIX"

# node-gyp builds against the running node's headers instead of downloading them.
npm_config_nodedir="$(node -p 'require("path").resolve(process.execPath, "..", "..")')"
export npm_config_nodedir
# npm's cache stays in the checkout too; node-pty's post-install script runs
# `npx node-gyp`, which must not stop to ask before fetching it.
export npm_config_cache="$PWD/../npm"
export npm_config_yes=true
npm_flags=(--no-audit --no-fund --loglevel=error)

echo '{"private": true}' > package.json
npm install "${npm_flags[@]}" --ignore-scripts "code-server@$VERSION"
npm_config_build_from_source=true npm rebuild "${npm_flags[@]}" argon2
cd node_modules/code-server

cd lib/vscode
npm install "${npm_flags[@]}" --omit=dev --ignore-scripts
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild "${npm_flags[@]}" @vscode/spdlog node-pty native-watchdog @parcel/watcher kerberos @vscode/deviceid
ln -sfn node_modules node_modules.asar
ln -sf code-linux.sh bin/remote-cli/code-server
ln -sf browser-linux.sh bin/helpers/browser.sh
(cd extensions && npm install "${npm_flags[@]}" --omit=dev)

cd ../../../..
touch .installed
