#!/usr/bin/env bash
# What `npm test` needs from Debian beyond npm: the fonts that synthetic glyphs are rendered
# from, NumPy/SciPy for the tests that check .mat files against scipy.io, and Chromium for the
# end-to-end tests (under CI=true those fail, never skip, when it is missing).
# Installs what is missing when run as root with apt-get; otherwise says what to install.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/install-fonts.sh"
bash "$here/install-lm-corpus.sh"
bash "$here/install-chromium.sh" || { [ -n "${CI:-}" ] && exit 1; true; }
if ! /usr/bin/python3 -c 'import numpy, scipy' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "install-test-deps: installing python3-numpy python3-scipy from Debian" >&2
    (apt-get install -y -qq python3-numpy python3-scipy >/dev/null 2>&1) || (apt-get update -qq && apt-get install -y -qq python3-numpy python3-scipy >/dev/null)
  else
    echo "install-test-deps: /usr/bin/python3 lacks numpy/scipy; install python3-numpy python3-scipy" >&2
  fi
fi
