#!/usr/bin/env bash
# Installs the peer of the side-by-side benchmark from the npm registry, pinned by the lock files
# committed beside this script: Node 22 (the `node` package, which brings the platform's binary
# package) into bench/peer/runtime, then Directus into bench/peer/directus with that Node, so its
# native modules are built for it. Node's headers come with the binary package, so a module built
# from source (isolated-vm) needs nothing but the registry. Does nothing when both are current.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

current() { [[ -f "$1/node_modules/.package-lock.json" && ! "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]]; }

if ! current "$here/runtime"; then
  (cd "$here/runtime" && npm ci --no-audit --no-fund)
fi
# The `node` package installs the binary package of this platform (node-<os>-<arch>), headers and all.
binary="$(dirname "$(dirname "$(ls "$here"/runtime/node_modules/node/node_modules/node-*-*/bin/node | head -n 1)")")"
"$binary/bin/node" --version >/dev/null

if ! current "$here/directus"; then
  (cd "$here/directus" && PATH="$binary/bin:$PATH" npm_config_nodedir="$binary" \
    npm ci --no-audit --no-fund)
fi
echo "peer: Node $("$binary/bin/node" --version), Directus $(cd "$here/directus" && "$binary/bin/node" -p 'require("directus/package.json").version')"
