#!/bin/sh
# Installs the Debian fonts Glyphdesk's synthetic glyph sets are drawn from
# (src/main/data/synth/fonts.ts): handwriting-style faces and plain sans for training,
# Humor Sans and Comic Neue for evaluation only. Does nothing when all are installed.
set -eu

PACKAGES="fonts-dkg-handwriting fonts-breip fonts-bwht fonts-femkeklaver fonts-sjfonts \
fonts-rufscript fonts-kaushanscript fonts-dejavu-core fonts-liberation \
fonts-humor-sans fonts-comic-neue"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "install-fonts: all synthesis fonts are installed"
  exit 0
fi

. "$(dirname "$0")/apt-install.sh"
# shellcheck disable=SC2086
apt_install install-fonts "the fonts$missing (Debian/Ubuntu)" $missing
command -v fc-cache >/dev/null 2>&1 && fc-cache -f >/dev/null || true
