#!/usr/bin/env bash
# Installs the system packages the tests need, only those missing. Safe to run again.
set -euo pipefail
# libreoffice-writer-nogui: tests open every generated DOCX in LibreOffice, as a user without Word would
PACKAGES=(chromium postgresql fonts-dejavu-core fonts-liberation gettext poppler-utils libreoffice-writer-nogui
  libpango-1.0-0 libpangoft2-1.0-0)  # pango: WeasyPrint lays PDFs out with it
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
