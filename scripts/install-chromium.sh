#!/usr/bin/env bash
# The end-to-end tests drive Debian's Chromium (/usr/bin/chromium) through playwright-core.
# Installs it when missing and we are root with apt-get; otherwise says what to install.
# Never downloads a browser from anywhere but the distribution's own archive.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "install-chromium: installing chromium from Debian for the end-to-end tests" >&2
  export DEBIAN_FRONTEND=noninteractive
  (apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1) ||
    (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null)
  [ -x /usr/bin/chromium ] && exit 0
  echo "install-chromium: apt-get ran but /usr/bin/chromium is still missing" >&2
  exit 1
fi
echo "install-chromium: /usr/bin/chromium is missing; install Debian's chromium package (apt-get install chromium) to run the end-to-end tests" >&2
