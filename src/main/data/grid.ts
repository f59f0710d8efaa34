// Renders many glyphs (or weight maps) as one grayscale PNG grid, for looking at data sets
// and first-layer weights.
import sharp from 'sharp'
import { GLYPH_SIZE } from '../../shared/classes.ts'

export interface GlyphGridOptions {
  /** Whole-number upscale factor per glyph pixel (nearest neighbour). Default 2. */
  scale?: number
  /** Pixels between cells, after scaling. Default 2. */
  gap?: number
  /** Gap and empty-cell grey level in [0,1]. Default 0.5, so white glyph backgrounds stay distinguishable. */
  gapValue?: number
  /** Side of one square glyph in values. Default 32. */
  size?: number
  /**
   * 'clamp' (default): values clamped to [0,1] (glyphs). 'per-glyph': each glyph stretched to its
   * own min..max (weights, whose range is arbitrary).
   */
  range?: 'clamp' | 'per-glyph'
}

/** PNG of glyphs 0..n-1 of `x` (n×size² row-major), `cols` per row. */
export async function glyphGridPng(
  x: Float32Array,
  n: number,
  cols: number,
  opts: GlyphGridOptions = {}
): Promise<Buffer> {
  const size = opts.size ?? GLYPH_SIZE
  const scale = opts.scale ?? 2
  const gap = opts.gap ?? 2
  const px = size * size
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`glyphGridPng: n must be a positive integer, got ${n}`)
  if (x.length < n * px) throw new RangeError(`glyphGridPng: x has ${x.length} values, fewer than n×${px} = ${n * px}`)
  if (!Number.isInteger(cols) || cols < 1)
    throw new RangeError(`glyphGridPng: cols must be a positive integer, got ${cols}`)
  if (!Number.isInteger(scale) || scale < 1 || scale > 64)
    throw new RangeError(`glyphGridPng: scale must be an integer 1..64, got ${scale}`)
  if (!Number.isInteger(gap) || gap < 0)
    throw new RangeError(`glyphGridPng: gap must be a non-negative integer, got ${gap}`)
  const c = Math.min(cols, n)
  const rows = Math.ceil(n / c)
  const cell = size * scale
  const width = c * cell + (c + 1) * gap
  const height = rows * cell + (rows + 1) * gap
  const img = Buffer.alloc(width * height, toByte(opts.gapValue ?? 0.5))
  for (let g = 0; g < n; g++) {
    const o = g * px
    let lo = 0,
      span = 1
    if (opts.range === 'per-glyph') {
      let mn = Infinity,
        mx = -Infinity
      for (let i = 0; i < px; i++) {
        const v = x[o + i]
        if (v < mn) mn = v
        if (v > mx) mx = v
      }
      lo = mn
      span = mx > mn ? mx - mn : 1
    }
    const x0 = gap + (g % c) * (cell + gap)
    const y0 = gap + Math.floor(g / c) * (cell + gap)
    for (let r = 0; r < size; r++) {
      for (let q = 0; q < size; q++) {
        const v = toByte((x[o + r * size + q] - lo) / span)
        for (let dy = 0; dy < scale; dy++) {
          const row = (y0 + r * scale + dy) * width + x0 + q * scale
          img.fill(v, row, row + scale)
        }
      }
    }
  }
  return sharp(img, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer()
}

function toByte(v: number): number {
  if (!(v > 0)) return 0 // also NaN
  if (v >= 1) return 255
  return Math.round(v * 255)
}
