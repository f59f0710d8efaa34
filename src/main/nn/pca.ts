// Principal component analysis of glyph sets, with its own tested symmetric eigensolver
// (Householder tridiagonalisation + implicit-shift QL, the EISPACK tred2/tql2 pair as ported by
// JAMA), so the PCA baseline of the lab needs no linear-algebra dependency. PCA here is the
// eigen-decomposition of the training set's covariance matrix, which gives the same components
// as the SVD of the centred data matrix (right singular vectors; σᵢ² = (n−1)·λᵢ).
import { InternalError } from '../core/errors.ts'
import { gemmTN } from './kernels.ts'

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array
  /** n×n row-major; column j is the unit eigenvector of values[j] (its largest-magnitude entry positive). */
  vectors: Float64Array
}

export class EigenConvergenceError extends InternalError {
  override name = 'EigenConvergenceError'
}

/**
 * Eigen-decomposition of the symmetric n×n matrix `a` (row-major; only read, never modified).
 * Accurate to a few ulps of ‖a‖ in the reconstruction V·Λ·Vᵀ; O(n³): about 1 s for n = 1024 in V8.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`symmetricEigen: n must be a positive integer, got ${n}`)
  if (a.length !== n * n)
    throw new RangeError(`symmetricEigen: matrix has ${a.length} values, ${n}×${n} needs ${n * n}`)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const x = a[i * n + j],
        y = a[j * n + i]
      if (!Number.isFinite(x) || Math.abs(x - y) > 1e-9 * (Math.abs(x) + Math.abs(y)) + 1e-300) {
        throw new RangeError(`symmetricEigen: matrix is not symmetric and finite at (${i}, ${j}): ${x} vs ${y}`)
      }
    }
  }
  const V = Float64Array.from(a)
  const d = new Float64Array(n)
  const e = new Float64Array(n)
  tred2(n, V, d, e)
  tql2(n, V, d, e)
  // Largest first, and a sign convention so the result does not depend on rounding paths.
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => d[q] - d[p] || p - q)
  const values = new Float64Array(n)
  const vectors = new Float64Array(n * n)
  order.forEach((src, dst) => {
    values[dst] = d[src]
    let big = 0
    for (let i = 0; i < n; i++) if (Math.abs(V[i * n + src]) > Math.abs(big)) big = V[i * n + src]
    const s = big < 0 ? -1 : 1
    for (let i = 0; i < n; i++) vectors[i * n + dst] = s * V[i * n + src]
  })
  return { values, vectors }
}

/** Householder reduction to tridiagonal form (V becomes the accumulated transformation). */
function tred2(n: number, V: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j]
  for (let i = n - 1; i > 0; i--) {
    let scale = 0
    let h = 0
    for (let k = 0; k < i; k++) scale += Math.abs(d[k])
    if (scale === 0) {
      e[i] = d[i - 1]
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j]
        V[i * n + j] = 0
        V[j * n + i] = 0
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale
        h += d[k] * d[k]
      }
      let f = d[i - 1]
      let g = Math.sqrt(h)
      if (f > 0) g = -g
      e[i] = scale * g
      h -= f * g
      d[i - 1] = f - g
      for (let j = 0; j < i; j++) e[j] = 0
      for (let j = 0; j < i; j++) {
        f = d[j]
        V[j * n + i] = f
        g = e[j] + V[j * n + j] * f
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k]
          e[k] += V[k * n + j] * f
        }
        e[j] = g
      }
      f = 0
      for (let j = 0; j < i; j++) {
        e[j] /= h
        f += e[j] * d[j]
      }
      const hh = f / (h + h)
      for (let j = 0; j < i; j++) e[j] -= hh * d[j]
      for (let j = 0; j < i; j++) {
        f = d[j]
        g = e[j]
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k]
        d[j] = V[(i - 1) * n + j]
        V[i * n + j] = 0
      }
    }
    d[i] = h
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i]
    V[i * n + i] = 1
    const h = d[i + 1]
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h
      for (let j = 0; j <= i; j++) {
        let g = 0
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j]
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k]
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j]
    V[(n - 1) * n + j] = 0
  }
  V[(n - 1) * n + n - 1] = 1
  e[0] = 0
}

