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

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-tesseract: no apt-get here; install Tesseract 5 with English data ($PACKAGES on Debian/Ubuntu) by other means" >&2
  exit 1
fi

echo "install-tesseract: installing $PACKAGES"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=""; fi
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $PACKAGES
tesseract --version 2>&1 | head -n 1
