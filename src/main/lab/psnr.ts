// Peak signal-to-noise ratio of reconstructed glyphs, the standard definition for images whose
// values lie in [0, 1]: PSNR = 10·log10(MAX² / MSE) with MAX = 1 and MSE the mean over the
// image's pixels of (reference − reconstruction)². Glyph files may hold values slightly outside
// [0, 1] (the synthetic sets ring to −0.15…1.15, like resampled scans), so both images are
// clamped to [0, 1] first: the score is that of the images as displayed. Polarity does not
// matter (1 − a vs 1 − b has the same MSE), so NIST's white-background glyphs score as they are.

/** Clamps every value into [0, 1] (NaN becomes 0), in a copy. */
export function clampUnit(x: ArrayLike<number>): Float32Array {
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i++) {
    const v = x[i]
    out[i] = v > 0 ? (v < 1 ? v : 1) : 0
  }
  return out
}

const unit = (v: number): number => (v > 0 ? (v < 1 ? v : 1) : 0)

/** Mean squared error between the clamped images a and b (each `pixels` values from the offsets). */
export function clampedMse(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  pixels = a.length,
  offsetA = 0,
  offsetB = 0
): number {
  if (!(pixels > 0)) throw new RangeError(`PSNR needs at least one pixel, got ${pixels}`)
  let s = 0
  for (let i = 0; i < pixels; i++) {
    const d = unit(a[offsetA + i]) - unit(b[offsetB + i])
    s += d * d
  }
  return s / pixels
}

/** PSNR in dB of one image pair; Infinity when they are identical. */
export function psnr(reference: ArrayLike<number>, reconstruction: ArrayLike<number>): number {
  if (reference.length !== reconstruction.length)
    throw new RangeError(`PSNR of images of different sizes (${reference.length} vs ${reconstruction.length})`)
  return psnrFromMse(clampedMse(reference, reconstruction))
}

export function psnrFromMse(mse: number): number {
  return 10 * Math.log10(1 / mse)
}

export interface PsnrSummary {
  /** Mean over images of each image's PSNR (how the coursework averaged skimage's per-image PSNR). */
  meanPsnr: number
  /** PSNR of the MSE pooled over all pixels of all images (never infinite unless all are perfect). */
  pooledPsnr: number
  /** Per-image PSNR. */
  perImage: Float64Array
  n: number
}

/** PSNR of n reconstructions (n×pixels) against their references. */
export function psnrSummary(
  reference: ArrayLike<number>,
  reconstruction: ArrayLike<number>,
  n: number,
  pixels: number
): PsnrSummary {
  if (reference.length < n * pixels || reconstruction.length < n * pixels)
    throw new RangeError(`PSNR of ${n} images of ${pixels} pixels needs ${n * pixels} values each`)
  const perImage = new Float64Array(n)
  let pooled = 0,
    sum = 0
  for (let i = 0; i < n; i++) {
    const mse = clampedMse(reference, reconstruction, pixels, i * pixels, i * pixels)
    pooled += mse
    perImage[i] = psnrFromMse(mse)
    sum += perImage[i]
  }
  return { meanPsnr: sum / n, pooledPsnr: psnrFromMse(pooled / n), perImage, n }
}