/** Symmetric tridiagonal QL with implicit shifts; eigenvalues into d, eigenvectors into V. */
function tql2(n: number, V: Float64Array, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]
  e[n - 1] = 0
  let f = 0
  let tst1 = 0
  const eps = 2 ** -52
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]))
    let m = l
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break
      m++
    }
    if (m > l) {
      let iter = 0
      do {
        if (++iter > 60)
          throw new EigenConvergenceError(`symmetricEigen: QL iteration did not converge for eigenvalue ${l} of ${n}`)
        let g = d[l]
        let p = (d[l + 1] - g) / (2 * e[l])
        let r = Math.hypot(p, 1)
        if (p < 0) r = -r
        d[l] = e[l] / (p + r)
        d[l + 1] = e[l] * (p + r)
        const dl1 = d[l + 1]
        let h = g - d[l]
        for (let i = l + 2; i < n; i++) d[i] -= h
        f += h
        p = d[m]
        let c = 1,
          c2 = c,
          c3 = c
        const el1 = e[l + 1]
        let s = 0,
          s2 = 0
        for (let i = m - 1; i >= l; i--) {
          c3 = c2
          c2 = c
          s2 = s
          g = c * e[i]
          h = c * p
          r = Math.hypot(p, e[i])
          e[i + 1] = s * r
          s = e[i] / r
          c = p / r
          p = c * d[i] - s * g
          d[i + 1] = h + s * (c * g + s * d[i])
          for (let k = 0; k < n; k++) {
            const row = k * n
            h = V[row + i + 1]
            V[row + i + 1] = s * V[row + i] + c * h
            V[row + i] = c * V[row + i] - s * h
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1
        e[l] = s * p
        d[l] = c * p
      } while (Math.abs(e[l]) > eps * tst1)
    }
    d[l] = d[l] + f
    e[l] = 0
  }
}

export interface Pca {
  /** Input dimension (1024 for glyphs). */
  dim: number
  /** Components kept. */
  k: number
  /** Mean of the training rows (dim). */
  mean: Float64Array
  /** k×dim row-major: the principal directions, unit length, largest variance first. */
  components: Float64Array
  /** Every eigenvalue of the covariance (variance along each direction), largest first. */
  variances: Float64Array
  /** Rows the PCA was fitted on. */
  n: number
}

/** Rows per block of the covariance sum: centred in float32 for the SIMD gemm, summed in float64. */
const COV_BLOCK = 256

/**
 * Sample covariance (dim×dim, row-major, divided by n−1) of the rows of x (n×dim). Blocks of
 * rows are multiplied in float32 and their products summed in float64, so the result is
 * deterministic and accurate to ~1e-6 relative.
 */
export function covariance(x: ArrayLike<number>, n: number, dim: number): { mean: Float64Array; cov: Float64Array } {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`covariance needs at least 2 rows, got ${n}`)
  if (x.length < n * dim) throw new RangeError(`covariance: x has ${x.length} values, ${n}×${dim} needs ${n * dim}`)
  const mean = new Float64Array(dim)
  for (let i = 0; i < n; i++) for (let j = 0, o = i * dim; j < dim; j++) mean[j] += x[o + j]
  for (let j = 0; j < dim; j++) mean[j] /= n
  const cov = new Float64Array(dim * dim)
  const block = new Float32Array(COV_BLOCK * dim)
  const part = new Float32Array(dim * dim)
  for (let s = 0; s < n; s += COV_BLOCK) {
    const m = Math.min(COV_BLOCK, n - s)
    for (let i = 0; i < m; i++)
      for (let j = 0, o = (s + i) * dim, q = i * dim; j < dim; j++) block[q + j] = x[o + j] - mean[j]
    gemmTN(
      dim,
      dim,
      m,
      m === COV_BLOCK ? block : block.subarray(0, m * dim),
      m === COV_BLOCK ? block : block.subarray(0, m * dim),
      part,
      false
    )
    for (let i = 0; i < cov.length; i++) cov[i] += part[i]
  }
  // Symmetrise exactly (the float32 blocks may differ in the last bit between (i,j) and (j,i)).
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < i; j++) {
      const v = (cov[i * dim + j] + cov[j * dim + i]) / (2 * (n - 1))
      cov[i * dim + j] = v
      cov[j * dim + i] = v
    }
    cov[i * dim + i] /= n - 1
  }
  return { mean, cov }
}

/**
 * Fits a k-component PCA to the rows of x (n×dim). With fewer rows than dimensions it decomposes
 * the n×n Gram matrix of the centred rows instead (same nonzero variances; components
 * Xcᵀu/√((n−1)λ)), which is much cheaper and exact in the same way.
 */
