#!/usr/bin/env bash
# Issue 15's measurements in one go, on a quiet machine, each with the command docs/BENCHMARKS.md quotes:
# training epoch vs NumPy and PyTorch, MLP/CNN inference vs PyTorch (1 and 2 threads), sample pages vs
# single-threaded Tesseract, CLI start-up, and batch reading on 1 and 2 workers. Every output goes to
# OUT_DIR (default bench-out/speed-DATE) and is echoed; the load average is printed before each bench,
# because every figure is a ratio from the same run and a loaded machine bends them.
#   bash scripts/bench-speed.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench-out/speed-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
run() {
  local name="$1"
  shift
  echo "== $name: $* (load: $(cut -d' ' -f1-3 /proc/loadavg))" | tee "$out/$name.txt"
  "$@" 2>&1 | tee -a "$out/$name.txt"
}
run train-epoch node --import tsx bench/train-epoch.ts --reps 5 --gemm-threads 1,2 --torch-threads 1
run inference-1thread env GLYPHDESK_GEMM_THREADS=1 GLYPHDESK_ONNX_THREADS=1 \
  npx tsx bench/cnn-throughput.ts --rounds 3 --seconds 2 --torch-threads 1
run inference-2threads npx tsx bench/cnn-throughput.ts --rounds 3 --seconds 2 --torch-threads 2
run pages-vs-tesseract env OMP_THREAD_LIMIT=1 npx tsx bench/pages-vs-tesseract.ts resources/samples --reps 5
run cli-startup npx tsx bench/cli-startup.ts --reps 5 --npx
run batch npx tsx bench/batch-archive.ts throughput --pages 200 --workers 1,2
echo "outputs in $out"
