#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium (browser tests) and exiftool (an independent
# reader that proves image metadata is gone). Installs them when run as root; otherwise says
# exactly what to install.
set -euo pipefail
needed=()
command -v chromium >/dev/null 2>&1 || needed+=(chromium)
command -v exiftool >/dev/null 2>&1 || needed+=(libimage-exiftool-perl)
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "Postguard's tests need these Debian packages: ${needed[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${needed[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
