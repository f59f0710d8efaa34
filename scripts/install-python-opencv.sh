#!/bin/sh
# Installs Debian's OpenCV and NumPy for /usr/bin/python3 (python3-opencv, python3-numpy), which the Python bench
# helpers bench/page_variants.py and bench/sheet_crops.py need. Glyphdesk itself never needs them. Does nothing
# when /usr/bin/python3 already imports both.
set -eu

PACKAGES="python3-opencv python3-numpy"

if /usr/bin/python3 -c 'import cv2, numpy' >/dev/null 2>&1; then
  echo "install-python-opencv: /usr/bin/python3 has OpenCV $(/usr/bin/python3 -c 'import cv2; print(cv2.__version__)')"
  exit 0
fi

. "$(dirname "$0")/apt-install.sh"
# shellcheck disable=SC2086
apt_install install-python-opencv "$PACKAGES (Debian/Ubuntu)" $PACKAGES
/usr/bin/python3 -c 'import cv2; print("install-python-opencv: OpenCV", cv2.__version__)'
