// Numeric kernels for the MLP: pure functions that write into caller-supplied buffers and
// allocate nothing. Matrices are row-major; sizes come first, then inputs, then outputs.
// V8 does not auto-vectorise, so the gemms unroll the reduction by 4 (and block 2 output rows
// in gemmNN) to cut loads/stores of the output per multiply-add; index arithmetic is hoisted.
// All kernels accept Float32Array or Float64Array; keep one dtype per process for the hot path
// so V8's inline caches stay monomorphic (gradient checks run float64 in their own tests).
// Large float32 products with n a multiple of 4 go to the WebAssembly SIMD gemm (simd.ts),
// which accumulates in float32; everything else (and all float64) uses the JS loops below.

import { ACCUMULATE, arenaOf, OVERWRITE, SGD_UPDATE, simdGemm, type GemmMode } from './simd.ts'
import type { FloatArray } from './tensor.ts'

export type Labels = Uint8Array | Uint16Array | Int32Array

/**
 * Below this many multiply-adds, copying operands into wasm memory is not worth it. Operands
 * that already live in one arena (see simd.ts) need no copy and take the SIMD path at any size.
 */
const SIMD_MIN_WORK = 8192

/**
 * C (op)= A·B on the WebAssembly SIMD path, A(i,p) = A[i·sai + p·sap] (aLen floats), B row-major
 * k×n: in place when all three live in one arena, else through the copying scratch instance.
 * Columns [n&~3, n) are finished here in JS. Returns false (nothing done) when the SIMD path does
 * not apply: not float32, n < 4, k = 0, too little work to pay for a copy, or no wasm SIMD.
 */
function simdGemmInto(
  m: number,
  n: number,
  k: number,
  A: FloatArray,
  aLen: number,
  sai: number,
  sap: number,
  B: FloatArray,
  C: FloatArray,
  mode: GemmMode,
  lr: number
): boolean {
  if (!(A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array) || n < 4 || k < 1 || m < 1)
    return false
  const arena = arenaOf(C)
  if (arena !== undefined && arenaOf(A) === arena && arenaOf(B) === arena) {
    arena.gemm(m, n, k, A, sai, sap, B, C, mode, lr)
  } else {
    const scratch = m * n * k >= SIMD_MIN_WORK ? simdGemm() : null
    if (scratch === null) return false
    scratch.run(m, n, k, A, aLen, sai, sap, B, C, mode, lr)
  }
  const n4 = n & ~3
  if (n4 < n) raggedColumns(m, n, k, A, sai, sap, B, C, n4, mode, lr)
  return true
}

/** Columns [j0, n) of C (op)= A·B as plain dot products (the SIMD kernels stop at n&~3). */
function raggedColumns(
  m: number,
  n: number,
  k: number,
  A: FloatArray,
  sai: number,
  sap: number,
  B: FloatArray,
  C: FloatArray,
  j0: number,
  mode: GemmMode,
  lr: number
): void {
  const round = C instanceof Float32Array ? Math.fround : (v: number): number => v
  for (let i = 0; i < m; i++) {
    for (let j = j0; j < n; j++) {
      let s = 0
      for (let p = 0, a = i * sai, b = j; p < k; p++, a += sap, b += n) s += A[a] * B[b]
      const c = i * n + j
      if (mode === OVERWRITE) C[c] = s
      else if (mode === ACCUMULATE) C[c] += s
      else C[c] = C[c] - round(round(lr) * round(s)) // the gradient as stored, then sgdUpdate's step
    }
  }
}