export function fitPca(x: ArrayLike<number>, n: number, dim: number, k: number): Pca {
  if (!Number.isInteger(k) || k < 1 || k > dim)
    throw new RangeError(`fitPca: k must be a whole number in 1..${dim}, got ${k}`)
  if (n < dim) return fitPcaDual(x, n, dim, k)
  const { mean, cov } = covariance(x, n, dim)
  const { values, vectors } = symmetricEigen(cov, dim)
  const components = new Float64Array(k * dim)
  for (let c = 0; c < k; c++) for (let j = 0; j < dim; j++) components[c * dim + j] = vectors[j * dim + c]
  // Rounding can leave tiny negative variances on a rank-deficient covariance.
  for (let i = 0; i < values.length; i++) if (values[i] < 0) values[i] = 0
  return { dim, k, mean, components, variances: values, n }
}

function fitPcaDual(x: ArrayLike<number>, n: number, dim: number, k: number): Pca {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`fitPca needs at least 2 rows, got ${n}`)
  const mean = new Float64Array(dim)
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += x[i * dim + j]
  for (let j = 0; j < dim; j++) mean[j] /= n
  const xc = new Float64Array(n * dim)
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) xc[i * dim + j] = x[i * dim + j] - mean[j]
  const gram = new Float64Array(n * n)
  for (let a = 0; a < n; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0
      for (let j = 0, oa = a * dim, ob = b * dim; j < dim; j++) s += xc[oa + j] * xc[ob + j]
      gram[a * n + b] = gram[b * n + a] = s / (n - 1)
    }
  }
  const { values, vectors } = symmetricEigen(gram, n)
  const variances = new Float64Array(dim)
  for (let i = 0; i < n; i++) variances[i] = Math.max(values[i], 0)
  const components = new Float64Array(k * dim)
  for (let c = 0; c < Math.min(k, n); c++) {
    if (!(variances[c] > 1e-12 * variances[0])) break // no variance left: the rest stay zero
    const scale = 1 / Math.sqrt((n - 1) * variances[c])
    let big = 0
    for (let j = 0; j < dim; j++) {
      let s = 0
      for (let i = 0; i < n; i++) s += xc[i * dim + j] * vectors[i * n + c]
      components[c * dim + j] = s * scale
      if (Math.abs(components[c * dim + j]) > Math.abs(big)) big = components[c * dim + j]
    }
    if (big < 0) for (let j = 0; j < dim; j++) components[c * dim + j] = -components[c * dim + j]
  }
  return { dim, k, mean, components, variances, n }
}

/** Codes (n×k) of rows x: the coordinates of x − mean along the components. */
export function pcaEncode(pca: Pca, x: ArrayLike<number>, n: number): Float64Array {
  const { dim, k, mean, components } = pca
  const codes = new Float64Array(n * k)
  const row = new Float64Array(dim)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = x[i * dim + j] - mean[j]
    for (let c = 0; c < k; c++) {
      let s = 0
      for (let j = 0, o = c * dim; j < dim; j++) s += components[o + j] * row[j]
      codes[i * k + c] = s
    }
  }
  return codes
}

/** Reconstructions mean + codes·components of rows x (n×dim), as float32 images. */
export function pcaReconstruct(pca: Pca, x: ArrayLike<number>, n: number): Float32Array {
  const { dim, k, mean, components } = pca
  const codes = pcaEncode(pca, x, n)
  const out = new Float32Array(n * dim)
  const row = new Float64Array(dim)
  for (let i = 0; i < n; i++) {
    row.set(mean)
    for (let c = 0; c < k; c++) {
      const a = codes[i * k + c]
      for (let j = 0, o = c * dim; j < dim; j++) row[j] += a * components[o + j]
    }
    out.set(row, i * dim)
  }
  return out
}

/**
 * Numerical rank of the projection matrix P = CᵀC (dim×dim, C the k×dim components): P has the
 * nonzero eigenvalues of the k×k Gram matrix C·Cᵀ, so its rank is the count of those above
 * tol·(largest).
 */
export function projectionRank(
  pca: Pca,
  tol = 1e-9
): { rank: number; shape: [number, number]; singularValues: number[] } {
  const { dim, k, components } = pca
  const gram = new Float64Array(k * k)
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0
      for (let j = 0; j < dim; j++) s += components[a * dim + j] * components[b * dim + j]
      gram[a * k + b] = s
      gram[b * k + a] = s
    }
  }
  const { values } = symmetricEigen(gram, k)
  const top = Math.max(values[0], 0)
  const singularValues = Array.from(values, (v) => Math.max(v, 0))
  return { rank: singularValues.filter((v) => v > tol * top).length, shape: [dim, dim], singularValues }
}

/** Stored numbers of a k-component PCA: the components and the mean. */
export function pcaParameterCount(dim: number, k: number): number {
  return k * dim + dim
}
