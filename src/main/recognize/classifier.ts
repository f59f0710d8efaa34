// The one interface the page pipeline, the CLI and the app use to recognise glyphs,
// whatever model sits behind it (from-scratch MLP or ONNX CNN).
import { CLASSES, NUM_CLASSES } from '../../shared/classes.ts'

export interface Prediction {
  /** n×36 class probabilities, row-major. */
  probs: Float32Array
  /** argmax class index per glyph. */
  labels: Uint8Array
  /** n×3 best class indices, best first. */
  top3: Uint8Array
}

export interface Classifier {
  readonly name: string
  /**
   * glyphs: n×1024 row-major 32×32 images in the training format
   * (upright, background ≈ 1, ink ≈ 0; see vision/normalise.ts).
   */
  predict(glyphs: Float32Array, n: number): Promise<Prediction>
  /** Penultimate-layer features, where the model has them. */
  embed?(glyphs: Float32Array, n: number): Promise<{ data: Float32Array; dim: number }>
  /**
   * A cheaper classifier whose reading of cut pieces this one stands by, where it has one: for the shipped
   * ensemble cnn-best, its compact member, shipped alone as cnn-compact (recognize/models.ts#loadClassifier). The
   * reading stage reads the pieces of the boxes it cuts with it, where the touching-letter model decides most of
   * their reading anyway (read/readLines.ts#PrepareLinesOptions.cutReader). Null when an ensemble's card names no
   * such member: the classifier reads its pieces itself.
   */
  pieceReader?(): Promise<Classifier | null>
}

/** Turns n×36 probabilities into argmax labels and top-3 indices. */
export function decodeProbs(probs: Float32Array, n: number): Prediction {
  const labels = new Uint8Array(n)
  const top3 = new Uint8Array(n * 3)
  for (let i = 0; i < n; i++) {
    const row = i * NUM_CLASSES
    let a = -1,
      b = -1,
      c = -1
    for (let k = 0; k < NUM_CLASSES; k++) {
      const p = probs[row + k]
      if (a < 0 || p > probs[row + a]) {
        c = b
        b = a
        a = k
      } else if (b < 0 || p > probs[row + b]) {
        c = b
        b = k
      } else if (c < 0 || p > probs[row + c]) {
        c = k
      }
    }
    labels[i] = a
    top3[i * 3] = a
    top3[i * 3 + 1] = b
    top3[i * 3 + 2] = c
  }
  return { probs, labels, top3 }
}

/** Glyph i of a prediction as a PageDoc box reads it: label, confidence and top-3, probabilities clamped to [0, 1]. */
export function predictionRow(
  pred: Prediction,
  i: number
): { label: string; confidence: number; top3: { label: string; p: number }[] } {
  const p = (c: number) => Math.min(1, Math.max(0, pred.probs[i * NUM_CLASSES + c]))
  const label = pred.labels[i]
  return {
    label: CLASSES[label],
    confidence: p(label),
    top3: [0, 1, 2].map((k) => ({ label: CLASSES[pred.top3[i * 3 + k]], p: p(pred.top3[i * 3 + k]) }))
  }
}
