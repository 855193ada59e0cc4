#!/usr/bin/env bash
# Sets up a fresh machine for Volt's tests: the system packages the end-to-end tests drive
# (Debian's neovim and luarocks; chromium and ripgrep for the VS Code tests; redis-server for the
# sweep queue's) and the npm dependencies.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nvim >/dev/null 2>&1 || need+=(neovim)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# luarocks: the Neovim plugin's rockspec is installed with it in packages/nvim-plugin/tests/release.test.ts.
command -v luarocks >/dev/null 2>&1 || need+=(luarocks)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (better-sqlite3 compiles from source, about 90 s)"
  npm ci --no-audit --no-fund
fi
