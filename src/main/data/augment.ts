// Training-time augmentation of 32×32 glyphs already in the training format: a random affine
// warp (rotation, scale, shear, shift) and an occasional stroke thinning/thickening, so an MLP
// sees the jitter that segmentation and different pens produce. Draws randomness only from the
// Rng it is given (training stays reproducible) and allocates only once per augmenter.
import type { Rng } from '../nn/rng.ts'
import { GLYPH_PIXELS, GLYPH_SIZE } from '../../shared/classes.ts'

export interface GlyphAugmentParams {
  /** Probability that a glyph is augmented at all. */
  p: number
  rotationDeg: number
  scale: number
  shear: number
  shiftPx: number
  /** Probability of a 3×3 min (thicken ink) or max (thin ink) filter. */
  strokeP: number
}

export const DEFAULT_GLYPH_AUGMENT: GlyphAugmentParams = {
  p: 0.9,
  rotationDeg: 8,
  scale: 0.1,
  shear: 0.15,
  shiftPx: 2,
  strokeP: 0.25
}

export function createGlyphAugmenter(params: GlyphAugmentParams = DEFAULT_GLYPH_AUGMENT) {
  const S = GLYPH_SIZE
  const src = new Float32Array(GLYPH_PIXELS)
  const tmp = new Float32Array(GLYPH_PIXELS)
  const c = (S - 1) / 2

  function warp(g: Float32Array, off: number, rng: Rng): void {
    src.set(g.subarray(off, off + GLYPH_PIXELS))
    const a = (rng.uniformIn(-1, 1) * params.rotationDeg * Math.PI) / 180
    const s = 1 + rng.uniformIn(-1, 1) * params.scale
    const sh = rng.uniformIn(-1, 1) * params.shear
    const tx = rng.uniformIn(-1, 1) * params.shiftPx
    const ty = rng.uniformIn(-1, 1) * params.shiftPx
    // Inverse map: output pixel (u,v) samples the source at M⁻¹·(u-c-t, v-c-t) + c.
    const cos = Math.cos(a) / s,
      sin = Math.sin(a) / s
    for (let v = 0; v < S; v++) {
      const dy = v - c - ty
      for (let u = 0; u < S; u++) {
        const dx = u - c - tx
        const sxr = cos * dx + sin * dy
        const syr = -sin * dx + cos * dy
        const sx = sxr - sh * syr + c
        const sy = syr + c
        const x0 = Math.floor(sx),
          y0 = Math.floor(sy)
        const fx = sx - x0,
          fy = sy - y0
        const p00 = x0 >= 0 && x0 < S && y0 >= 0 && y0 < S ? src[y0 * S + x0] : 1
        const p10 = x0 + 1 >= 0 && x0 + 1 < S && y0 >= 0 && y0 < S ? src[y0 * S + x0 + 1] : 1
        const p01 = x0 >= 0 && x0 < S && y0 + 1 >= 0 && y0 + 1 < S ? src[(y0 + 1) * S + x0] : 1
        const p11 = x0 + 1 >= 0 && x0 + 1 < S && y0 + 1 >= 0 && y0 + 1 < S ? src[(y0 + 1) * S + x0 + 1] : 1
        g[off + v * S + u] = (p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy
      }
    }
  }

  /** 3×3 min filter (darker wins: thicker ink) or max filter (thinner ink). */
  function stroke(g: Float32Array, off: number, thicken: boolean): void {
    tmp.set(g.subarray(off, off + GLYPH_PIXELS))
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        let best = tmp[y * S + x]
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy
          if (yy < 0 || yy >= S) continue
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx
            if (xx < 0 || xx >= S) continue
            const v = tmp[yy * S + xx]
            if (thicken ? v < best : v > best) best = v
          }
        }
        // Blend half-way: a full 3×3 filter changes a 3 px stroke by 2 px, far more than pens differ.
        g[off + y * S + x] = 0.5 * (tmp[y * S + x] + best)
      }
    }
  }

  /** Augments n glyphs of xBatch in place. */
  return function augment(xBatch: Float32Array, n: number, rng: Rng): void {
    for (let i = 0; i < n; i++) {
      if (rng.uniform() >= params.p) continue
      const off = i * GLYPH_PIXELS
      warp(xBatch, off, rng)
      if (rng.uniform() < params.strokeP) stroke(xBatch, off, rng.uniform() < 0.5)
    }
  }
}
