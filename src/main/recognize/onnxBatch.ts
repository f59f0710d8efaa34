// How many glyphs onnxruntime gets per session.run. onnxruntime-node runs a batch synchronously on the calling
// thread; in the app and browser mode that is the thread that answers requests, which is free again only
// between batches: 256 CNN glyphs held it 90–400 ms, 64 about 50 ms of CPU (300–700 ms of wall time at a load
// average of 15 on two cores), 16 about 15 ms. The app and browser mode (ipc/context.ts) set 16 for that reason.
// The CLI and the benchmarks read in batches of 16 too: warm, a pass over the sample pages takes the same time
// with 16, 32 or 64 (545–561 ms, medians of 8 alternated passes) and 64 was as fast as 256; but a batch's
// activations are touched memory, and on a cold start every page of it is a page fault: cnn-best's first batch
// of 256 touched ~130 MB, of 64 ~48 MB, so a one-page `transcribe` peaks at 315 MB with 256, 250 MB with 64 and
// 222 MB with 16, and starts ~3% sooner with 16 than with 64 (docs/BENCHMARKS.md). Kept apart from
// onnxClassifier.ts so that setting it does not load onnxruntime.
export const MAX_ONNX_BATCH = 256

/** Glyphs per session.run unless setOnnxBatch says otherwise. */
export const DEFAULT_ONNX_BATCH = 16

let batch = DEFAULT_ONNX_BATCH

/** Glyphs per session.run from now on in this thread (1…256). */
export function setOnnxBatch(n: number): void {
  batch = Math.max(1, Math.min(MAX_ONNX_BATCH, Math.floor(n)))
}

export function onnxBatch(): number {
  return batch
}
