// Small seeded datasets for the nn tests.
import { Rng } from '../../../src/main/nn/rng.ts'
import type { LabelledGlyphs } from '../../../src/main/nn/train.ts'

/** `classes` well-separated Gaussian blobs in `dim` dimensions (prototype ±1 per coordinate, noise σ). */
export function blobs(n: number, dim: number, classes: number, seed: number, sigma = 0.3): LabelledGlyphs {
  const protoRng = new Rng(999) // same prototypes for every split
  const protos = Float32Array.from({ length: classes * dim }, () => (protoRng.uniform() < 0.5 ? -1 : 1))
  const rng = new Rng(seed)
  const x = new Float32Array(n * dim)
  const y = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const c = rng.int(classes)
    y[i] = c
    for (let k = 0; k < dim; k++) x[i * dim + k] = protos[c * dim + k] + sigma * rng.normal()
  }
  return { x, y, n }
}

export function sameBits(a: ArrayLike<number>[], b: ArrayLike<number>[]): boolean {
  if (a.length !== b.length) return false
  return a.every(
    (t, i) => t.length === b[i].length && Array.prototype.every.call(t, (v: number, k: number) => Object.is(v, b[i][k]))
  )
}

/** Textbook triple-loop product C = A·B in float64, the reference every gemm kernel is tested against. */
export function naive(
  m: number,
  n: number,
  k: number,
  a: (i: number, p: number) => number,
  b: (p: number, j: number) => number
): Float64Array {
  const C = new Float64Array(m * n)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let p = 0; p < k; p++) s += a(i, p) * b(p, j)
      C[i * n + j] = s
    }
  return C
}
