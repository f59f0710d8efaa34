#!/bin/sh
# Installs Debian's Tesseract OCR (tesseract-ocr with its English data), which bench/pages-vs-tesseract.ts
# compares Glyphdesk's page transcription against. Glyphdesk itself never needs it. Does nothing when the
# `tesseract` command and its English data are already there.
set -eu

PACKAGES="tesseract-ocr tesseract-ocr-eng"

if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx eng; then
  echo "install-tesseract: $(tesseract --version 2>&1 | head -n 1) with English data is installed"
  exit 0
fi

. "$(dirname "$0")/apt-install.sh"
# shellcheck disable=SC2086
apt_install install-tesseract "Tesseract 5 with English data ($PACKAGES on Debian/Ubuntu)" $PACKAGES
tesseract --version 2>&1 | head -n 1
