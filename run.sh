#!/usr/bin/env bash
# orgvend's entry point: ./run.sh --action NAME [flags]
# On a fresh clone it installs the dependencies and builds the CLI first; it adds no
# flags of its own. Setup output goes to stderr so stdout carries only results.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if ! command -v node >/dev/null 2>&1; then
  echo "orgvend: Node.js 20 or newer is required (https://nodejs.org)" >&2
  exit 1
fi

# npm ci when node_modules is missing or older than the lockfile.
if [[ ! -f "$here/node_modules/.package-lock.json" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  echo "orgvend: installing dependencies (npm ci)..." >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

# Rebuild when a source file, the lockfile or the build's settings changed since the last build.
stamp="$here/dist/.build-stamp"
if [[ ! -f "$stamp" || -n "$(find "$here/src" "$here/package-lock.json" "$here"/tsconfig*.json "$here/scripts/bundle-cli.mjs" -newer "$stamp" -print -quit)" ]]; then
  echo "orgvend: building..." >&2
  (cd "$here" && npm run --silent build) >&2
  touch "$stamp"
fi

exec node "$here/dist/cli/main.js" "$@"
