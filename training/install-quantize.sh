#!/usr/bin/env bash
# Makes the Python environment training/quantize_onnx.py runs in: a venv at training/.venv-quantize on top of
# Debian's /usr/bin/python3 (its NumPy and SciPy, `sudo bash training/install.sh`) with onnxruntime and onnx from
# the Python package index, pinned: onnxruntime 1.30.0 is the version onnxruntime-node runs, so the 8-bit graph is
# made by the same kernels' quantiser that reads it. NumPy stays Debian's 1.24 (pinned so pip does not replace it).
#   bash training/install-quantize.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-quantize"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import onnxruntime, onnx, scipy' 2>/dev/null; then
  echo "training/.venv-quantize is ready"
  exit 0
fi
/usr/bin/python3 -c 'import numpy, scipy' || { echo "run: sudo bash training/install.sh" >&2; exit 1; }
numpy_version="$(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')"
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/pip" install --quiet "onnxruntime==1.30.0" "onnx==1.23.1" "numpy==$numpy_version"
"$venv/bin/python" -c 'import onnxruntime, onnx, numpy; print("onnxruntime", onnxruntime.__version__, "onnx", onnx.__version__, "numpy", numpy.__version__)'
