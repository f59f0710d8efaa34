// Closing of the ink of 32×32 glyphs in the training format (background ≈ 1, ink ≈ 0): the ink grown by one
// pixel in every direction (a 3×3 minimum of the values), then shrunk by one (a 3×3 maximum). Gaps of up to two
// pixels inside a stroke close and the strokes keep their width — a broken letter read again as drawn whole
// (read/readLines.ts#prepareLines). Pixels outside the glyph take no part (OpenCV's default border for
// morphology), so ink near the edge is neither grown from nor eaten by the border.
import { GLYPH_PIXELS, GLYPH_SIZE } from '../../shared/classes.ts'

/** Per row then per column: a 3-wide minimum (grow: true) or maximum, out-of-range neighbours ignored. */
function filter3(src: Float32Array, dst: Float32Array, tmp: Float32Array, grow: boolean): void {
  const S = GLYPH_SIZE
  const pick = grow ? Math.min : Math.max
  for (let y = 0; y < S; y++) {
    const r = y * S
    for (let x = 0; x < S; x++) {
      let v = src[r + x]
      if (x > 0) v = pick(v, src[r + x - 1])
      if (x < S - 1) v = pick(v, src[r + x + 1])
      tmp[r + x] = v
    }
  }
  for (let y = 0; y < S; y++) {
    const r = y * S
    for (let x = 0; x < S; x++) {
      let v = tmp[r + x]
      if (y > 0) v = pick(v, tmp[r - S + x])
      if (y < S - 1) v = pick(v, tmp[r + S + x])
      dst[r + x] = v
    }
  }
}

/** The n glyphs of `glyphs` (n × 1024), each with its ink closed by a 3×3 square; a new array. */
export function closeGlyphInk(glyphs: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * GLYPH_PIXELS)
  const grown = new Float32Array(GLYPH_PIXELS)
  const tmp = new Float32Array(GLYPH_PIXELS)
  for (let i = 0; i < n; i++) {
    filter3(glyphs.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS), grown, tmp, true)
    filter3(grown, out.subarray(i * GLYPH_PIXELS, (i + 1) * GLYPH_PIXELS), tmp, false)
  }
  return out
}
