#!/usr/bin/env bash
# Installs the Debian packages modulr needs, only those missing.
# Usage: scripts/install-system-deps.sh [--browser] [--nginx]
#   base:      LibreOffice (PDF conversion), python3-uno (unoserver), poppler (pdftotext),
#              the fonts Word models expect, gettext (translations)
#   --browser: headless Chromium for the browser tests
#   --nginx:   nginx, for `make prod-smoke` and tests/deploy (production runs nginx:stable)
set -euo pipefail
# fonts-symbola: emoji typed by clients, drawn in the PDF (LibreOffice 7.4 prints colour
# emoji fonts as blanks, so a monochrome one, on purpose).
# fonts-noto-core (Arabic, Hebrew, and most other scripts) and fonts-noto-cjk (Chinese,
# Japanese, Korean): without them LibreOffice prints no glyph for what DejaVu lacks.
pkgs=(libreoffice-writer-nogui python3-uno poppler-utils gettext
      fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea fonts-dejavu-core
      fonts-symbola fonts-noto-core fonts-noto-cjk)
for flag in "$@"; do
  case "$flag" in
    --browser) pkgs+=(chromium) ;;
    --nginx) pkgs+=(nginx) ;;
    *) echo "usage: scripts/install-system-deps.sh [--browser] [--nginx]" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "Installation des paquets système manquants : ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
