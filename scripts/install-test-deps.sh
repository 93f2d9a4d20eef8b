#!/usr/bin/env bash
# Installs the system packages the tests need, only those missing. Safe to run again.
set -euo pipefail
PACKAGES=(chromium postgresql fonts-dejavu-core fonts-liberation gettext poppler-utils)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all system packages present"
  exit 0
fi
echo "install-test-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-test-deps: done"