/** C[m×n] (+)= A[m×k] · B[k×n]. */
export function gemmNN(
  m: number,
  n: number,
  k: number,
  A: FloatArray,
  B: FloatArray,
  C: FloatArray,
  accumulate: boolean
): void {
  if (simdGemmInto(m, n, k, A, m * k, k, 1, B, C, accumulate ? ACCUMULATE : OVERWRITE, 0)) return
  let i = 0
  for (; i + 1 < m; i += 2) {
    const a0r = i * k,
      a1r = a0r + k,
      c0 = i * n,
      c1 = c0 + n
    if (!accumulate) C.fill(0, c0, c1 + n)
    let p = 0
    for (; p + 3 < k; p += 4) {
      const x0 = A[a0r + p],
        x1 = A[a0r + p + 1],
        x2 = A[a0r + p + 2],
        x3 = A[a0r + p + 3]
      const y0 = A[a1r + p],
        y1 = A[a1r + p + 1],
        y2 = A[a1r + p + 2],
        y3 = A[a1r + p + 3]
      const b0 = p * n,
        b1 = b0 + n,
        b2 = b1 + n,
        b3 = b2 + n
      for (let j = 0; j < n; j++) {
        const v0 = B[b0 + j],
          v1 = B[b1 + j],
          v2 = B[b2 + j],
          v3 = B[b3 + j]
        C[c0 + j] += x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3
        C[c1 + j] += y0 * v0 + y1 * v1 + y2 * v2 + y3 * v3
      }
    }
    for (; p < k; p++) {
      const x = A[a0r + p],
        y = A[a1r + p],
        b = p * n
      for (let j = 0; j < n; j++) {
        const v = B[b + j]
        C[c0 + j] += x * v
        C[c1 + j] += y * v
      }
    }
  }
  for (; i < m; i++) {
    const ar = i * k,
      c0 = i * n
    if (!accumulate) C.fill(0, c0, c0 + n)
    let p = 0
    for (; p + 3 < k; p += 4) {
      const x0 = A[ar + p],
        x1 = A[ar + p + 1],
        x2 = A[ar + p + 2],
        x3 = A[ar + p + 3]
      const b0 = p * n,
        b1 = b0 + n,
        b2 = b1 + n,
        b3 = b2 + n
      for (let j = 0; j < n; j++) C[c0 + j] += x0 * B[b0 + j] + x1 * B[b1 + j] + x2 * B[b2 + j] + x3 * B[b3 + j]
    }
    for (; p < k; p++) {
      const x = A[ar + p],
        b = p * n
      for (let j = 0; j < n; j++) C[c0 + j] += x * B[b + j]
    }
  }
}

let transposeScratch = new Float32Array(0)

/**
 * C[m×n] (+)= A[m×k] · B[n×k]ᵀ  (dot products of contiguous rows). The SIMD path needs B as
 * row-major k×n: it transposes B into `bt` (≥ k×n floats; pass one from the same arena as A and
 * C to stay copy-free), or into a module-level scratch array.
 */
export function gemmNT(
  m: number,
  n: number,
  k: number,
  A: FloatArray,
  B: FloatArray,
  C: FloatArray,
  accumulate: boolean,
  bt?: FloatArray
): void {
  if (A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array && n >= 4 && k >= 1) {
    let Bt = bt !== undefined && bt.length >= n * k ? bt : null
    if (Bt === null) {
      if (transposeScratch.length < n * k) transposeScratch = new Float32Array(n * k)
      Bt = transposeScratch
    }
    // Transpose only when the SIMD path will take it (same test as simdGemmInto, minus the copy).
    const inPlace = arenaOf(C) !== undefined && arenaOf(A) === arenaOf(C) && arenaOf(Bt) === arenaOf(C)
    if (inPlace || (m * n * k >= SIMD_MIN_WORK && simdGemm() !== null)) {
      for (let j = 0; j < n; j++) {
        const r = j * k
        for (let p = 0; p < k; p++) Bt[p * n + j] = B[r + p]
      }
      if (simdGemmInto(m, n, k, A, m * k, k, 1, Bt, C, accumulate ? ACCUMULATE : OVERWRITE, 0)) return
    }
  }
  for (let i = 0; i < m; i++) {
    const ar = i * k,
      cr = i * n
    let j = 0
    for (; j + 3 < n; j += 4) {
      const b0 = j * k,
        b1 = b0 + k,
        b2 = b1 + k,
        b3 = b2 + k
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0
      for (let p = 0; p < k; p++) {
        const a = A[ar + p]
        s0 += a * B[b0 + p]
        s1 += a * B[b1 + p]
        s2 += a * B[b2 + p]
        s3 += a * B[b3 + p]
      }
      if (accumulate) {
        C[cr + j] += s0
        C[cr + j + 1] += s1
        C[cr + j + 2] += s2
        C[cr + j + 3] += s3
      } else {
        C[cr + j] = s0
        C[cr + j + 1] = s1
        C[cr + j + 2] = s2
        C[cr + j + 3] = s3
      }
    }
    for (; j < n; j++) {
      const b = j * k
      let s = 0
      for (let p = 0; p < k; p++) s += A[ar + p] * B[b + p]
      if (accumulate) C[cr + j] += s
      else C[cr + j] = s
    }
  }
}

