#!/usr/bin/env bash
# Installs the system packages the test suite needs on a fresh Debian bookworm machine:
# a current LibreOffice (headless Calc + the Python UNO bridge) from bookworm-backports, and
# poppler-utils (pdftotext, pdfinfo) to read back what LibreOffice prints.
# The backports suite is added to the Debian apt source that is already configured, so no
# package host is named here.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if command -v soffice >/dev/null 2>&1 && /usr/bin/python3 -c 'import uno' >/dev/null 2>&1 \
  && command -v pdftotext >/dev/null 2>&1; then
  echo "LibreOffice, python3-uno and poppler-utils already installed"
  exit 0
fi

src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ]; then
  if ! grep -q 'bookworm-backports' "$src"; then
    # Add backports to the stanza that already lists bookworm-updates.
    $SUDO sed -i -E 's/^(Suites:.*\bbookworm-updates\b.*)$/\1 bookworm-backports/' "$src"
  fi
elif [ -f /etc/apt/sources.list ] && ! grep -q 'bookworm-backports' /etc/apt/sources.list; then
  line=$(grep -E '^deb .* bookworm main' /etc/apt/sources.list | head -n1 || true)
  if [ -n "$line" ]; then
    echo "${line/ bookworm / bookworm-backports }" | $SUDO tee -a /etc/apt/sources.list >/dev/null
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports \
  libreoffice-calc-nogui python3-uno fonts-noto-cjk
$SUDO apt-get install -y -q --no-install-recommends poppler-utils
