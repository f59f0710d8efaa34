// How many glyphs onnxruntime gets per session.run. onnxruntime-node runs a batch synchronously on the calling
// thread; in the app and browser mode that is the thread that answers requests, which is free again only
// between batches: 256 CNN glyphs held it 90–400 ms, 64 about 50 ms of CPU (300–700 ms of wall time at a load
// average of 15 on two cores), 16 about 15 ms. The app and browser mode (ipc/context.ts) set 16. The CLI and
// the benchmarks read in batches of 64: as fast warm as 256 (glyphs per second, pages per second of a batch
// worker), and a batch's activations are a quarter of the memory — cnn-best's first batch of 256 touched ~130 MB
// (33 000 page faults), of 64 ~48 MB — so a one-page `transcribe` peaks 40 MB lower (315 → 275 MB) and starts
// ~5% sooner (docs/BENCHMARKS.md). Kept apart from onnxClassifier.ts so that setting it does not load onnxruntime.
export const MAX_ONNX_BATCH = 256

/** Glyphs per session.run unless setOnnxBatch says otherwise. */
export const DEFAULT_ONNX_BATCH = 64

let batch = DEFAULT_ONNX_BATCH

/** Glyphs per session.run from now on in this thread (1…256). */
export function setOnnxBatch(n: number): void {
  batch = Math.max(1, Math.min(MAX_ONNX_BATCH, Math.floor(n)))
}

export function onnxBatch(): number {
  return batch
}