/**
 * Aᵀ (m×k) written into aT, when A (k×m) and aT are float32 in one arena and the wasm transpose applies
 * (k and m multiples of 4); null otherwise. A TN product then reads the rows of Aᵀ contiguously instead
 * of one float from each of k rows of A, m·4 bytes apart: with m = 1024 those k rows fall in one L1 cache
 * set and evict each other at every step (the layer-1 weight gradient ran at half the forward's speed).
 */
function transposedInArena(k: number, m: number, A: FloatArray, aT: FloatArray | undefined): Float32Array | null {
  if (aT === undefined || !(A instanceof Float32Array) || !(aT instanceof Float32Array)) return null
  const arena = arenaOf(A)
  return arena !== undefined && arenaOf(aT) === arena && arena.transpose(k, m, A, aT) ? aT : null
}

/**
 * C[m×n] (+)= A[k×m]ᵀ · B[k×n]  (e.g. dW = Xᵀ·dY, reducing over the batch).
 * 2×4 register tiles of C accumulate over the whole (short) reduction, so C is written once
 * instead of once per reduction step — about 2× faster than the i-k-j form for dW of layer 1.
 * aT (≥ m×k floats in A's arena, optional): room for Aᵀ, so that the SIMD gemm reads it row by row
 * (see transposedInArena); every element is summed in the same order, so the result is the same bits.
 */
export function gemmTN(
  m: number,
  n: number,
  k: number,
  A: FloatArray,
  B: FloatArray,
  C: FloatArray,
  accumulate: boolean,
  aT?: FloatArray
): void {
  const mode = accumulate ? ACCUMULATE : OVERWRITE
  const t = transposedInArena(k, m, A, aT)
  if (t !== null && simdGemmInto(m, n, k, t, m * k, k, 1, B, C, mode, 0)) return
  if (simdGemmInto(m, n, k, A, k * m, 1, m, B, C, mode, 0)) return
  const m2 = m & ~1,
    n4 = n & ~3
  for (let i = 0; i < m2; i += 2) {
    const c0 = i * n,
      c1 = c0 + n
    for (let j = 0; j < n4; j += 4) {
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0
      for (let r = 0, a = i, b = j; r < k; r++, a += m, b += n) {
        const x = A[a],
          y = A[a + 1]
        const v0 = B[b],
          v1 = B[b + 1],
          v2 = B[b + 2],
          v3 = B[b + 3]
        s00 += x * v0
        s01 += x * v1
        s02 += x * v2
        s03 += x * v3
        s10 += y * v0
        s11 += y * v1
        s12 += y * v2
        s13 += y * v3
      }
      if (accumulate) {
        C[c0 + j] += s00
        C[c0 + j + 1] += s01
        C[c0 + j + 2] += s02
        C[c0 + j + 3] += s03
        C[c1 + j] += s10
        C[c1 + j + 1] += s11
        C[c1 + j + 2] += s12
        C[c1 + j + 3] += s13
      } else {
        C[c0 + j] = s00
        C[c0 + j + 1] = s01
        C[c0 + j + 2] = s02
        C[c0 + j + 3] = s03
        C[c1 + j] = s10
        C[c1 + j + 1] = s11
        C[c1 + j + 2] = s12
        C[c1 + j + 3] = s13
      }
    }
  }
  // Ragged edges (odd m, n not a multiple of 4): plain dot products.
  for (let i = 0; i < m; i++) {
    for (let j = i < m2 ? n4 : 0; j < n; j++) {
      let s = 0
      for (let r = 0, a = i, b = j; r < k; r++, a += m, b += n) s += A[a] * B[b]
      if (accumulate) C[i * n + j] += s
      else C[i * n + j] = s
    }
  }
}

