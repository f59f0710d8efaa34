import { describe, expect, it } from 'vitest'
import {
  argmaxRows,
  columnSums,
  countCorrect,
  gemmNN,
  gemmNT,
  gemmTN,
  softmaxCrossEntropy,
  softmaxCrossEntropyBackward,
  softmaxRows
} from '../../../src/main/nn/kernels.ts'
import { Rng } from '../../../src/main/nn/rng.ts'
import { simdGemm } from '../../../src/main/nn/simd.ts'
import { naive } from './fixtures.ts'

function randomF64(len: number, seed: number): Float64Array {
  const r = new Rng(seed)
  return Float64Array.from({ length: len }, () => r.normal())
}

/** Textbook triple loop: C[i][j] = Σ_p A(i,p)·B(p,j) with accessors for transposes. */

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tol)
}

describe('gemm kernels', () => {
  // Odd sizes exercise the unrolled main loops and their remainders.
  for (const [m, n, k] of [
    [1, 1, 1],
    [5, 7, 9],
    [4, 8, 12],
    [3, 2, 13]
  ]) {
    it(`gemmNN/NT/TN match the triple loop for m=${m} n=${n} k=${k}, with and without accumulate`, () => {
      const A = randomF64(m * k, 1),
        At = randomF64(k * m, 2),
        B = randomF64(k * n, 3),
        Bt = randomF64(n * k, 4)
      const C0 = randomF64(m * n, 5)
      const nn = naive(
        m,
        n,
        k,
        (i, p) => A[i * k + p],
        (p, j) => B[p * n + j]
      )
      const nt = naive(
        m,
        n,
        k,
        (i, p) => A[i * k + p],
        (p, j) => Bt[j * k + p]
      )
      const tn = naive(
        m,
        n,
        k,
        (i, p) => At[p * m + i],
        (p, j) => B[p * n + j]
      )
      for (const [kernel, a, b, ref] of [
        [gemmNN, A, B, nn],
        [gemmNT, A, Bt, nt],
        [gemmTN, At, B, tn]
      ] as const) {
        const C = C0.slice()
        kernel(m, n, k, a, b, C, false)
        expectClose(C, ref)
        kernel(m, n, k, a, b, C, true)
        expectClose(
          C,
          ref.map((v) => 2 * v)
        )
      }
    })
  }

  // Float32 with n a multiple of 16 and enough work takes the WebAssembly SIMD path.
  for (const [m, n, k] of [
    [33, 64, 40],
    [32, 16, 1024],
    [7, 48, 100],
    [32, 36, 64],
    [9, 20, 300]
  ]) {
    it(`float32 gemmNN/NT/TN (SIMD path) match the triple loop for m=${m} n=${n} k=${k}, with and without accumulate`, () => {
      const f32 = (len: number, seed: number): Float32Array => Float32Array.from(randomF64(len, seed))
      expect(simdGemm()).not.toBeNull() // Node ≥ 20 has wasm SIMD; if this fails the fast path is silently off
      const A = f32(m * k, 1),
        At = f32(k * m, 2),
        B = f32(k * n, 3),
        Bt = f32(n * k, 4),
        C0 = f32(m * n, 5)
      const nn = naive(
        m,
        n,
        k,
        (i, p) => A[i * k + p],
        (p, j) => B[p * n + j]
      )
      const nt = naive(
        m,
        n,
        k,
        (i, p) => A[i * k + p],
        (p, j) => Bt[j * k + p]
      )
      const tn = naive(
        m,
        n,
        k,
        (i, p) => At[p * m + i],
        (p, j) => B[p * n + j]
      )
      const tol = 1e-4 * Math.sqrt(k)
      for (const [kernel, a, b, ref] of [
        [gemmNN, A, B, nn],
        [gemmNT, A, Bt, nt],
        [gemmTN, At, B, tn]
      ] as const) {
        const C = C0.slice()
        kernel(m, n, k, a, b, C, false)
        expectClose(C, ref, tol)
        kernel(m, n, k, a, b, C, true)
        expectClose(
          C,
          ref.map((v) => 2 * v),
          2 * tol
        )
      }
    })
  }

  it('columnSums adds each column over rows', () => {
    const out = new Float64Array(3)
    columnSums(2, 3, Float64Array.of(1, 2, 3, 10, 20, 30), out, false)
    expect(Array.from(out)).toEqual([11, 22, 33])
  })
})

describe('softmax and cross-entropy', () => {
  it('matches hand-computed softmax and mean cross-entropy', () => {
    // Row 0: z = [1,2,3]; exp(z−3) = [e⁻², e⁻¹, 1] = [0.1353352832, 0.3678794412, 1], sum 1.5032147244
    //   p = [0.0900305732, 0.2447284711, 0.6652409558]; label 0 → −ln 0.0900305732 = 2.4076059644
    // Row 1: z = [0,0,0] → p = 1/3 each; label 2 → ln 3 = 1.0986122887
    // mean CE = (2.4076059644 + 1.0986122887) / 2 = 1.7531091266
    const Z = Float64Array.of(1, 2, 3, 0, 0, 0)
    const labels = Uint8Array.of(0, 2)
    const P = new Float64Array(6)
    const loss = softmaxCrossEntropy(2, 3, Z, labels, P)
    expect(loss).toBeCloseTo(1.7531091266, 9)
    expectClose(P, [0.0900305732, 0.2447284711, 0.6652409558, 1 / 3, 1 / 3, 1 / 3], 1e-10)
    // dZ = (P − onehot)/m with m = 2
    const dZ = new Float64Array(6)
    softmaxCrossEntropyBackward(2, 3, P, labels, dZ)
    expectClose(dZ, [(0.0900305732 - 1) / 2, 0.2447284711 / 2, 0.6652409558 / 2, 1 / 6, 1 / 6, (1 / 3 - 1) / 2], 1e-10)
  })

  it('stays finite and correct for logits of ±1e4 (float32 too)', () => {
    // Row [1e4, −1e4, 1e4−1]: p0 = 1/(1+e⁻¹) = 0.7310585786, p2 = e⁻¹/(1+e⁻¹) = 0.2689414214, p1 = e^(−2e4) = 0.
    // Label 1: CE = logsumexp − z1 = (1e4 + ln(1+e⁻¹)) − (−1e4) = 20000.3132616875.
    for (const Arr of [Float32Array, Float64Array]) {
      const Z = Arr.of(1e4, -1e4, 1e4 - 1)
      const P = new Arr(3)
      const loss = softmaxCrossEntropy(1, 3, Z, Uint8Array.of(1), P)
      expect(Number.isFinite(loss)).toBe(true)
      expect(loss).toBeCloseTo(20000.3132616875, 3)
      expectClose(P, [0.7310585786, 0, 0.2689414214], 1e-7)
      const P2 = new Arr(3)
      softmaxRows(1, 3, Arr.of(-1e4, -1e4, -1e4), P2)
      expectClose(P2, [1 / 3, 1 / 3, 1 / 3], 1e-7)
    }
  })

  it('argmax/countCorrect pick the first maximum per row', () => {
    const S = Float64Array.of(0.1, 0.7, 0.2, 0.5, 0.5, 0)
    const out = new Uint8Array(2)
    argmaxRows(2, 3, S, out)
    expect(Array.from(out)).toEqual([1, 0])
    expect(countCorrect(2, 3, S, Uint8Array.of(1, 1))).toBe(1)
  })
})
