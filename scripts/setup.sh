#!/usr/bin/env bash
# Sets up everything heatlens needs on a fresh Linux machine, idempotently:
#   - .venv: the heatlens package (editable) with the profiler backends and the test tools
#   - node_modules + the packaged VS Code extension (.vsix)
#   - what the real-VS-Code end-to-end tests need (code-server, headless Chromium, Neovim)
# Usage: bash scripts/setup.sh            (everything)
#        HEATLENS_SETUP_E2E=0 bash scripts/setup.sh   (skip the editor test tooling)
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
say() { printf '\n== %s\n' "$*"; }

say "Python environment (.venv)"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[backends,test]'

if [ -f package.json ] && command -v npm >/dev/null; then
  say "VS Code extension (npm ci, build, package)"
  npm ci --no-audit --no-fund --loglevel=error
  npm run -s package
fi

if [ "${HEATLENS_SETUP_E2E:-1}" = 1 ] && [ -f scripts/e2e-setup.sh ]; then
  say "Editor end-to-end tooling (code-server, Chromium, Neovim)"
  bash scripts/e2e-setup.sh
fi
say "heatlens is set up: try  .venv/bin/heatlens run examples/hot_loops.py"
