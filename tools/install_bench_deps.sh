#!/usr/bin/env bash
# Installs what the gas benchmarks need besides anvil, project-locally into .tools/ from npm:
# solc-js (the official JavaScript/WebAssembly build of the Solidity compiler; it ships the
# compiler inside the package and downloads nothing) and the OpenZeppelin contracts that the
# benchmarks deploy as baselines. Both are pinned. Safe to run again: skipped when installed.
set -euo pipefail
cd "$(dirname "$0")/.."

SOLC_VERSION="0.8.28"
OZ_VERSION="5.7.0"

# The version field of an installed package, or nothing when it is not installed.
installed_version() {
    local manifest=".tools/node_modules/$1/package.json"
    [ -f "$manifest" ] || return 0
    node -p "require('./$manifest').version" 2>/dev/null || true
}

if [ "$(installed_version solc)" = "$SOLC_VERSION" ] \
    && [ "$(installed_version @openzeppelin/contracts)" = "$OZ_VERSION" ]; then
    exit 0
fi
command -v npm >/dev/null || { echo "install_bench_deps: npm not found; install Node.js 20" >&2; exit 1; }
echo "install_bench_deps: installing solc $SOLC_VERSION and @openzeppelin/contracts $OZ_VERSION into .tools/"
mkdir -p .tools
npm install --silent --prefix .tools --ignore-scripts --no-audit --no-fund --save-exact \
    "solc@$SOLC_VERSION" "@openzeppelin/contracts@$OZ_VERSION"
node -e "const s = require('./.tools/node_modules/solc'); console.log('install_bench_deps: solc', s.version())"
