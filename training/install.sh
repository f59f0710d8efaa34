#!/usr/bin/env bash
# Installs what training/*.py need for Debian's /usr/bin/python3 (python3-torch 1.13, NumPy, SciPy),
# from Debian only. Run as root: sudo bash training/install.sh
set -euo pipefail
if /usr/bin/python3 -c 'import torch, numpy, scipy' 2>/dev/null; then
  echo "python3-torch, python3-numpy and python3-scipy are already installed for /usr/bin/python3"
  exit 0
fi
apt-get update
apt-get install -y python3-torch python3-numpy python3-scipy
/usr/bin/python3 -c 'import torch, numpy, scipy; print("torch", torch.__version__, "numpy", numpy.__version__, "scipy", scipy.__version__)'
