#!/usr/bin/env bash
# Install what the VS Code end-to-end suite needs (see tests/e2e/README in the driver header):
# Debian's chromium + ripgrep + build deps, code-server 4.99.4 (a real VS Code 1.99 from npm) under
# .e2e/code-server, and the repo's npm devDependencies (playwright-core, vsce, ...).
# Idempotent: every step is skipped when its result is already there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CS_VERSION="4.99.4"
CS_DIR="$ROOT/.e2e/code-server"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
log() { printf '[e2e-setup] %s\n' "$*"; }
# code-server writes a config file into $HOME even for --version: keep it out of the real home
cs_version() { HOME="$CS_DIR/home" XDG_CONFIG_HOME="$CS_DIR/home/.config" "$CS_BIN" --version 2>/dev/null | grep -m1 -oE '^[0-9]+\.[0-9]+\.[0-9]+'; }

# 1. system packages (chromium drives the workbench; the rest builds code-server's native modules)
need_apt=()
for pair in chromium:/usr/bin/chromium ripgrep:/usr/bin/rg pkg-config:/usr/bin/pkg-config; do
  [ -x "${pair#*:}" ] || need_apt+=("${pair%%:*}")
done
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
dpkg -s libsecret-1-dev >/dev/null 2>&1 || need_apt+=(libsecret-1-dev)
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# 2. code-server from npm (installed once; its postinstall compiles native modules)
if [ -x "$CS_BIN" ] && [ "$(cs_version)" = "$CS_VERSION" ]; then
  log "code-server $CS_VERSION already installed"
else
  log "installing code-server@$CS_VERSION (compiles native modules, a few minutes)"
  mkdir -p "$CS_DIR/tmp"
  # @vscode/ripgrep 1.15.11 downloads rg from GitHub (unreachable here): pre-seed its cache with
  # Debian's rg, packed the way it expects.
  RG_CACHE="$CS_DIR/tmp/vscode-ripgrep-cache-1.15.11"
  RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -s "$RG_TGZ" ]; then
    mkdir -p "$RG_CACHE/stage"
    cp /usr/bin/rg "$RG_CACHE/stage/rg"
    tar -C "$RG_CACHE/stage" -czf "$RG_TGZ" rg
    rm -rf "$RG_CACHE/stage"
  fi
  [ -f "$CS_DIR/package.json" ] || printf '{"name":"heatlens-e2e-code-server","private":true}\n' > "$CS_DIR/package.json"
  # npm 11 refuses root in postinstall unless unsafe_perm is in the env; node-pty's postinstall
  # runs `npx node-gyp`, which needs yes=true.
  (cd "$CS_DIR" && TMPDIR="$CS_DIR/tmp" npm_config_yes=true npm_config_unsafe_perm=true \
     npm install --no-save --no-audit --no-fund "code-server@$CS_VERSION" --foreground-scripts \
     > "$CS_DIR/install.log" 2>&1) || { tail -40 "$CS_DIR/install.log"; exit 1; }
  [ "$(cs_version)" = "$CS_VERSION" ] || { echo "code-server did not install"; tail -40 "$CS_DIR/install.log"; exit 1; }
fi

# 3. the repo's own npm devDependencies (playwright-core for the driver, vsce, esbuild, ...)
if [ ! -d "$ROOT/node_modules/playwright-core" ] || [ ! -d "$ROOT/node_modules/@vscode/vsce" ]; then
  log "npm ci"
  (cd "$ROOT" && npm ci --no-audit --no-fund)
fi
log "ready: $CS_BIN"