/**
 * W[m×n] −= lr · (A[k×m]ᵀ · B[k×n]): a gemmTN gradient followed by the plain-SGD update, with the
 * same result bit for bit as `gemmTN(m, n, k, A, B, G, false)` then `W[i] −= lr·G[i]` (what
 * Sgd.step does without momentum or weight decay). On the SIMD path the update is fused into the
 * gemm's epilogue, so the gradient never goes to memory and G is left untouched; otherwise G
 * (m×n) receives the gradient and the update runs in JS. aT: as for gemmTN.
 */
export function gemmTNSgd(
  m: number,
  n: number,
  k: number,
  A: FloatArray,
  B: FloatArray,
  W: FloatArray,
  lr: number,
  G: FloatArray,
  aT?: FloatArray
): void {
  const t = transposedInArena(k, m, A, aT)
  if (t !== null && simdGemmInto(m, n, k, t, m * k, k, 1, B, W, SGD_UPDATE, lr)) return
  if (simdGemmInto(m, n, k, A, k * m, 1, m, B, W, SGD_UPDATE, lr)) return
  gemmTN(m, n, k, A, B, G, false)
  sgdUpdate(m * n, W, G, lr)
}

/**
 * w[i] −= lr·g[i] over len elements: the plain-SGD step (Sgd.step without momentum or weight
 * decay uses it too). For float32 it is float32 arithmetic with lr rounded to float32 — exactly
 * NumPy's `W -= lr * dW` on float32 arrays, and what the fused wasm epilogue computes.
 */
export function sgdUpdate(len: number, w: FloatArray, g: FloatArray, lr: number): void {
  if (w instanceof Float32Array) {
    const lr32 = Math.fround(lr)
    // A float32 product or difference computed in float64 and rounded is the float32 result.
    for (let i = 0; i < len; i++) w[i] = w[i] - Math.fround(lr32 * g[i])
  } else {
    for (let i = 0; i < len; i++) w[i] -= lr * g[i]
  }
}

/** Y[m×n] += bias[n] on every row. */
export function addRowBias(m: number, n: number, bias: FloatArray, Y: FloatArray): void {
  for (let i = 0; i < m; i++) {
    const r = i * n
    for (let j = 0; j < n; j++) Y[r + j] += bias[j]
  }
}

/** out[n] (+)= Σ_rows A[m×n]  (bias gradient). */
export function columnSums(m: number, n: number, A: FloatArray, out: FloatArray, accumulate: boolean): void {
  if (!accumulate) out.fill(0, 0, n)
  for (let i = 0; i < m; i++) {
    const r = i * n
    for (let j = 0; j < n; j++) out[j] += A[r + j]
  }
}

// Activations: forward writes y from x; backward writes dx from the forward output y and dy
// (every derivative here is cheapest in terms of y). x and y may alias, as may dy and dx.

/**
 * y = 1/(1+e^−x). float32 arrays in one arena take the wasm SIMD kernel (a float32 exp within
 * ~1 ulp, like NumPy's float32 np.exp) for all but the last len%4 elements; the rest use Math.exp.
 */
export function sigmoidForward(len: number, x: FloatArray, y: FloatArray): void {
  let i = 0
  if (x instanceof Float32Array && y instanceof Float32Array) {
    const arena = arenaOf(y)
    if (arena !== undefined && arenaOf(x) === arena) {
      arena.sigmoid(len, x, y)
      i = len & ~3
    }
  }
  for (; i < len; i++) y[i] = 1 / (1 + Math.exp(-x[i]))
}
export function sigmoidBackward(len: number, y: FloatArray, dy: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < len; i++) {
    const s = y[i]
    dx[i] = dy[i] * s * (1 - s)
  }
}

