#!/usr/bin/env bash
# Installs everything Noosphere needs on a fresh Debian machine with Python 3.11 and Node 20:
# the Debian packages Python's venv needs (when missing), a project-local .venv with the package
# and its dev dependencies, and the anvil binary from the npm package @foundry-rs/anvil in .tools/.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
ANVIL_VERSION="1.7.1"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Python venv support (Debian ships ensurepip in python3-venv).
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
    echo "bootstrap: installing python3-venv (Debian)"
    as_root apt-get update -qq
    as_root apt-get install -y -qq python3-venv python3-dev >/dev/null
fi

# 2. Project virtualenv; reinstalled when pyproject.toml changes.
STAMP=.venv/.installed
if [ ! -x .venv/bin/python ]; then
    echo "bootstrap: creating .venv with $PYTHON"
    "$PYTHON" -m venv .venv
fi
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    echo "bootstrap: installing noosphere and its dependencies into .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[dev]'
    touch "$STAMP"
fi

# 3. anvil from npm, without relying on the package's postinstall script.
if [ ! -x .tools/bin/anvil ] || ! .tools/bin/anvil --version 2>/dev/null | grep -q "$ANVIL_VERSION"; then
    command -v npm >/dev/null || { echo "bootstrap: npm not found; install Node.js 20" >&2; exit 1; }
    echo "bootstrap: installing anvil $ANVIL_VERSION from npm into .tools/"
    mkdir -p .tools/bin
    npm install --silent --prefix .tools --ignore-scripts --no-audit --no-fund \
        "@foundry-rs/anvil@$ANVIL_VERSION"
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64) platform=linux-amd64 ;;
        Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
        Darwin-arm64) platform=darwin-arm64 ;;
        Darwin-x86_64) platform=darwin-amd64 ;;
        *) echo "bootstrap: no anvil build for $(uname -sm)" >&2; exit 1 ;;
    esac
    binary=".tools/node_modules/@foundry-rs/anvil-$platform/bin/anvil"
    if [ ! -f "$binary" ]; then
        npm install --silent --prefix .tools --ignore-scripts --no-audit --no-fund \
            "@foundry-rs/anvil-$platform@$ANVIL_VERSION"
    fi
    chmod +x "$binary"
    ln -sf "$(pwd)/$binary" .tools/bin/anvil
    .tools/bin/anvil --version | head -1
fi
