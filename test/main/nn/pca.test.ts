import { describe, expect, it } from 'vitest'
import {
  covariance,
  fitPca,
  pcaParameterCount,
  pcaReconstruct,
  projectionRank,
  symmetricEigen
} from '../../../src/main/nn/pca.ts'
import { Rng } from '../../../src/main/nn/rng.ts'

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed)
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal()
  return a
}

describe('symmetricEigen (Householder + implicit QL)', () => {
  it('[[2,1],[1,2]]: eigenvalues 3 and 1 with (1,1)/√2 and (1,−1)/√2', () => {
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2)
    expect(values[0]).toBeCloseTo(3, 14)
    expect(values[1]).toBeCloseTo(1, 14)
    const s = Math.SQRT1_2
    expect(vectors[0]).toBeCloseTo(s, 14)
    expect(vectors[2]).toBeCloseTo(s, 14)
    expect(Math.abs(vectors[1])).toBeCloseTo(s, 14)
    expect(vectors[1] * vectors[3]).toBeCloseTo(-0.5, 14)
  })

  it('a diagonal matrix: its diagonal sorted, unit vectors', () => {
    const { values, vectors } = symmetricEigen([1, 0, 0, 0, 5, 0, 0, 0, -2], 3)
    expect(Array.from(values)).toEqual([5, 1, -2])
    expect(Array.from(vectors)).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1])
  })

  for (const n of [1, 7, 60]) {
    it(`random symmetric ${n}×${n}: A·V = V·Λ and VᵀV = I to 1e-10`, () => {
      const a = randomSymmetric(n, n)
      const { values, vectors: V } = symmetricEigen(a, n)
      let res = 0,
        orth = 0,
        trace = 0,
        sum = 0
      for (let i = 0; i < n; i++) {
        trace += a[i * n + i]
        sum += values[i]
        if (i > 0) expect(values[i]).toBeLessThanOrEqual(values[i - 1])
        for (let j = 0; j < n; j++) {
          let av = 0,
            vv = 0
          for (let k = 0; k < n; k++) {
            av += a[i * n + k] * V[k * n + j]
            vv += V[k * n + i] * V[k * n + j]
          }
          res = Math.max(res, Math.abs(av - V[i * n + j] * values[j]))
          orth = Math.max(orth, Math.abs(vv - (i === j ? 1 : 0)))
        }
      }
      expect(res).toBeLessThan(1e-10)
      expect(orth).toBeLessThan(1e-10)
      expect(sum).toBeCloseTo(trace, 10)
    })
  }

  it('refuses a non-symmetric matrix', () => {
    expect(() => symmetricEigen([1, 2, 3, 4], 2)).toThrow(/not symmetric/)
  })
})

describe('PCA', () => {
  // 200 points in a 3-dimensional affine subspace of R^10.
  const n = 200,
    dim = 10
  const rng = new Rng(5)
  const basis = Array.from({ length: 3 }, () => Array.from({ length: dim }, () => rng.normal()))
  const offset = Array.from({ length: dim }, () => rng.normal())
  const x = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const c = [rng.normal() * 3, rng.normal() * 2, rng.normal()]
    for (let j = 0; j < dim; j++)
      x[i * dim + j] = offset[j] + c[0] * basis[0][j] + c[1] * basis[1][j] + c[2] * basis[2][j]
  }

  it('covariance matches the two-pass float64 formula', () => {
    const { mean, cov } = covariance(x, n, dim)
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) {
        let s = 0
        for (let i = 0; i < n; i++) s += (x[i * dim + a] - mean[a]) * (x[i * dim + b] - mean[b])
        expect(cov[a * dim + b]).toBeCloseTo(s / (n - 1), 4)
      }
    }
  })

  it('finds the 3-dimensional subspace: 3 nonzero variances, exact reconstruction, projection of rank 3', () => {
    const pca = fitPca(x, n, dim, 3)
    const total = pca.variances.reduce((a, b) => a + b, 0)
    expect(pca.variances.subarray(0, 3).reduce((a, b) => a + b, 0) / total).toBeGreaterThan(1 - 1e-6)
    const r = pcaReconstruct(pca, x, n)
    let worst = 0
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(r[i] - x[i]))
    expect(worst).toBeLessThan(1e-3)
    expect(projectionRank(pca)).toMatchObject({ rank: 3, shape: [10, 10] })
  })

  it('with 2 of the 3 directions the reconstruction loses exactly the third variance', () => {
    const pca = fitPca(x, n, dim, 2)
    const r = pcaReconstruct(pca, x, n)
    let se = 0
    for (let i = 0; i < x.length; i++) se += (r[i] - x[i]) ** 2
    expect(se / (n - 1)).toBeCloseTo(pca.variances[2], 2)
  })

  it('with fewer rows than dimensions (the Gram-matrix path) gives the same variances and subspace', () => {
    const m = 8
    const primal = fitPca(x, n, dim, 3)
    const dual = fitPca(x.subarray(0, m * dim), m, dim, 3)
    const ref = fitPca(Float32Array.from([...x.subarray(0, m * dim), ...x.subarray(0, m * dim)]), 2 * m, dim, 3) // 16 ≥ 10 rows: primal
    for (let c = 0; c < 3; c++)
      expect(dual.variances[c]).toBeCloseTo((ref.variances[c] * (2 * m - 1)) / (2 * (m - 1)), 4)
    // Same subspace as the full data's: each dual component lies in the primal span.
    for (let c = 0; c < 3; c++) {
      let inSpan = 0
      for (let q = 0; q < 3; q++) {
        let dot = 0
        for (let j = 0; j < dim; j++) dot += dual.components[c * dim + j] * primal.components[q * dim + j]
        inSpan += dot * dot
      }
      expect(inSpan).toBeCloseTo(1, 5)
    }
  })

  it('counts 32×1024 components plus the 1024 mean as parameters', () => {
    expect(pcaParameterCount(1024, 32)).toBe(33792)
  })
})