export function reluForward(len: number, x: FloatArray, y: FloatArray): void {
  for (let i = 0; i < len; i++) {
    const v = x[i]
    y[i] = v > 0 ? v : 0
  }
}
export function reluBackward(len: number, y: FloatArray, dy: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < len; i++) dx[i] = y[i] > 0 ? dy[i] : 0
}

export function tanhForward(len: number, x: FloatArray, y: FloatArray): void {
  for (let i = 0; i < len; i++) y[i] = Math.tanh(x[i])
}
export function tanhBackward(len: number, y: FloatArray, dy: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < len; i++) {
    const t = y[i]
    dx[i] = dy[i] * (1 - t * t)
  }
}

/** Row-wise softmax of Z[m×n] into P; subtracting the row max keeps exp() finite for any finite logits. */
export function softmaxRows(m: number, n: number, Z: FloatArray, P: FloatArray): void {
  for (let i = 0; i < m; i++) {
    const r = i * n
    let max = -Infinity
    for (let j = 0; j < n; j++) if (Z[r + j] > max) max = Z[r + j]
    let sum = 0
    for (let j = 0; j < n; j++) {
      const e = Math.exp(Z[r + j] - max)
      P[r + j] = e
      sum += e
    }
    const inv = 1 / sum
    for (let j = 0; j < n; j++) P[r + j] *= inv
  }
}

/**
 * Softmax of Z into P and the mean cross-entropy −(1/m)Σ log p[label]. The loss is taken from
 * the log-sum-exp (z_label − max − log Σ exp(z − max)), not log(P), so a probability that
 * underflows to 0 still gives a finite, correct loss. Returns NaN if any logit is NaN/±Inf.
 */
export function softmaxCrossEntropy(m: number, n: number, Z: FloatArray, labels: Labels, P: FloatArray): number {
  let total = 0
  for (let i = 0; i < m; i++) {
    const r = i * n
    let max = -Infinity
    for (let j = 0; j < n; j++) if (Z[r + j] > max) max = Z[r + j]
    let sum = 0
    for (let j = 0; j < n; j++) {
      const e = Math.exp(Z[r + j] - max)
      P[r + j] = e
      sum += e
    }
    const inv = 1 / sum
    for (let j = 0; j < n; j++) P[r + j] *= inv
    const y = labels[i]
    if (y >= n) return NaN
    total += Math.log(sum) - (Z[r + y] - max)
  }
  return total / m
}

/** dZ = (P − onehot(labels)) / m: gradient of the mean cross-entropy w.r.t. the logits. */
export function softmaxCrossEntropyBackward(m: number, n: number, P: FloatArray, labels: Labels, dZ: FloatArray): void {
  const inv = 1 / m
  for (let i = 0; i < m; i++) {
    const r = i * n
    for (let j = 0; j < n; j++) dZ[r + j] = P[r + j] * inv
    dZ[r + labels[i]] -= inv
  }
}

/** argmax of each row of S[m×n] (first index on ties) into out. */
export function argmaxRows(m: number, n: number, S: FloatArray, out: Uint8Array | Uint16Array | Int32Array): void {
  for (let i = 0; i < m; i++) {
    const r = i * n
    let best = 0,
      bv = S[r]
    for (let j = 1; j < n; j++)
      if (S[r + j] > bv) {
        bv = S[r + j]
        best = j
      }
    out[i] = best
  }
}

/** How many rows of S[m×n] have their argmax at the label. */
export function countCorrect(m: number, n: number, S: FloatArray, labels: Labels): number {
  let correct = 0
  for (let i = 0; i < m; i++) {
    const r = i * n
    let best = 0,
      bv = S[r]
    for (let j = 1; j < n; j++)
      if (S[r + j] > bv) {
        bv = S[r + j]
        best = j
      }
    if (best === labels[i]) correct++
  }
  return correct
}
